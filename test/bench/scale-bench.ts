/**
 * Scale benchmark: one `cairn run` replica (a separate process, so its peak RSS is its own, read
 * as VmHWM from /proc/<pid>/status) with N Kubernetes-only environments against the sandbox's
 * kube-apiserver. Each environment is one branch of one local repository (made with one
 * `git fast-import` stream) holding a Namespace and 20 ConfigMaps. From cold (empty audit log,
 * workspaces and namespaces), it measures the time until every environment's head is applied (read
 * from `/api/environments`), the peak RSS, the RSS once settled and the CPU time used; runs at
 * N/10, N/2 and N give the marginal RSS per added environment. Beside each time, the floor: the
 * same objects applied raw at the rate the kube-apiserver took in this run (on a shared machine the
 * kube-apiserver is what bounds the time). Flux's published figure is printed beside it.
 * Run: `npx tsx test/bench/scale-bench.ts [--json]`; `SCALE_ENVS=100` for a quick run (default
 * 1000); `SCALE_NODE_ARGS='--heapsnapshot-signal=SIGUSR2'` passes flags to the replica's node;
 * `SCALE_MAX_CONCURRENT=N` sets its `reconcile.maxConcurrent`. When the build has sharding, 3
 * replicas then share `SCALE_SHARDED_ENVS` environments (default 1500; 0 skips) through Leases in a
 * namespace of their own, with one DynamoDB ledger on the sandbox's moto; one replica with as many
 * environments is measured first as its floor. `SCALE_SHARDED_LIMIT_S` bounds that run (default
 * 600) and `SCALE_MOTO_MAX_MIB` (default 6144) stops it before moto's memory takes the machine;
 * `SCALE_LOG_DIR` keeps the replicas' logs there; `SCALE_SHARDED_REPLICAS` (default 3) sets how many
 * replicas share them (1: one sharded replica on the same ledger, the cost of the ledger alone);
 * stopped either way, it still prints its rates, counts and SIGKILL takeover.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStore } from '../../controller/audit/dynamodb-store';
import { publicRepository } from '../../controller/kube/identity';
import { createKubeClient, type KubeClient } from '../../controller/kube/kube-client';
import { silentLog } from '../../controller/log';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import { shardGroup } from '../../controller/shard/names';
import { freePort } from '../helpers/net';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';

const CONFIGMAPS = 20;
const FLOOR_ENVS = 50;
const FLOOR_CONNECTIONS = 32;
const CONVERGE_LIMIT_MS = 600_000;
/** The sharded run's limit (SCALE_SHARDED_LIMIT_S, default the same 600 s). */
const SHARDED_LIMIT_MS = Number(process.env.SCALE_SHARDED_LIMIT_S ?? CONVERGE_LIMIT_MS / 1000) * 1000;
const SETTLE_MS = 3_000;
/** How many replicas share the sharded run's environments (SCALE_SHARDED_REPLICAS, default 3; 1 shows the ledger's cost alone). */
const SHARDED_REPLICAS = Number(process.env.SCALE_SHARDED_REPLICAS ?? 3);
const MIB = 1024 * 1024;
/** Flux's published scale figure, as issue 18 quotes it: 1,000 Kustomizations. */
const FLUX = { environments: 1000, convergeMs: 256_000, peakRssMiB: 175 } as const;
/** The issue's targets for one replica. */
const TARGET = { environments: 1000, convergeMs: 60_000, peakRssMiB: 400, perEnvKiB: 250 } as const;

/** What one replica did with `environments` environments. */
export interface ReplicaFigures {
  readonly environments: number;
  /** From spawning the process until every environment's head is applied, ms. */
  readonly convergeMs: number;
  /** VmHWM at convergence, MiB. */
  readonly peakRssMiB: number;
  /** VmRSS a few seconds after convergence, MiB. */
  readonly settledRssMiB: number;
  /** CPU time (user + system) the replica used until convergence, s. */
  readonly cpuSeconds: number;
  /** The floor: the same objects applied raw at the kube-apiserver's rate measured in this run, ms. */
  readonly floorMs: number;
}

