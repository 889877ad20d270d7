import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { nameOf } from '../../helpers/changes';
import { UNVENDORED_CHART } from '../../helpers/renderers';
import { kubeKit } from '../kube/kube-kit';
import { renderPlatform } from './render-platform';

/**
 * A Kustomize overlay and a Helm chart in k8s-resources/, through `cairn sync` and `cairn plan` as
 * child processes: the real kustomize v5.8.2 and helm v3.22 under bubblewrap, a real git
 * repository, the sandbox's kube-apiserver.
 */
jest.setTimeout(240_000);
const kit = kubeKit('render');
const root = mkdtempSync(join(tmpdir(), 'cairn-render-sync-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const cm = (name: string, data: Record<string, string>) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const CHART = stringify({ apiVersion: 'v2', name: 'worker', version: '0.1.0' });
const TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  namespace: {{ .Release.Namespace }}
data:
  greeting: {{ .Values.greeting | quote }}
{{- range until (int .Values.extra) }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Release.Name }}-extra-{{ . }}
data: {}
{{- end }}
`;
const changesOf = (entry: AuditEntry) =>
  entry.changes
    .filter((c) => c.target === 'kubernetes')
    .map((c) => `${nameOf(c)}:${c.action}:${c.file ?? ''}`)
    .sort();

describe('rendered folders through cairn sync', () => {
  const ns = kit.name('render');
  const p = renderPlatform(join(root, 'platform'), ns);
  const cmPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  kit.track(`/api/v1/namespaces/${ns}`);
  const WEB = 'k8s-resources/web (kustomize)';
  const WORKER = 'k8s-resources/worker (helm chart)';

  it('applies an overlay and a chart, each object naming its folder', async () => {
    // given an overlay over a base inside its folder, and a chart with values-dev.yaml
    p.commit('first', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/web/base/kustomization.yaml': stringify({ resources: ['app.yaml', 'extra.yaml'] }),
      'k8s-resources/web/base/app.yaml': cm('app', { mode: 'base' }),
      'k8s-resources/web/base/extra.yaml': cm('extra', { k: 'v' }),
      'k8s-resources/web/kustomization.yaml': stringify({
        resources: ['base'],
        namePrefix: 'dev-',
        patches: [{ patch: cm('app', { mode: 'dev' }) }],
      }),
      'k8s-resources/worker/Chart.yaml': CHART,
      'k8s-resources/worker/values.yaml': stringify({ greeting: 'hello', extra: 2 }),
      'k8s-resources/worker/values-dev.yaml': stringify({ greeting: 'hello-dev' }),
      'k8s-resources/worker/templates/cm.yaml': TEMPLATE,
    });

    // when it is synced
    const { code, entry } = await p.sync();

    // then every rendered object is created with its folder as its file, with the overlay's and
    // the environment's values
    expect(code).toBe(0);
    expect(changesOf(entry)).toEqual(
      [
        `${ns}:created:k8s-resources/ns.yaml`,
        `dev-app:created:${WEB}`,
        `dev-extra:created:${WEB}`,
        `worker-settings:created:${WORKER}`,
        `worker-extra-0:created:${WORKER}`,
        `worker-extra-1:created:${WORKER}`,
      ].sort(),
    );
    expect((await kit.get(cmPath('dev-app')))?.data).toEqual({ mode: 'dev' });
    expect((await kit.get(cmPath('worker-settings')))?.data).toEqual({ greeting: 'hello-dev' });
  });

  it('plans and applies a change, and prunes what a folder no longer renders', async () => {
    // given the overlay's patch changed, the base's extra removed, and the chart rendering one extra
    p.commit('change', {
      'k8s-resources/web/kustomization.yaml': stringify({
        resources: ['base'],
        namePrefix: 'dev-',
        patches: [{ patch: cm('app', { mode: 'dev-2' }) }],
      }),
      'k8s-resources/web/base/kustomization.yaml': stringify({ resources: ['app.yaml'] }),
      'k8s-resources/web/base/extra.yaml': null,
      'k8s-resources/worker/values-dev.yaml': stringify({ greeting: 'hi-dev', extra: 1 }),
    });

    // when it is planned, then synced
    const plan = await p.plan();
    const { code, entry } = await p.sync();

    // then the plan and the sync say the same, each change naming its folder
    expect(plan.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { kubernetes: { changes: AuditEntry['changes'] } };
    const expected = [
      `${ns}:unchanged:k8s-resources/ns.yaml`,
      `dev-app:configured:${WEB}`,
      'dev-extra:deleted:',
      `worker-settings:configured:${WORKER}`,
      `worker-extra-0:unchanged:${WORKER}`,
      'worker-extra-1:deleted:',
    ].sort();
    expect(changesOf({ changes: planned.kubernetes.changes } as AuditEntry)).toEqual(expected);
    expect(code).toBe(0);
    expect(changesOf(entry)).toEqual(expected);
    expect((await kit.get(cmPath('dev-app')))?.data).toEqual({ mode: 'dev-2' });
    expect(await kit.get(cmPath('dev-extra'))).toBeUndefined();
    expect(await kit.get(cmPath('worker-extra-1'))).toBeUndefined();
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a remote base',
      {
        'k8s-resources/web/kustomization.yaml': stringify({
          resources: ['base', 'github.com/acme/infra//base?ref=v1'],
        }),
      },
      /k8s-resources\/web\/kustomization\.yaml.*remote base github\.com\/acme\/infra\/\/base\?ref=v1/s,
    ],
    [
      'an exec plugin',
      {
        'k8s-resources/web/kustomization.yaml': stringify({ resources: ['base'], generators: ['gen.yaml'] }),
        'k8s-resources/web/gen.yaml': stringify({
          apiVersion: 'acme.io/v1',
          kind: 'Steal',
          metadata: {
            name: 'creds',
            annotations: { 'config.kubernetes.io/function': 'exec:\n  path: ./steal.sh\n' },
          },
        }),
      },
      /k8s-resources\/web\/kustomization\.yaml.*plugin Steal\/creds \(a KRM function/s,
    ],
    UNVENDORED_CHART,
  ])('refuses %s, naming it, and changes nothing', async (_what, files, message) => {
    // given a commit that also changes a plain object
    p.commit('refused', { ...files, 'k8s-resources/plain.yaml': cm('plain', { k: 'v' }) });

    // when it is synced
    const { code, entry } = await p.sync();

    // then the sync fails with kube.render-refused naming the entry, and nothing reached the cluster
    expect(code).toBe(1);
    expect(entry.failure?.code).toBe('kube.render-refused');
    expect(`${entry.failure?.subject} ${entry.failure?.message}`).toMatch(message);
    expect(await kit.get(cmPath('plain'))).toBeUndefined();
    p.commit('undo', Object.fromEntries(Object.keys(files).map((f) => [f, null])));
    p.commit('restore', {
      'k8s-resources/plain.yaml': null,
      'k8s-resources/web/kustomization.yaml': stringify({
        resources: ['base'],
        namePrefix: 'dev-',
        patches: [{ patch: cm('app', { mode: 'dev-2' }) }],
      }),
      'k8s-resources/worker/Chart.yaml': CHART,
    });
  });
});
