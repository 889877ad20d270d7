/**
 * Benchmark of the Kubernetes applier on the sandbox's real kube-apiserver, 1,000 objects
 * (10 Namespaces + 990 ConfigMaps):
 * - the floor: raw server-side apply of the same objects over 50 parallel keep-alive connections,
 *   with no client logic at all (bodies prepared beforehand);
 * - cairn's fresh apply, the whole of it (read and parse the tree, discovery, LISTs, apply, inventory);
 * - a no-op reconcile with drift detection, beside the no-op floor (load the tree, read the inventory,
 *   one LIST per collection: no per-object logic, no drift detection);
 * - the drift check of an unchanged tree alone (`drifted()`, no parse);
 * - 10 of the 1,000 objects hand-edited: the reconcile must re-apply exactly those 10;
 * - `kubectl apply --server-side` of the same tree (fresh, unchanged) when kubectl is installed;
 * - parsing 8 MB of manifests, with the event loop's longest stall (`monitorEventLoopDelay`).
 * Run: `npx tsx test/bench/kube-bench.ts [--json]`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { KubernetesTargetConfig } from '../../controller/config/types';
import { createKubeApplier } from '../../controller/kube/create-kube-applier';
import { createKubeClient, type KubeClient } from '../../controller/kube/kube-client';
import { fetchLive } from '../../controller/kube/object-ops';
import { readManifests } from '../../controller/kube/read-manifests';
import { inventoryName } from '../../controller/kube/inventory';
import { ownerOf } from '../../controller/kube/identity';
import { refOf } from '../../controller/kube/object-ref';
import { silentLog } from '../../controller/log';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { CONFIGMAPS_PER_NS, floor, FLOOR_CONNECTIONS, NAMESPACES, timed } from './raw-floor';

export { floor, FLOOR_CONNECTIONS } from './raw-floor';

const EDITED = 10;
const PARSE_BYTES = 8 * 1024 * 1024;

/** The figures of one run, in milliseconds unless named otherwise. */
export interface KubeBenchFigures {
  readonly objects: number;
  readonly floor: number;
  readonly fresh: number;
  readonly freshVsFloor: number;
  readonly noop: number;
  readonly noopFloor: number;
  readonly noopVsFloor: number;
  readonly driftCheckOnly: number;
  readonly edited10: number;
  readonly edited10Reapplied: number;
  readonly kubectl?: { readonly fresh: number; readonly unchanged: number };
  readonly parse8MB: number;
  readonly parse8MBObjects: number;
  readonly parseMaxEventLoopDelay: number;
}

function configMap(ns: string, i: number, version: number): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${ns}, labels: {app: bench}}\ndata: {index: "${i}", version: "${version}", payload: "${'x'.repeat(200)}"}`;
}

/** Writes the 1,000-object tree (10 Namespaces, 990 ConfigMaps) named after `prefix` into `dir`. */
export async function writeTree(dir: string, prefix: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `${prefix}-${n}`;
    const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`];
    for (let i = 0; i < CONFIGMAPS_PER_NS; i++) docs.push(configMap(ns, i, 0));
    await writeFile(join(dir, `ns-${n}.yaml`), `${docs.join('\n---\n')}\n`);
  }
}

/** 8 MB of manifests in 8 files, parsed while the event loop's delay is sampled. */
async function parseBench(root: string): Promise<{ ms: number; objects: number; maxDelay: number }> {
  const dir = join(root, 'parse', 'k8s-resources');
  await mkdir(dir, { recursive: true });
  const perFile = PARSE_BYTES / 8;
  for (let f = 0; f < 8; f++) {
    const docs: string[] = [];
    let size = 0;
    for (let i = 0; size < perFile; i++) {
      const doc = configMap(`parse-${f}`, i, 1);
      docs.push(doc);
      size += doc.length + 5;
    }
    await writeFile(join(dir, `part-${f}.yaml`), docs.join('\n---\n'));
  }
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const started = performance.now();
  const parsed = await readManifests(join(root, 'parse'));
  const ms = Math.round(performance.now() - started);
  histogram.disable();
  return { ms, objects: parsed.length, maxDelay: Math.round(histogram.max / 1e6) };
}

