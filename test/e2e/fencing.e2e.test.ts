import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { publicRepository } from '../../controller/kube/identity';
import { createKubeClient } from '../../controller/kube/kube-client';
import { silentLog } from '../../controller/log';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import { shardGroup, shardLeaseName, shardOf } from '../../controller/shard/names';
import { bulkRelease } from '../helpers/bulk-release';
import { configMapValues } from '../helpers/config-map-values';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { ledgerChain } from '../helpers/ledger-chain';
import { BUILT_CAIRN } from '../helpers/killable-run';
import { freePort } from '../helpers/net';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(600_000);

const ENV = 'big';
const OBJECTS = 500;
const CONCURRENCY = 2;
const SECRET = 'fence-e2e-webhook-secret';
const AUDIT_KEY = randomBytes(32).toString('hex');
const HANDOFF_KEY = randomBytes(32).toString('base64');
const SHARDS = 4;
const BIN = BUILT_CAIRN;

/** A release of OBJECTS ConfigMaps holding `value`. */
const release = (namespace: string, value: string): string => bulkRelease(namespace, value, OBJECTS);

interface Replica {
  readonly name: string;
  readonly api: string;
  readonly config: string;
  process: ChildProcess | null;
}

/**
 * Three `cairn run` replicas share one 500-ConfigMap environment. The holder is frozen (SIGSTOP)
 * mid-apply of commit A; another replica takes the Lease over and applies commit B; after SIGCONT
 * the frozen one may write at most one group of `kubernetes.concurrency` objects (the stated bound)
 * and records nothing as succeeded for A. Cluster and ledger end on B, and the ledger verifies.
 */
