import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { fairShare } from '../../controller/shard/balance';
import { ReplicaGroup } from '../helpers/replica-group';

jest.setTimeout(300_000);

const ENVS = Array.from({ length: 12 }, (_, i) => `e${i}`);
const LEASE_DURATION_MS = 15_000; // the default: the SIGKILL bound is tested as shipped

/**
 * Three `cairn run` processes (the compiled bin) share 12 Kubernetes-only environments through
 * shard Leases (the default 16 shards) on the sandbox's kube-apiserver and one audit ledger in
 * DynamoDB on the sandbox's moto. The figures measured here (takeover after SIGTERM and after
 * SIGKILL, handoff latency) are printed for the report.
 */
describe('sharding environments across three replicas with shard Leases', () => {
  const g = new ReplicaGroup({ envs: ENVS, replicas: ['r0', 'r1', 'r2'] });
  const figures: Record<string, number | string> = {};
  const status = (r: (typeof g.replicas)[number]) => g.status(r);
  const holders = () => g.holders();
  const until = <T>(what: string, ms: number, probe: () => Promise<T | undefined>) =>
    g.until(what, ms, probe);
  const chain = (env: string) => g.chain(env);
  const appliedBy = (env: string, sha: string) => g.appliedBy(env, sha);

  beforeAll(() => g.start());

  afterAll(async () => {
    console.log(`sharding figures: ${JSON.stringify(figures)} (logs in ${g.dir})`);
    await g.stop();
  });

  it('converges: every environment applied, each shard held by exactly one replica, none above the fair share of shards', async () => {
    const started = Date.now();
    await until('all 12 environments applied', 120_000, async () => {
      for (const env of ENVS) if ((await appliedBy(env, g.repo.sha(env))) === undefined) return undefined;
      return true;
    });
    figures.convergeAfterHealthyMs = Date.now() - started;
    const used = g.usedShards();
    const fair = fairShare(used.length, 3);
    // Balance settles within a renew interval or two once all three heartbeats are seen.
    const counts = await until(`balanced at most ${fair} shards each`, 30_000, async () => {
      const byShard = new Map((await g.leases.list()).map((l) => [l.metadata.name, l.spec.holderIdentity]));
      const held = g.replicas.map((r) => used.filter((s) => byShard.get(s) === r.name).length);
      const total = held.reduce((a, b) => a + b, 0);
      return total === used.length && held.every((n) => n <= fair) ? held : undefined;
    });
    figures.shards = `${used.length} used of 16`;
    figures.balance = counts.join('/');
    expect(Math.max(...counts)).toBeLessThanOrEqual(fair);

    // The other replicas learn a holder from their Lease watch, which can lag the Lease by a
    // moment on a loaded machine: wait until every view agrees with the Leases, then check.
    const snapshot = async () => ({
      byLease: await holders(),
      views: await Promise.all(g.replicas.map((r) => status(r))),
    });
    const agreeing = (s: Awaited<ReturnType<typeof snapshot>>) =>
      ENVS.every((env) =>
        s.views.every((v) => v.find((e) => e.name === env)?.shard?.holder === s.byLease.get(env)),
      );
    const { byLease, views } = await until('every replica shows the Lease holders', 20_000, async () => {
      const s = await snapshot();
      return agreeing(s) ? s : undefined;
    }).catch(snapshot);
    for (const env of ENVS) {
      const heldBy = g.replicas.filter((_, i) => views[i]!.find((e) => e.name === env)?.shard?.held);
      expect(heldBy.map((r) => r.name)).toEqual([byLease.get(env)]);
      // Every replica shows the holder and the Lease's version, whoever holds it.
      for (const view of views) {
        const shard = view.find((e) => e.name === env)!.shard!;
        expect(shard.holder).toBe(byLease.get(env));
        expect(shard.resourceVersion).toMatch(/^\d+$/);
      }
    }

    const metrics = await (await fetch(`${g.replicas[0]!.api}/metrics`)).text();
    const envsOfR0 = views[0]!.filter((e) => e.shard?.held).length;
    expect(metrics).toContain(`cairn_shard_leases_held{replica="r0"} ${envsOfR0}`);
    const mine = [...byLease].filter(([, h]) => h === 'r0').map(([env]) => env);
    for (const env of mine) expect(metrics).toContain(`cairn_shard_held{env="${env}",replica="r0"} 1`);
  });

  it('a signed webhook sent to a replica that does not hold the environment is handed to the holder and applied', async () => {
    const byLease = await holders();
    const env = ENVS.find((e) => byLease.get(e) === 'r1')!;
    const sha = g.commit(env, 'v2');
    await g.heartbeatsRenewed();
    const sent = Date.now();
    const response = await g.webhook(g.replicas[0]!, env, sha);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { handoffs?: { env: string; result: string }[] };
    expect(body.handoffs).toEqual([{ env, result: 'forwarded' }]);
    const holder = await until(`${sha} applied`, 30_000, () => appliedBy(env, sha));
    figures.handoffToAppliedMs = Date.now() - sent;
    expect(holder).toBe('r1');
  });

  it('SIGTERM: the replica releases its Leases at once and the others take them over in under 2 s', async () => {
    const victim = g.replicas[2]!;
    const before = await holders();
    const theirs = ENVS.filter((env) => before.get(env) === 'r2');
    expect(theirs.length).toBeGreaterThan(0);
    const signalled = Date.now();
    victim.process!.kill('SIGTERM');
    await until('every Lease of r2 held by r0 or r1', 10_000, async () => {
      const now = await holders();
      return theirs.every((env) => ['r0', 'r1'].includes(now.get(env) ?? '')) ? true : undefined;
    });
    const took = Date.now() - signalled;
    figures.sigtermTakeoverMs = took;
    expect(took).toBeLessThan(2_000);
    await until('r2 exited', 10_000, async () => (victim.process!.exitCode !== null ? true : undefined));
    expect(victim.process!.exitCode).toBe(0);
    victim.process = null;
  });

  it('SIGKILL: the dead replica’s environments are taken over, and a pending commit applied, within the lease duration plus one reconcile', async () => {
    const victim = g.replicas[1]!;
    const before = await holders();
    const theirs = ENVS.filter((env) => before.get(env) === 'r1');
    expect(theirs.length).toBeGreaterThan(0);
    const killed = Date.now();
    victim.process!.kill('SIGKILL');
    victim.process = null;
    // Commits that land after r1 died: only the replica taking over can apply them.
    const shas = new Map(theirs.map((env) => [env, g.commit(env, 'v3')]));
    await until('every Lease of r1 held by r0', 60_000, async () => {
      const now = await holders();
      return theirs.every((env) => now.get(env) === 'r0') ? true : undefined;
    });
    figures.sigkillLeaseTakeoverMs = Date.now() - killed;
    for (const [env, sha] of shas) {
      const holder = await until(`${env} ${sha} applied`, 60_000, () => appliedBy(env, sha));
      expect(holder).toBe('r0');
    }
    const took = Date.now() - killed;
    figures.sigkillTakeoverAppliedMs = took;
    // Lease duration (15 s) + one renew interval of observation slack (5 s) + one reconcile (< 5 s here).
    expect(took).toBeLessThan(LEASE_DURATION_MS + 10_000);
    // r0 is alone: it holds all 12 (fair share with one live replica).
    const held = (await status(g.replicas[0]!)).filter((e) => e.shard?.held).length;
    expect(held).toBe(12);
  });

  it('the ledger shows each environment reconciled by one replica at a time, every apply fenced and chained under the key', async () => {
    let fenced = 0;
    for (const env of ENVS) {
      const records = await chain(env);
      // The chain is the order of appends: a start is always followed by its own end (or the
      // check of a quiet pass) before any other start, so no two reconciles of it overlapped.
      let open: string | null = null;
      for (const record of records) {
        if (record.type === 'start') {
          expect({ env, overlapsWith: open }).toEqual({ env, overlapsWith: null });
          open = record.id as string;
        } else if (record.type === 'end' || record.type === 'check') {
          const id = record.type === 'end' ? (record.entry as { id: string }).id : (record.id as string);
          expect(id).toBe(open);
          open = null;
        }
        const entry = record.entry as
          | { outcome?: string; lease?: { holder: string; resourceVersion: string; name?: string } }
          | undefined;
        if (record.type === 'end' && entry?.outcome === 'succeeded') {
          // The proof names the shard Lease that covers the environment.
          expect(entry.lease).toEqual({
            holder: expect.stringMatching(/^r[012]$/),
            resourceVersion: expect.stringMatching(/^\d+$/),
            name: g.shardOf(env),
          });
          fenced += 1;
        }
      }
    }
    expect(fenced).toBeGreaterThanOrEqual(12);
    // The lease field is inside the keyed hash: the whole ledger verifies under the key.
    Object.assign(process.env, g.childEnv);
    const reader = await AuditLog.reader(loadConfig(g.replicas[0]!.config).audit);
    try {
      const broken = reader.reports().filter((r) => r.firstBreak);
      expect(broken).toEqual([]);
      expect(reader.reports().length).toBe(12);
    } finally {
      await reader.close();
    }
  });
});
