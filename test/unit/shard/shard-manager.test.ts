import { silentLog } from '../../../controller/log';
import { isCairnError } from '../../../controller/errors';
import { ShardManager, type ShardListener } from '../../../controller/shard/shard-manager';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';

const ENVS = Array.from({ length: 12 }, (_, i) => ({ env: `env${i}`, lease: `cairn-env-env${i}-abc` }));
const DURATION = 15_000;

/** A replica over the shared fake API, with its own manual monotonic clock. */
function replica(api: FakeLeaseApi, identity: string, clock = { ms: 0 }) {
  const gained: string[] = [];
  const lost: string[] = [];
  const busy = new Set<string>();
  const manager = new ShardManager({
    api,
    identity,
    group: 'g1',
    environments: ENVS,
    replicaLease: `cairn-replica-g1-${identity}`,
    leaseDurationMs: DURATION,
    // The timer never fires in a test: passes are driven through tick().
    renewIntervalMs: 3_600_000,
    advertiseUrl: `http://${identity}.example:8080`,
    log: silentLog(),
    clock: () => clock.ms,
    random: () => 0,
  });
  const listener: ShardListener = {
    gained: (env) => gained.push(env),
    lost: (env) => lost.push(env),
    busy: (env) => busy.has(env),
  };
  return { manager, listener, gained, lost, busy, clock };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('ShardManager over a double of the Lease API', () => {
  const started: ShardManager[] = [];
  afterEach(async () => {
    for (const m of started.splice(0)) await m.stop();
  });
  const start = async (r: ReturnType<typeof replica>) => {
    started.push(r.manager);
    await r.manager.start(r.listener);
    return r;
  };

  it('the write fence holds until two thirds of the lease duration after the last renewal was sent, on the monotonic clock, and throws shard.lost after', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const a = await start(replica(api, 'a', clock));
    const fence = a.manager.writeFence('env0');
    clock.ms = (DURATION * 2) / 3 - 1;
    expect(() => fence()).not.toThrow();
    clock.ms = (DURATION * 2) / 3;
    expect(() => fence()).toThrow(expect.objectContaining({ code: 'shard.lost', retryable: true }));
    // A renewal (sent now) moves the deadline on.
    await a.manager.tick();
    expect(() => fence()).not.toThrow();
    expect(() => a.manager.writeFence('not-an-env')()).toThrow(
      expect.objectContaining({ code: 'shard.lost' }),
    );
  });

  it('a lone replica takes every environment, each through one Lease naming it and where to reach it', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    expect(a.manager.heldEnvironments()).toHaveLength(12);
    expect(a.gained.sort()).toEqual(ENVS.map((e) => e.env).sort());
    const lease = api.leases.get('cairn-env-env0-abc')!;
    expect(lease.spec.holderIdentity).toBe('a');
    expect(lease.spec.leaseDurationSeconds).toBe(15);
    expect(lease.metadata.labels).toMatchObject({
      'cairn.dev/shard-group': 'g1',
      'cairn.dev/shard-kind': 'environment',
    });
    expect(lease.metadata.annotations).toMatchObject({
      'cairn.dev/advertise-url': 'http://a.example:8080',
      'cairn.dev/environment': 'env0',
    });
    expect(api.leases.get('cairn-replica-g1-a')?.metadata.labels?.['cairn.dev/shard-kind']).toBe('replica');
  });

  it('three replicas end at the fair share, each environment held by exactly one, none above ceil(12/3)+1', async () => {
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
    const counts = rs.map((r) => r.manager.heldEnvironments().length);
    expect(counts).toEqual([4, 4, 4]);
    const holders = ENVS.map((e) => rs.filter((r) => r.manager.holds(e.env)).length);
    expect(holders.every((n) => n === 1)).toBe(true);
    for (const e of ENVS) {
      const holder = api.holderOf(e.lease);
      expect(rs.find((r) => r.manager.identity === holder)?.manager.holds(e.env)).toBe(true);
    }
  });

  it('never releases a busy environment while balancing', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    for (const e of ENVS) a.busy.add(e.env);
    await start(replica(api, 'b'));
    await a.manager.tick();
    await settle();
    expect(a.manager.heldEnvironments()).toHaveLength(12);
    a.busy.clear();
    await a.manager.tick();
    expect(a.manager.heldEnvironments()).toHaveLength(6);
  });

  it('loses the race for a Lease another replica wrote first (a 409) and does not think it holds it', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const b = replica(api, 'b');
    started.push(b.manager);
    // b read the Leases while a held them, then a released one and c took it before b wrote.
    await b.manager.start(b.listener);
    const name = ENVS[0]!.lease;
    await a.manager.release([ENVS[0]!.env]);
    api.overwrite(name, 'c');
    await b.manager.tick();
    expect(b.manager.holds(ENVS[0]!.env)).toBe(false);
    expect(api.holderOf(name)).toBe('c');
  });

  it('takes over a dead replica only once its Leases went unrenewed for the lease duration, by its own clock', async () => {
    const api = new FakeLeaseApi();
    const clockB = { ms: 0 };
    const a = await start(replica(api, 'a'));
    const b = replica(api, 'b', clockB);
    started.push(b.manager);
    await b.manager.start(b.listener);
    // a dies: it stops renewing and leaves its heartbeat and Leases behind, as kill -9 does.
    started.splice(started.indexOf(a.manager), 1);
    api.failing = true;
    await a.manager.stop();
    api.failing = false;
    expect(api.leases.has('cairn-replica-g1-a')).toBe(true);
    clockB.ms = DURATION - 1;
    await b.manager.tick();
    expect(b.manager.heldEnvironments()).toHaveLength(0);
    clockB.ms = DURATION + 1;
    await b.manager.tick();
    expect(b.manager.heldEnvironments()).toHaveLength(12);
    for (const e of ENVS) expect(api.holderOf(e.lease)).toBe('b');
    expect(api.leases.get(ENVS[0]!.lease)?.spec.leaseTransitions).toBe(1);
  });

  it('fences: holds while the Lease is at its last written version, and stops with shard.lost once another wrote it', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const env = ENVS[3]!;
    const proof = await a.manager.fence(env.env, 'apply-kubernetes');
    expect(proof).toEqual({
      holder: 'a',
      resourceVersion: api.leases.get(env.lease)!.metadata.resourceVersion,
    });
    api.overwrite(env.lease, 'b');
    const error = await a.manager.fence(env.env, 'apply-kubernetes').catch((e: unknown) => e);
    expect(isCairnError(error) && error.code).toBe('shard.lost');
    expect(isCairnError(error) && error.retryable).toBe(true);
    expect(isCairnError(error) && error.phase).toBe('apply-kubernetes');
    expect(a.manager.holds(env.env)).toBe(false);
    expect(a.lost).toContain(env.env);
  });

  it('fences out a replica whose renewals failed for the lease duration, even though the Lease still names it', async () => {
    const api = new FakeLeaseApi();
    const clock = { ms: 0 };
    const a = await start(replica(api, 'a', clock));
    api.failing = true;
    clock.ms = DURATION + 1;
    await a.manager.tick();
    api.failing = false;
    expect(a.manager.holds('env1')).toBe(false);
    await expect(a.manager.fence('env1', 'apply-aws')).rejects.toMatchObject({ code: 'shard.lost' });
  });

  it('releases by clearing the holder, and another replica takes the Lease at once, without waiting for expiry', async () => {
    const api = new FakeLeaseApi();
    const a = await start(replica(api, 'a'));
    const b = await start(replica(api, 'b'));
    await a.manager.tick();
    await b.manager.tick();
    const mine = a.manager.heldEnvironments();
    await a.manager.stop();
    await a.manager.release(mine);
    for (const env of mine) expect(api.holderOf(ENVS.find((e) => e.env === env)!.lease)).toBeNull();
    expect(api.leases.has('cairn-replica-g1-a')).toBe(false);
    // b's watch saw the releases; its next balance takes them, its clock not moved at all.
    await settle();
    expect(b.manager.heldEnvironments()).toHaveLength(12);
  });

  it('ignores the Leases of another group (another repository) in the namespace', async () => {
    const api = new FakeLeaseApi();
    await api.create({
      metadata: {
        name: 'cairn-replica-g2-x',
        labels: { 'cairn.dev/shard-group': 'g2', 'cairn.dev/shard-kind': 'replica' },
      },
      spec: { holderIdentity: 'x', leaseDurationSeconds: 15 },
    });
    // The real API lists by label selector; the double's list returns all, so the manager must not count g2 either.
    const a = await start(replica(api, 'a'));
    expect(a.manager.heldEnvironments()).toHaveLength(12);
  });
});
