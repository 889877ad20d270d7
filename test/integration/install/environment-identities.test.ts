import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import {
  canI,
  KUBECTL,
  kubectlApply,
  kubectlDelete,
  serviceAccountKubeconfig,
  twoEnvironmentInstall,
} from '../../helpers/install-identities';

jest.setTimeout(120_000);

/**
 * The per-environment identities of `cairn install --export`, applied to the sandbox's
 * kube-apiserver (RBAC on) and checked with `kubectl auth can-i --as`: each environment's
 * ServiceAccount writes only its own namespaces (and only the cluster-scoped kinds it lists), and
 * cairn's own ServiceAccount may only impersonate those two, write their inventories by name and
 * hold Leases in its own namespace: no write anywhere else in the cluster.
 */
describe('cairn install --export: one identity per environment, on the sandbox', () => {
  const suffix = Math.random().toString(36).slice(2, 7);
  const install = twoEnvironmentInstall(suffix, {}, (env) =>
    env === 'b' ? { clusterResources: ['Namespace', 'rbac.authorization.k8s.io/ClusterRole'] } : {},
  );
  const { ns, a, b } = install;
  const userA = `system:serviceaccount:${a.ns}:${a.sa}`;
  const userB = `system:serviceaccount:${b.ns}:${b.sa}`;
  const cairn = `system:serviceaccount:${ns}:cairn`;
  const inventoryOf = (env: string) =>
    parseAllDocuments(install.exported)
      .map(
        (d) =>
          d.toJS() as {
            kind: string;
            metadata: { name: string; namespace?: string };
            rules?: { resourceNames?: string[] }[];
          },
      )
      .find(
        (o) =>
          o?.kind === 'Role' && o.metadata.name === `cairn-inventory:${ns}` && o.metadata.namespace === env,
      )!.rules![0]!.resourceNames![0]!;

  beforeAll(() => {
    kubectlApply(install.exported);
  });

  afterAll(() => {
    kubectlDelete(install.exported);
    rmSync(dir, { recursive: true, force: true });
  });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-identities-'));

  it('says in the export that a namespace glob is not granted', () => {
    expect(install.exported).toContain(
      `# environment a: kubernetes.namespaces "team-a-${suffix}-*" is a glob, which RBAC cannot grant`,
    );
  });

  it.each([
    ['create', 'deployments', 'a', true],
    ['delete', 'configmaps', 'a', true],
    ['patch', 'secrets', 'extra', true],
    ['list', 'deployments', 'extra', true],
    ['create', 'deployments', 'b', false],
    ['get', 'configmaps', 'b', false],
    ['create', 'configmaps', 'kube-system', false],
    ['create', 'deployments', 'cairn', false],
    ['get', 'secrets', 'cairn', false],
    ['create', 'leases', 'cairn', false],
    ['create', 'deployments', 'default', false],
  ] as const)('environment a may %s %s in namespace %s: %s', (verb, resource, where, allowed) => {
    const namespace = { a: a.ns, extra: a.extra, b: b.ns, cairn: ns }[where as string] ?? where;
    expect(canI(userA, verb, resource, namespace)).toBe(allowed);
  });

  it.each([
    ['patch', `namespaces/${a.ns}`, true],
    ['patch', `namespaces/${a.extra}`, true],
    ['list', 'namespaces', true],
    ['delete', `namespaces/${a.ns}`, false],
    ['patch', `namespaces/${b.ns}`, false],
    ['create', `namespaces/kube-system-2`, false],
    ['patch', 'namespaces/kube-system', false],
    ['create', 'clusterrolebindings', false],
    ['create', 'clusterroles', false],
    ['impersonate', 'serviceaccounts', false],
  ] as const)('environment a may %s %s cluster-wide: %s', (verb, resource, allowed) => {
    expect(canI(userA, verb, resource)).toBe(allowed);
  });

  it('gives environment b only its namespace and the cluster kinds it lists (ClusterRole, never a binding)', () => {
    expect(canI(userB, 'create', 'deployments', b.ns)).toBe(true);
    expect(canI(userB, 'create', 'deployments', a.ns)).toBe(false);
    expect(canI(userB, 'create', 'deployments', a.extra)).toBe(false);
    expect(canI(userB, 'create', 'clusterroles')).toBe(true);
    expect(canI(userB, 'create', 'clusterrolebindings')).toBe(false);
    expect(canI(userB, 'create', 'rolebindings', b.ns)).toBe(false);
    expect(canI(userB, 'patch', `namespaces/${a.ns}`)).toBe(false);
  });

  it.each([
    ['impersonate', `serviceaccounts/${a.sa}`, 'a', true],
    ['impersonate', `serviceaccounts/${b.sa}`, 'b', true],
    ['impersonate', `serviceaccounts/${a.sa}`, 'b', false],
    ['impersonate', 'serviceaccounts/default', 'a', false],
    ['impersonate', `serviceaccounts/${a.sa}`, 'kube-system', false],
    ['impersonate', 'serviceaccounts/cairn', 'cairn', false],
    ['create', 'leases', 'cairn', true],
    ['update', 'leases', 'cairn', true],
    ['create', 'leases', 'a', false],
    ['create', 'deployments', 'a', false],
    ['create', 'deployments', 'b', false],
    ['create', 'deployments', 'cairn', false],
    ['create', 'deployments', 'kube-system', false],
    ['create', 'configmaps', 'kube-system', false],
    ['patch', 'configmaps/other', 'a', false],
    ['get', 'secrets', 'a', false],
    ['get', 'secrets', 'cairn', false],
  ] as const)('cairn itself may %s %s in namespace %s: %s', (verb, resource, where, allowed) => {
    const namespace = { a: a.ns, b: b.ns, cairn: ns }[where as string] ?? where;
    expect(canI(cairn, verb, resource, namespace)).toBe(allowed);
  });

  it('lets cairn itself write each inventory by name, and nothing cluster-wide', () => {
    expect(canI(cairn, 'patch', `configmaps/${inventoryOf(a.ns)}`, a.ns)).toBe(true);
    expect(canI(cairn, 'get', `configmaps/${inventoryOf(b.ns)}`, b.ns)).toBe(true);
    expect(canI(cairn, 'patch', `configmaps/${inventoryOf(b.ns)}`, a.ns)).toBe(false);
    // The first write is a create (RBAC cannot name what a POST creates): in the default namespace only.
    expect(canI(cairn, 'create', 'configmaps', a.ns)).toBe(true);
    expect(canI(cairn, 'update', 'configmaps/other', a.ns)).toBe(false);
    expect(canI(cairn, 'create', 'configmaps', ns)).toBe(false);
    for (const resource of ['deployments', 'configmaps', 'namespaces', 'clusterrolebindings', 'secrets']) {
      expect([resource, canI(cairn, 'create', resource, undefined)]).toEqual([resource, false]);
    }
    expect(canI(cairn, 'create', 'deployments', '*')).toBe(false);
    expect(canI(cairn, 'impersonate', 'users')).toBe(false);
    expect(canI(cairn, 'impersonate', 'groups')).toBe(false);
  });

  describe("with cairn's own token (kubectl create token), as cairn run makes its requests", () => {
    let kubeconfig: string;
    beforeAll(() => {
      kubeconfig = serviceAccountKubeconfig(ns, 'cairn', join(dir, 'cairn.kubeconfig'));
    });
    /** A server-side apply of one ConfigMap with cairn's token, impersonating `as` when given. */
    const apply = (namespace: string, name: string, as?: string) =>
      spawnSync(
        KUBECTL,
        [
          '--kubeconfig',
          kubeconfig,
          'apply',
          '--server-side',
          '--field-manager',
          'cairn',
          // Authorization is the point: no client-side schema download, which a refused identity fails first.
          '--validate=false',
          ...(as ? [`--as=${as}`] : []),
          '-f',
          '-',
        ],
        {
          input: stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace },
            data: { v: '1' },
          }),
          encoding: 'utf8',
        },
      );

    it("writes environment a's objects only as a's ServiceAccount, and only in a's namespaces", () => {
      expect(apply(a.ns, 'settings', userA).status).toBe(0);
      expect(apply(a.extra, 'jobs', userA).status).toBe(0);
      const intoB = apply(b.ns, 'settings', userA);
      expect(intoB.status).not.toBe(0);
      expect(intoB.stderr).toContain(`User "${userA}" cannot patch resource "configmaps"`);
      const own = apply(a.ns, 'settings-as-cairn');
      expect(own.stderr).toContain(`User "${cairn}" cannot patch resource "configmaps"`);
      const system = apply('kube-system', 'x', userA);
      expect(system.stderr).toContain('forbidden');
    });

    it('writes the inventories as itself, and may not impersonate anyone else', () => {
      expect(apply(a.ns, inventoryOf(a.ns)).status).toBe(0);
      expect(apply(b.ns, inventoryOf(b.ns)).status).toBe(0);
      const other = apply(a.ns, 'settings', `system:serviceaccount:${a.ns}:default`);
      expect(other.stderr).toContain(`cannot impersonate resource "serviceaccounts"`);
      const admin = apply(a.ns, 'settings', 'admin');
      expect(admin.stderr).toContain(`cannot impersonate resource "users"`);
    });
  });
});
