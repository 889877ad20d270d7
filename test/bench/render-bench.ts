/**
 * What rendering through cairn costs: a 200-object Kustomize overlay and a 100-object Helm chart,
 * read by readManifests (the folder copied, rendered under bubblewrap with no network, parsed) and
 * rendered by `kustomize build` / `helm template` run directly on the same folder; prints the
 * medians and their ratio. Needs no sandbox part, only the binaries the sandbox builds.
 * Run: `npx tsx test/bench/render-bench.ts [--json]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../cdk/synth/synth-runner';
import { readManifests } from '../../controller/kube/read-manifests';
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
  try {
    const count = async (dir: string, expected: number) => {
      const objects = await readManifests(dir, {}, settings);
      if (objects.length !== expected) throw new Error(`rendered ${objects.length} objects, not ${expected}`);
    };
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
    const figures = {
      kustomize200: { cairn: kCairn, direct: kDirect, ratio: kCairn / kDirect },
      helm100: { cairn: hCairn, direct: hDirect, ratio: hCairn / hDirect },
    };
    if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
    else
      for (const [name, f] of Object.entries(figures))
        console.log(
          `${name}: cairn ${f.cairn.toFixed(0)} ms, direct ${f.direct.toFixed(0)} ms, ratio ${f.ratio.toFixed(2)} (median of ${ROUNDS})`,
        );
  } finally {
    rmSync(ws.kustomize, { recursive: true, force: true });
    rmSync(ws.helm, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
