import { isCairnError } from '../../../controller/model/errors';
import { replicaLeaseName, shardLeaseName, shardOf } from '../../../controller/shard/names';
import { writeDeadlineMs } from '../../../controller/shard/lease';
import { ShardManager } from '../../../controller/shard/shard-manager';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';
import { managerOnFakeApi } from './fake-api-manager';

const ENVS = Array.from({ length: 8 }, (_, i) => `env${i}`);
const SHARDS = 4;
const DURATION = 15_000;
const GROUP = 'g1';
const leaseOf = (env: string) => shardLeaseName(GROUP, shardOf(env, SHARDS));
const USED = [...new Set(ENVS.map(leaseOf))];
const REPLICA_LABELS = { 'cairn.dev/shard-group': GROUP, 'cairn.dev/shard-kind': 'replica' };

function replica(api: FakeLeaseApi, identity: string, clock = { ms: 0 }, peerUrls?: readonly string[]) {
  const manager = managerOnFakeApi({
    api,
    identity,
    group: GROUP,
    environments: ENVS,
    shards: SHARDS,
    leaseDurationMs: DURATION,
    advertiseUrl: `http://${identity}.example:8080/`,
    peerUrls,
    clock,
  });
  return { manager, clock, busy: new Set<string>() };
}

/** A forged heartbeat of `identity`, as a commit that can write Leases would leave it: written once. */
function fakeHeartbeat(api: FakeLeaseApi, identity: string, url: string) {
  api.forge(
    replicaLeaseName(GROUP, identity),
    { holderIdentity: identity, leaseDurationSeconds: 2_000_000_000 },
    { labels: REPLICA_LABELS, annotations: { 'cairn.dev/advertise-url': url } },
  );
}

describe('Leases a commit cannot forge or freeze', () => {
  const started: ShardManager[] = [];
  afterEach(async () => {
    for (const m of started.splice(0)) await m.stop();
  });
  const start = async (r: ReturnType<typeof replica>) => {
    started.push(r.manager);
    await r.manager.start({ gained: () => undefined, lost: () => undefined, busy: (e) => r.busy.has(e) });
    return r;
  };

  it('a shard Lease forged to a foreign holder with leaseDurationSeconds 2000000000 is taken back one lease duration after it stopped moving', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const shard = leaseOf('env0');
    // Given a forged holder and a huge duration, plus a URL on the shard Lease itself
    api.forge(
      shard,
      { holderIdentity: 'ghost', leaseDurationSeconds: 2_000_000_000 },
      { annotations: { 'cairn.dev/advertise-url': 'http://attacker.example' } },
    );
    await a.manager.tick(); // the renewal conflicts: a drops the shard
    expect(a.manager.holds('env0')).toBe(false);
    // Then it is not taken while the forged record is younger than the configured duration
    a.clock.ms = DURATION - 1;
    await a.manager.tick();
    expect(api.holderOf(shard)).toBe('ghost');
    // and it is taken back after it, whatever the object says
    a.clock.ms = DURATION + 1;
    await a.manager.tick();
    expect(api.holderOf(shard)).toBe('a');
    expect(a.manager.holds('env0')).toBe(true);
    // The takeover rewrote the Lease as ours: the forged URL is gone, the duration is the configured one.
    expect(api.leases.get(shard)!.spec.leaseDurationSeconds).toBe(15);
    expect(api.leases.get(shard)!.metadata.annotations).not.toHaveProperty('cairn.dev/advertise-url');
  });

  it('a fake heartbeat that never renews counts as a replica for one lease duration at most', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    for (const name of ['cairn-replica-x1', 'cairn-replica-x2', 'cairn-replica-x3'])
      api.forge(
        name,
        { holderIdentity: name, leaseDurationSeconds: 2_000_000_000 },
        { labels: REPLICA_LABELS },
      );
    await a.manager.tick();
    // Four "replicas" for a moment: a gives back down to ceil(shards / 4).
    const during = USED.filter((s) => api.holderOf(s) === 'a').length;
    expect(during).toBe(Math.ceil(USED.length / 4));
    a.clock.ms = DURATION + 1;
    await a.manager.tick();
    // After one lease duration they count for nothing: a holds every shard again.
    expect(USED.filter((s) => api.holderOf(s) === 'a')).toHaveLength(USED.length);
  });

  it('a handoff URL comes only from the holder’s live heartbeat that was seen renewing, never from the shard Lease', async () => {
    const api = new FakeLeaseApi();
    const clockB = { ms: 0 };
    const a = replica(api, 'a');
    for (const env of ENVS) a.busy.add(env); // a keeps every shard while b looks
    await start(a);
    const b = replica(api, 'b', clockB);
    started.push(b.manager);
    // b only reads (it is not started, so it takes nothing); a URL is forged on the shard Lease.
    api.forge(leaseOf('env1'), {}, { annotations: { 'cairn.dev/advertise-url': 'http://attacker.example' } });
    await b.manager.tick(); // b sees a's heartbeat for the first time
    expect(await b.manager.holderOf('env1')).toEqual({
      holder: 'a',
      url: undefined,
      reason: 'no live heartbeat of a advertises a URL',
    });
    await a.manager.tick(); // a renews its heartbeat
    await b.manager.tick(); // b sees it change: a replica at work
    expect(await b.manager.holderOf('env1')).toEqual({ holder: 'a', url: 'http://a.example:8080' });
    // and not once it stopped renewing for a lease duration, by b's clock
    clockB.ms = DURATION + 1;
    await b.manager.tick();
    expect(await b.manager.holderOf('env1')).toBeNull();
  });

  it('a forged heartbeat for a forged holder advertises nothing, however long its duration', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    fakeHeartbeat(api, 'ghost', 'http://attacker.example');
    api.forge(leaseOf('env2'), { holderIdentity: 'ghost', leaseDurationSeconds: 2_000_000_000 });
    await a.manager.tick();
    expect(await a.manager.holderOf('env2')).toMatchObject({ holder: 'ghost', url: undefined });
    // Written twice (seen renewing once), it is still refused when peerUrls is set and does not list it.
    fakeHeartbeat(api, 'ghost', 'http://attacker.example');
    const c = replica(api, 'c', { ms: 0 }, ['http://a.example:8080']);
    await c.manager.tick();
    fakeHeartbeat(api, 'ghost', 'http://attacker.example');
    await c.manager.tick();
    expect(await c.manager.holderOf('env2')).toEqual({
      holder: 'ghost',
      url: undefined,
      reason: 'http://attacker.example, advertised by ghost, is not in sharding.peerUrls',
    });
    await c.manager.stop();
  });

  it('a heartbeat seen renewing stops advertising once it has not moved for a lease duration, while its holder still holds a shard', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const c = replica(api, 'c', clock);
    fakeHeartbeat(api, 'ghost', 'http://ghost.example');
    await c.manager.tick();
    fakeHeartbeat(api, 'ghost', 'http://ghost.example'); // seen renewing once
    await c.manager.tick();
    api.forge(leaseOf('env3'), { holderIdentity: 'ghost', leaseDurationSeconds: 15 }, { labels: {} });
    expect(await c.manager.holderOf('env3')).toEqual({ holder: 'ghost', url: 'http://ghost.example' });
    clock.ms = DURATION + 1;
    // The shard Lease keeps moving (its holder renews it), the heartbeat does not.
    api.forge(leaseOf('env3'), { renewTime: 'later' });
    await c.manager.tick();
    expect(await c.manager.holderOf('env3')).toMatchObject({ holder: 'ghost', url: undefined });
    await c.manager.stop();
  });
});

