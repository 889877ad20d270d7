import { stringify } from 'yaml';
import { installCommand, planInstall } from '../../../controller/cli/commands/install';
import { identityFacts } from '../../../controller/install/environment-grants';
import { kindResource, pluralOf } from '../../../controller/install/kinds';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const env = (name: string, kubernetes: Record<string, unknown>) => ({ name, kubernetes });
const facts = (environments: unknown[], extra: Record<string, unknown> = {}) =>
  identityFacts(
    { repository: { url: 'https://git.example.com/p.git' }, environments, ...extra },
    'c.yaml',
    'cairn',
  );

/** The objects and stderr of an export of `config` (the command's own plan, without the schema check). */
function exportOf(config: object, replicas = '1') {
  let err = '';
  const plan = planInstall(
    { namespace: 'cairn', synthRunner: false, replicas },
    stringify(config),
    'c.yaml',
    (t) => (err += t),
  );
  return { plan, err, objects: plan === 2 ? [] : (plan.objects as Obj[]) };
}

describe('identityFacts', () => {
  it('reads each bound environment: its ServiceAccount, namespaces (globs apart), cluster kinds and inventory names', () => {
    const f = facts([
      env('a', { namespace: 'a', serviceAccount: 'a/cairn-a', namespaces: ['a-jobs', 'a-*', 'a'] }),
      env('b', { serviceAccount: 'tenants/b', clusterResources: ['ClusterRole', 'example.com/Policy'] }),
      env('c', { namespace: 'c' }),
    ]);
    expect(f.unbound).toEqual(['c']);
    expect(f.grants.map((g) => [g.env, g.serviceAccount, g.namespaces, g.globs])).toEqual([
      ['a', { namespace: 'a', name: 'cairn-a' }, ['a', 'a-jobs'], ['a-*']],
      ['b', { namespace: 'tenants', name: 'b' }, ['default'], []],
    ]);
    expect(f.grants[0]!.clusterResources).toEqual([{ group: '', resource: 'namespaces' }]);
    expect(f.grants[1]!.clusterResources).toEqual([
      { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
      { group: 'example.com', resource: 'policies' },
    ]);
    expect(f.grants[0]!.inventoryNames).toEqual([
      expect.stringMatching(/^cairn-inventory-a-[0-9a-f]{10}$/),
      'cairn-inventory-a',
    ]);
    // The namespaces it writes carry its owner mark; a namespace holding only a ServiceAccount none.
    expect(f.namespaces.map((n) => [n.name, n.owner?.id.slice(0, 2)])).toEqual([
      ['a', 'a-'],
      ['a-jobs', 'a-'],
      ['default', 'b-'],
      ['tenants', undefined],
    ]);
  });

  it('gives a namespace two environments write to the first one that names it', () => {
    const f = facts([
      env('a', { namespace: 'shared', serviceAccount: 'a/a' }),
      env('b', { namespace: 'shared', serviceAccount: 'b/b' }),
    ]);
    expect(f.namespaces.find((n) => n.name === 'shared')!.owner!.id).toMatch(/^a-/);
  });

  it.each([
    [
      { namespace: 'kube-system', serviceAccount: 'x/x' },
      /namespace "kube-system", which is never an environment's/,
    ],
    [{ namespace: 'x', serviceAccount: 'x/x', namespaces: ['kube-public'] }, /namespace "kube-public"/],
    [{ namespace: 'x', serviceAccount: 'kube-node-lease/x' }, /namespace "kube-node-lease"/],
    [{ namespace: 'cairn', serviceAccount: 'x/x' }, /namespace "cairn"/],
    [{ namespace: 'x', serviceAccount: 'x' }, /serviceAccount: "x" is not <namespace>\/<name>/],
    [{ namespace: 'x', serviceAccount: 'x/y/z' }, /is not <namespace>\/<name>/],
    [
      { namespace: 'x', serviceAccount: 'x/y', clusterResources: ['Widget'] },
      /"Widget" is neither group\/Kind nor a cluster-scoped Kind/,
    ],
  ])('refuses %j', (kubernetes, message) => {
    expect(() => facts([env('x', kubernetes)])).toThrow(message);
  });
  it.each([
    [{ kubernetes: { controllerNamespace: 'ops' } }, 'ops'],
    [{ sharding: { enabled: true, namespace: 'leases' } }, 'leases'],
  ])("refuses the namespace the config names as cairn's own (%j)", (extra, ns) => {
    expect(() =>
      facts([env('x', { namespace: 'x', namespaces: [ns], serviceAccount: 'x/x' })], extra),
    ).toThrow(new RegExp(`namespace "${ns}", which is never an environment's`));
  });
});

describe('kubernetes.requireServiceAccount', () => {
  it('refuses an environment without one, naming it, as cairn run would at start-up', () => {
    expect(() =>
      facts([env('a', { serviceAccount: 'a/a' }), env('b', {}), env('c', {})], {
        kubernetes: { requireServiceAccount: true },
      }),
    ).toThrow(
      /kubernetes.requireServiceAccount: true, but environment b, c has no kubernetes.serviceAccount/,
    );
    expect(
      facts([env('a', { serviceAccount: 'a/a' })], { kubernetes: { requireServiceAccount: true } }).grants,
    ).toHaveLength(1);
  });
});

describe('kindResource and pluralOf', () => {
  it.each([
    ['Namespace', '', 'namespaces'],
    ['StorageClass', 'storage.k8s.io', 'storageclasses'],
    ['ClusterRoleBinding', 'rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['example.com/Widget', 'example.com', 'widgets'],
    ['core/PersistentVolume', '', 'persistentvolumes'],
    ['networking.example.io/Proxy', 'networking.example.io', 'proxies'],
    ['example.com/Gateway', 'example.com', 'gateways'],
  ])('%s is %s/%s', (item, group, resource) => {
    expect(kindResource(item, 'k')).toEqual({ group, resource });
  });

  it.each([
    ['Ingress', 'ingresses'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Deployment', 'deployments'],
    ['Mesh', 'meshes'],
  ])('pluralOf(%s) = %s', (kind, plural) => expect(pluralOf(kind)).toBe(plural));
});

describe('the install of bound environments', () => {
  const bound = {
    repository: { url: 'https://git.example.com/p.git' },
    environments: [
      env('a', { namespace: 'a', serviceAccount: 'a/cairn-a' }),
      env('b', { namespace: 'b', serviceAccount: 'b/cairn-b' }),
    ],
  };

  it('binds cairn itself to no ClusterRole when every environment has a ServiceAccount, and never grants a wildcard', () => {
    const { objects, err } = exportOf(bound);
    const cairnBindings = objects.filter(
      (o) =>
        o.kind.endsWith('Binding') &&
        o.subjects.some((s: Obj) => s.name === 'cairn' && s.namespace === 'cairn'),
    );
    expect(
      cairnBindings.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort(),
    ).toEqual([
      'RoleBinding/a/cairn-impersonate:cairn',
      'RoleBinding/a/cairn-inventory:cairn',
      'RoleBinding/b/cairn-impersonate:cairn',
      'RoleBinding/b/cairn-inventory:cairn',
      'RoleBinding/cairn/cairn-leases',
    ]);
    expect(
      objects.find((o) => o.metadata.name === 'cairn-impersonate:cairn' && o.kind === 'Role')!.rules,
    ).toEqual([
      { apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['cairn-a'], verbs: ['impersonate'] },
    ]);
    expect(JSON.stringify(objects)).not.toContain('"*"');
    expect(err).not.toMatch(/serviceAccount/);
  });

  it("notes in the export when an environment's ServiceAccount lives in one of its own namespaces", () => {
    const { plan } = exportOf({
      ...bound,
      environments: [...bound.environments, env('c', { namespace: 'c', serviceAccount: 'tenants/cairn-c' })],
    });
    const notes = plan === 2 ? [] : plan.notes;
    expect(notes.filter((n) => n.includes('lives in its own namespace')).map((n) => n.split(':')[0])).toEqual(
      ['environment a', 'environment b'],
    );
    expect(notes[0]).toMatch(
      /^environment a: its ServiceAccount a\/cairn-a lives in its own namespace a, where a pod/,
    );
  });

  it('notes in the export each environment without kubernetes.hosts beside others', () => {
    const listing = (hosts: string[]) =>
      env('c', { namespace: 'c', serviceAccount: 'tenants/cairn-c', hosts });
    const notesOf = (config: object) => {
      const { plan } = exportOf(config);
      return (plan === 2 ? [] : plan.notes).filter((n) => n.includes('kubernetes.hosts'));
    };
    expect(
      notesOf({ ...bound, environments: [...bound.environments, listing(['c.example.com'])] }).map(
        (n) => n.split(':')[0],
      ),
    ).toEqual(['environment a', 'environment b']);
    expect(notesOf(bound)[0]).toMatch(
      /^environment a: lists no kubernetes\.hosts, so its Ingresses, Gateway API routes and ingress controllers. routes \(Traefik, Contour, Istio, NGINX Inc\) may claim any host/,
    );
    // alone on the cluster, its hosts are nobody else's
    expect(notesOf({ ...bound, environments: [bound.environments[0]] })).toEqual([]);
  });

  it('keeps the cluster-wide ClusterRole for an environment without one, and says so on stderr', () => {
    const { objects, err } = exportOf({
      ...bound,
      environments: [...bound.environments, env('c', { namespace: 'c' })],
    });
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.metadata.name)).toContain(
      'cairn-apply:cairn',
    );
    expect(err.split('\n')).toContain(
      "cairn: warning: c.yaml: environment c has no kubernetes.serviceAccount, so it applies with cairn's own identity (the cluster-wide ClusterRole cairn-apply:cairn); give it one (SECURITY.md, threat model)",
    );
  });
});

describe('one replica unless sharded', () => {
  it('defaults to one replica', () => {
    const { objects } = exportOf({ environments: [] }, undefined as unknown as string);
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(1);
  });

  it('refuses more than one replica without sharding.enabled as a usage error (exit 2) naming the flag and the key', async () => {
    const { plan, err } = exportOf({ environments: [] }, '2');
    expect(plan).toBe(2);
    expect(err).toMatch(/^cairn: --replicas 2: more than one replica needs sharding.enabled: true in c.yaml/);
    let said = '';
    const code = await installCommand(
      { export: true, namespace: 'cairn', synthRunner: true, replicas: '3' },
      () => undefined,
      (t) => (said += t),
    );
    expect(code).toBe(2);
    expect(said).toMatch(/--replicas 3: more than one replica needs sharding.enabled: true/);
  });

  it('accepts more than one replica with sharding.enabled', () => {
    const { objects } = exportOf({ environments: [], sharding: { enabled: true } }, '3');
    expect(objects.find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(3);
  });
});