/** What `replicas` replicas sharing `environments` environments did. */
export interface ShardedFigures {
  readonly replicas: number;
  readonly environments: number;
  /** Environments whose head was applied by their holder when the run stopped (all of them, or the limit passed). */
  readonly applied: number;
  /** Why the run stopped before every environment was applied (the time limit, the moto guard). */
  readonly stoppedBecause?: string;
  /** From spawning the replicas until every environment's head is applied by its holder (or the limit), ms. */
  readonly convergeMs: number;
  /** The largest VmHWM of any replica, MiB. */
  readonly peakRssMiBMax: number;
  /** The VmHWM of all replicas together, MiB. */
  readonly peakRssMiBTotal: number;
  /** The most environments one replica held at convergence. */
  readonly heldMax: number;
  readonly floorMs: number;
  /** Shard Leases that cover an environment (of `sharding.shards`, default 16). */
  readonly shardLeases: number;
  /** Lease writes per second (creates and updates, from a watch) while converging, and in the 10 s after. */
  readonly leaseWritesPerSecondConverging: number;
  readonly leaseWritesPerSecondSteady: number;
  /** Environments applied per second while converging. */
  readonly appliedPerSecond: number;
  /** From SIGKILL of one replica until every shard it held is held by another, ms (null: not within 60 s). */
  readonly sigkillTakeoverMs: number | null;
  /** What the replicas' logs say happened until convergence (see ShardedLogCounts). */
  readonly log: ShardedLogCounts;
  /** One ledger append (cairn's DynamoDB store, alone) on the run's table, before and after (see ledgerAppendMs). */
  readonly ledgerAppendMsEmpty: number;
  readonly ledgerAppendMsConverged: number;
  /** The least ledger work of the run, one append at a time: see ledgerFloor, ms. */
  readonly ledgerFloorMs: number;
}

/** Counted from the replicas' own info logs until convergence: where the work and the losses went. */
export interface ShardedLogCounts {
  /** Reconciles started, all replicas together (1 per environment is the least). */
  readonly reconciles: number;
  /** Reconciles that failed with `shard.lost` (their work is redone by the next holder). */
  readonly shardLostFailures: number;
  /** Shard Leases given up: lost (a renewal too late or refused) and released (rebalancing). */
  readonly shardsLost: number;
  readonly shardsReleased: number;
  readonly shardsAcquired: number;
}

/** A sharded run that did not converge within the limit, and how far it got. */
export interface ShardedFailure {
  readonly failed: string;
}

/** Every figure of one run. */
export interface ScaleFigures {
  readonly runs: readonly ReplicaFigures[];
  /** Marginal peak RSS per added environment between the smallest and the largest run, KiB. */
  readonly peakKiBPerEnv: number;
  /** The same for the settled RSS, KiB. */
  readonly settledKiBPerEnv: number;
  /** Several replicas sharing environments through Leases; absent when this build has no sharding. */
  readonly sharded?: ShardedFigures | ShardedFailure;
  /** One replica with as many environments as the sharded run (a ledger file, no Leases): its floor. */
  readonly shardedFloor?: ReplicaFigures;
  /** Raw server-side applies per second the kube-apiserver took in this run (no cairn logic). */
  readonly apiserverObjectsPerSecond: number;
  readonly flux: typeof FLUX;
}

/** The compiled entry point, rebuilt first when any source under controller/ or cdk/ is newer. */
function compiledCairn(): string {
  const main = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return e.name === 'node_modules' ? max : Math.max(max, newest(path));
      return e.name.endsWith('.ts') ? Math.max(max, statSync(path).mtimeMs) : max;
    }, 0);
  const sources = Math.max(newest(join(repoRoot, 'controller')), newest(join(repoRoot, 'cdk')));
  if (!existsSync(main) || statSync(main).mtimeMs < sources) {
    process.stderr.write('scale-bench: dist/ is older than the sources; building\n');
    execFileSync(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: repoRoot,
        stdio: 'inherit',
      },
    );
  }
  return main;
}