describe('a replica frozen mid-apply cannot overwrite the newer release of the replica that took over', () => {
  const sandbox = sandboxEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-fence-e2e-'));
  const namespace = `fence-${randomBytes(3).toString('hex')}`;
  const table = `cairn-fence-${randomBytes(4).toString('hex')}`;
  const dynamo = new DynamoDBClient({
    region: sandbox.aws.region,
    endpoint: sandbox.aws.endpoint,
    credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey },
  });
  const childEnv = {
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    AWS_REGION: sandbox.aws.region,
    FENCE_WEBHOOK_SECRET: SECRET,
    FENCE_AUDIT_KEY: AUDIT_KEY,
    FENCE_HANDOFF_KEY: HANDOFF_KEY,
  };
  const kube = createKubeClient({ kubeconfig: sandbox.kubernetes.kubeconfig, concurrency: 4 });
  let repo: TestRepo;
  const replicas: Replica[] = [];
  let leases: ReturnType<typeof createKubeLeaseApi>;
  const figures: Record<string, number | string> = {};

  const configFor = (name: string, port: number): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        repository: { url: repo.bare, pollInterval: '10m', watch: false },
        environments: [
          {
            name: ENV,
            driftInterval: '0s',
            kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespace, concurrency: CONCURRENCY },
          },
        ],
        audit: {
          backend: 'dynamodb',
          dir: join(dir, `${name}-audit`),
          keyEnv: 'FENCE_AUDIT_KEY',
          dynamodb: { table, region: sandbox.aws.region, endpoint: sandbox.aws.endpoint },
        },
        server: { port, webhookSecretEnv: 'FENCE_WEBHOOK_SECRET' },
        sharding: {
          enabled: true,
          identity: name,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
          leaseDuration: '6s',
          renewInterval: '2s',
          shards: SHARDS,
          handoffKeyEnv: 'FENCE_HANDOFF_KEY',
        },
        workspaces: { dir: join(dir, `${name}-workspaces`) },
      }),
    );
    return file;
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
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const holder = async (): Promise<string | null> => {
    // The environment's shard Lease (environments are hashed into `sharding.shards` shards).
    const name = shardLeaseName(shardGroup(publicRepository(repo.bare)), shardOf(ENV, SHARDS));
    const lease = (await leases.list()).find((l) => l.metadata.name === name);
    return lease?.spec.holderIdentity ?? null;
  };

  const configMaps = () => configMapValues(kube, namespace);

  const chain = () => ledgerChain(dynamo, table, ENV);

  const ends = async () =>
    (await chain())
      .filter((r) => r.type === 'end')
      .map((r) => r.entry as { id: string; toSha: string; outcome: string; lease?: { holder: string } });

  const webhook = (r: Replica, sha: string) => {
    const body = JSON.stringify({ ref: `refs/heads/${ENV}`, after: sha });
    return fetch(`${r.api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `${ENV}-${sha}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
  };

  beforeAll(async () => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    repo = createTestRepo('fence', {
      [ENV]: {
        'k8s-resources/cms.yaml': stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: namespace },
        }),
      },
    });
    leases = createKubeLeaseApi(
      { kubeconfig: sandbox.kubernetes.kubeconfig, namespace: 'default' },
      shardGroup(publicRepository(repo.bare)),
      silentLog(),
    );
    for (const name of ['r0', 'r1', 'r2']) {
      const port = await freePort();
      replicas.push({ name, api: `http://127.0.0.1:${port}`, config: configFor(name, port), process: null });
    }
    for (const r of replicas) {
      const child = spawn(process.execPath, [BIN, 'run', '--config', r.config], {
        env: { ...process.env, ...childEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const log = createWriteStream(join(dir, `${r.name}.log`), { flags: 'a' });
      child.stdout.pipe(log);
      child.stderr.pipe(log);
      r.process = child;
    }
    await until('the first commit applied', 120_000, async () =>
      (await ends()).some((e) => e.toSha === repo.sha(ENV) && e.outcome === 'succeeded') ? true : undefined,
    );
  });

  afterAll(async () => {
    for (const r of replicas) {
      r.process?.kill('SIGCONT');
      r.process?.kill('SIGTERM');
    }
    leases?.close();
    kube.close();
    console.log(`fencing figures: ${JSON.stringify(figures)} (logs in ${dir})`);
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    repo?.remove();
    if (process.env.KEEP_FENCE_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
  });

  it(`writes at most ${CONCURRENCY} objects after it resumes, records nothing as succeeded for the old commit, and cluster and ledger end on the newer one`, async () => {
    // Given the holder applying commit A (500 ConfigMaps)
    const first = (await holder())!;
    const frozen = replicas.find((r) => r.name === first)!;
    const shaA = repo.commit(ENV, 'Release A', { 'k8s-resources/cms.yaml': release(namespace, 'A') });
    expect((await webhook(frozen, shaA)).status).toBe(202);
    await until('A half-way applied', 120_000, async () => {
      const n = [...(await configMaps()).values()].filter(([v]) => v === 'A').length;
      return n >= 40 ? n : undefined;
    });
    // When it is frozen mid-apply
    frozen.process!.kill('SIGSTOP');
    const frozenAt = Date.now();
    figures.appliedBeforeFreeze = [...(await configMaps()).values()].filter(([v]) => v === 'A').length;
    // and another replica takes the Lease and applies commit B
    const taker = await until('another replica holds the Lease', 60_000, async () => {
      const h = await holder();
      return h && h !== first ? h : undefined;
    });
    figures.takeoverMs = Date.now() - frozenAt;
    const shaB = repo.commit(ENV, 'Release B', { 'k8s-resources/cms.yaml': release(namespace, 'B') });
    expect(
      (
        await webhook(
          replicas.find((r) => r.name === taker)!,
          shaB,
        )
      ).status,
    ).toBe(202);
    await until('B applied by the new holder', 240_000, async () =>
      (await ends()).some((e) => e.toSha === shaB && e.outcome === 'succeeded') ? true : undefined,
    );
    const before = await configMaps();
    expect([...before].filter(([name, [v]]) => name.startsWith('cm-') && v !== 'B')).toEqual([]);

    // And the frozen replica resumes
    frozen.process!.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 15_000));

    // Then it wrote at most one group of `concurrency` objects after it resumed
    const after = await configMaps();
    const rewritten = [...after].filter(([name, [, rv]]) => before.get(name)?.[1] !== rv).map(([n]) => n);
    figures.writtenAfterResume = rewritten.length;
    expect(rewritten.length).toBeLessThanOrEqual(CONCURRENCY);
    // nothing is recorded as succeeded for A, and the ledger ends on B
    const entries = await ends();
    // (the new holder may itself have applied A on takeover, before B was pushed: that is its own, fenced, entry)
    const byFrozen = entries.filter((e) => e.toSha === shaA && e.lease?.holder === first);
    figures.frozenEntries = JSON.stringify(byFrozen.map((e) => e.outcome));
    expect(byFrozen.filter((e) => e.outcome === 'succeeded')).toEqual([]);
    const frozenLog = readFileSync(join(dir, `${first}.log`), 'utf8');
    figures.frozenLogShardLost = (frozenLog.match(/shard\.lost/g) ?? []).length;
    figures.frozenLogNotOpen = (frozenLog.match(/audit\.not-open/g) ?? []).length;
    expect(entries.filter((e) => e.outcome === 'succeeded').at(-1)).toMatchObject({
      toSha: shaB,
      lease: { holder: taker },
    });
    // a repair by the holder's next reconcile is not needed for the ledger: it verifies as it is
    Object.assign(process.env, childEnv);
    const reader = await AuditLog.reader(loadConfig(replicas[0]!.config).audit);
    try {
      expect(reader.reports().map((r) => r.firstBreak)).toEqual([null]);
      expect((await reader.lastApplied(ENV))?.sha).toBe(shaB);
    } finally {
      await reader.close();
    }
  });
});
