import type { KubeApplier } from '../../../controller/kube/types';
import { twoEnvironmentInstall } from '../../helpers/install-identities';
import { operatorKinds, planAndApply, type Manifest } from '../../helpers/operator-kinds';
import { kubeKit } from './kube-kit';

/**
 * What a committer to environment a cannot make Crossplane do with the platform's credentials or to
 * environment b's managed resources, applied as a's own ServiceAccount with Crossplane's kinds
 * granted in its namespace. The sandbox runs no Crossplane, only CRDs shaped as the providers
 * install them (the managed kinds filed under the category `managed`, which discovery reports):
 * each test shows that the API server admits the object from a's ServiceAccount, that plan and
 * apply refuse it naming the file, the object and the field, and that nothing of the tree is
 * written; the same objects on a's own ProviderConfig, namespaces and resources apply.
 */
jest.setTimeout(180_000);
const kit = kubeKit('crossplane');
const suffix = Math.random().toString(36).slice(2, 7);
const install = twoEnvironmentInstall(suffix);
const { a, b } = install;
const repository = (install.config.repository as { url: string }).url;

/** Crossplane's namespaced kinds: managed ones carry the category `managed`, as every provider's CRD does. */
const crossplaneCrds = [
  // A provider outside the `.m.` convention: only discovery's category tells its kinds apart.
  { group: 'database.example.org', plural: 'instances', kind: 'Instance', managed: true },
  { group: 's3.aws.m.upbound.io', plural: 'bucketpolicies', kind: 'BucketPolicy', managed: true },
  { group: 'storage.gcp.m.upbound.io', plural: 'buckets', kind: 'Bucket', managed: true },
  { group: 'aws.m.upbound.io', plural: 'providerconfigs', kind: 'ProviderConfig', managed: false },
  { group: 'protection.crossplane.io', plural: 'usages', kind: 'Usage', managed: false },
].map((c) => ({
  ...c,
  version: c.group === 'database.example.org' ? 'v1alpha1' : 'v1beta1',
  categories: c.managed ? ['crossplane', 'managed'] : ['crossplane'],
}));
const kinds = operatorKinds(kit, install, `crossplane-kinds-${suffix}`, crossplaneCrds);
const { admittedAsA } = kinds;

/** An applier of environment a that lists AWS's ClusterProviderConfig team-a (and no other provider's). */
function applierOfA(name: string): KubeApplier {
  return kit.applier(
    name,
    kit.target(a.ns, {
      namespaces: [a.ns, a.extra],
      serviceAccount: `${a.ns}/${a.sa}`,
      sharedCredentials: ['ClusterProviderConfig/aws.m.upbound.io/team-a'],
      pruneMaxShare: 1,
    }),
    { repository },
  );
}

beforeAll(() => kinds.setUp());

afterAll(() => kinds.tearDown());

/** `object` of a's namespace as the API server holds it (read as the sandbox's admin), or undefined. */
const readBack = (object: Manifest): Promise<unknown> => kit.get(kinds.pathOf(object));

const own = { kind: 'ProviderConfig', name: 'team-a' };
const instance = (name: string, spec: object): Manifest => ({
  apiVersion: 'database.example.org/v1alpha1',
  kind: 'Instance',
  metadata: { name },
  spec: { forProvider: { size: 'small' }, ...spec },
});
const bucketPolicy = (name: string, bucketRef: object, providerConfigRef: object = own): Manifest => ({
  apiVersion: 's3.aws.m.upbound.io/v1beta1',
  kind: 'BucketPolicy',
  metadata: { name },
  spec: { forProvider: { region: 'eu-west-1', policy: '{}', bucketRef }, providerConfigRef },
});
const gcpBucket = (name: string, providerConfigRef: object): Manifest => ({
  apiVersion: 'storage.gcp.m.upbound.io/v1beta1',
  kind: 'Bucket',
  metadata: { name },
  spec: { forProvider: { location: 'EU' }, providerConfigRef },
});
const usage = (name: string, resourceRef: object): Manifest => ({
  apiVersion: 'protection.crossplane.io/v1beta1',
  kind: 'Usage',
  metadata: { name },
  spec: {
    of: { apiVersion: 'rds.aws.m.upbound.io/v1beta1', kind: 'Instance', resourceRef },
    by: { apiVersion: 'database.example.org/v1alpha1', kind: 'Instance', resourceRef: { name: 'app' } },
  },
});
const awsProviderConfig = (name: string, credentials: object): Manifest => ({
  apiVersion: 'aws.m.upbound.io/v1beta1',
  kind: 'ProviderConfig',
  metadata: { name },
  spec: { credentials },
});
const configMap = (name: string): Manifest =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } }) as Manifest;

