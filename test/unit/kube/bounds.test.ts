import { checkTree, globMatches, outOfBounds, type Bounds } from '../../../controller/kube/bounds';
import type { KubeObject, Manifest } from '../../../controller/kube/types';

const REFUSED = ['kube-system', 'kube-public', 'kube-node-lease', 'cairn', 'cairn-shards'];
const base: Bounds = {
  namespace: 'team-a',
  clusterResources: ['Namespace'],
  refused: REFUSED,
  ownerId: 'a-123',
};

const obj = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  labels?: Record<string, string>,
): KubeObject =>
  ({
    apiVersion,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
  }) as KubeObject;

/** Bounds of environment a in a config that gives environment b `namespaces` (names or globs). */
const givenToB = (namespaces: readonly string[]): Partial<Bounds> => ({
  claims: {
    env: 'a',
    config: {
      namespaces: new Map(namespaces.filter((n) => !n.includes('*')).map((n) => [n, ['b']])),
      namespaceGlobs: namespaces.filter((n) => n.includes('*')).map((glob) => ({ env: 'b', glob })),
      hosts: [],
    },
  },
});

describe('outOfBounds', () => {
  const declared = new Set(['team-a-extra']);
  it.each<[string, Partial<Bounds>, KubeObject, RegExp | undefined]>([
    ['own namespace', {}, obj('v1', 'ConfigMap', 'c', 'team-a'), undefined],
    ['a Namespace of the tree', {}, obj('v1', 'ConfigMap', 'c', 'team-a-extra'), undefined],
    ['the tree declaring a Namespace', {}, obj('v1', 'Namespace', 'team-a-extra'), undefined],
    [
      'a Namespace of the tree that the config gives another environment',
      givenToB(['team-a-extra']),
      obj('v1', 'Namespace', 'team-a-extra'),
      /namespace team-a-extra is environment b's/,
    ],
    [
      "an object in a Namespace of the tree matching another environment's pattern",
      givenToB(['team-b', 'team-a-e*']),
      obj('v1', 'ConfigMap', 'c', 'team-a-extra'),
      /namespace team-a-extra is environment b's/,
    ],
    [
      'its own kubernetes.namespace when another environment shares it',
      givenToB(['team-a']),
      obj('v1', 'ConfigMap', 'c', 'team-a'),
      undefined,
    ],
    ['another namespace', {}, obj('v1', 'ConfigMap', 'c', 'team-b'), /namespace team-b is neither/],
    ['kube-system', {}, obj('apps/v1', 'Deployment', 'd', 'kube-system'), /never written/],
    [
      'kube-system even when configured',
      { namespaces: ['*'] },
      obj('v1', 'ConfigMap', 'c', 'kube-system'),
      /never written/,
    ],
    ['cairn namespace', { namespaces: ['*'] }, obj('v1', 'ConfigMap', 'c', 'cairn'), /never written/],
    [
      'sharding namespace',
      { namespaces: ['cairn-*'] },
      obj('v1', 'ConfigMap', 'c', 'cairn-shards'),
      /never written/,
    ],
    ['a Namespace named kube-public', {}, obj('v1', 'Namespace', 'kube-public'), /never written/],
    ['glob match', { namespaces: ['team-a-*'] }, obj('v1', 'ConfigMap', 'c', 'team-a-dev'), undefined],
    [
      'its own kubernetes.namespace beside configured namespaces',
      { namespaces: ['x'] },
      obj('v1', 'ConfigMap', 'c', 'team-a'),
      undefined,
    ],
    [
      'glob miss',
      { namespaces: ['team-a-*'] },
      obj('v1', 'ConfigMap', 'c', 'team-b'),
      /nor in kubernetes.namespaces/,
    ],
    [
      'configured namespaces replace the tree-declared default',
      { namespaces: ['x'] },
      obj('v1', 'ConfigMap', 'c', 'team-a-extra'),
      /nor in kubernetes.namespaces/,
    ],
    [
      'a Namespace outside configured namespaces',
      { namespaces: ['x'] },
      obj('v1', 'Namespace', 'y'),
      /nor in kubernetes.namespaces/,
    ],
    [
      'ClusterRoleBinding by default',
      {},
      obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'b'),
      /rbac.authorization.k8s.io\/ClusterRoleBinding is not in kubernetes.clusterResources/,
    ],
    [
      'ClusterRole allowed by group/Kind',
      { clusterResources: ['rbac.authorization.k8s.io/ClusterRole'] },
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'),
      undefined,
    ],
    [
      'group/Kind of another group',
      { clusterResources: ['example.com/ClusterRole'] },
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'),
      /not in kubernetes.clusterResources/,
    ],
    [
      'Namespace not listed',
      { clusterResources: [] },
      obj('v1', 'Namespace', 'team-a-extra'),
      /not in kubernetes.clusterResources \(none\)/,
    ],
    ['an inventory ConfigMap', {}, obj('v1', 'ConfigMap', 'cairn-inventory-x', 'team-a'), /inventories/],
    [
      'a cairn Lease',
      {},
      obj('coordination.k8s.io/v1', 'Lease', 'cairn-shard-1', 'team-a'),
      /Leases named cairn-/,
    ],
    ['another Lease', {}, obj('coordination.k8s.io/v1', 'Lease', 'mine', 'team-a'), undefined],
    [
      'another owner label',
      {},
      obj('v1', 'ConfigMap', 'c', 'team-a', { 'cairn.dev/owner': 'b-456' }),
      /names another owner \(b-456\)/,
    ],
    [
      'its own owner label',
      {},
      obj('v1', 'ConfigMap', 'c', 'team-a', { 'cairn.dev/owner': 'a-123' }),
      undefined,
    ],
  ])('%s', (_name, over, object, expected) => {
    const why = outOfBounds({ ...base, ...over }, object, declared);
    if (expected) expect(why).toMatch(expected);
    else expect(why).toBeUndefined();
  });

  it('globs match whole names, * any run', () => {
    expect(globMatches('team-*', 'team-a')).toBe(true);
    expect(globMatches('team-*', 'xteam-a')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
  });
});

