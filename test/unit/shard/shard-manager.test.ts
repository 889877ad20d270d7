import { isCairnError } from '../../../controller/model/errors';
import { fairShare } from '../../../controller/shard/balance';
import { replicaLeaseName, shardLeaseName, shardOf } from '../../../controller/shard/names';
import { writeDeadlineMs } from '../../../controller/shard/lease';
import { ShardManager, type ShardListener } from '../../../controller/shard/shard-manager';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';
import { managerOnFakeApi } from './fake-api-manager';

const ENVS = Array.from({ length: 30 }, (_, i) => `env${i}`);
const SHARDS = 6;
const DURATION = 15_000;
const GROUP = 'g1';
const USED = [...new Set(ENVS.map((env) => shardLeaseName(GROUP, shardOf(env, SHARDS))))];
const leaseOf = (env: string) => shardLeaseName(GROUP, shardOf(env, SHARDS));

/** A replica over the shared fake API, with its own manual monotonic clock. */
function replica(api: FakeLeaseApi, identity: string, clock = { ms: 0 }, peerUrls?: readonly string[]) {
  const gained: string[] = [];
  const lost: string[] = [];
  const busy = new Set<string>();
  // The timer never fires in a test: passes are driven through tick().
  const manager = managerOnFakeApi({
    api,
    identity,
    group: GROUP,
    environments: ENVS,
    shards: SHARDS,
    leaseDurationMs: DURATION,
    advertiseUrl: `http://${identity}.example:8080`,
    peerUrls,
    clock,
  });
  const listener: ShardListener = {
    gained: (env) => gained.push(env),
    lost: (env) => lost.push(env),
    busy: (env) => busy.has(env),
  };
  return { manager, listener, gained, lost, busy, clock };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('ShardManager: environments held through shard Leases (a double of the Lease API)', () => {
  const started: ShardManager[] = [];
  afterEach(async () => {
    for (const m of started.splice(0)) await m.stop();
  });
  const start = async (r: ReturnType<typeof replica>) => {
    started.push(r.manager);
    await r.manager.start(r.listener);
    return r;
  };

  it('a lone replica holds every shard that covers an environment, and so every environment; only its heartbeat names a URL', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    expect(a.manager.heldEnvironments()).toHaveLength(30);
    expect(a.gained.sort()).toEqual([...ENVS].sort());
    const shardLeases = [...api.leases.keys()].filter((n) => n.startsWith('cairn-shard-'));
    expect(shardLeases.sort()).toEqual([...USED].sort());
    const lease = api.leases.get(leaseOf('env0'))!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15 });
    expect(lease.metadata.labels).toEqual({
      'cairn.dev/shard-group': GROUP,
      'cairn.dev/shard-kind': 'shard',
    });
    expect(lease.metadata.annotations).not.toHaveProperty('cairn.dev/advertise-url');
    const beat = api.leases.get(replicaLeaseName(GROUP, 'a'))!;
    expect(beat.metadata.annotations?.['cairn.dev/advertise-url']).toBe('http://a.example:8080');
    expect(a.manager.status('env0')).toMatchObject({ held: true, holder: 'a', lease: leaseOf('env0') });
  });

  it('Lease writes per pass depend on the shards, not the environments: one per held shard plus the heartbeat', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const before = api.writes;
    await a.manager.tick();
    expect(api.writes - before).toBe(USED.length + 1);
  });

  it('three replicas end at the fair share of shards, each environment held by exactly one', async () => {
    const api = new FakeLeaseApi();
    const rs = [
      await start(replica(api, 'a')),
      await start(replica(api, 'b')),
      await start(replica(api, 'c')),
    ];
    for (let i = 0; i < 3; i += 1) {
      for (const r of rs) await r.manager.tick();
      await settle();
    }
    const shardCounts = rs.map((r) => USED.filter((s) => api.holderOf(s) === r.manager.identity).length);
    expect(shardCounts.reduce((x, y) => x + y, 0)).toBe(USED.length);
    expect(Math.max(...shardCounts)).toBeLessThanOrEqual(fairShare(USED.length, 3));
    for (const env of ENVS) {
      const holders = rs.filter((r) => r.manager.holds(env));
      expect(holders.map((r) => r.manager.identity)).toEqual([api.holderOf(leaseOf(env))]);
    }
  });

  it('never releases a shard while one of its environments is busy', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    for (const env of ENVS) a.busy.add(env);
    await start(replica(api, 'b'));
    await a.manager.tick();
    await settle();
    expect(a.manager.heldEnvironments()).toHaveLength(30);
    // One busy environment pins its shard, and only its shard.
    a.busy.clear();
    a.busy.add('env0');
    await a.manager.tick();
    expect(a.manager.holds('env0')).toBe(true);
    const held = USED.filter((s) => api.holderOf(s) === 'a').length;
    expect(held).toBe(fairShare(USED.length, 2));
  });

  it('takes over a dead replica only once its shards went unrenewed for the lease duration, by its own clock', async () => {
    const api = new FakeLeaseApi();
    const clockB = { ms: 0 };
    const a = replica(api, 'a');
    // a keeps every shard (all busy) while b joins, whatever the machine's timing.
    for (const env of ENVS) a.busy.add(env);
    await start(a);
    const b = replica(api, 'b', clockB);
    started.push(b.manager);
    await b.manager.start(b.listener);
    // a dies: it stops renewing and leaves its heartbeat and Leases behind, as kill -9 does.
    started.splice(started.indexOf(a.manager), 1);
    api.failing = true;
    await a.manager.stop();
    api.failing = false;
    clockB.ms = DURATION - 1;
    await b.manager.tick();
    expect(b.manager.heldEnvironments()).toHaveLength(0);
    clockB.ms = DURATION + 1;
    await b.manager.tick();
    expect(b.manager.heldEnvironments()).toHaveLength(30);
    expect(api.leases.get(leaseOf('env0'))?.spec.leaseTransitions).toBe(1);
  });

  it('fences from its own renewals with no API read, and with shard.lost once none was accepted within the write deadline', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const gets = api.gets;
    for (const env of ENVS) await a.manager.fence(env, 'apply-kubernetes');
    // A read per fence queued the renewals behind it on a loaded API server (issue 24, bench).
    expect(api.gets).toBe(gets);
    a.clock.ms = writeDeadlineMs(DURATION) - 1;
    await expect(a.manager.fence('env3', 'apply-kubernetes')).resolves.toMatchObject({ holder: 'a' });
    a.clock.ms = writeDeadlineMs(DURATION);
    const error = await a.manager.fence('env3', 'apply-aws').catch((e: unknown) => e);
    expect(isCairnError(error) && [error.code, error.retryable, error.phase]).toEqual([
      'shard.lost',
      true,
      'apply-aws',
    ]);
    expect(String(error)).toMatch(/no successful renewal for 12000 ms/);
    await a.manager.tick(); // a renewal accepted now moves the deadline
    await expect(a.manager.fence('env3', 'apply-kubernetes')).resolves.toMatchObject({ holder: 'a' });
  });

  it('fences with its proof naming the shard Lease; a foreign write seen by the watch is read afresh and stops it with shard.lost', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const proof = await a.manager.fence('env3', 'apply-kubernetes');
    expect(proof).toEqual({
      holder: 'a',
      resourceVersion: api.leases.get(leaseOf('env3'))!.metadata.resourceVersion,
      name: leaseOf('env3'),
    });
    api.overwrite(leaseOf('env3'), 'b');
    const error = await a.manager.fence('env3', 'apply-kubernetes').catch((e: unknown) => e);
    expect(isCairnError(error) && [error.code, error.retryable, error.phase]).toEqual([
      'shard.lost',
      true,
      'apply-kubernetes',
    ]);
    expect(a.manager.holds('env3')).toBe(false);
    // Every environment of that shard is lost with it.
    const siblings = ENVS.filter((env) => leaseOf(env) === leaseOf('env3'));
    expect(a.lost.sort()).toEqual(siblings.sort());
  });

  it('releases whole shards only: a shard with an environment not named stays held', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const shard = leaseOf('env0');
    const members = ENVS.filter((env) => leaseOf(env) === shard);
    expect(members.length).toBeGreaterThan(1);
    await a.manager.release(members.slice(1));
    expect(api.holderOf(shard)).toBe('a');
    await a.manager.release(members);
    expect(api.holderOf(shard)).toBeNull();
  });

  it('ignores the Leases of another group (another repository) in the namespace', async () => {
    const api = new FakeLeaseApi();
    api.forge(
      'cairn-replica-g2-x',
      { holderIdentity: 'x', leaseDurationSeconds: 15 },
      { labels: { 'cairn.dev/shard-group': 'g2', 'cairn.dev/shard-kind': 'replica' } },
    );
    const a = await start(replica(api, 'a'));
    expect(a.manager.heldEnvironments()).toHaveLength(30);
  });
});
