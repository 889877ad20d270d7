import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfigFile } from '../../../controller/config/load-config';
import { checkTree, outOfBounds, type Bounds } from '../../../controller/kube/bounds';
import { managedKindsOf, providerConfigGroupOf } from '../../../controller/kube/crossplane';
import { sharedCredentialUsesOf } from '../../../controller/kube/shared-credentials';
import type { Found } from '../../../controller/kube/targets';
import type { KubeObject, Manifest } from '../../../controller/kube/types';

const bounds: Bounds = {
  namespace: 'team-a',
  namespaces: ['team-a', 'team-a-*'],
  clusterResources: ['Namespace'],
  refused: ['kube-system', 'cairn'],
  ownerId: 'a-123',
};

const object = (apiVersion: string, kind: string, spec: object): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', namespace: 'team-a' }, spec }) as KubeObject;
/** A managed resource on the environment's own ProviderConfig, with `forProvider` as given. */
const onOwnConfig = (apiVersion: string, kind: string, forProvider: object): KubeObject =>
  object(apiVersion, kind, { forProvider, providerConfigRef: { kind: 'ProviderConfig', name: 'team-a' } });
const holders = (o: KubeObject, managedKind = false) =>
  sharedCredentialUsesOf(o, managedKind).map((u) => [u.field, u.holder]);

describe('a Crossplane managed resource of a group outside the .m. convention', () => {
  const instance = object('database.example.org/v1alpha1', 'Instance', { forProvider: { size: 'small' } });

  it('counts the ClusterProviderConfig it leaves out once the server files its kind as managed', () => {
    expect(holders(instance, true)).toEqual([
      ['spec.providerConfigRef', 'ClusterProviderConfig/database.example.org/default'],
    ]);
  });

  it('counts it without spec.forProvider too: the category is the sign, not a field the committer writes', () => {
    const bare = object('database.example.org/v1alpha1', 'Instance', { managementPolicies: ['Observe'] });
    expect(holders(bare, true)).toEqual([
      ['spec.providerConfigRef', 'ClusterProviderConfig/database.example.org/default'],
    ]);
  });

  it('is not read as one by its fields alone (no category: a kind of the tree not served yet)', () => {
    expect(holders(instance, false)).toEqual([]);
  });

  it('is refused by checkTree when discovery names its kind managed, and passes on its own ProviderConfig', () => {
    const m = (o: KubeObject): Manifest => ({ object: o, file: 'k8s-resources/db.yaml', documentIndex: 0 });
    const managed = new Set(['database.example.org/v1alpha1|Instance']);
    expect(checkTree(bounds, [m(instance)], 'plan', new Map(), managed)?.message).toContain(
      'k8s-resources/db.yaml: Instance/team-a/x: spec.providerConfigRef uses ClusterProviderConfig/database.example.org/default',
    );
    const own = onOwnConfig('database.example.org/v1alpha1', 'Instance', { size: 'small' });
    expect(checkTree(bounds, [m(own)], 'plan', new Map(), managed)).toBeUndefined();
  });

  it('takes the managed kinds from discovery categories', () => {
    const found = (apiVersion: string, kind: string, categories?: string[]) =>
      ({
        manifest: {} as Manifest,
        ref: { apiVersion, kind, name: 'x' },
        info: { plural: 'xs', namespaced: true, ...(categories ? { categories } : {}) },
      }) as Found;
    expect([
      ...managedKindsOf([
        found('database.example.org/v1alpha1', 'Instance', ['crossplane', 'managed']),
        found('database.example.org/v1alpha1', 'XDatabase', ['composite']),
        found('v1', 'ConfigMap'),
      ]),
    ]).toEqual(['database.example.org/v1alpha1|Instance']);
  });
});

describe('the ClusterProviderConfig holder, qualified by its provider', () => {
  it.each([
    ['s3.aws.m.upbound.io', 'aws.m.upbound.io'],
    ['storage.gcp.m.upbound.io', 'gcp.m.upbound.io'],
    ['kubernetes.m.crossplane.io', 'kubernetes.m.crossplane.io'],
    ['database.example.org', 'database.example.org'],
  ])('a managed resource of %s reads ProviderConfigs of %s', (group, expected) => {
    expect(providerConfigGroupOf(group)).toBe(expected);
  });

  it("lets an entry listed for AWS's team-a pass AWS's and refuse GCP's team-a", () => {
    const listed = { ...bounds, sharedCredentials: ['ClusterProviderConfig/aws.m.upbound.io/team-a'] };
    const ref = { kind: 'ClusterProviderConfig', name: 'team-a' };
    const aws = object('s3.aws.m.upbound.io/v1beta1', 'Bucket', { forProvider: {}, providerConfigRef: ref });
    const gcp = object('storage.gcp.m.upbound.io/v1beta1', 'Bucket', {
      forProvider: {},
      providerConfigRef: ref,
    });
    expect(outOfBounds(listed, aws, new Set())).toBeUndefined();
    expect(outOfBounds(listed, gcp, new Set())).toMatch(
      /^spec\.providerConfigRef uses ClusterProviderConfig\/gcp\.m\.upbound\.io\/team-a, a credential the whole cluster shares/,
    );
  });

  describe('in the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-crossplane-'));
    const file = (entry: string) => {
      const path = join(dir, `${entry.replace(/\W/g, '_')}.yaml`);
      writeFileSync(
        path,
        `repository: { url: ./repo }\nenvironments: [{ name: a, kubernetes: { namespace: team-a, sharedCredentials: ["${entry}"] } }]\naudit: { dir: ./audit }\n`,
      );
      return path;
    };

    it.each([
      'ClusterProviderConfig/aws.m.upbound.io/team-a',
      'ClusterProviderConfig/*/team-a',
      'ClusterProviderConfig/*',
    ])('takes %s', (entry) => {
      expect(validateConfigFile(file(entry))).toMatchObject({ ok: true });
    });

    it('refuses an entry of the name alone, saying what to write now', () => {
      expect(validateConfigFile(file('ClusterProviderConfig/team-a'))).toEqual({
        ok: false,
        errors: [
          expect.stringContaining(
            'environments[0].kubernetes.sharedCredentials[0]: "ClusterProviderConfig/team-a" names no provider: a Crossplane ClusterProviderConfig is listed with its provider\'s API group, ClusterProviderConfig/<group>/<name>, so that a name listed for one provider does not count for another\'s; write ClusterProviderConfig/aws.m.upbound.io/team-a',
          ),
        ],
      });
    });
  });
});

