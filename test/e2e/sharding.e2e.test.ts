import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { publicRepository } from '../../controller/kube/identity';
import { silentLog } from '../../controller/log';
import type { EnvironmentStatus } from '../../controller/server/types';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import { shardGroup } from '../../controller/shard/names';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { freePort } from '../helpers/net';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(300_000);

const ENVS = Array.from({ length: 12 }, (_, i) => `e${i}`);
const SECRET = 'shard-e2e-webhook-secret';
const AUDIT_KEY = randomBytes(32).toString('hex');
const LEASE_DURATION_MS = 15_000; // the default: the SIGKILL bound is tested as shipped
const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

interface Replica {
  readonly name: string;
  readonly api: string;
  readonly config: string;
  process: ChildProcess | null;
}

/**
 * Three `cairn run` processes (the compiled bin) share 12 Kubernetes-only environments through
 * Leases on the sandbox's kube-apiserver and one audit ledger in DynamoDB on the sandbox's moto.
 * The figures measured here (takeover after SIGTERM and after SIGKILL, handoff latency) are
 * printed for the report.
 */
describe('sharding environments across three replicas with Leases', () => {
  const sandbox = sandboxEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-shard-e2e-'));
  const prefix = `shard-${randomBytes(3).toString('hex')}`;
  const table = `cairn-shard-${randomBytes(4).toString('hex')}`;
  const dynamo = new DynamoDBClient({
    region: sandbox.aws.region,
    endpoint: sandbox.aws.endpoint,
    credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey },
  });
  const childEnv = {
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    AWS_REGION: sandbox.aws.region,
    SHARD_WEBHOOK_SECRET: SECRET,
    SHARD_AUDIT_KEY: AUDIT_KEY,
  };
  const figures: Record<string, number | string> = {};
  let repo: TestRepo;
  let replicas: Replica[] = [];
  let leases: ReturnType<typeof createKubeLeaseApi>;

  const configFor = (name: string, port: number): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        // No watcher and a long poll: only a webhook (or taking a Lease) makes a replica fetch.
        repository: { url: repo.bare, pollInterval: '10m', watch: false },
        environments: ENVS.map((env) => ({
          name: env,
          driftInterval: '0s',
          kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespace: `${prefix}-${env}` },
        })),
        audit: {
          backend: 'dynamodb',
          dir: join(dir, `${name}-audit`),
          keyEnv: 'SHARD_AUDIT_KEY',
          dynamodb: { table, region: sandbox.aws.region, endpoint: sandbox.aws.endpoint },
        },
        server: { port, webhookSecretEnv: 'SHARD_WEBHOOK_SECRET' },
        sharding: {
          enabled: true,
          identity: name,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
        },
        workspaces: { dir: join(dir, `${name}-workspaces`) },
      }),
    );
    return file;
  };

  const startReplica = (r: Replica): void => {
    const child = spawn(process.execPath, [BIN, 'run', '--config', r.config], {
      env: { ...process.env, ...childEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(dir, `${r.name}.log`), { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    r.process = child;
  };

  const status = async (r: Replica): Promise<readonly EnvironmentStatus[]> => {
    const response = await fetch(`${r.api}/api/environments`);
    return ((await response.json()) as { environments: EnvironmentStatus[] }).environments;
  };

  const holders = async (): Promise<Map<string, string | null>> => {
    const byName = new Map(
      (await leases.list()).map((l) => [l.metadata.annotations?.['cairn.dev/environment'], l]),
    );
    return new Map(ENVS.map((env) => [env, byName.get(env)?.spec.holderIdentity ?? null]));
  };

  const until = async <T>(
    what: string,
    timeoutMs: number,
    probe: () => Promise<T | undefined>,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** The records of one environment's chain, in chain order, straight from the table. */
  const chain = async (env: string): Promise<Record<string, unknown>[]> => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await dynamo.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: '#e = :e AND #s > :zero',
          ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
          ExpressionAttributeValues: { ':e': { S: env }, ':zero': { N: '0' } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) items.push(JSON.parse(item.line!.S!) as Record<string, unknown>);
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };

  /** The sha applied by an `end` record of `env` written after `from`, by which holder. */
  const appliedBy = async (env: string, sha: string): Promise<string | undefined> => {
    for (const record of await chain(env)) {
      const entry = record.entry as
        { toSha?: string; outcome?: string; lease?: { holder: string } } | undefined;
      if (record.type === 'end' && entry?.toSha === sha && entry.outcome === 'succeeded')
        return entry.lease?.holder;
    }
    return undefined;
  };

  const webhook = async (r: Replica, branch: string, sha: string) =>
    fetch(`${r.api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `${branch}-${sha}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET)
          .update(JSON.stringify({ ref: `refs/heads/${branch}`, after: sha }))
          .digest('hex')}`,
      },
      body: JSON.stringify({ ref: `refs/heads/${branch}`, after: sha }),
    });

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    repo = createTestRepo(
      'shard',
      Object.fromEntries(
        ENVS.map((env) => [
          env,
          { 'k8s-resources/greeting.yaml': greetingManifest(`${prefix}-${env}`, 'v1') },
        ]),
      ),
    );
    leases = createKubeLeaseApi(
      { kubeconfig: sandbox.kubernetes.kubeconfig, namespace: 'default' },
      shardGroup(publicRepository(repo.bare)),
      silentLog(),
    );
    replicas = [];
    for (const name of ['r0', 'r1', 'r2']) {
      const port = await freePort();
      replicas.push({ name, api: `http://127.0.0.1:${port}`, config: configFor(name, port), process: null });
    }
    for (const r of replicas) startReplica(r);
    // Process start-up (loading the bin) is no part of the figures below.
    await until('three replicas answering /healthz', 120_000, async () => {
      const answers = await Promise.all(replicas.map((r) => fetch(`${r.api}/healthz`)));
      return answers.every((a) => a.ok) ? true : undefined;
    });
  });

  afterAll(async () => {
    for (const r of replicas) r.process?.kill('SIGTERM');
    leases?.close();
    console.log(`sharding figures: ${JSON.stringify(figures)} (logs in ${dir})`);
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    repo?.remove();
    if (process.env.KEEP_SHARD_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it('converges: every environment applied, each held by exactly one replica, none above ceil(12/3)+1 = 5', async () => {
    const started = Date.now();
    await until('all 12 environments applied', 120_000, async () => {
      for (const env of ENVS) if ((await appliedBy(env, repo.sha(env))) === undefined) return undefined;
      return true;
    });
    figures.convergeAfterHealthyMs = Date.now() - started;
    // Balance settles within a renew interval or two once all three heartbeats are seen.
    const counts = await until('balanced at 4/4/4 or within the bound', 30_000, async () => {
      const views = await Promise.all(replicas.map((r) => status(r)));
      const held = views.map((v) => v.filter((e) => e.shard?.held).length);
      const total = held.reduce((a, b) => a + b, 0);
      return total === 12 && held.every((n) => n >= 3 && n <= 5) ? held : undefined;
    });
    figures.balance = counts.join('/');
    expect(Math.max(...counts)).toBeLessThanOrEqual(5);

    // The other replicas learn a holder from their Lease watch, which can lag the Lease by a
    // moment on a loaded machine: wait until every view agrees with the Leases, then check.
    const snapshot = async () => ({
      byLease: await holders(),
      views: await Promise.all(replicas.map((r) => status(r))),
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
      const heldBy = replicas.filter((_, i) => views[i]!.find((e) => e.name === env)?.shard?.held);
      expect(heldBy.map((r) => r.name)).toEqual([byLease.get(env)]);
      // Every replica shows the holder and the Lease's version, whoever holds it.
      for (const view of views) {
        const shard = view.find((e) => e.name === env)!.shard!;
        expect(shard.holder).toBe(byLease.get(env));
        expect(shard.resourceVersion).toMatch(/^\d+$/);
      }
    }

    const metrics = await (await fetch(`${replicas[0]!.api}/metrics`)).text();
    expect(metrics).toContain(`cairn_shard_leases_held{replica="r0"} ${counts[0]}`);
    const mine = [...byLease].filter(([, h]) => h === 'r0').map(([env]) => env);
    for (const env of mine) expect(metrics).toContain(`cairn_shard_held{env="${env}",replica="r0"} 1`);
  });

  it('a signed webhook sent to a replica that does not hold the environment is handed to the holder and applied', async () => {
    const byLease = await holders();
    const env = ENVS.find((e) => byLease.get(e) === 'r1')!;
    const sha = repo.commit(env, 'Handoff', {
      'k8s-resources/greeting.yaml': greetingManifest(`${prefix}-${env}`, 'v2'),
    });
    const sent = Date.now();
    const response = await webhook(replicas[0]!, env, sha);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { handoffs?: { env: string; result: string; holder?: string }[] };
    expect(body.handoffs).toEqual([{ env, result: 'forwarded', holder: 'r1' }]);
    const holder = await until(`${sha} applied`, 30_000, () => appliedBy(env, sha));
    figures.handoffToAppliedMs = Date.now() - sent;
    expect(holder).toBe('r1');
  });

  it('SIGTERM: the replica releases its Leases at once and the others take them over in under 2 s', async () => {
    const victim = replicas[2]!;
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
    const victim = replicas[1]!;
    const before = await holders();
    const theirs = ENVS.filter((env) => before.get(env) === 'r1');
    expect(theirs.length).toBeGreaterThan(0);
    const killed = Date.now();
    victim.process!.kill('SIGKILL');
    victim.process = null;
    // Commits that land after r1 died: only the replica taking over can apply them.
    const shas = new Map(
      theirs.map((env) => [
        env,
        repo.commit(env, 'While r1 is dead', {
          'k8s-resources/greeting.yaml': greetingManifest(`${prefix}-${env}`, 'v3'),
        }),
      ]),
    );
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
    const held = (await status(replicas[0]!)).filter((e) => e.shard?.held).length;
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
          { outcome?: string; lease?: { holder: string; resourceVersion: string } } | undefined;
        if (record.type === 'end' && entry?.outcome === 'succeeded') {
          expect(entry.lease).toEqual({
            holder: expect.stringMatching(/^r[012]$/),
            resourceVersion: expect.stringMatching(/^\d+$/),
          });
          fenced += 1;
        }
      }
    }
    expect(fenced).toBeGreaterThanOrEqual(12);
    // The lease field is inside the keyed hash: the whole ledger verifies under the key.
    process.env.SHARD_AUDIT_KEY = AUDIT_KEY;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    });
    const reader = await AuditLog.reader(loadConfig(replicas[0]!.config).audit);
    try {
      const broken = reader.reports().filter((r) => r.firstBreak);
      expect(broken).toEqual([]);
      expect(reader.reports().length).toBe(12);
    } finally {
      await reader.close();
    }
  });
});