/** A bare repository with one branch per environment (`e0000`…), made by one fast-import stream. */
export function generateRepository(bare: string, count: number, prefix: string): void {
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
  const parts: string[] = [];
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}`;
  for (let i = 0; i < count; i++) {
    const ns = `${prefix}-${i}`;
    const configMaps = Array.from(
      { length: CONFIGMAPS },
      (_, c) =>
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${c}\n  labels: {app: scale}\ndata:\n  index: "${c}"\n  payload: "${'x'.repeat(200)}"\n`,
    ).join('---\n');
    parts.push(
      `commit refs/heads/${branchOf(i)}`,
      `committer Bench <bench@example.com> ${1_700_000_000 + i} +0000`,
      data(`environment ${i}\n`),
      'M 100644 inline k8s-resources/namespace.yaml',
      data(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`),
      'M 100644 inline k8s-resources/configmaps.yaml',
      data(configMaps),
      '',
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: bare,
    input: `${parts.join('\n')}\n`,
    maxBuffer: 1 << 28,
  });
}

/** Writes the config of one replica over the `count` branches of `repo` (a key file beside it). */
export function writeReplicaConfig(
  dir: string,
  repo: string,
  count: number,
  prefix: string,
  port: number,
): string {
  const keyFile = join(dir, 'audit.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const kube = sandboxEnv().kubernetes;
  const config = join(dir, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: repo, pollInterval: '1h', watch: false },
      environments: Array.from({ length: count }, (_, i) => ({
        name: branchOf(i),
        driftInterval: '0s',
        kubernetes: { kubeconfig: kube.kubeconfig, context: kube.context, namespace: `${prefix}-${i}` },
      })),
      audit: { dir: join(dir, 'audit'), keyFile },
      workspaces: { dir: join(dir, 'workspaces') },
      server: { port },
      ...(process.env.SCALE_MAX_CONCURRENT
        ? { reconcile: { maxConcurrent: Number(process.env.SCALE_MAX_CONCURRENT) } }
        : {}),
    }),
  );
  return config;
}

function branchOf(i: number): string {
  return `e${String(i).padStart(4, '0')}`;
}

/** VmRSS and VmHWM of a process, in bytes; undefined once it is gone. */
function memoryOf(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

interface EnvironmentRow {
  readonly lastAppliedSha: string | null;
  readonly headSha: string | null;
}

/** How many environments have their head applied, from the replica's API; undefined while it is not up. */
async function appliedCount(api: string): Promise<number | undefined> {
  const res = await fetch(`${api}/api/environments`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const body = (await res.json()) as { environments?: EnvironmentRow[] } | EnvironmentRow[];
  const list = Array.isArray(body) ? body : (body.environments ?? []);
  return list.filter((e) => e.headSha !== null && e.lastAppliedSha === e.headSha).length;
}

/** Whether this build has the sharding config section (its schema says so). */
function hasSharding(): boolean {
  const schema = JSON.parse(
    readFileSync(join(repoRoot, 'manifests-schema', 'cairn-config.schema.json'), 'utf8'),
  ) as { properties: Record<string, unknown> };
  return 'sharding' in schema.properties;
}

/**
 * `replicas` replicas sharing `count` environments through Leases (in a namespace of their own),
 * with one DynamoDB ledger on the sandbox's moto (sharding refuses the JSONL ledger). Converged
 * when, for every environment, the replica that holds it reports its head applied.
 */
async function runSharded(
  root: string,
  count: number,
  replicas: number,
  client: KubeClient,
  cairn: string,
  objectsPerSecond: number,
): Promise<ShardedFigures> {
  const sandbox = sandboxEnv();
  const id = randomBytes(3).toString('hex');
  const dir = join(root, `sharded-${id}`);
  mkdirSync(dir, { recursive: true });
  // SCALE_LOG_DIR keeps the replicas' logs (JSON lines) after the run, to read where the time went.
  const logDir = process.env.SCALE_LOG_DIR ?? dir;
  mkdirSync(logDir, { recursive: true });
  const prefix = `scale-${id}`;
  const leases = `scale-leases-${id}`;
  const table = `cairn-scale-${id}`;
  const repo = join(dir, 'repo.git');
  generateRepository(repo, count, prefix);
  const created = await client.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: leases } }),
  });
  if (created.status !== 201) throw new Error(`creating the Lease namespace: HTTP ${created.status}`);
  const childEnv = {
    ...process.env,
    // Info, into a file per replica: the counts of reconciles and shard losses come from it.
    CAIRN_LOG_LEVEL: 'info',
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    AWS_REGION: sandbox.aws.region,
    SCALE_AUDIT_KEY: randomBytes(32).toString('base64'),
    SCALE_HANDOFF_KEY: randomBytes(32).toString('base64'),
  };
  // Every Lease write of the group, counted from a watch with cairn's own Lease client.
  const leaseApi = createKubeLeaseApi(
    { kubeconfig: sandbox.kubernetes.kubeconfig, context: sandbox.kubernetes.context, namespace: leases },
    shardGroup(publicRepository(repo)),
    silentLog(),
  );
  let leaseWrites = 0;
  const stopWatch = leaseApi.watch!((type) => {
    if (type !== 'DELETED') leaseWrites += 1;
  });
  const ledger = new DynamoDbStore(
    { table, region: sandbox.aws.region, endpoint: sandbox.aws.endpoint },
    { credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey } },
  );
  const ledgerAppendMsEmpty = await ledgerAppendMs(ledger, 'empty');
  const started = performance.now();
  const children: { child: ChildProcess; api: string; exited: Promise<unknown> }[] = [];
  try {
    for (let r = 0; r < replicas; r++) {
      const port = await freePort();
      const config = join(dir, `replica-${r}.yaml`);
      writeFileSync(
        config,
        stringify({
          repository: { url: repo, pollInterval: '1h', watch: false },
          environments: Array.from({ length: count }, (_, i) => ({
            name: branchOf(i),
            driftInterval: '0s',
            kubernetes: {
              kubeconfig: sandbox.kubernetes.kubeconfig,
              context: sandbox.kubernetes.context,
              namespace: `${prefix}-${i}`,
            },
          })),
          audit: {
            backend: 'dynamodb',
            dir: join(dir, `replica-${r}-audit`),
            keyEnv: 'SCALE_AUDIT_KEY',
            dynamodb: { table, region: sandbox.aws.region, endpoint: sandbox.aws.endpoint },
          },
          workspaces: { dir: join(dir, `replica-${r}-workspaces`) },
          server: { port },
          sharding: {
            enabled: true,
            identity: `replica-${r}`,
            namespace: leases,
            kubeconfig: sandbox.kubernetes.kubeconfig,
            context: sandbox.kubernetes.context,
            handoffKeyEnv: 'SCALE_HANDOFF_KEY',
          },
          ...(process.env.SCALE_MAX_CONCURRENT
            ? { reconcile: { maxConcurrent: Number(process.env.SCALE_MAX_CONCURRENT) } }
            : {}),
        }),
      );
      const out = openSync(join(logDir, `replica-${r}.log`), 'w');
      const child = spawn(process.execPath, [cairn, 'run', '--config', config], {
        cwd: dir,
        env: childEnv,
        stdio: ['ignore', out, 'inherit'],
      });
      closeSync(out);
      children.push({
        child,
        api: `http://127.0.0.1:${port}`,
        exited: new Promise((res) => child.on('exit', res)),
      });
    }
    let applied = 0;
    let heldMax = 0;
    let stoppedBecause: string | undefined;
    const moto = motoPid(sandbox.aws.endpoint);
    while (applied < count) {
      if (children.some((c) => c.child.exitCode !== null))
        throw new Error('a replica exited before the environments converged');
      // Not converged in time is a figure too: the rest (rates, counts, takeover) is still measured.
      if (performance.now() - started > SHARDED_LIMIT_MS) {
        stoppedBecause = `the ${SHARDED_LIMIT_MS / 1000} s limit passed`;
        break;
      }
      const motoMiB = (memoryOf(moto ?? NaN)?.rss ?? 0) / MIB;
      if (motoMiB > MOTO_MAX_MIB) {
        stoppedBecause = `moto_server's RSS reached ${Math.round(motoMiB)} MiB (the guard is SCALE_MOTO_MAX_MIB=${MOTO_MAX_MIB})`;
        break;
      }
      await sleep(500);
      const done = new Set<string>();
      heldMax = 0;
      for (const { api } of children) {
        const rows = await environmentRows(api);
        heldMax = Math.max(heldMax, rows.filter((e) => e.shard?.held === true).length);
        for (const e of rows) if (e.headSha !== null && e.lastAppliedSha === e.headSha) done.add(e.name);
      }
      applied = done.size;
    }
    const convergeMs = Math.round(performance.now() - started);
    const writesConverging = leaseWrites;
    const log = countLogs(Array.from({ length: replicas }, (_, r) => join(logDir, `replica-${r}.log`)));
    const peaks = children.map(({ child }) => memoryOf(child.pid!)?.hwm ?? NaN);
    await sleep(10_000);
    const writesSteady = leaseWrites - writesConverging;
    const shardLeases = (await leaseApi.list()).filter(
      (l) => l.metadata.labels?.['cairn.dev/shard-kind'] === 'shard',
    );
    const sigkillTakeoverMs =
      replicas > 1 ? await takeoverAfterSigkill(leaseApi, children[1]!.child, 'replica-1') : null;
    // The ledger's own cost is measured with the replicas gone: a run stopped unconverged would
    // otherwise measure moto's queue of their requests.
    for (const { child } of children) child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    const ledgerAppendMsConverged = await ledgerAppendMs(ledger, 'converged');
    return {
      replicas,
      environments: count,
      applied,
      ...(stoppedBecause ? { stoppedBecause } : {}),
      convergeMs,
      peakRssMiBMax: round(Math.max(...peaks) / MIB),
      peakRssMiBTotal: round(peaks.reduce((a, b) => a + b, 0) / MIB),
      heldMax,
      floorMs: Math.round((count * (1 + CONFIGMAPS) * 1000) / objectsPerSecond),
      shardLeases: shardLeases.length,
      leaseWritesPerSecondConverging: round(writesConverging / (convergeMs / 1000)),
      leaseWritesPerSecondSteady: round(writesSteady / 10),
      appliedPerSecond: round(applied / (convergeMs / 1000)),
      sigkillTakeoverMs,
      log,
      ledgerAppendMsEmpty,
      ledgerAppendMsConverged,
      ledgerFloorMs: ledgerFloor(count, applied, ledgerAppendMsEmpty, ledgerAppendMsConverged),
    };
  } finally {
    await ledger.close();
    stopWatch();
    leaseApi.close();
    for (const { child } of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    await deleteNamespaces(client, [leases, ...Array.from({ length: count }, (_, i) => `${prefix}-${i}`)]);
    const dynamo = new DynamoDBClient({
      region: sandbox.aws.region,
      endpoint: sandbox.aws.endpoint,
      credentials: { accessKeyId: sandbox.aws.accessKeyId, secretAccessKey: sandbox.aws.secretAccessKey },
    });
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamo.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const LEDGER_SAMPLES = 20;
/**
 * moto's TransactWriteItems copies the whole table for each item it writes, and its RSS grows
 * faster than the table (3.4 GiB at 600 environments' ledgers, 17 GiB at 1,200 in one run): the
 * sharded run stops before it takes a shared machine's memory, with what it measured so far.
 */
const MOTO_MAX_MIB = Number(process.env.SCALE_MOTO_MAX_MIB ?? 6144);

/** The pid of the sandbox's moto_server serving `endpoint`; undefined when it is not found. */
function motoPid(endpoint: string): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-f', `moto_server -H 127.0.0.1 -p ${new URL(endpoint).port}$`], {
      encoding: 'utf8',
    });
    const pid = Number(out.trim().split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The mean time of one ledger append made by cairn's DynamoDB store alone (no cluster, no Leases),
 * one at a time, on the run's table as it stands: LEDGER_SAMPLES chains of two records (a start-sized
 * and an end-sized line, as a reconcile appends), each in a conditional transaction. On moto the
 * cost grows with the table (it copies the table for each transaction), so it is measured on the
 * empty table and on the converged one.
 */