/** What a tries, the refusal's start (after `file: Kind/ns/name: `), and a's own variant, which applies. */
const cases: [string, (name: string) => Manifest, string, (name: string) => Manifest][] = [
  [
    "a managed resource of a group outside the .m. convention on the platform's ClusterProviderConfig (left out)",
    (name) => instance(name, {}),
    'spec.providerConfigRef uses ClusterProviderConfig/database.example.org/default, a credential the whole cluster shares: left out',
    (name) => instance(name, { providerConfigRef: own }),
  ],
  [
    "a BucketPolicy whose bucketRef resolves b's Bucket",
    (name) => bucketPolicy(name, { name: 'data', namespace: b.ns }),
    `spec.forProvider.bucketRef.namespace ${b.ns} names a managed resource of that namespace, which the Crossplane provider`,
    (name) => bucketPolicy(name, { name: 'data', namespace: a.extra }),
  ],
  [
    "a GCP Bucket on GCP's ClusterProviderConfig team-a, where only AWS's team-a is listed",
    (name) => gcpBucket(name, { kind: 'ClusterProviderConfig', name: 'team-a' }),
    'spec.providerConfigRef uses ClusterProviderConfig/gcp.m.upbound.io/team-a, a credential the whole cluster shares',
    (name) => bucketPolicy(name, { name: 'data' }, { kind: 'ClusterProviderConfig', name: 'team-a' }),
  ],
  [
    "a Usage holding b's database from deletion",
    (name) => usage(name, { name: 'db', namespace: b.ns }),
    `spec.of.resourceRef.namespace ${b.ns} names a resource of that namespace as in use by this environment's`,
    (name) => usage(name, { name: 'db' }),
  ],
  [
    "an AWS ProviderConfig on the provider pod's own role (IRSA)",
    (name) => awsProviderConfig(name, { source: 'IRSA' }),
    'spec.credentials.source uses CrossplaneProvider/aws.m.upbound.io, a credential the whole cluster shares: the Crossplane AWS provider authenticates with its own pod',
    (name) => awsProviderConfig(name, { source: 'Secret', secretRef: { name: 'aws', key: 'credentials' } }),
  ],
];

describe("Crossplane acting with the platform's credentials or on another environment's resources", () => {
  it.each(cases)('refuses %s, which the API server admits from a', async (_what, make, line) => {
    // given the API server takes the object from a's ServiceAccount (only cairn stands between it and Crossplane)
    const object = make(kit.name('take'));
    expect(admittedAsA(object)).toMatchObject({ ok: true });

    // when a's commit declares it beside an ordinary ConfigMap
    const beside = configMap(kit.name('beside'));
    const result = await planAndApply(kit, applierOfA('a'), { 'take.yaml': object, 'beside.yaml': beside });

    // then plan and apply refuse it naming the file, the object and the field, and nothing of the tree is written
    for (const r of [result.plan, result.apply]) {
      expect(r.failure).toMatchObject({ code: 'kube.out-of-bounds', retryable: false });
      expect(r.failure!.message).toContain(
        `k8s-resources/take.yaml: ${object.kind}/${a.ns}/${object.metadata.name}: ${line}`,
      );
    }
    expect(await readBack(object)).toBeUndefined();
    expect(await readBack(beside)).toBeUndefined();
  });

  it("applies each on a's own ProviderConfig, namespaces and resources, and AWS's listed team-a", async () => {
    const files = Object.fromEntries(cases.map(([, , , mine], i) => [`own-${i}.yaml`, mine(`own-${i}`)]));
    const result = await planAndApply(kit, applierOfA('a-own'), files);
    expect(result.plan.failure).toBeUndefined();
    expect(result.apply.failure).toBeUndefined();
    for (const object of Object.values(files)) expect(await readBack(object)).toBeDefined();
  });
});