/** Runs the benchmark once and returns its figures; deletes the namespaces it created. */
export async function run(): Promise<KubeBenchFigures> {
  const env = sandboxEnv();
  const id = randomBytes(3).toString('hex');
  const root = await mkdtemp(join(tmpdir(), `cairn-kube-bench-${id}-`));
  const prefixes = { cairn: `bc-${id}`, floor: `bf-${id}`, kubectl: `bk-${id}` };
  const client = createKubeClient({ ...env.kubernetes, concurrency: FLOOR_CONNECTIONS / 2 });
  const target: KubernetesTargetConfig = {
    kubeconfig: env.kubernetes.kubeconfig,
    context: env.kubernetes.context,
    namespace: `${prefixes.cairn}-0`,
    forceConflicts: false,
    pruneMaxShare: 0.5,
    allowMassPrune: false,
    healthTimeoutMs: 60_000,
    concurrency: FLOOR_CONNECTIONS,
    adopt: false,
    maxManifestBytes: 64 * 1024 * 1024,
  };
  const identity = { env: `bench-${id}`, repository: 'https://git.example.com/bench.git' };
  const ws = join(root, 'cairn');
  await writeTree(join(ws, 'k8s-resources'), prefixes.cairn);
  try {
    const parse = await parseBench(root);
    const floorMs = await floor(client, prefixes.floor);

    // The whole of a fresh apply: a new applier (discovery, inventory) reading and parsing the tree.
    const fresh = createKubeApplier(identity, target, silentLog());
    const freshMs = await timed(async () => {
      const result = await fresh.apply(await fresh.load(ws));
      if (result.failure) throw new Error(`cairn apply failed: ${result.failure.message}`);
    });
    await fresh.close();

    const applier = createKubeApplier(identity, target, silentLog());
    await applier.apply(await applier.load(ws)); // warm: discovery cached, as in a running controller
    const noop = await timed(async () => {
      const result = await applier.apply(await applier.load(ws));
      const moved = result.changes.filter((c) => c.action !== 'unchanged');
      if (result.failure || moved.length > 0) throw new Error(`no-op changed ${moved.length} object(s)`);
    });
    // What any no-op must do without drift detection or per-object logic: load the tree, read the
    // inventory and LIST the collections (a lower bound of the no-op before drift detection).
    const noopFloor = await timed(async () => {
      const manifests = await applier.load(ws);
      const located = manifests.map((m) => {
        const namespaced = m.object.kind !== 'Namespace';
        return {
          ref: refOf(m.object),
          info: { plural: namespaced ? 'configmaps' : 'namespaces', namespaced },
        };
      });
      await Promise.all([
        fetchLive(client, located, FLOOR_CONNECTIONS),
        client.request({
          method: 'GET',
          path: `/api/v1/namespaces/${target.namespace}/configmaps/${inventoryName(ownerOf(identity))}`,
        }),
      ]);
    });
    const driftCheckOnly = await timed(async () => {
      const drifted = await applier.drifted();
      if (drifted.length > 0) throw new Error(`drift check of an untouched tree found ${drifted.join(', ')}`);
    });

    const edited = Array.from({ length: EDITED }, (_, k) => ({
      ns: `${prefixes.cairn}-${k % NAMESPACES}`,
      name: `cm-${k * 7}`,
    }));
    for (const e of edited) {
      const res = await client.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${e.ns}/configmaps/${e.name}`,
        query: { fieldManager: 'kubectl-edit' },
        body: JSON.stringify({ data: { version: 'hand-edited' } }),
        contentType: 'application/merge-patch+json',
      });
      if (res.status !== 200) throw new Error(`hand edit: HTTP ${res.status}`);
    }
    let reapplied: string[] = [];
    const edited10 = await timed(async () => {
      const result = await applier.apply(await applier.load(ws));
      if (result.failure) throw new Error(`repair failed: ${result.failure.message}`);
      reapplied = result.changes.filter((c) => c.action !== 'unchanged').map((c) => c.subject);
    });
    const expected = edited.map((e) => `ConfigMap/${e.ns}/${e.name}`).sort();
    if (JSON.stringify([...reapplied].sort()) !== JSON.stringify(expected))
      throw new Error(`re-applied ${reapplied.join(', ')}, expected exactly ${expected.join(', ')}`);
    await applier.close();

    const kubectl = hasKubectl() ? await kubectlFigures(env, root, prefixes.kubectl) : undefined;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    return {
      objects: NAMESPACES * (1 + CONFIGMAPS_PER_NS),
      floor: floorMs,
      fresh: freshMs,
      freshVsFloor: ratio(freshMs, floorMs),
      noop,
      noopFloor,
      noopVsFloor: ratio(noop, noopFloor),
      driftCheckOnly,
      edited10,
      edited10Reapplied: reapplied.length,
      ...(kubectl ? { kubectl } : {}),
      parse8MB: parse.ms,
      parse8MBObjects: parse.objects,
      parseMaxEventLoopDelay: parse.maxDelay,
    };
  } finally {
    await cleanup(client, Object.values(prefixes));
    client.close();
    await rm(root, { recursive: true, force: true });
  }
}

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function kubectlFigures(
  env: ReturnType<typeof sandboxEnv>,
  root: string,
  prefix: string,
): Promise<{ fresh: number; unchanged: number }> {
  const dir = join(root, 'kubectl');
  await writeTree(dir, prefix);
  const step = () =>
    timed(() =>
      promisify(execFile)(
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
  return { fresh: await step(), unchanged: await step() };
}

/** Deletes the namespaces (and their ConfigMaps) of every prefix. */
export async function cleanup(client: KubeClient, prefixes: readonly string[]): Promise<void> {
  for (const prefix of prefixes) {
    for (let n = 0; n < NAMESPACES; n++) {
      const ns = `${prefix}-${n}`;
      await client
        .request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps` })
        .catch(() => undefined);
      await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns}` }).catch(() => undefined);
    }
  }
}

function print(f: KubeBenchFigures): void {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`kube applier, ${f.objects} objects (ms)`);
  console.log(`floor (raw SSA, ${FLOOR_CONNECTIONS} connections)  ${f.floor}`);
  console.log(
    `fresh apply, whole                     ${f.fresh}  (${f.freshVsFloor}x floor; target <= 2: ${verdict(f.freshVsFloor <= 2)})`,
  );
  console.log(`no-op with drift detection             ${f.noop}  (target < 1000: ${verdict(f.noop < 1000)})`);
  console.log(
    `no-op floor (load, inventory, LISTs)   ${f.noopFloor}  (${f.noopVsFloor}x; target <= 2: ${verdict(f.noopVsFloor <= 2)})`,
  );
  console.log(`drift check of an unchanged tree       ${f.driftCheckOnly}`);
  console.log(`10 hand-edited, repaired               ${f.edited10}  (re-applied ${f.edited10Reapplied})`);
  if (f.kubectl)
    console.log(
      `kubectl apply --server-side            fresh ${f.kubectl.fresh}, unchanged ${f.kubectl.unchanged}`,
    );
  console.log(
    `parse 8 MB (${f.parse8MBObjects} objects)          ${f.parse8MB}  (target < 1000: ${verdict(f.parse8MB < 1000)}); max event-loop delay ${f.parseMaxEventLoopDelay} ms`,
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