async function ledgerAppendMs(store: DynamoDbStore, tag: string): Promise<number> {
  const hash = (n: number) => createHash('sha256').update(String(n)).digest('hex');
  await store.envs(); // creates the table first, outside the timing
  const started = performance.now();
  for (let i = 0; i < LEDGER_SAMPLES; i++) {
    const env = `bench-${tag}-${i}`;
    await store.append(env, Buffer.from('s'.repeat(600)), { seq: 1, hash: hash(1) }, null);
    await store.append(
      env,
      Buffer.from('e'.repeat(4000)),
      { seq: 2, hash: hash(2) },
      { seq: 1, hash: hash(1) },
    );
  }
  return round((performance.now() - started) / (2 * LEDGER_SAMPLES));
}

/**
 * Two appends (a start and an end) for each of `count` environments, one at a time, each at the
 * cost measured for the table it lands in: on moto that cost grows linearly with the chains in the
 * table, from `emptyMs` (none) to `atAppliedMs` (`applied` environments' chains), so the total is
 * count × (2 × emptyMs + slope × count). Past `applied` it is an extrapolation.
 */
function ledgerFloor(count: number, applied: number, emptyMs: number, atAppliedMs: number): number {
  const slope = applied > 0 ? Math.max(0, atAppliedMs - emptyMs) / applied : 0;
  return Math.round(count * (2 * emptyMs + slope * count));
}

