/**
 * What rendering through cairn costs: a 200-object Kustomize overlay and a 100-object Helm chart,
 * read by readManifests (the folder copied, rendered under bubblewrap with no network, parsed) and
 * rendered by `kustomize build` / `helm template` run directly on the same folder; prints the
 * medians and their ratio. When it runs as root with dist/ built, also through the sidecar synth
 * runner (`cairn synth-runner` as another uid on its socket, the in-cluster path), against the same
 * direct run. Needs no sandbox part, only the binaries the sandbox builds.
 * Run: `npx tsx test/bench/render-bench.ts [--json]`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../cdk/synth/synth-runner';
import { readManifests } from '../../controller/kube/read-manifests';
import type { RenderSettings } from '../../controller/kube/render/types';
import { silentLog } from '../../controller/log';
import { startRunnerPod, type RunnerPod } from '../helpers/synth-runner-pod';
import { repoRoot } from '../sandbox/sandbox-env';
import { helmBinary } from '../helpers/helm';
import { kustomizeBinary } from '../helpers/renderers';

const ROUNDS = 5;
const OVERLAY_OBJECTS = 200;
const CHART_OBJECTS = 100;

function write(root: string, files: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** One workspace per renderer, so each figure is that renderer alone. */
function workspaces(): { kustomize: string; helm: string } {
  const kustomize = mkdtempSync(join(tmpdir(), 'cairn-render-bench-k-'));
  const cms = Array.from({ length: OVERLAY_OBJECTS }, (_, i) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }),
  );
  write(kustomize, {
    'k8s-resources/web/base/kustomization.yaml': stringify({ resources: ['objects.yaml'] }),
    'k8s-resources/web/base/objects.yaml': cms.join('---\n'),
    'k8s-resources/web/kustomization.yaml': stringify({
      resources: ['base'],
      namePrefix: 'dev-',
      labels: [{ pairs: { env: 'dev' } }],
    }),
  });
  const helm = mkdtempSync(join(tmpdir(), 'cairn-render-bench-h-'));
  write(helm, {
    'k8s-resources/worker/Chart.yaml': stringify({ apiVersion: 'v2', name: 'worker', version: '0.1.0' }),
    'k8s-resources/worker/values.yaml': stringify({ count: CHART_OBJECTS }),
    'k8s-resources/worker/templates/cm.yaml': `{{- range until (int .Values.count) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-{{ . }}
data:
  i: {{ . | quote }}
{{- end }}
`,
  });
  return { kustomize, helm };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(work: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main(): Promise<void> {
  const ws = workspaces();
  const settings = {
    runner: createSynthRunner({ isolation: 'bubblewrap' }),
    env: 'dev',
    namespace: 'apps',
    kustomizePath: kustomizeBinary(),
    helmPath: helmBinary(),
  };
  // The runner needs another uid (root starts it) and the compiled CLI.
  const withPod =
    process.getuid?.() === 0 && existsSync(join(repoRoot, 'dist', 'controller', 'cli', 'main.js'));
  let pod: RunnerPod | undefined;
  try {
    const count = async (dir: string, expected: number, through: RenderSettings = settings) => {
      const objects = await readManifests(dir, {}, through);
      if (objects.length !== expected) throw new Error(`rendered ${objects.length} objects, not ${expected}`);
    };
    pod = withPod ? await startRunnerPod(10017) : undefined;
    const sidecar: RenderSettings | undefined = pod && {
      ...settings,
      runner: createSynthRunner({ isolation: 'sidecar', socket: pod.socket }, pod.workRoot),
      log: silentLog(),
    };
    const kSidecar = sidecar && (await time(() => count(ws.kustomize, OVERLAY_OBJECTS, sidecar)));
    const hSidecar = sidecar && (await time(() => count(ws.helm, CHART_OBJECTS, sidecar)));
    const kCairn = await time(() => count(ws.kustomize, OVERLAY_OBJECTS));
    const kDirect = await time(() =>
      execFileSync(settings.kustomizePath, ['build', join(ws.kustomize, 'k8s-resources', 'web')], {
        maxBuffer: 64 << 20,
      }),
    );
    const hCairn = await time(() => count(ws.helm, CHART_OBJECTS));
    const hDirect = await time(() =>
      execFileSync(
        settings.helmPath,
        ['template', 'worker', join(ws.helm, 'k8s-resources', 'worker'), '--namespace', 'apps'],
        { maxBuffer: 64 << 20, env: { ...process.env, HELM_CACHE_HOME: join(ws.helm, '.cache') } },
      ),
    );
    const figures: Record<string, { cairn: number; direct: number; ratio: number }> = {
      kustomize200: { cairn: kCairn, direct: kDirect, ratio: kCairn / kDirect },
      helm100: { cairn: hCairn, direct: hDirect, ratio: hCairn / hDirect },
      ...(kSidecar !== undefined && hSidecar !== undefined
        ? {
            kustomize200Sidecar: { cairn: kSidecar, direct: kDirect, ratio: kSidecar / kDirect },
            helm100Sidecar: { cairn: hSidecar, direct: hDirect, ratio: hSidecar / hDirect },
          }
        : {}),
    };
    const load = loadavg()[0]!.toFixed(2);
    if (process.argv.includes('--json')) console.log(JSON.stringify({ ...figures, loadavg1: Number(load) }));
    else {
      for (const [name, f] of Object.entries(figures))
        console.log(
          `${name}: cairn ${f.cairn.toFixed(0)} ms, direct ${f.direct.toFixed(0)} ms, ratio ${f.ratio.toFixed(2)} (median of ${ROUNDS}, load ${load})`,
        );
      if (!pod) console.log('sidecar: skipped (needs root and dist/: npm run build)');
    }
  } finally {
    await pod?.cleanup();
    rmSync(ws.kustomize, { recursive: true, force: true });
    rmSync(ws.helm, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
