import { createServer, type Server } from 'node:http';
import { fairShare } from '../../controller/shard/balance';
import { ADVERTISE_ANNOTATION, GROUP_LABEL, KIND_LABEL } from '../../controller/shard/lease';
import { replicaLeaseName } from '../../controller/shard/names';
import { microTime } from '../../controller/shard/lease-record';
import { freePort } from '../helpers/net';
import { ReplicaGroup } from '../helpers/replica-group';

jest.setTimeout(300_000);

const ENVS = Array.from({ length: 6 }, (_, i) => `f${i}`);
const LEASE_MS = 6_000;
const RENEW_MS = 2_000;
const HUGE = 2_000_000_000;

/**
 * Issue 23.3 against the real parts: three `cairn run` replicas (the compiled bin) share six
 * environments through shard Leases on the sandbox's kube-apiserver. Someone who can write a Lease
 * (a commit applied with too much authority, a person) forges a shard Lease to a foreign holder
 * with a huge `leaseDurationSeconds` and a URL of their own, and fakes replica heartbeats. The
 * replicas must take the shard back within the configured lease duration plus one renew
 * interval, apply the environment's next commit, never hand a webhook to the forged URL, and
 * keep their fair share once the fake heartbeats stop counting.
 */
describe('shard Leases a direct write cannot forge or freeze (three replicas)', () => {
  const g = new ReplicaGroup({
    envs: ENVS,
    replicas: ['r0', 'r1', 'r2'],
    leaseDuration: `${LEASE_MS / 1000}s`,
    renewInterval: `${RENEW_MS / 1000}s`,
    shards: 8,
  });
  const figures: Record<string, number | string> = {};
  const forged: { method?: string; url?: string }[] = [];
  let listener: Server;
  let forgedUrl = '';

  beforeAll(async () => {
    // The attacker's listener: every request it receives is a handoff that should not have happened.
    const port = await freePort();
    listener = createServer((req, res) => {
      forged.push({ method: req.method, url: req.url });
      res.writeHead(202).end('{}');
    });
    await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
    forgedUrl = `http://127.0.0.1:${port}`;
    await g.start();
    await g.until('every environment applied', 120_000, async () => {
      for (const env of ENVS) if ((await g.appliedBy(env, g.repo.sha(env))) === undefined) return undefined;
      return true;
    });
  });

  afterAll(async () => {
    console.log(`forged-lease figures: ${JSON.stringify(figures)} (logs in ${g.dir})`);
    await g.stop();
    await new Promise((resolve) => listener.close(resolve));
  });

  const heldBy = async (): Promise<Map<string, string | null | undefined>> =>
    new Map((await g.leases.list()).map((l) => [l.metadata.name, l.spec.holderIdentity]));

  it('a shard Lease forged to a foreign holder with leaseDurationSeconds 2000000000 is taken back within leaseDuration + renewInterval; the next commit applies; no handoff reaches the forged URL', async () => {
    const env = ENVS[0]!;
    const shard = g.shardOf(env);
    const current = (await g.leases.get(shard))!;
    const now = microTime(new Date());
    // Given a direct write of the shard Lease and a heartbeat for its forged holder, both pointing at the listener
    await g.leases.create({
      metadata: {
        name: replicaLeaseName(g.group, 'ghost'),
        labels: { [GROUP_LABEL]: g.group, [KIND_LABEL]: 'replica' },
        annotations: { [ADVERTISE_ANNOTATION]: forgedUrl },
      },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: HUGE, renewTime: now, acquireTime: now },
    });
    await g.leases.replace({
      ...current,
      metadata: {
        ...current.metadata,
        annotations: { ...(current.metadata.annotations ?? {}), [ADVERTISE_ANNOTATION]: forgedUrl },
      },
      spec: { ...current.spec, holderIdentity: 'ghost', leaseDurationSeconds: HUGE, renewTime: now },
    });
    const forgedAt = Date.now();

    // When the environment gets a commit and its push reaches every replica while "ghost" holds it
    const sha = g.commit(env, 'v2');
    const answers = await Promise.all(g.replicas.map(async (r) => (await g.webhook(r, env, sha)).json()));
    const results = answers.flatMap((a) => (a as { handoffs?: { result: string }[] }).handoffs ?? []);
    figures.handoffResultsWhileForged = results.map((h) => h.result).join(',');
    expect(results.filter((h) => h.result === 'forwarded')).toEqual([]);

    // Then a replica takes the shard back within the configured lease duration plus one renew interval
    const taker = await g.until(
      'the shard held by a replica again',
      LEASE_MS + RENEW_MS + 10_000,
      async () => {
        const holder = (await heldBy()).get(shard);
        return holder && holder !== 'ghost' ? holder : undefined;
      },
    );
    const tookMs = Date.now() - forgedAt;
    figures.forgedLeaseTakenBackMs = tookMs;
    expect(tookMs).toBeLessThanOrEqual(LEASE_MS + RENEW_MS);
    const retaken = (await g.leases.get(shard))!;
    expect(retaken.spec.leaseDurationSeconds).toBe(LEASE_MS / 1000);
    expect(retaken.metadata.annotations ?? {}).not.toHaveProperty(ADVERTISE_ANNOTATION);

    // and the commit pushed while it was forged is applied by the new holder
    const applier = await g.until(`${sha} applied`, 60_000, () => g.appliedBy(env, sha));
    figures.forgedToAppliedMs = Date.now() - forgedAt;
    expect(applier).toBe(taker);
    // and nothing was ever sent to the forged URL
    expect(forged).toEqual([]);
  });

  it('fake replica heartbeats that never renew do not change the fair share after one lease duration', async () => {
    const used = g.usedShards();
    const fair = fairShare(used.length, 3);
    const now = microTime(new Date());
    for (let i = 0; i < 9; i += 1)
      await g.leases.create({
        metadata: {
          name: replicaLeaseName(g.group, `fake-${i}`),
          labels: { [GROUP_LABEL]: g.group, [KIND_LABEL]: 'replica' },
        },
        spec: { holderIdentity: `fake-${i}`, leaseDurationSeconds: HUGE, renewTime: now, acquireTime: now },
      });
    const fakedAt = Date.now();
    // While they count (one lease duration at most), the replicas see 12 live and give shards back.
    let leastHeld = used.length;
    while (Date.now() - fakedAt < LEASE_MS) {
      const byShard = await heldBy();
      leastHeld = Math.min(leastHeld, used.filter((s) => /^r[012]$/.test(byShard.get(s) ?? '')).length);
      await new Promise((r) => setTimeout(r, 200));
    }
    figures.shardsHeldAtLeastWhileFakesCounted = `${leastHeld} of ${used.length}`;
    // After one lease duration (plus a renew interval to rebalance), every shard is held again, at most the fair share of 3 each.
    const balanced = async () => {
      const byShard = await heldBy();
      const counts = g.replicas.map((r) => used.filter((s) => byShard.get(s) === r.name).length);
      return counts.reduce((a, b) => a + b, 0) === used.length && counts.every((n) => n <= fair)
        ? counts
        : undefined;
    };
    const counts = await g.until('balanced among the three real replicas', LEASE_MS + 2 * RENEW_MS, balanced);
    figures.rebalancedAfterFakesMs = Date.now() - fakedAt;
    figures.balanceAfterFakes = counts.join('/');
    // and it stays so: the fakes never count again.
    await new Promise((r) => setTimeout(r, 2 * RENEW_MS));
    expect(await balanced()).toBeDefined();
    expect(forged).toEqual([]);
  });
});
