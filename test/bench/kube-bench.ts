/**
 * Benchmark of the Kubernetes applier against `kubectl apply --server-side` on the sandbox's real
 * kube-apiserver: 1,000 objects (ConfigMaps across 10 namespaces plus Deployments) applied fresh,
 * again unchanged, then with 10% changed. Run: `npx tsx test/bench/kube-bench.ts [--json]`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKubeApplier } from '../../controller/kube/create-kube-applier';
import { createKubeClient } from '../../controller/kube/kube-client';
import { silentLog } from '../../controller/log';
import { sandboxEnv } from '../sandbox/sandbox-env';

const NAMESPACES = 10;
const CONFIGMAPS_PER_NS = 98;
const DEPLOYMENTS_PER_NS = 2;
const CHANGED_SHARE = 0.1;

/** The figures of one run, in milliseconds, with cairn ÷ kubectl ratios. */
export interface KubeBenchFigures {
  readonly objects: number;
  readonly cairn: { readonly fresh: number; readonly unchanged: number; readonly changed10: number };
  readonly kubectl: { readonly fresh: number; readonly unchanged: number; readonly changed10: number };
  readonly ratio: { readonly fresh: number; readonly unchanged: number; readonly changed10: number };
  readonly targets: { readonly fresh: 0.5; readonly unchanged: 0.2 };
}

function documents(prefix: string, ns: number, version: number, changed: (i: number) => boolean): string {
  const namespace = `${prefix}-${ns}`;
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`];
  for (let i = 0; i < CONFIGMAPS_PER_NS; i++) {
    const v = changed(ns * CONFIGMAPS_PER_NS + i) ? version : 0;
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${namespace}, labels: {app: bench}}\ndata: {index: "${i}", version: "${v}", payload: "${'x'.repeat(200)}"}`,
    );
  }
  for (let i = 0; i < DEPLOYMENTS_PER_NS; i++) {
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web-${i}, namespace: ${namespace}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web-${i}}}\n  template:\n    metadata: {labels: {app: web-${i}}}\n    spec: {containers: [{name: c, image: "nginx:1.27"}]}`,
    );
  }
  return docs.join('\n---\n') + '\n';
}

async function writeTree(
  dir: string,
  prefix: string,
  version: number,
  changed: (i: number) => boolean,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let ns = 0; ns < NAMESPACES; ns++)
    await writeFile(join(dir, `ns-${ns}.yaml`), documents(prefix, ns, version, changed));
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return Math.round(performance.now() - started);
}

/** Runs the benchmark once and returns its figures; cleans up the namespaces' objects it created. */
export async function run(): Promise<KubeBenchFigures> {
  const env = sandboxEnv();
  const id = randomBytes(3).toString('hex');
  const root = await mkdtemp(join(tmpdir(), `cairn-kube-bench-${id}-`));
  const cairnPrefix = `bench-c-${id}`;
  const kubectlPrefix = `bench-k-${id}`;
  const none = () => false;
  const tenth = (i: number) => i % Math.round(1 / CHANGED_SHARE) === 0;
  const namespaces = (p: string) => Array.from({ length: NAMESPACES }, (_, i) => `${p}-${i}`);
  const target = {
    kubeconfig: env.kubernetes.kubeconfig,
    context: env.kubernetes.context,
    namespace: `${cairnPrefix}-0`,
    forceConflicts: false,
    pruneMaxShare: 0.5,
    allowMassPrune: false,
    healthTimeoutMs: 60_000,
    concurrency: 16,
  };
  const applier = createKubeApplier(`bench-${id}`, target, silentLog());
  const cairnStep = async (version: number, changed: (i: number) => boolean) => {
    const ws = join(root, `cairn-${version}`);
    await writeTree(join(ws, 'k8s-resources'), cairnPrefix, version, changed);
    return timed(async () => {
      const result = await applier.apply(await applier.load(ws));
      if (result.failure) throw new Error(`cairn apply failed: ${result.failure.message}`);
    });
  };
  const kubectl = promisify(execFile);
  const kubectlStep = async (version: number, changed: (i: number) => boolean) => {
    const dir = join(root, `kubectl-${version}`);
    await writeTree(dir, kubectlPrefix, version, changed);
    return timed(() =>
      kubectl(
        'kubectl',
        [
          '--kubeconfig',
          env.kubernetes.kubeconfig,
          '--context',
          env.kubernetes.context,
          'apply',
          '--server-side',
          '-R',
          '-f',
          dir,
        ],
        {
          timeout: 600_000,
          maxBuffer: 64 * 1024 * 1024,
          env: { PATH: process.env.PATH ?? '/usr/bin', HOME: root },
        },
      ),
    );
  };
  try {
    const cairn = {
      fresh: await cairnStep(0, none),
      unchanged: await cairnStep(0, none),
      changed10: await cairnStep(1, tenth),
    };
    const kube = {
      fresh: await kubectlStep(0, none),
      unchanged: await kubectlStep(0, none),
      changed10: await kubectlStep(1, tenth),
    };
    const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
    return {
      objects: NAMESPACES * (1 + CONFIGMAPS_PER_NS + DEPLOYMENTS_PER_NS),
      cairn,
      kubectl: kube,
      ratio: {
        fresh: ratio(cairn.fresh, kube.fresh),
        unchanged: ratio(cairn.unchanged, kube.unchanged),
        changed10: ratio(cairn.changed10, kube.changed10),
      },
      targets: { fresh: 0.5, unchanged: 0.2 },
    };
  } finally {
    await cleanup([...namespaces(cairnPrefix), ...namespaces(kubectlPrefix)]);
    await rm(root, { recursive: true, force: true });
  }
}

// The sandbox's namespace controller deletes what each namespace holds, then the namespace.
async function cleanup(namespaces: readonly string[]): Promise<void> {
  const { kubernetes } = sandboxEnv();
  const client = createKubeClient({
    kubeconfig: kubernetes.kubeconfig,
    context: kubernetes.context,
    concurrency: 4,
  });
  for (const ns of namespaces)
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
  client.close();
}

function print(f: KubeBenchFigures): void {
  const row = (name: string, c: number, k: number, r: number, t?: number) =>
    `${name.padEnd(12)} ${String(c).padStart(8)} ${String(k).padStart(10)} ${r.toFixed(3).padStart(8)}  ${t === undefined ? '' : `target <= ${t} ${r <= t ? 'met' : 'NOT met'}`}`;
  console.log(`kube applier vs kubectl apply --server-side, ${f.objects} objects (ms)`);
  console.log(`${'step'.padEnd(12)} ${'cairn'.padStart(8)} ${'kubectl'.padStart(10)} ${'ratio'.padStart(8)}`);
  console.log(row('fresh', f.cairn.fresh, f.kubectl.fresh, f.ratio.fresh, f.targets.fresh));
  console.log(
    row('unchanged', f.cairn.unchanged, f.kubectl.unchanged, f.ratio.unchanged, f.targets.unchanged),
  );
  console.log(row('10% changed', f.cairn.changed10, f.kubectl.changed10, f.ratio.changed10));
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
