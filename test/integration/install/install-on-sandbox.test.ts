import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { createDiscovery, resourcePath } from '../../../controller/kube/discovery';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import type { KubeObject } from '../../../controller/kube/types';
import type { AuditEntry } from '../../../controller/model';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { helmBinary } from '../../helpers/helm';
import { repoRoot, sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(180_000);

const helm = helmBinary();

/** The objects of a multi-document YAML stream. */
const objectsOf = (text: string): KubeObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);

/**
 * The install path against the sandbox's real kube-apiserver (RBAC on): the exported manifests
 * apply server-side, the Deployment rolls out on the kwok node, both the export and the chart pass
 * `helm lint`, and `cairn sync` authenticated as the exported ServiceAccount (a TokenRequest token
 * in a kubeconfig) applies, repairs drift, records its inventory and prunes, while a kind outside
 * the exported RBAC is refused as `kube.forbidden`, naming what to grant.
 */
describe('cairn install --export on the sandbox cluster', () => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const ns = `cairn-it-${suffix}`;
  const apps = `apps-it-${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-install-'));
  const identity = `system:serviceaccount:${ns}:cairn`;
  let admin: KubeClient;
  let exported: string;
  let repo: TestRepo;

  const get = async (path: string): Promise<KubeObject | undefined> => {
    const res = await admin.request({ method: 'GET', path });
    return res.status === 200 ? (res.body as KubeObject) : undefined;
  };

  beforeAll(async () => {
    admin = createKubeClient({ kubeconfig: sandboxEnv().kubernetes.kubeconfig, concurrency: 4 });
    const result = await runCli(['install', '--export', '--namespace', ns]);
    expect(result.code).toBe(0);
    exported = result.stdout;
  });

  afterAll(async () => {
    for (const path of [
      `/api/v1/namespaces/${ns}`,
      `/api/v1/namespaces/${apps}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/cairn-apply:${ns}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cairn-apply:${ns}`,
    ])
      await admin?.request({ method: 'DELETE', path }).catch(() => undefined);
    admin?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cairn install applies it server-side as an admin, and the Deployment rolls out (one replica) on the kwok node', async () => {
    const applied = await runCli([
      'install',
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      '--namespace',
      ns,
    ]);
    // The example config's environment has no ServiceAccount: the one warning says it applies as cairn.
    expect(applied.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /warning: .*environment dev has no kubernetes.serviceAccount, so it applies with cairn's own identity/,
      ),
    ]);
    expect(applied.code).toBe(0);
    // Every exported object, in the export's order, and nothing else.
    expect(applied.stdout.trim().split('\n')).toEqual(
      objectsOf(exported).map((o) => {
        const where = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
        return `${o.kind}/${where}${o.metadata.name} created`;
      }),
    );
    const again = await runCli([
      'install',
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      '--namespace',
      ns,
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain(' created');
    // The printed export is what was applied: each of its objects, applied as a server-side dry run
    // with the install's field manager, changes nothing on the server.
    const discovery = createDiscovery(admin);
    for (const object of objectsOf(exported)) {
      const info = (await discovery.lookup(object.apiVersion, object.kind))!;
      const path = resourcePath(object.apiVersion, info, object.metadata.namespace, object.metadata.name);
      const live = await get(path);
      const dry = await admin.request({
        method: 'PATCH',
        path,
        query: { fieldManager: 'cairn-install', dryRun: 'All' },
        body: JSON.stringify(object),
        contentType: 'application/apply-patch+yaml',
      });
      expect([object.kind, dry.status]).toEqual([object.kind, 200]);
      expect([object.kind, (dry.body as KubeObject).metadata.resourceVersion]).toEqual([
        object.kind,
        live!.metadata.resourceVersion,
      ]);
    }
    const deadline = Date.now() + 90_000;
    let status: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      const d = await get(`/apis/apps/v1/namespaces/${ns}/deployments/cairn`);
      status = (d?.status ?? {}) as Record<string, unknown>;
      if (status.readyReplicas === 1 && status.updatedReplicas === 1 && status.availableReplicas === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // One replica by default: a second would write every environment too (no sharding in the example).
    expect(status).toMatchObject({ readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    const pods = (
      await admin.request({
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/pods`,
        query: { labelSelector: 'app.kubernetes.io/name=cairn' },
      })
    ).body as { items: KubeObject[] };
    expect(pods.items).toHaveLength(1);
    for (const pod of pods.items) {
      expect((pod.spec as { nodeName?: string }).nodeName).toBe('kwok-node-0');
      expect((pod.status as { phase?: string }).phase).toBe('Running');
    }
  });

  it('passes helm lint, as the chart and as the export wrapped in a chart', () => {
    const lint = (chart: string, ...values: string[]) =>
      execFileSync(helm, ['lint', '--strict', chart, ...values], { encoding: 'utf8' });
    expect(lint(join(repoRoot, 'controller', 'install', 'chart'))).toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
    // With environments bound to ServiceAccounts (the chart reads them from the config).
    const bound = join(repoRoot, 'test', 'fixtures', 'install', 'two-environments.yaml');
    expect(lint(join(repoRoot, 'controller', 'install', 'chart'), '--set-file', `config=${bound}`)).toMatch(
      /1 chart\(s\) linted, 0 chart\(s\) failed/,
    );
    const wrapped = join(dir, 'export-chart');
    mkdirSync(join(wrapped, 'templates'), { recursive: true });
    writeFileSync(
      join(wrapped, 'Chart.yaml'),
      stringify({ apiVersion: 'v2', name: 'cairn-export', version: '0.1.0' }),
    );
    writeFileSync(join(wrapped, 'templates', 'export.yaml'), exported);
    expect(lint(wrapped)).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  describe('cairn sync as the ServiceAccount', () => {
    let configFile: string;
    let saKubeconfig: string;
    const sync = () => runCli(['sync', '--config', configFile, '--env', 'dev', '--json']);
    const configMap = (name: string, value: string) =>
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: apps },
        data: { value },
      });
    const web = stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: apps },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    });

    beforeAll(async () => {
      // A token of the ServiceAccount from the TokenRequest API, in a kubeconfig of its own.
      const res = await admin.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/serviceaccounts/cairn/token`,
        body: JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 3600 },
        }),
      });
      expect(res.status).toBe(201);
      const token = (res.body as { status: { token: string } }).status.token;
      const kc = parse(readFileSync(sandboxEnv().kubernetes.kubeconfig, 'utf8')) as {
        clusters: { name: string; cluster: Record<string, unknown> }[];
      };
      const kubeconfig = join(dir, 'sa.kubeconfig');
      saKubeconfig = kubeconfig;
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'sandbox', cluster: kc.clusters[0]!.cluster }],
          users: [{ name: 'cairn', user: { token } }],
          contexts: [{ name: 'cairn', context: { cluster: 'sandbox', user: 'cairn' } }],
          'current-context': 'cairn',
        }),
        { mode: 0o600 },
      );
      repo = createTestRepo('platform', {
        dev: {
          'k8s-resources/namespace.yaml': stringify({
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: apps },
          }),
          'k8s-resources/a.yaml': configMap('a', 'one'),
          'k8s-resources/b.yaml': configMap('b', 'two'),
          'k8s-resources/web.yaml': web,
        },
      });
      configFile = join(dir, 'cairn.yaml');
      writeFileSync(
        configFile,
        stringify({
          repository: { url: repo.bare },
          environments: [{ name: 'dev', kubernetes: { kubeconfig, namespace: apps }, driftInterval: '0s' }],
          audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        }),
      );
    });

    it('applies, records its inventory, repairs drift and prunes, with only the exported RBAC', async () => {
      const first = await sync();
      expect(first.stderr).not.toMatch(/forbidden/i);
      expect(first.code).toBe(0);
      const created = (JSON.parse(first.stdout) as AuditEntry).changes.map((c) => `${c.subject} ${c.action}`);
      expect(created).toEqual(
        expect.arrayContaining([
          `Namespace/${apps} created`,
          `ConfigMap/${apps}/a created`,
          `ConfigMap/${apps}/b created`,
          `Deployment/${apps}/web created`,
        ]),
      );
      const inventory = await admin.request({
        method: 'GET',
        path: `/api/v1/namespaces/${apps}/configmaps`,
        query: { labelSelector: 'app.kubernetes.io/managed-by=cairn' },
      });
      const names = (inventory.body as { items: KubeObject[] }).items.map((i) => i.metadata.name);
      expect(names.some((n) => n.startsWith('cairn-inventory-'))).toBe(true);

      // Someone edits ConfigMap a by hand, and a commit removes ConfigMap b.
      const edit = await admin.request({
        method: 'PATCH',
        path: `/api/v1/namespaces/${apps}/configmaps/a`,
        body: JSON.stringify({ data: { value: 'hand-edited' } }),
        contentType: 'application/merge-patch+json',
      });
      expect(edit.status).toBe(200);
      repo.commit('dev', 'Drop b', { 'k8s-resources/b.yaml': null });
      const second = await sync();
      expect(second.code).toBe(0);
      const changes = (JSON.parse(second.stdout) as AuditEntry).changes;
      expect(changes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            subject: `ConfigMap/${apps}/a`,
            action: 'configured',
            reason: 'drift repaired',
          }),
          expect.objectContaining({ subject: `ConfigMap/${apps}/b`, action: 'deleted' }),
        ]),
      );
      expect(((await get(`/api/v1/namespaces/${apps}/configmaps/a`))?.data as { value: string }).value).toBe(
        'one',
      );
      expect(await get(`/api/v1/namespaces/${apps}/configmaps/b`)).toBeUndefined();
    });

    it('cannot install itself as the ServiceAccount: a 403 names the identity and says to use an administrator', async () => {
      const result = await runCli(['install', '--kubeconfig', saKubeconfig, '--namespace', ns]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('HTTP 403');
      expect(result.stderr).toContain(`run it as a cluster administrator, not as "${identity}"`);
    });

    it('refuses a kind outside the RBAC as kube.forbidden, terminal, naming the kind, namespace, identity and fix', async () => {
      repo.commit('dev', 'Add a PodDisruptionBudget', {
        'k8s-resources/pdb.yaml': stringify({
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'web', namespace: apps },
          spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
        }),
      });
      const result = await sync();
      expect(result.code).toBe(1);
      const entry = JSON.parse(result.stdout) as AuditEntry;
      expect(entry.failure).toMatchObject({ code: 'kube.forbidden', retryable: false });
      const message = entry.failure!.message;
      expect(message).toContain('PodDisruptionBudget');
      expect(message).toContain(`namespace "${apps}"`);
      expect(message).toContain(`"${identity}"`);
      expect(message).toContain('cairn install --export --kinds default,policy/poddisruptionbudgets');
      expect(await get(`/apis/policy/v1/namespaces/${apps}/poddisruptionbudgets/web`)).toBeUndefined();

      // The same failure, as a person reads it: the CLI's rendering of the audit entry.
      const shown = await runCli(['audit', 'show', '--config', configFile, entry.id]);
      expect(shown.stdout).toContain('kube.forbidden');
      expect(shown.stdout).toContain(identity);
    });
  });
});
