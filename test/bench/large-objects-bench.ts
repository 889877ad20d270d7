/**
 * Benchmark of whole-process `cairn sync` on three shapes of tree (issue 29), on the sandbox's real
 * kube-apiserver, beside `kubectl apply --server-side -R -f` and the raw parallel server-side-apply
 * floor, each on its own copy of the tree:
 * - shapes: many small objects; a CRD bundle (ten CRDs with deep schemas, 4.4 MB, plus an operator);
 *   a few CRDs followed by 200 custom resources of their kinds (see shapes.ts);
 * - runs: fresh, unchanged, and after every object but the Namespaces was deleted by hand;
 * - figures: wall time and peak resident memory of the process (`/usr/bin/time`), and the ratios
 *   cairn/kubectl. The floor runs in this process (time only): CRDs, wait for Established, the rest.
 * kubectl applies a tree in one pass and fails on kinds whose CRD is not served yet; its fresh
 * figure then is the sum of the passes until one succeeds (what a user has to run).
 * Run: `npm run build && npx tsx test/bench/large-objects-bench.ts [--json] [--shape huge]`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { createKubeClient, type KubeClient } from '../../controller/kube/kube-client';
import { mapLimit } from '../../controller/model/map-limit';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';
import { makeShape, SHAPES, type Shape } from './shapes';

const FLOOR_CONNECTIONS = 16;

/** Time and peak memory of one process run. */
export interface ProcessFigure {
  readonly ms: number;
  readonly peakMB: number;
}

