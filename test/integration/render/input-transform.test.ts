import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { readManifests } from '../../../controller/kube/read-manifests';
import { helmBinary } from '../../helpers/helm';
import { kustomizeBinary } from '../../helpers/renderers';

/**
 * The optional input transform (the bindings branch's AWS outputs) is applied to every text file
 * of a rendered folder before kustomize or helm reads it, under bubblewrap, with the real binaries.
 */
jest.setTimeout(120_000);
const ws = mkdtempSync(join(tmpdir(), 'cairn-render-transform-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

const files: Record<string, string> = {
  'k8s-resources/web/kustomization.yaml': stringify({ resources: ['cm.yaml'] }),
  'k8s-resources/web/cm.yaml': stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web' },
    data: { queue: '${QUEUE}' },
  }),
  'k8s-resources/worker/Chart.yaml': stringify({ apiVersion: 'v2', name: 'worker', version: '0.1.0' }),
  'k8s-resources/worker/values.yaml': stringify({ queue: '${QUEUE}' }),
  'k8s-resources/worker/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: worker\ndata:\n  queue: {{ .Values.queue | quote }}\n',
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(ws, path)), { recursive: true });
  writeFileSync(join(ws, path), text);
}

it('rewrites the inputs of an overlay and a chart before rendering, naming each file', async () => {
  // given a transform that fills ${QUEUE} and records the files it saw
  const seen: string[] = [];
  const transform = (file: string, text: string) => {
    seen.push(file);
    return text.replaceAll('${QUEUE}', 'https://sqs.example/jobs');
  };

  // when the workspace is read with kustomize and helm
  const objects = await readManifests(
    ws,
    {},
    {
      runner: createSynthRunner({ isolation: 'bubblewrap' }),
      env: 'dev',
      kustomizePath: kustomizeBinary(),
      helmPath: helmBinary(),
      transform,
    },
  );

  // then both rendered objects hold the value, and the transform saw every input by its path
  expect(objects.map((o) => [o.file, o.object.data])).toEqual([
    ['k8s-resources/web (kustomize)', { queue: 'https://sqs.example/jobs' }],
    ['k8s-resources/worker (helm chart)', { queue: 'https://sqs.example/jobs' }],
  ]);
  expect(seen.sort()).toEqual(Object.keys(files).sort());
});
