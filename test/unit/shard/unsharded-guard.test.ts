import { silentLog } from '../../../controller/log';
import { isCairnError } from '../../../controller/model/errors';
import { GROUP_LABEL, KIND_LABEL } from '../../../controller/shard/lease';
import { microTime } from '../../../controller/shard/lease-record';
import { unshardedLeaseName, UnshardedGuard } from '../../../controller/shard/unsharded-guard';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';

const GROUP = 'abc123abc123';
const NAME = unshardedLeaseName(GROUP);

/** A guard on `api` with a settable wall clock; `sleep` advances it (and runs `during`). */
function guard(
  api: FakeLeaseApi,
  who: { identity: string; host: string; pid: number },
  clock: { ms: number },
  during: () => Promise<void> = async () => undefined,
  alive: (pid: number) => boolean = () => true,
  monotonic?: { ms: number },
) {
  return new UnshardedGuard({
    ...(monotonic ? { clock: () => monotonic.ms } : {}),
    api,
    group: GROUP,
    ...who,
    namespace: 'cairn',
    leaseDurationMs: 15_000,
    renewIntervalMs: 5_000,
    log: silentLog(),
    now: () => new Date(clock.ms),
    sleep: async (ms) => {
      clock.ms += ms;
      await during();
    },
    alive,
  });
}

async function refusal(claim: Promise<void>): Promise<Error> {
  const error = await claim.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('the claim was not refused');
  return error;
}

describe('UnshardedGuard', () => {
  const r1 = { identity: 'cairn-0_aaaa', host: 'cairn-0', pid: 41 };
  const r2 = { identity: 'cairn-1_bbbb', host: 'cairn-1', pid: 42 };

  it('refuses a second replica while the first holds a live heartbeat, naming it', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
    const first = guard(api, r1, clock);
    await first.claim(() => undefined);
    clock.ms += 4_000;
    const error = await refusal(guard(api, r2, clock).claim(() => undefined));
    expect(isCairnError(error) && error.code).toBe('sharding.unsharded-peer');
    expect(error.message).toContain('cairn-0_aaaa on cairn-0 (pid 41) since 2026-12-04T20:00:00.000000Z');
    expect(api.leases.get(NAME)!.spec.holderIdentity).toBe(r1.identity);
    await first.release();
  });

  it('takes the heartbeat of a replica that died once it has not moved for a renew interval', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
    await guard(api, r1, clock).claim(() => undefined); // never renewed again: the process died
    clock.ms += 16_000;
    const second = guard(api, r2, clock);
    await second.claim(() => undefined);
    expect(api.leases.get(NAME)!.spec.holderIdentity).toBe(r2.identity);
    await second.release();
  });

  it('refuses when a heartbeat that is old by our clock keeps moving (the holder clock lags)', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
    await guard(api, r1, clock).claim(() => undefined);
    clock.ms += 60_000;
    const renewByLaggingHolder = async () => {
      const lease = api.leases.get(NAME)!;
      await api.replace({ ...lease, spec: { ...lease.spec, renewTime: microTime(new Date(0)) } });
    };
    const error = await refusal(guard(api, r2, clock, renewByLaggingHolder).claim(() => undefined));
    expect(isCairnError(error) && error.code).toBe('sharding.unsharded-peer');
  });

  it.each([
    ['its process is gone', { ...r1, identity: 'cairn-0_cccc', pid: 77 }, () => false],
    ['the pod restarted with the same pid', { ...r1, identity: 'cairn-0_dddd' }, () => true],
  ])('takes a same-host heartbeat at once when %s', async (_why, who, alive) => {
    const api = new FakeLeaseApi();
    const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
    await guard(api, r1, clock).claim(() => undefined);
    const restarted = guard(api, who, clock, () => Promise.reject(new Error('must not wait')), alive);
    await restarted.claim(() => undefined);
    expect(api.leases.get(NAME)!.spec.holderIdentity).toBe(who.identity);
    await restarted.release();
  });

  it('refuses while a sharded replica of the repository is live', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
    await api.create({
      metadata: { name: 'cairn-replica-x', labels: { [GROUP_LABEL]: GROUP, [KIND_LABEL]: 'replica' } },
      spec: { holderIdentity: 'sharded-0', renewTime: microTime(new Date(clock.ms - 1_000)) },
    });
    const error = await refusal(guard(api, r2, clock).claim(() => undefined));
    expect(error.message).toContain('sharded-0');
    expect(error.message).toContain('a sharded replica of this repository runs');
  });

  it('lets a successor start at once after a release, and tells the holder when its heartbeat is taken', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeLeaseApi();
      const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
      const first = guard(api, r1, clock);
      await first.claim(() => undefined);
      await first.release();
      expect(api.leases.has(NAME)).toBe(false);
      const lost: string[] = [];
      const second = guard(api, r2, clock);
      await second.claim((why) => lost.push(why));
      api.overwrite(NAME, 'intruder');
      await jest.advanceTimersByTimeAsync(5_000);
      expect(lost).toEqual([expect.stringContaining('was taken by intruder')]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('fences each write batch on its last landed renewal: paused past the write deadline, it stops', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeLeaseApi();
      const clock = { ms: Date.parse('2026-12-04T20:00:00Z') };
      const monotonic = { ms: 1_000 };
      const g = guard(api, r1, clock, undefined, undefined, monotonic);
      const fence = g.writeFence('dev', 'apply-kubernetes');
      const lostWhy = () => {
        try {
          fence();
          return undefined;
        } catch (error) {
          return isCairnError(error) ? `${error.code}: ${error.message}` : String(error);
        }
      };
      // not held yet: no write
      expect(lostWhy()).toMatch(/^shard\.lost: .*it is not held here/);
      await g.claim(() => undefined);
      expect(lostWhy()).toBeUndefined();
      // the write deadline is four fifths of the 15 s lease duration: 12 s after the claim was sent
      monotonic.ms += 11_999;
      expect(lostWhy()).toBeUndefined();
      monotonic.ms += 1;
      expect(lostWhy()).toMatch(
        /^shard\.lost: .*no successful renewal for 12000 ms \(the bound is 12000 ms\)/,
      );
      // a renewal that lands moves the fence to when it was sent
      await jest.advanceTimersByTimeAsync(5_000);
      expect(lostWhy()).toBeUndefined();
      monotonic.ms += 11_999;
      expect(lostWhy()).toBeUndefined();
      // taken by another replica meanwhile: the next renewal finds out, and nothing more is written
      api.overwrite(NAME, 'intruder');
      await jest.advanceTimersByTimeAsync(5_000);
      expect(lostWhy()).toMatch(/it is not held here/);
      await g.release();
      expect(lostWhy()).toMatch(/it is not held here/);
    } finally {
      jest.useRealTimers();
    }
  });
});