describe('checkTree', () => {
  const m = (object: KubeObject, file: string): Manifest => ({ object, file, documentIndex: 0 });

  it('names every object out of bounds with its file and the bound, terminal', () => {
    const error = checkTree(
      base,
      [
        m(obj('v1', 'ConfigMap', 'ok', 'team-a'), 'k8s-resources/ok.yaml'),
        m(obj('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'evil'), 'k8s-resources/crb.yaml'),
        m(obj('apps/v1', 'Deployment', 'd', 'kube-system'), 'k8s-resources/d.yaml'),
      ],
      'plan',
    );
    expect(error?.code).toBe('kube.out-of-bounds');
    expect(error?.retryable).toBe(false);
    expect(error?.message).toContain('k8s-resources/crb.yaml: ClusterRoleBinding/evil');
    expect(error?.message).toContain('k8s-resources/d.yaml: Deployment/kube-system/d');
    expect(error?.message).not.toContain('ok.yaml');
    expect(error?.subject).toBe('ClusterRoleBinding/evil, Deployment/kube-system/d');
  });

  it('the tree declares its own Namespaces', () => {
    expect(
      checkTree(
        base,
        [m(obj('v1', 'Namespace', 'extra'), 'a.yaml'), m(obj('v1', 'ConfigMap', 'c', 'extra'), 'b.yaml')],
        'apply-kubernetes',
      ),
    ).toBeUndefined();
  });
});

describe('cluster policy in listed cluster-scoped kinds', () => {
  const listed: Bounds = {
    ...base,
    clusterResources: [
      'Namespace',
      'ClusterRole',
      'CustomResourceDefinition',
      'ValidatingWebhookConfiguration',
      'ValidatingAdmissionPolicy',
      'APIService',
      'flowcontrol.apiserver.k8s.io/FlowSchema',
      'StorageClass',
      'IngressClass',
      'PriorityClass',
      'PersistentVolume',
      'ClusterRoleBinding',
    ],
  };
  const with_ = (o: KubeObject, extra: object): KubeObject => ({ ...o, ...extra }) as KubeObject;
  const ns = (meta: object) =>
    with_(obj('v1', 'Namespace', 'team-a'), { metadata: { name: 'team-a', ...meta } });
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'a Pod Security label',
      ns({ labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } }),
      /metadata\.labels\.pod-security\.kubernetes\.io\/enforce/,
    ],
    [
      'the immutable name label',
      ns({ labels: { 'kubernetes.io/metadata.name': 'x' } }),
      /metadata\.labels\.kubernetes\.io\/metadata\.name/,
    ],
    [
      'an OpenShift node selector',
      ns({ annotations: { 'openshift.io/node-selector': '' } }),
      /metadata\.annotations\.openshift\.io\/node-selector/,
    ],
    [
      'a toleration whitelist',
      ns({ annotations: { 'scheduler.alpha.kubernetes.io/tolerationsWhitelist': '[]' } }),
      /metadata\.annotations\.scheduler/,
    ],
    ['recommended labels', ns({ labels: { 'app.kubernetes.io/part-of': 'shop', team: 'a' } }), undefined],
    [
      'kubectl bookkeeping',
      ns({ annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }),
      undefined,
    ],
    [
      'an aggregate-to label',
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', undefined, {
        'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
      }),
      /aggregate-to-admin/,
    ],
    [
      'a custom aggregate-to label',
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', undefined, {
        'example.com/aggregate-to-monitoring': 'true',
      }),
      /aggregate-to-monitoring/,
    ],
    [
      'an aggregationRule',
      with_(obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r'), {
        aggregationRule: { clusterRoleSelectors: [] },
      }),
      /aggregationRule/,
    ],
    [
      'a plain ClusterRole',
      obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'r', undefined, { team: 'a' }),
      undefined,
    ],
    [
      'a conversion webhook',
      with_(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'w.x.io'), {
        spec: { conversion: { strategy: 'Webhook' } },
      }),
      /spec\.conversion/,
    ],
    [
      'a CRD without one',
      with_(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'w.x.io'), {
        spec: { conversion: { strategy: 'None' } },
      }),
      undefined,
    ],
    [
      'a validating webhook',
      obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'v'),
      /admission webhook/,
    ],
    [
      'an admission policy',
      obj('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'v'),
      /admission policy/,
    ],
    ['an APIService', obj('apiregistration.k8s.io/v1', 'APIService', 'v1.x.io'), /APIService/],
    [
      'a FlowSchema',
      obj('flowcontrol.apiserver.k8s.io/v1', 'FlowSchema', 'f'),
      /FlowSchema: a FlowSchema decides/,
    ],
    [
      'a default StorageClass',
      with_(obj('storage.k8s.io/v1', 'StorageClass', 's'), {
        metadata: { name: 's', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      }),
      /is-default-class/,
    ],
    [
      'a default IngressClass',
      with_(obj('networking.k8s.io/v1', 'IngressClass', 'i'), {
        metadata: { name: 'i', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      }),
      /is-default-class/,
    ],
    ['a plain IngressClass', obj('networking.k8s.io/v1', 'IngressClass', 'i'), undefined],
    [
      'a Service with externalIPs',
      with_(obj('v1', 'Service', 's', 'team-a'), { spec: { externalIPs: ['10.0.0.1'] } }),
      /spec\.externalIPs/,
    ],
    [
      'a CronJob at system-cluster-critical',
      with_(obj('batch/v1', 'CronJob', 'c', 'team-a'), {
        spec: {
          jobTemplate: { spec: { template: { spec: { priorityClassName: 'system-cluster-critical' } } } },
        },
      }),
      /^spec\.jobTemplate\.spec\.template\.spec\.priorityClassName system-cluster-critical/,
    ],
    [
      'a Pod with a nodeName',
      with_(obj('v1', 'Pod', 'p', 'team-a'), { spec: { nodeName: 'n1' } }),
      /^spec\.nodeName/,
    ],
    [
      'a Deployment at an ordinary priority',
      with_(obj('apps/v1', 'Deployment', 'd', 'team-a'), {
        spec: { template: { spec: { priorityClassName: 'high' } } },
      }),
      undefined,
    ],
    [
      'a Service without',
      with_(obj('v1', 'Service', 's', 'team-a'), { spec: { externalIPs: [] } }),
      undefined,
    ],
    [
      'a global default PriorityClass',
      with_(obj('scheduling.k8s.io/v1', 'PriorityClass', 'p'), { value: 10, globalDefault: true }),
      /globalDefault/,
    ],
    [
      'a hostPath PersistentVolume',
      with_(obj('v1', 'PersistentVolume', 'v'), { spec: { hostPath: { path: '/' } } }),
      /spec\.hostPath/,
    ],
    [
      'a local PersistentVolume',
      with_(obj('v1', 'PersistentVolume', 'v'), { spec: { local: { path: '/mnt' } } }),
      /spec\.local/,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(listed, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else {
      expect(why).toMatch(expected);
      expect(why).toMatch(/kubernetes\.allowClusterPolicy/);
      expect(outOfBounds({ ...listed, allowClusterPolicy: true }, object, new Set())).toBeUndefined();
    }
  });
});

describe("the environment's own ServiceAccount in the tree", () => {
  const bounds: Bounds = { ...base, serviceAccount: 'team-a/deployer' };
  const podSpec = (spec: object) => ({ containers: [{ name: 'c', image: 'i' }], ...spec });
  const made = (kind: string, apiVersion: string, namespace: string, rest: object): KubeObject =>
    ({ apiVersion, kind, metadata: { name: 'x', namespace }, ...rest }) as KubeObject;
  it.each<[string, Bounds, KubeObject, RegExp | undefined]>([
    [
      'a Deployment running as it',
      bounds,
      made('Deployment', 'apps/v1', 'team-a', {
        spec: { template: { spec: podSpec({ serviceAccountName: 'deployer' }) } },
      }),
      /spec\.template\.spec\.serviceAccountName is this environment's own ServiceAccount/,
    ],
    [
      'a CronJob running as it',
      bounds,
      made('CronJob', 'batch/v1', 'team-a', {
        spec: { jobTemplate: { spec: { template: { spec: podSpec({ serviceAccount: 'deployer' }) } } } },
      }),
      /spec\.jobTemplate\.spec\.template\.spec\.serviceAccountName/,
    ],
    [
      'a Pod running as it',
      bounds,
      made('Pod', 'v1', 'team-a', { spec: podSpec({ serviceAccountName: 'deployer' }) }),
      /^spec\.serviceAccountName/,
    ],
    [
      'a token Secret for it',
      bounds,
      {
        ...made('Secret', 'v1', 'team-a', { type: 'kubernetes.io/service-account-token' }),
        metadata: {
          name: 't',
          namespace: 'team-a',
          annotations: { 'kubernetes.io/service-account.name': 'deployer' },
        },
      } as KubeObject,
      /service-account\.name is this environment's own/,
    ],
    [
      'a Deployment as another ServiceAccount',
      bounds,
      made('Deployment', 'apps/v1', 'team-a', {
        spec: { template: { spec: podSpec({ serviceAccountName: 'app' }) } },
      }),
      undefined,
    ],
    [
      'a Deployment as default',
      bounds,
      made('Deployment', 'apps/v1', 'team-a', { spec: { template: { spec: podSpec({}) } } }),
      undefined,
    ],
    [
      'its name in another namespace',
      { ...bounds, namespaces: ['team-a', 'team-a-jobs'] },
      made('Deployment', 'apps/v1', 'team-a-jobs', {
        spec: { template: { spec: podSpec({ serviceAccountName: 'deployer' }) } },
      }),
      undefined,
    ],
    [
      'a Deployment as default when it is the default ServiceAccount',
      { ...base, serviceAccount: 'team-a/default' },
      made('Deployment', 'apps/v1', 'team-a', { spec: { template: { spec: podSpec({}) } } }),
      /serviceAccountName is this environment's own ServiceAccount team-a\/default/,
    ],
  ])('%s', (_what, b, object, expected) => {
    const why = outOfBounds(b, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("a PersistentVolume's claimRef", () => {
  const b: Bounds = {
    ...base,
    clusterResources: ['PersistentVolume'],
    namespaces: ['team-a', 'team-a-data'],
  };
  const pv = (claimRef: object) =>
    ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'v' },
      spec: { nfs: { server: 's', path: '/' }, claimRef },
    }) as KubeObject;
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['its own namespace', pv({ namespace: 'team-a-data', name: 'c' }), undefined],
    [
      'another namespace',
      pv({ namespace: 'team-b', name: 'c' }),
      /spec\.claimRef\.namespace binds it to a claim in another namespace: namespace team-b is neither/,
    ],
    ['kube-system', pv({ namespace: 'kube-system', name: 'c' }), /never written/],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds({ ...b, allowClusterPolicy: true }, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('ownerReferences on a Namespace', () => {
  it('refuses them, whatever allowClusterPolicy says, and keeps a plain Namespace', () => {
    const owned = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team-a',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'x', uid: 'u' }],
      },
    } as unknown as KubeObject;
    expect(outOfBounds({ ...base, allowClusterPolicy: true }, owned, new Set())).toMatch(
      /^metadata\.ownerReferences: the garbage collector would delete this Namespace/,
    );
    expect(outOfBounds(base, obj('v1', 'Namespace', 'team-a'), new Set())).toBeUndefined();
  });
});