/** Counts the log lines of ShardedLogCounts in the replicas' JSON logs. */
function countLogs(files: readonly string[]): ShardedLogCounts {
  const counts = { reconciles: 0, shardLostFailures: 0, shardsLost: 0, shardsReleased: 0, shardsAcquired: 0 };
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      let rec: { msg?: string; code?: string; reason?: string };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        continue; // not a log record, or the last one half written
      }
      if (rec.msg === 'reconcile started') counts.reconciles += 1;
      else if (rec.msg === 'reconcile failed' && rec.code === 'shard.lost') counts.shardLostFailures += 1;
      else if (rec.msg === 'shard acquired') counts.shardsAcquired += 1;
      else if (rec.msg === 'shard lost')
        counts[rec.reason === 'released' ? 'shardsReleased' : 'shardsLost'] += 1;
    }
  }
  return counts;
}

/**
 * Kills `victim` outright and measures how long until every shard Lease `identity` held is held
 * by another replica (its Leases expire after the lease duration; the others take them then).
 */
async function takeoverAfterSigkill(
  leaseApi: ReturnType<typeof createKubeLeaseApi>,
  victim: ChildProcess,
  identity: string,
): Promise<number | null> {
  const theirs = (await leaseApi.list())
    .filter(
      (l) => l.spec.holderIdentity === identity && l.metadata.labels?.['cairn.dev/shard-kind'] === 'shard',
    )
    .map((l) => l.metadata.name);
  const killed = performance.now();
  victim.kill('SIGKILL');
  while (performance.now() - killed < 60_000) {
    const holders = new Map((await leaseApi.list()).map((l) => [l.metadata.name, l.spec.holderIdentity]));
    if (
      theirs.every((name) => {
        const h = holders.get(name);
        return h && h !== identity;
      })
    )
      return Math.round(performance.now() - killed);
    await sleep(200);
  }
  return null;
}