describe('the write fence: synchronous, on the monotonic clock, from the last successful renewal', () => {
  it.each([
    ['just after a renewal', 0, true],
    // The bound is written as a literal: 15 s − 15 s/5 = 12 s, so a change of the margin shows here.
    ['one ms before the deadline (11,999 ms)', 11_999, true],
    ['at the deadline (12,000 ms = leaseDuration − leaseDuration/5)', 12_000, false],
    ['between the deadline and expiry (14,000 ms): the margin for requests in flight', 14_000, false],
    ['a lease duration later (a paused process)', DURATION + 1, false],
  ])('%s: passes = %s', async (_, elapsed, passes) => {
    const api = new FakeLeaseApi();
    const a = replica(api, 'a');
    await a.manager.start({ gained: () => undefined, lost: () => undefined, busy: () => false });
    const fence = a.manager.writeFence('env0', 'apply-aws');
    a.clock.ms = elapsed;
    const calls = api.writes;
    const error = (() => {
      try {
        fence();
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(api.writes).toBe(calls); // no API call either way
    if (passes) expect(error).toBeUndefined();
    else
      expect(isCairnError(error) && [error.code, error.retryable, error.phase]).toEqual([
        'shard.lost',
        true,
        'apply-aws',
      ]);
    await a.manager.stop();
  });

  it('a failed renewal does not move the deadline; a successful one does', async () => {
    const api = new FakeLeaseApi();
    const a = replica(api, 'a');
    await a.manager.start({ gained: () => undefined, lost: () => undefined, busy: () => false });
    const fence = a.manager.writeFence('env0');
    a.clock.ms = 5_000;
    api.failing = true;
    await a.manager.tick();
    api.failing = false;
    a.clock.ms = writeDeadlineMs(DURATION) - 1;
    expect(fence).not.toThrow();
    a.clock.ms = writeDeadlineMs(DURATION);
    expect(fence).toThrow(/no successful renewal/);
    await a.manager.tick(); // a renewal sent now succeeds
    a.clock.ms += writeDeadlineMs(DURATION) - 1;
    expect(fence).not.toThrow();
    await a.manager.stop();
  });

  it('throws once the shard is lost to another writer, at once (no need to wait for the clock)', async () => {
    const api = new FakeLeaseApi();
    const a = replica(api, 'a');
    await a.manager.start({ gained: () => undefined, lost: () => undefined, busy: () => false });
    const fence = a.manager.writeFence('env0');
    expect(fence).not.toThrow();
    api.overwrite(leaseOf('env0'), 'b');
    await a.manager.tick();
    expect(fence).toThrow(/not held here/);
    await a.manager.stop();
  });
});
