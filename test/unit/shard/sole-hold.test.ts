import { silentLog } from '../../../controller/log';
import { SoleHold } from '../../../controller/shard/sole-hold';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';

const LEASE = 'cairn-shard-abc-3';

function hold(api: FakeLeaseApi, clock: { ms: number }) {
  return new SoleHold({
    api,
    identity: 'cli-x',
    group: 'abc',
    lease: LEASE,
    label: '3/16',
    leaseDurationMs: 15_000,
    renewIntervalMs: 5_000,
    log: silentLog(),
    clock: () => clock.ms,
  });
}

/** The Lease a `cairn sync` takes when no replica holds the environment (issue 24). */
describe('SoleHold', () => {
  it('takes a free Lease, proves it before an apply phase, and clears the holder on release', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const h = hold(api, clock);
    expect(await h.take(null)).toBe(true);
    await expect(h.fence('dev', 'apply-kubernetes')).resolves.toMatchObject({ holder: 'cli-x', name: LEASE });
    expect(() => h.writeFence('dev', 'apply-kubernetes')()).not.toThrow();
    await h.release();
    expect(api.leases.get(LEASE)!.spec.holderIdentity).toBeNull();
  });

  it('loses a race for the Lease to another writer', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const seen = null;
    await hold(api, clock).take(seen);
    expect(await hold(api, clock).take(seen)).toBe(false);
  });

  it('stops writes once the Lease is taken by someone else, or not renewed within the write deadline', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const h = hold(api, clock);
    await h.take(null);
    clock.ms = 12_001; // past leaseDuration − leaseDuration/5
    expect(() => h.writeFence('dev', 'apply-kubernetes')()).toThrow(/no successful renewal/);
    clock.ms = 0;
    api.overwrite(LEASE, 'replica-b');
    await expect(h.fence('dev', 'apply-kubernetes')).rejects.toMatchObject({ code: 'shard.lost' });
    await h.release();
  });
});