/** Every environment's row in a replica's `/api/environments`; none while it is not up. */
async function environmentRows(
  api: string,
): Promise<readonly (EnvironmentRow & { name: string; shard?: { held?: boolean } })[]> {
  const res = await fetch(`${api}/api/environments`).catch(() => undefined);
  if (!res?.ok) return [];
  const body = (await res.json()) as { environments?: (EnvironmentRow & { name: string })[] };
  return body.environments ?? [];
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Starts one replica over `count` fresh environments and measures it until it has converged. */
async function runReplica(
  root: string,
  count: number,
  client: KubeClient,
  cairn: string,
  objectsPerSecond: number,
): Promise<ReplicaFigures> {
  const id = randomBytes(3).toString('hex');
  const dir = join(root, `n${count}-${id}`);
  mkdirSync(dir, { recursive: true });
  const prefix = `scale-${id}`;
  const repo = join(dir, 'repo.git');
  generateRepository(repo, count, prefix);
  const port = await freePort();
  const config = writeReplicaConfig(dir, repo, count, prefix, port);
  const nodeArgs = (process.env.SCALE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cairn, 'run', '--config', config], {
    cwd: dir,
    env: { ...process.env, CAIRN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  try {
    const api = `http://127.0.0.1:${port}`;
    let applied = 0;
    while (applied < count) {
      if (gone) throw new Error(`the replica with ${count} environments exited before converging`);
      if (performance.now() - started > CONVERGE_LIMIT_MS)
        throw new Error(`${applied} of ${count} environments applied after ${CONVERGE_LIMIT_MS} ms`);
      await sleep(250);
      applied = (await appliedCount(api)) ?? 0;
    }
    const convergeMs = Math.round(performance.now() - started);
    const atConverge = memoryOf(child.pid!);
    const cpuSeconds = cpuOf(child.pid!);
    await sleep(SETTLE_MS);
    const settled = memoryOf(child.pid!);
    if (!atConverge || !settled) throw new Error('the replica exited before its memory was read');
    return {
      environments: count,
      convergeMs,
      peakRssMiB: round(Math.max(atConverge.hwm, settled.hwm) / MIB),
      settledRssMiB: round(settled.rss / MIB),
      cpuSeconds: round(cpuSeconds),
      floorMs: Math.round((count * (1 + CONFIGMAPS) * 1000) / objectsPerSecond),
    };
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
    await deleteNamespaces(
      client,
      Array.from({ length: count }, (_, i) => `${prefix}-${i}`),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU time (user + system) of a process so far, in seconds. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The kube-apiserver's rate for these objects with no client logic: raw server-side applies of
 * FLOOR_ENVS environments' objects over FLOOR_CONNECTIONS connections, bodies made beforehand. On a
 * shared machine it moves with the load, so each run measures its own.
 */
async function apiserverRate(client: KubeClient): Promise<number> {
  const prefix = `scale-floor-${randomBytes(3).toString('hex')}`;
  const names = Array.from({ length: FLOOR_ENVS }, (_, i) => `${prefix}-${i}`);
  const apply = (path: string, object: object) =>
    client
      .request({
        method: 'PATCH',
        path,
        query: { fieldManager: 'scale-floor', force: 'true' },
        body: JSON.stringify(object),
        contentType: 'application/apply-patch+yaml',
      })
      .then((res) => {
        if (res.status !== 200 && res.status !== 201)
          throw new Error(`floor apply ${path}: HTTP ${res.status}`);
      });
  const bodies = names.flatMap((ns) =>
    Array.from({ length: CONFIGMAPS }, (_, c) => ({
      path: `/api/v1/namespaces/${ns}/configmaps/settings-${c}`,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `settings-${c}`, namespace: ns, labels: { app: 'scale' } },
        data: { index: String(c), payload: 'x'.repeat(200) },
      },
    })),
  );
  const started = performance.now();
  try {
    await Promise.all(
      names.map((ns) =>
        apply(`/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      ),
    );
    let next = 0;
    await Promise.all(
      Array.from({ length: FLOOR_CONNECTIONS }, async () => {
        while (next < bodies.length) {
          const { path, object } = bodies[next++]!;
          await apply(path, object);
        }
      }),
    );
    return ((names.length + bodies.length) * 1000) / (performance.now() - started);
  } finally {
    await deleteNamespaces(client, names);
  }
}

/** How long a run's namespaces may take to go (their contents deleted by the namespace controller). */
const NAMESPACES_GONE_MS = 300_000;

/**
 * Deletes the namespaces a run made and waits until they are gone: the namespace controller
 * deletes every object in them, and a run started meanwhile would share the kube-apiserver and
 * etcd with tens of thousands of deletions (the next run measured half as fast in one try).
 */
async function deleteNamespaces(client: KubeClient, names: readonly string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
      }
    }),
  );
  const wanted = new Set(names);
  const started = performance.now();
  for (;;) {
    const listed = await client.request({ method: 'GET', path: '/api/v1/namespaces' }).catch(() => undefined);
    const items = (listed?.body as { items?: { metadata: { name: string } }[] } | undefined)?.items;
    const left = items?.filter((n) => wanted.has(n.metadata.name)).length;
    if (left === 0) break;
    if (performance.now() - started > NAMESPACES_GONE_MS) {
      process.stderr.write(
        `scale-bench: ${left ?? '?'} namespaces still terminating after ${NAMESPACES_GONE_MS / 1000} s; going on\n`,
      );
      break;
    }
    await sleep(1_000);
  }
  process.stderr.write(
    `scale-bench: ${names.length} namespaces deleted and gone in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The sizes a run measures: a tenth, a half and all of SCALE_ENVS (default 1000). */
function sizes(): readonly number[] {
  const max = Number(process.env.SCALE_ENVS ?? TARGET.environments);
  if (!Number.isInteger(max) || max < 10)
    throw new Error(`SCALE_ENVS must be an integer of 10 or more, not ${max}`);
  return [...new Set([Math.round(max / 10), Math.round(max / 2), max])];
}

/** Runs one replica per size, smallest first, and derives the marginal RSS per environment. */
export async function run(): Promise<ScaleFigures> {
  const kube = sandboxEnv().kubernetes;
  const client = createKubeClient(
    { kubeconfig: kube.kubeconfig, context: kube.context, concurrency: 8 },
    FLOOR_CONNECTIONS,
  );
  const root = mkdtempSync(join(tmpdir(), 'cairn-scale-'));
  try {
    const cairn = compiledCairn();
    const objectsPerSecond = await apiserverRate(client);
    const runs: ReplicaFigures[] = [];
    // SCALE_ONLY_SHARDED=1 skips the single-replica runs (the sharded figures alone).
    for (const count of process.env.SCALE_ONLY_SHARDED === '1' ? [] : sizes()) {
      process.stderr.write(`scale-bench: one replica, ${count} environments ...\n`);
      runs.push(await runReplica(root, count, client, cairn, objectsPerSecond));
    }
    const shardedEnvs = Number(process.env.SCALE_SHARDED_ENVS ?? 1500);
    let sharded: ShardedFigures | ShardedFailure | undefined;
    let single: ReplicaFigures | undefined;
    if (hasSharding() && shardedEnvs > 0) {
      // The floor of the sharded run: one replica with as many environments (its own ledger file),
      // measured in this run unless a single-replica run of that size was made above.
      single = runs.find((r) => r.environments === shardedEnvs);
      if (!single) {
        process.stderr.write(
          `scale-bench: one replica, ${shardedEnvs} environments (the sharded run's floor) ...\n`,
        );
        single = await runReplica(root, shardedEnvs, client, cairn, objectsPerSecond);
      }
      process.stderr.write(
        `scale-bench: ${SHARDED_REPLICAS} replicas sharing ${shardedEnvs} environments ...\n`,
      );
      // A sharded run that does not converge is a figure too; the single-replica ones still print.
      sharded = await runSharded(root, shardedEnvs, SHARDED_REPLICAS, client, cairn, objectsPerSecond).catch(
        (error: unknown) => ({ failed: error instanceof Error ? error.message : String(error) }),
      );
    } else {
      process.stderr.write(
        `scale-bench: 3 replicas not run (${shardedEnvs > 0 ? 'this build has no sharding config' : 'SCALE_SHARDED_ENVS=0'})\n`,
      );
    }
    const first = runs[0];
    const last = runs[runs.length - 1];
    const slope = (field: 'peakRssMiB' | 'settledRssMiB') =>
      first && last
        ? Math.round(((last[field] - first[field]) * 1024) / (last.environments - first.environments))
        : NaN;
    return {
      runs,
      peakKiBPerEnv: slope('peakRssMiB'),
      settledKiBPerEnv: slope('settledRssMiB'),
      ...(sharded ? { sharded } : {}),
      ...(single ? { shardedFloor: single } : {}),
      apiserverObjectsPerSecond: Math.round(objectsPerSecond),
      flux: FLUX,
    };
  } finally {
    client.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function print(f: ScaleFigures): void {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(
    'one cairn replica, Kubernetes-only environments (a Namespace and 20 ConfigMaps each), from cold',
  );
  console.log('environments  converge (s)  floor (s)  peak RSS (MiB)  settled RSS (MiB)  CPU (s)');
  for (const r of f.runs) {
    console.log(
      `${String(r.environments).padStart(12)}  ${(r.convergeMs / 1000).toFixed(1).padStart(12)}  ${(r.floorMs / 1000).toFixed(1).padStart(9)}  ${r.peakRssMiB.toFixed(1).padStart(14)}  ${r.settledRssMiB.toFixed(1).padStart(17)}  ${r.cpuSeconds.toFixed(1).padStart(7)}`,
    );
  }
  console.log(
    `floor: the same objects applied raw at the ${f.apiserverObjectsPerSecond} objects/s the kube-apiserver took in this run`,
  );
  const last = f.runs[f.runs.length - 1];
  if (last?.environments === TARGET.environments) {
    console.log(`converge within 60 s: ${verdict(last.convergeMs <= TARGET.convergeMs)}`);
    console.log(`peak RSS under 400 MiB: ${verdict(last.peakRssMiB < TARGET.peakRssMiB)}`);
  }
  console.log(
    `marginal RSS per environment: peak ${f.peakKiBPerEnv} KiB, settled ${f.settledKiBPerEnv} KiB (target < 250 KiB: ${verdict(f.peakKiBPerEnv < TARGET.perEnvKiB)})`,
  );
  if (f.shardedFloor)
    console.log(
      `one replica with ${f.shardedFloor.environments} environments (its ledger a file, no Leases), the floor of the next line: converged in ${(f.shardedFloor.convergeMs / 1000).toFixed(1)} s`,
    );
  if (f.sharded && 'failed' in f.sharded) {
    console.log(`3 replicas sharing environments: NOT converged: ${f.sharded.failed}`);
  } else if (f.sharded) {
    const x = f.sharded;
    if (x.applied < x.environments)
      console.log(
        `${x.replicas} replicas sharing ${x.environments} environments: NOT converged: ${x.applied} applied after ${(x.convergeMs / 1000).toFixed(1)} s (stopped: ${x.stoppedBecause ?? 'unknown'})`,
      );
    console.log(
      `${x.replicas} replicas sharing ${x.environments} environments: ${x.applied < x.environments ? 'stopped' : 'converged'} in ${(x.convergeMs / 1000).toFixed(1)} s (floor ${(x.floorMs / 1000).toFixed(1)} s), peak RSS ${x.peakRssMiBMax} MiB per replica at most (${x.peakRssMiBTotal} MiB together), at most ${x.heldMax} environments held by one replica`,
    );
    console.log(
      `  ${x.shardLeases} shard Leases; Lease writes ${x.leaseWritesPerSecondConverging}/s while converging and ${x.leaseWritesPerSecondSteady}/s after, beside ${x.appliedPerSecond} environments applied/s (${round(x.appliedPerSecond * (1 + CONFIGMAPS))} objects/s); converge within 90 s: ${verdict(x.applied === x.environments && x.convergeMs <= 90_000)}`,
    );
    console.log(
      `  until ${x.applied < x.environments ? 'stopped' : 'converged'}: ${x.log.reconciles} reconciles (${round(x.log.reconciles / x.environments)} per environment), ${x.log.shardLostFailures} failed with shard.lost; shard Leases acquired ${x.log.shardsAcquired}, released ${x.log.shardsReleased}, lost ${x.log.shardsLost}`,
    );
    console.log(
      `  ledger (cairn's DynamoDB store alone, one append at a time): ${x.ledgerAppendMsEmpty} ms an append on the empty table, ${x.ledgerAppendMsConverged} ms with ${x.applied} environments' chains; ${2 * x.environments} appends need ${(x.ledgerFloorMs / 1000).toFixed(1)} s${x.applied < x.environments ? ' (extrapolated)' : ''}`,
    );
    console.log(
      x.replicas < 2
        ? '  SIGKILL of one replica: not measured (one replica)'
        : `  SIGKILL of one replica: its shards held by the others after ${x.sigkillTakeoverMs === null ? 'more than 60 s' : `${(x.sigkillTakeoverMs / 1000).toFixed(1)} s`}`,
    );
  } else
    console.log(
      '3 replicas sharing environments: not run (SCALE_SHARDED_ENVS=0, or no sharding in this build)',
    );
  console.log(
    `anchor: Flux (published) ${f.flux.environments} Kustomizations in ${Math.floor(f.flux.convergeMs / 60_000)} min ${(f.flux.convergeMs % 60_000) / 1000} s at ${f.flux.peakRssMiB} MiB`,
  );
}

if (require.main === module) {
  run().then(
    (f) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(f));
      else print(f);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