/** One shape's figures. */
export interface ShapeFigures {
  readonly objects: number;
  readonly megabytes: number;
  readonly floorMs: number;
  readonly cairn: {
    readonly fresh: ProcessFigure;
    readonly unchanged: ProcessFigure;
    readonly deleted: ProcessFigure;
  };
  readonly kubectl: {
    readonly fresh: ProcessFigure;
    readonly freshPasses: number;
    readonly unchanged: ProcessFigure;
    readonly deleted: ProcessFigure;
  };
  readonly freshTimeVsKubectl: number;
  readonly freshMemoryVsKubectl: number;
  readonly freshVsFloor: number;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

/** Runs `command` under /usr/bin/time; returns its figures and exit code. */
async function measured(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  scratch: string,
): Promise<ProcessFigure & { code: number; output: string }> {
  const out = join(scratch, `time-${randomBytes(4).toString('hex')}`);
  const started = performance.now();
  let code = 0;
  let output = '';
  try {
    const r = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(
        '/usr/bin/time',
        ['-f', '%M', '-o', out, command, ...args],
        { env, maxBuffer: 256 * 1024 * 1024, timeout: 600_000 },
        (error, stdout, stderr) =>
          error ? reject(Object.assign(error, { stdout, stderr })) : resolve({ stdout, stderr }),
      ),
    );
    output = r.stdout + r.stderr;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    code = typeof e.code === 'number' ? e.code : 1;
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const ms = Math.round(performance.now() - started);
  const text = await readFile(out, 'utf8');
  const kb = Number(/(\d+)\s*$/.exec(text.trim())?.[1] ?? 0);
  return { ms, peakMB: Math.round(kb / 1024), code, output };
}

async function writeFiles(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** A git repository with one branch per shape, and a cairn config of one environment per shape; returns the config file. */
export async function platform(root: string, shapes: readonly Shape[]): Promise<string> {
  const repo = join(root, 'repo');
  await mkdir(repo, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], {
      cwd: repo,
    });
  git('init', '-q', '-b', 'main');
  git('commit', '-q', '--allow-empty', '-m', 'root');
  for (const shape of shapes) {
    git('checkout', '-q', '-b', shape.name, 'main');
    await rm(join(repo, 'k8s-resources'), { recursive: true, force: true });
    await writeFiles(join(repo, 'k8s-resources'), shape.files);
    git('add', '-A');
    git('commit', '-q', '-m', shape.name);
  }
  const env = sandboxEnv();
  const config = join(root, 'cairn.yaml');
  await writeFile(
    config,
    stringify({
      repository: { url: repo, pollInterval: '1m' },
      environments: shapes.map((s) => ({
        name: s.name,
        branch: s.name,
        kubernetes: {
          kubeconfig: env.kubernetes.kubeconfig,
          context: env.kubernetes.context,
          namespace: s.namespace,
          healthTimeout: '120s',
          clusterResources: ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'],
        },
      })),
      audit: { dir: join(root, 'audit'), unkeyed: true },
      server: { port: 0 },
    }),
  );
  return config;
}

/** Raw parallel server-side apply: CRDs, their Established condition, Namespaces, then the rest. */
async function floor(client: KubeClient, shape: Shape): Promise<number> {
  const bodies = shape.objects.map((o) => ({ ...o, text: JSON.stringify(o.body) }));
  const apply = async (o: (typeof bodies)[number]) => {
    const res = await client.request({
      method: 'PATCH',
      path: o.path,
      query: { fieldManager: 'floor', force: 'true' },
      body: o.text,
      contentType: 'application/apply-patch+yaml',
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`floor apply ${o.path}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  };
  const started = performance.now();
  const log = (what: string) =>
    process.stderr.write(`floor ${what} at ${Math.round(performance.now() - started)} ms\n`);
  const crds = bodies.filter((o) => o.step === 'crd');
  await mapLimit(crds, FLOOR_CONNECTIONS, async (o) => {
    await apply(o);
    for (;;) {
      const res = await client.request({ method: 'GET', path: o.path });
      const conditions = ((res.body as { status?: { conditions?: { type: string; status: string }[] } })
        .status?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
      await sleep(50);
    }
  });
  log('crds established');
  await mapLimit(
    bodies.filter((o) => o.step === 'namespace'),
    FLOOR_CONNECTIONS,
    apply,
  );
  await mapLimit(
    bodies.filter((o) => o.step === 'rest'),
    FLOOR_CONNECTIONS,
    apply,
  );
  return Math.round(performance.now() - started);
}

/** Deletes every object of a shape but its Namespaces, and waits until they are gone. */
async function deleteAll(client: KubeClient, shape: Shape): Promise<void> {
  const doomed = shape.objects.filter((o) => o.step !== 'namespace');
  await mapLimit(doomed, FLOOR_CONNECTIONS, (o) => client.request({ method: 'DELETE', path: o.path }));
  const deadline = Date.now() + 120_000;
  for (const o of doomed) {
    while ((await client.request({ method: 'GET', path: o.path })).status !== 404) {
      if (Date.now() > deadline) throw new Error(`${o.path} still there 120 s after its delete`);
      await sleep(100);
    }
  }
}

async function cleanup(client: KubeClient, shape: Shape): Promise<void> {
  const crds = shape.objects.filter((o) => o.step === 'crd' || o.path.includes('/clusterrole'));
  const namespaces = shape.objects.filter((o) => o.step === 'namespace');
  await mapLimit([...crds, ...namespaces], 8, (o) =>
    client.request({ method: 'DELETE', path: o.path }).catch(() => undefined),
  );
}

async function benchShape(
  name: (typeof SHAPES)[number],
  id: string,
  root: string,
  client: KubeClient,
): Promise<ShapeFigures> {
  const env = sandboxEnv();
  const shapes = { cairn: makeShape(name, `lo${id}c${name}`), kubectl: makeShape(name, `lo${id}k${name}`) };
  const floorShape = makeShape(name, `lo${id}f${name}`);
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const config = await platform(dir, [shapes.cairn]);
  const kubectlDir = join(dir, 'kubectl');
  await writeFiles(kubectlDir, shapes.kubectl.files);
  const main = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');
  const cairn = async (what: string): Promise<ProcessFigure> => {
    const r = await measured(
      process.execPath,
      [main, 'sync', '--config', config, '--env', name],
      process.env,
      dir,
    );
    if (r.code !== 0)
      throw new Error(`cairn sync (${name}, ${what}) exited ${r.code}:\n${r.output.slice(-3000)}`);
    process.stderr.write(`  cairn ${what}: ${r.ms} ms, ${r.peakMB} MB\n`);
    return { ms: r.ms, peakMB: r.peakMB };
  };
  const kubectlArgs = ['--kubeconfig', env.kubernetes.kubeconfig, '--context', env.kubernetes.context];
  const kubectlEnv = { PATH: process.env.PATH ?? '/usr/bin', HOME: dir };
  const kubectl = async (what: string): Promise<ProcessFigure & { passes: number }> => {
    let ms = 0;
    let peakMB = 0;
    for (let pass = 1; pass <= 3; pass++) {
      const r = await measured(
        'kubectl',
        [...kubectlArgs, 'apply', '--server-side', '-R', '-f', kubectlDir],
        kubectlEnv,
        dir,
      );
      ms += r.ms;
      peakMB = Math.max(peakMB, r.peakMB);
      if (r.code === 0) {
        process.stderr.write(`  kubectl ${what}: ${ms} ms, ${peakMB} MB, ${pass} pass(es)\n`);
        return { ms, peakMB, passes: pass };
      }
      if (!/no matches for kind|resource mapping not found|ensure CRDs are installed/.test(r.output))
        throw new Error(`kubectl apply (${name}, ${what}) exited ${r.code}:\n${r.output.slice(-3000)}`);
    }
    throw new Error(`kubectl apply (${name}, ${what}) did not succeed in 3 passes`);
  };
  try {
    const floorMs = await floor(client, floorShape);
    const kFresh = await kubectl('fresh');
    const cFresh = await cairn('fresh');
    const kUnchanged = await kubectl('unchanged');
    const cUnchanged = await cairn('unchanged');
    await deleteAll(client, shapes.kubectl);
    const kDeleted = await kubectl('deleted');
    await deleteAll(client, shapes.cairn);
    const cDeleted = await cairn('deleted');
    const bytes = [...shapes.cairn.files.values()].reduce((s, t) => s + Buffer.byteLength(t), 0);
    return {
      objects: shapes.cairn.objects.length,
      megabytes: Math.round(bytes / 1e4) / 100,
      floorMs,
      cairn: { fresh: cFresh, unchanged: cUnchanged, deleted: cDeleted },
      kubectl: {
        fresh: { ms: kFresh.ms, peakMB: kFresh.peakMB },
        freshPasses: kFresh.passes,
        unchanged: { ms: kUnchanged.ms, peakMB: kUnchanged.peakMB },
        deleted: { ms: kDeleted.ms, peakMB: kDeleted.peakMB },
      },
      freshTimeVsKubectl: ratio(cFresh.ms, kFresh.ms),
      freshMemoryVsKubectl: ratio(cFresh.peakMB, kFresh.peakMB),
      freshVsFloor: ratio(cFresh.ms, floorMs),
    };
  } finally {
    for (const s of [shapes.cairn, shapes.kubectl, floorShape]) await cleanup(client, s);
  }
}

/** Runs the benchmark on the shapes asked for (all by default) and returns their figures. */
export async function run(only: readonly string[] = []): Promise<Record<string, ShapeFigures>> {
  const env = sandboxEnv();
  const id = randomBytes(2).toString('hex');
  const root = await mkdtemp(join(tmpdir(), `cairn-large-bench-${id}-`));
  const client = createKubeClient({ ...env.kubernetes, concurrency: FLOOR_CONNECTIONS });
  const out: Record<string, ShapeFigures> = {};
  try {
    for (const shape of SHAPES) {
      if (only.length > 0 && !only.includes(shape)) continue;
      process.stderr.write(`large-objects bench: shape ${shape} ...\n`);
      out[shape] = await benchShape(shape, id, root, client);
    }
    return out;
  } finally {
    client.close();
    await rm(root, { recursive: true, force: true });
  }
}

function print(figures: Record<string, ShapeFigures>): void {
  const cell = (f: ProcessFigure) => `${String(f.ms).padStart(6)} ms ${String(f.peakMB).padStart(4)} MB`;
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `shape ${name}: ${f.objects} objects, ${f.megabytes} MB of YAML; floor (raw parallel SSA) ${f.floorMs} ms`,
    );
    console.log(`                 cairn sync               kubectl apply --server-side`);
    console.log(
      `  fresh      ${cell(f.cairn.fresh)}   ${cell(f.kubectl.fresh)} (${f.kubectl.freshPasses} pass(es))`,
    );
    console.log(`  unchanged  ${cell(f.cairn.unchanged)}   ${cell(f.kubectl.unchanged)}`);
    console.log(`  deleted    ${cell(f.cairn.deleted)}   ${cell(f.kubectl.deleted)}`);
    console.log(
      `  fresh: ${f.freshTimeVsKubectl}x kubectl's time, ${f.freshMemoryVsKubectl}x its peak memory, ${f.freshVsFloor}x the floor`,
    );
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--shape');
  const only = i > 0 ? (process.argv[i + 1] ?? '').split(',') : [];
  run(only).then(
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