describe("a managed resource's reference to another namespace", () => {
  const bucketPolicy = (bucketRef: object) =>
    onOwnConfig('s3.aws.m.upbound.io/v1beta1', 'BucketPolicy', { region: 'eu-west-1', bucketRef });

  it.each<[string, KubeObject, boolean, string | undefined]>([
    [
      "a Ref into another environment's namespace",
      bucketPolicy({ name: 'data', namespace: 'team-b' }),
      false,
      'spec.forProvider.bucketRef.namespace team-b names a managed resource of that namespace, which the Crossplane provider',
    ],
    [
      'a Refs entry nested in a block',
      onOwnConfig('ec2.aws.m.upbound.io/v1beta1', 'Route', {
        region: 'eu-west-1',
        vpcConfig: [{ subnetIdRefs: [{ name: 'mine' }, { name: 'theirs', namespace: 'team-b' }] }],
      }),
      false,
      'spec.forProvider.vpcConfig[0].subnetIdRefs[1].namespace team-b names a managed resource',
    ],
    [
      'a Selector of another namespace, under initProvider',
      object('s3.aws.m.upbound.io/v1beta1', 'BucketPolicy', {
        forProvider: { region: 'eu-west-1' },
        initProvider: { bucketSelector: { matchLabels: { app: 'x' }, namespace: 'kube-system' } },
        providerConfigRef: { kind: 'ProviderConfig', name: 'team-a' },
      }),
      false,
      'spec.initProvider.bucketSelector.namespace kube-system names a managed resource',
    ],
    [
      'a Ref of a managed kind outside the .m. convention',
      onOwnConfig('database.example.org/v1alpha1', 'Grant', { userRef: { name: 'u', namespace: 'team-b' } }),
      true,
      'spec.forProvider.userRef.namespace team-b names a managed resource',
    ],
    [
      'a Ref into another namespace of its own',
      bucketPolicy({ name: 'data', namespace: 'team-a-data' }),
      false,
      undefined,
    ],
    ['a Ref into its own namespace', bucketPolicy({ name: 'data', namespace: 'team-a' }), false, undefined],
    [
      'a Ref with a null namespace (its own)',
      bucketPolicy({ name: 'data', namespace: null }),
      false,
      undefined,
    ],
    [
      'a ConfigMap shaped like one (not a managed resource)',
      object('v1', 'ConfigMap', { forProvider: { bucketRef: { namespace: 'team-b' } } }),
      false,
      undefined,
    ],
  ])('%s', (_what, given, managedKind, expected) => {
    const why = outOfBounds(bounds, given, new Set(), new Map(), managedKind);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(expected);
  });

  it("refuses a Usage holding another namespace's resource from deletion", () => {
    const usage = object('protection.crossplane.io/v1beta1', 'Usage', {
      of: {
        apiVersion: 'rds.aws.m.upbound.io/v1beta1',
        kind: 'Instance',
        resourceRef: { name: 'db', namespace: 'team-b' },
      },
      by: { apiVersion: 'v1', kind: 'ConfigMap', resourceRef: { name: 'x' } },
    });
    expect(outOfBounds(bounds, usage, new Set())).toContain(
      'spec.of.resourceRef.namespace team-b names a resource of that namespace as in use by this environment',
    );
  });
});

describe("an AWS ProviderConfig on the provider's own identity", () => {
  const providerConfig = (credentials: object) =>
    object('aws.m.upbound.io/v1beta1', 'ProviderConfig', { credentials });

  it.each<[string, object, string[][]]>([
    ['IRSA', { source: 'IRSA' }, [['spec.credentials.source', 'CrossplaneProvider/aws.m.upbound.io']]],
    [
      'PodIdentity',
      { source: 'PodIdentity' },
      [['spec.credentials.source', 'CrossplaneProvider/aws.m.upbound.io']],
    ],
    [
      "WebIdentity on the pod's token file",
      { source: 'WebIdentity', webIdentity: { roleARN: 'arn:aws:iam::1:role/b' } },
      [['spec.credentials.source', 'CrossplaneProvider/aws.m.upbound.io']],
    ],
    [
      'WebIdentity on a file of the pod',
      { source: 'WebIdentity', webIdentity: { tokenConfig: { source: 'Filesystem', fs: { path: '/x' } } } },
      [['spec.credentials.webIdentity.tokenConfig.source', 'CrossplaneProvider/aws.m.upbound.io']],
    ],
    [
      'WebIdentity on a Secret of the namespace',
      {
        source: 'WebIdentity',
        webIdentity: { tokenConfig: { source: 'Secret', secretRef: { name: 't', key: 'k' } } },
      },
      [],
    ],
    ['a Secret of the namespace', { source: 'Secret', secretRef: { name: 'aws', key: 'creds' } }, []],
  ])('%s', (_what, credentials, expected) => {
    expect(holders(providerConfig(credentials))).toEqual(expected);
  });
});
