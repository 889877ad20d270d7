import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { localPlatform } from '../../helpers/local-platform';
import { runCli } from '../../helpers/cli';
import { kubeKit } from './kube-kit';

/**
 * The API server's `Warning` headers, from the sandbox's kube-apiserver, through `cairn plan`,
 * `cairn sync`, its log and the ledger. Two warnings it really gives: Pod Security admission in
 * `warn` mode on a Deployment whose pods would violate `restricted` (a text with escaped quotes),
 * and the deprecation of v1 Endpoints (Kubernetes 1.33+).
 */
jest.setTimeout(180_000);
const kit = kubeKit('warn');
const root = mkdtempSync(join(tmpdir(), 'cairn-server-warnings-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const ns = kit.name('warn');
kit.track(`/api/v1/namespaces/${ns}`);
const namespace = stringify({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: ns, labels: { 'pod-security.kubernetes.io/warn': 'restricted' } },
});
const deployment = (spec: Record<string, unknown> = {}) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
      ...spec,
    },
  });
const endpoints = stringify({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'legacy' } });

const POD_SECURITY = `k8s-resources/app.yaml: Deployment/${ns}/web: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)`;
const DEPRECATED = `k8s-resources/endpoints.yaml: Endpoints/${ns}/legacy: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice`;

describe('API server warnings', () => {
  // allowClusterPolicy: the tree sets its Namespace's Pod Security label, which cluster admission reads
  const platform = localPlatform(join(root, 'repo'), { namespace: ns, allowClusterPolicy: true });

  it('shows them in the plan beside file and object, and an apply succeeds, logs and records them', async () => {
    // given dev synced with its Namespace only (Pod Security warns there), then a commit adding a
    // Deployment whose pods break `restricted` and an Endpoints
    platform.commit('namespace', { 'k8s-resources/ns.yaml': namespace });
    expect((await platform.sync()).code).toBe(0);
    platform.commit('app', {
      'k8s-resources/app.yaml': deployment(),
      'k8s-resources/endpoints.yaml': endpoints,
    });

    // when it is planned, as `cairn plan` prints it
    const plan = await runCli(['plan', '--config', platform.config, '--env', 'dev']);

    // then each warning is a line naming file and object, and the plan does not fail for them
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Warnings from the API server');
    expect(plan.stdout).toContain(POD_SECURITY);
    expect(plan.stdout).toContain(DEPRECATED);

    // when it is synced
    const { code, entry, stderr } = await platform.sync();

    // then it succeeds (the server's Warn semantics) with both objects created and their warnings
    expect(code).toBe(0);
    expect(entry.outcome).toBe('succeeded');
    expect(entry.failure).toBeUndefined();
    const web = entry.changes.find((c) => c.subject === `Deployment/${ns}/web`);
    expect(web?.action).toBe('created');
    expect(web?.warnings?.[0]).toMatch(/^would violate PodSecurity "restricted:latest"/);
    expect(entry.changes.find((c) => c.subject === `Endpoints/${ns}/legacy`)?.warnings).toEqual([
      'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
    ]);
    // and each warning is one JSON line at warn level with env, sha, phase, object and file
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'API server warning');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 40,
          env: 'dev',
          sha: platform.head().slice(0, 12),
          phase: 'apply-kubernetes',
          subject: `Endpoints/${ns}/legacy`,
          file: 'k8s-resources/endpoints.yaml',
          warning: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice',
        }),
        expect.objectContaining({ subject: `Deployment/${ns}/web`, file: 'k8s-resources/app.yaml' }),
      ]),
    );
    expect(lines).toHaveLength(2);

    // and the ledger's entry, as `cairn audit show` reads it back, names them
    const shown = await runCli(['audit', 'show', entry.id, '--config', platform.config]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(POD_SECURITY);
    expect(shown.stdout).toContain(DEPRECATED);
  });

  // Not a warning: server-side apply never drops an unknown field, whatever `fieldValidation` says
  // (the typed patch is built against the schema first). Kept here so that a server that starts
  // dropping it instead (and only warning) is noticed.
  it('refuses a field the schema does not declare, naming it', async () => {
    // given a Deployment with a typo (`replica`)
    platform.commit('typo', { 'k8s-resources/app.yaml': deployment({ replica: 3 }) });
    // when it is planned
    const plan = await platform.plan();
    // then the plan fails on that object, naming the field
    expect(plan.code).not.toBe(0);
    expect(plan.stdout + plan.stderr).toContain('.spec.replica: field not declared in schema');
  });
});
