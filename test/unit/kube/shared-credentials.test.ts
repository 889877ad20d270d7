import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfigFile } from '../../../controller/config/load-config';
import { boundsOf, outOfBounds, type Bounds } from '../../../controller/kube/bounds';
import { sharedCredentialUsesOf } from '../../../controller/kube/shared-credentials';
import type { KubeObject } from '../../../controller/kube/types';

const bounds: Bounds = {
  namespace: 'team-a',
  clusterResources: ['Namespace'],
  refused: ['kube-system', 'cairn'],
  ownerId: 'a-123',
};

const object = (apiVersion: string, kind: string, spec: object): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', namespace: 'team-a' }, spec }) as KubeObject;
const externalSecret = (spec: object) => object('external-secrets.io/v1', 'ExternalSecret', spec);
const pushSecret = (spec: object) => object('external-secrets.io/v1alpha1', 'PushSecret', spec);
const certificate = (spec: object) =>
  object('cert-manager.io/v1', 'Certificate', {
    secretName: 'x-tls',
    issuerRef: { kind: 'ClusterIssuer', name: 'internal-ca' },
    ...spec,
  });
const scaledObject = (authenticationRef: object) =>
  object('keda.sh/v1alpha1', 'ScaledObject', {
    scaleTargetRef: { name: 'web' },
    triggers: [
      { type: 'cpu', metadata: { value: '50' } },
      { type: 'prometheus', metadata: { serverAddress: 'http://x' }, authenticationRef },
    ],
  });

describe('sharedCredentialUsesOf', () => {
  it.each<[string, KubeObject, readonly (readonly [string, string])[]]>([
    [
      "an ExternalSecret's ClusterSecretStore",
      externalSecret({ secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws' } }),
      [['spec.secretStoreRef', 'ClusterSecretStore/aws']],
    ],
    [
      "an ExternalSecret's own SecretStore (the kind defaults to SecretStore)",
      externalSecret({
        secretStoreRef: { name: 'mine' },
        data: [{ secretKey: 'k', remoteRef: { key: 'k' } }],
      }),
      [],
    ],
    [
      "a data entry's and a dataFrom entry's ClusterSecretStore, and a ClusterGenerator",
      externalSecret({
        secretStoreRef: { kind: 'SecretStore', name: 'mine' },
        data: [{ secretKey: 'k', sourceRef: { storeRef: { kind: 'ClusterSecretStore', name: 'vault' } } }],
        dataFrom: [
          { extract: { key: 'k' } },
          { sourceRef: { storeRef: { kind: 'ClusterSecretStore', name: 'gcp' } } },
          { sourceRef: { generatorRef: { kind: 'ClusterGenerator', name: 'ecr' } } },
          { sourceRef: { generatorRef: { kind: 'Password', name: 'mine' } } },
        ],
      }),
      [
        ['spec.data[0].sourceRef.storeRef', 'ClusterSecretStore/vault'],
        ['spec.dataFrom[1].sourceRef.storeRef', 'ClusterSecretStore/gcp'],
        ['spec.dataFrom[2].sourceRef.generatorRef', 'ClusterGenerator/ecr'],
      ],
    ],
    [
      "a PushSecret's ClusterSecretStores, by name and by label (every store matched)",
      pushSecret({
        secretStoreRefs: [
          { name: 'mine' },
          { kind: 'ClusterSecretStore', name: 'aws' },
          { kind: 'ClusterSecretStore', labelSelector: { matchLabels: { shared: 'yes' } } },
        ],
        selector: { generatorRef: { kind: 'ClusterGenerator', name: 'pw' } },
      }),
      [
        ['spec.secretStoreRefs[1]', 'ClusterSecretStore/aws'],
        ['spec.secretStoreRefs[2]', 'ClusterSecretStore/*'],
        ['spec.selector.generatorRef', 'ClusterGenerator/pw'],
      ],
    ],
    [
      "a SecretStore of this namespace leaving out the AWS credentials (the controller's own, then)",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: { aws: { service: 'SecretsManager', region: 'eu-west-1', role: 'arn:aws:iam::1:role/b' } },
      }),
      [['spec.provider.aws.auth', 'ExternalSecretsController/aws']],
    ],
    [
      'a SecretStore of this namespace with AWS credentials of its own (a Secret, a ServiceAccount)',
      object('external-secrets.io/v1', 'SecretStore', {
        provider: {
          aws: { service: 'SecretsManager', auth: { jwt: { serviceAccountRef: { name: 'mine' } } } },
        },
      }),
      [],
    ],
    [
      'a Google SecretStore leaving out its credentials',
      object('external-secrets.io/v1', 'SecretStore', { provider: { gcpsm: { projectID: 'p', auth: {} } } }),
      [['spec.provider.gcpsm.auth', 'ExternalSecretsController/gcp']],
    ],
    [
      'an ECR generator leaving out its credentials',
      object('generators.external-secrets.io/v1alpha1', 'ECRAuthorizationToken', { region: 'eu-west-1' }),
      [['spec.auth', 'ExternalSecretsController/aws']],
    ],
    [
      'a GCR generator with a workload identity of its own',
      object('generators.external-secrets.io/v1alpha1', 'GCRAccessToken', {
        projectID: 'p',
        auth: { workloadIdentity: { serviceAccountRef: { name: 'mine' } } },
      }),
      [],
    ],
    [
      "a Vault SecretStore logging in with the controller's ServiceAccount token, AWS and GCP identities",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: {
          vault: {
            server: 'https://vault',
            auth: {
              kubernetes: { role: 'team-b', mountPath: 'kubernetes' },
              iam: { role: 'r' },
              gcp: { role: 'g' },
            },
          },
        },
      }),
      [
        ['spec.provider.vault.auth.kubernetes', 'ExternalSecretsController/kubernetes'],
        ['spec.provider.vault.auth.iam', 'ExternalSecretsController/aws'],
        ['spec.provider.vault.auth.gcp', 'ExternalSecretsController/gcp'],
      ],
    ],
    [
      "a Vault SecretStore logging in with a ServiceAccount, a token Secret and a key of this namespace's",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: {
          vault: {
            server: 'https://vault',
            auth: {
              kubernetes: { role: 'team-a', serviceAccountRef: { name: 'mine' } },
              iam: { role: 'r', jwt: { serviceAccountRef: { name: 'mine' } } },
              gcp: { role: 'g', secretRef: { secretAccessKeySecretRef: { name: 'k', key: 'k' } } },
            },
          },
        },
      }),
      [],
    ],
    [
      'a Vault SecretStore with a token or AppRole of its own (no controller identity to fall back on)',
      object('external-secrets.io/v1', 'SecretStore', {
        provider: { vault: { server: 'https://vault', auth: { tokenSecretRef: { name: 't', key: 't' } } } },
      }),
      [],
    ],
    [
      "a VaultDynamicSecret generator logging in with the controller's ServiceAccount token",
      object('generators.external-secrets.io/v1alpha1', 'VaultDynamicSecret', {
        path: '/aws/creds/b',
        provider: { server: 'https://vault', auth: { kubernetes: { role: 'team-b' } } },
      }),
      [['spec.provider.auth.kubernetes', 'ExternalSecretsController/kubernetes']],
    ],
    [
      "Azure Key Vault on the node's managed identity, whichever identityId it names",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: { azurekv: { vaultUrl: 'https://v', authType: 'ManagedIdentity', identityId: 'id' } },
      }),
      [['spec.provider.azurekv', 'ExternalSecretsController/azure']],
    ],
    [
      "Azure Key Vault on the controller's workload identity",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: { azurekv: { vaultUrl: 'https://v', authType: 'WorkloadIdentity' } },
      }),
      [['spec.provider.azurekv', 'ExternalSecretsController/azure']],
    ],
    [
      "Azure Key Vault on a ServiceAccount of this namespace's",
      object('external-secrets.io/v1', 'SecretStore', {
        provider: {
          azurekv: {
            vaultUrl: 'https://v',
            authType: 'WorkloadIdentity',
            serviceAccountRef: { name: 'mine' },
          },
        },
      }),
      [],
    ],
    [
      'Azure Key Vault on the default service principal (a Secret of this namespace)',
      object('external-secrets.io/v1', 'SecretStore', {
        provider: {
          azurekv: { vaultUrl: 'https://v', authSecretRef: { clientId: { name: 's', key: 'id' } } },
        },
      }),
      [],
    ],
    [
      "a ServiceMonitor sending Prometheus's token and client key to its endpoint",
      object('monitoring.coreos.com/v1', 'ServiceMonitor', {
        selector: { matchLabels: { app: 'web' } },
        endpoints: [
          { port: 'metrics' },
          {
            port: 'metrics',
            bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
            tlsConfig: {
              certFile: '/etc/prometheus/secrets/etcd/cert',
              keyFile: '/etc/prometheus/secrets/etcd/key',
            },
          },
        ],
      }),
      [
        ['spec.endpoints[1].bearerTokenFile', 'PrometheusServer/files'],
        ['spec.endpoints[1].tlsConfig.certFile', 'PrometheusServer/files'],
        ['spec.endpoints[1].tlsConfig.keyFile', 'PrometheusServer/files'],
      ],
    ],
    [
      "a ServiceMonitor on Secrets of its own namespace's, selecting only its own namespace",
      object('monitoring.coreos.com/v1', 'ServiceMonitor', {
        selector: { matchLabels: { app: 'web' } },
        namespaceSelector: { matchNames: ['team-a'] },
        endpoints: [
          {
            port: 'metrics',
            authorization: { credentials: { name: 'token', key: 'token' } },
            tlsConfig: {
              keySecret: { name: 'tls', key: 'key' },
              cert: { secret: { name: 'tls', key: 'crt' } },
            },
          },
        ],
      }),
      [],
    ],
    [
      'a PodMonitor selecting another namespace beside its own',
      object('monitoring.coreos.com/v1', 'PodMonitor', {
        selector: {},
        namespaceSelector: { matchNames: ['team-a', 'team-b'] },
      }),
      [['spec.namespaceSelector', 'PrometheusTargets/team-b']],
    ],
    [
      'a ServiceMonitor selecting every namespace',
      object('monitoring.coreos.com/v1', 'ServiceMonitor', {
        selector: {},
        namespaceSelector: { any: true },
      }),
      [['spec.namespaceSelector', 'PrometheusTargets/*']],
    ],
    [
      "a Probe of every namespace's Ingresses",
      object('monitoring.coreos.com/v1', 'Probe', {
        prober: { url: 'blackbox:9115' },
        targets: { ingress: { selector: {}, namespaceSelector: { any: true } } },
      }),
      [['spec.targets.ingress.namespaceSelector', 'PrometheusTargets/*']],
    ],
    [
      "a ScrapeConfig's Kubernetes discovery of every namespace, of another and of Prometheus's own (ownNamespace), not of its own or of nodes",
      object('monitoring.coreos.com/v1alpha1', 'ScrapeConfig', {
        kubernetesSDConfigs: [
          { role: 'Pod' },
          { role: 'Endpoints', namespaces: { names: ['team-b'] } },
          { role: 'Pod', namespaces: { ownNamespace: true } },
          { role: 'Pod', namespaces: { names: ['team-a'] } },
          { role: 'Node' },
          { role: 'Pod', apiServer: 'https://elsewhere' },
        ],
        staticConfigs: [{ targets: ['web:8080'] }],
      }),
      [
        ['spec.kubernetesSDConfigs[0]', 'PrometheusTargets/*'],
        ['spec.kubernetesSDConfigs[1]', 'PrometheusTargets/team-b'],
        ['spec.kubernetesSDConfigs[2]', 'PrometheusTargets/*'],
      ],
    ],
    [
      'a Certificate of a shared issuer asking for a sub-CA, URIs, addresses, emails and a literal subject',
      certificate({
        isCA: true,
        dnsNames: ['a.example.com'],
        uris: ['spiffe://cluster.local/ns/team-b/sa/api'],
        ipAddresses: ['10.0.0.1'],
        emailAddresses: ['admin@example.com'],
        otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', utf8Value: 'b@example.com' }],
        literalSubject: 'CN=b.example.com',
      }),
      [
        ['spec.isCA', 'ClusterIssuer/internal-ca'],
        ['spec.uris', 'ClusterIssuer/internal-ca'],
        ['spec.ipAddresses', 'ClusterIssuer/internal-ca'],
        ['spec.emailAddresses', 'ClusterIssuer/internal-ca'],
        ['spec.otherNames', 'ClusterIssuer/internal-ca'],
        ['spec.literalSubject', 'ClusterIssuer/internal-ca'],
      ],
    ],
    [
      'a Certificate of a shared issuer for host names alone (claims, bounded elsewhere)',
      certificate({ isCA: false, dnsNames: ['a.example.com'], uris: [] }),
      [],
    ],
    [
      "a sub-CA of the namespace's own Issuer (its key is this namespace's)",
      certificate({ isCA: true, issuerRef: { name: 'own-ca' } }),
      [],
    ],
    [
      "an external issuer's cluster kind",
      certificate({
        isCA: true,
        issuerRef: { group: 'awspca.cert-manager.io', kind: 'AWSPCAClusterIssuer', name: 'pca' },
      }),
      [['spec.isCA', 'AWSPCAClusterIssuer/pca']],
    ],
    [
      'a CertificateRequest to a shared issuer',
      object('cert-manager.io/v1', 'CertificateRequest', {
        request: 'LS0t',
        issuerRef: { kind: 'ClusterIssuer', name: 'internal-ca' },
      }),
      [['spec.request', 'ClusterIssuer/internal-ca']],
    ],
    [
      "a KEDA trigger's ClusterTriggerAuthentication",
      scaledObject({ kind: 'ClusterTriggerAuthentication', name: 'prom-token' }),
      [['spec.triggers[1].authenticationRef', 'ClusterTriggerAuthentication/prom-token']],
    ],
    ["a KEDA trigger's own TriggerAuthentication (the default kind)", scaledObject({ name: 'mine' }), []],
    [
      "a PushSecret's labelSelector beside a name: ESO lists every store the selector matches, the name unread",
      pushSecret({
        secretStoreRefs: [{ kind: 'ClusterSecretStore', name: 'team-a-aws', labelSelector: {} }],
      }),
      [['spec.secretStoreRefs[0]', 'ClusterSecretStore/*']],
    ],
    [
      "a KEDA AWS trigger on KEDA's own identity (metadata.identityOwner: operator), no TriggerAuthentication",
      object('keda.sh/v1alpha1', 'ScaledObject', {
        scaleTargetRef: { name: 'worker' },
        triggers: [
          { type: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs/b-jobs', identityOwner: 'pod' } },
          { type: 'aws-sqs-queue', metadata: { queueURL: 'https://sqs/b-jobs', identityOwner: 'operator' } },
        ],
      }),
      [['spec.triggers[1].metadata.identityOwner', 'KedaController/aws']],
    ],
    [
      "a KEDA CloudEventSource's ClusterTriggerAuthentication",
      object('eventing.keda.sh/v1alpha1', 'CloudEventSource', {
        destination: { azureEventGridTopic: { endpoint: 'https://a.example.com' } },
        authenticationRef: { kind: 'ClusterTriggerAuthentication', name: 'event-grid' },
      }),
      [['spec.authenticationRef', 'ClusterTriggerAuthentication/event-grid']],
    ],
    [
      'an Ingress asking ingress-shim for email names under a shared issuer',
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'x',
          namespace: 'team-a',
          annotations: {
            'cert-manager.io/cluster-issuer': 'internal-ca',
            'cert-manager.io/email-sans': 'admin@example.com',
          },
        },
        spec: { tls: [{ hosts: ['a.example.com'], secretName: 'x-tls' }] },
      } as KubeObject,
      [['metadata.annotations["cert-manager.io/email-sans"]', 'ClusterIssuer/internal-ca']],
    ],
    [
      "an Ingress asking ingress-shim of its namespace's Issuer, or a shared one for host names alone",
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'x',
          namespace: 'team-a',
          annotations: { 'cert-manager.io/issuer': 'own', 'cert-manager.io/email-sans': 'a@example.com' },
        },
      } as KubeObject,
      [],
    ],
    [
      "a Deployment's csi-driver volume asking a shared issuer for a sub-CA and a SPIFFE ID",
      object('apps/v1', 'Deployment', {
        template: {
          spec: {
            containers: [{ name: 'app', image: 'app' }],
            volumes: [
              {
                name: 'tls',
                csi: {
                  driver: 'csi.cert-manager.io',
                  volumeAttributes: {
                    'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
                    'csi.cert-manager.io/issuer-name': 'internal-ca',
                    'csi.cert-manager.io/dns-names': '${POD_NAME}.team-a.svc.cluster.local',
                    'csi.cert-manager.io/is-ca': 'true',
                    'csi.cert-manager.io/uri-sans': 'spiffe://cluster.local/ns/team-b/sa/api',
                  },
                },
              },
            ],
          },
        },
      }),
      [
        [
          'spec.template.spec.volumes[0].csi.volumeAttributes["csi.cert-manager.io/is-ca"]',
          'ClusterIssuer/internal-ca',
        ],
        [
          'spec.template.spec.volumes[0].csi.volumeAttributes["csi.cert-manager.io/uri-sans"]',
          'ClusterIssuer/internal-ca',
        ],
      ],
    ],
    [
      "a Pod's csi-driver volume on a shared issuer for its DNS names alone, and one on the namespace's Issuer",
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'x', namespace: 'team-a' },
        spec: {
          containers: [{ name: 'app', image: 'app' }],
          volumes: [
            {
              name: 'tls',
              csi: {
                driver: 'csi.cert-manager.io',
                volumeAttributes: {
                  'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
                  'csi.cert-manager.io/issuer-name': 'internal-ca',
                  'csi.cert-manager.io/dns-names': '${POD_NAME}.team-a.svc.cluster.local',
                  'csi.cert-manager.io/is-ca': 'false',
                },
              },
            },
            {
              name: 'ca',
              csi: {
                driver: 'csi.cert-manager.io',
                volumeAttributes: {
                  'csi.cert-manager.io/issuer-name': 'own-ca',
                  'csi.cert-manager.io/is-ca': 'true',
                },
              },
            },
          ],
        },
      } as KubeObject,
      [],
    ],
    [
      'any ACK resource: its service controller acts with its own IAM role',
      object('s3.services.k8s.aws/v1alpha1', 'Bucket', { name: 'team-b-data' }),
      [['apiVersion', 'ACKController/s3']],
    ],
    [
      'an ACK resource adopting an existing AWS resource by annotation',
      {
        ...object('rds.services.k8s.aws/v1alpha1', 'DBInstance', {}),
        metadata: {
          name: 'x',
          namespace: 'team-a',
          annotations: { 'services.k8s.aws/adoption-policy': 'adopt' },
        },
      } as KubeObject,
      [['metadata.annotations["services.k8s.aws/adoption-policy"]', 'ACKController/rds']],
    ],
    [
      "an ACK AdoptedResource, counted as its target's service",
      object('services.k8s.aws/v1alpha1', 'AdoptedResource', {
        aws: { nameOrID: 'team-b-data' },
        kubernetes: { group: 's3.services.k8s.aws', kind: 'Bucket' },
      }),
      [['spec.aws', 'ACKController/s3']],
    ],
    [
      "a Namespace picking ACK's account, team role and endpoint",
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'team-a',
          annotations: {
            'services.k8s.aws/owner-account-id': '222222222222',
            'services.k8s.aws/team-id': 'team-b',
            'services.k8s.aws/endpoint-url': 'https://Collector.Example.com:8443/aws',
            'services.k8s.aws/default-region': 'eu-west-1',
          },
        },
      } as KubeObject,
      [
        ['metadata.annotations["services.k8s.aws/owner-account-id"]', 'ACKAccount/222222222222'],
        ['metadata.annotations["services.k8s.aws/team-id"]', 'ACKTeam/team-b'],
        ['metadata.annotations["services.k8s.aws/endpoint-url"]', 'ACKEndpoint/collector.example.com'],
      ],
    ],
    [
      'a Flux Kustomization without a ServiceAccount, on a source of another namespace',
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        path: './',
        sourceRef: { kind: 'GitRepository', name: 'apps', namespace: 'team-b' },
      }),
      [
        ['spec.serviceAccountName', 'FluxController/kustomize-controller'],
        ['spec.sourceRef.namespace', 'GitRepository/team-b/apps'],
      ],
    ],
    [
      "a Flux Kustomization with a ServiceAccount of its namespace on its namespace's source",
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps', namespace: 'team-a' },
      }),
      [],
    ],
    [
      'a Flux Kustomization for a remote cluster through a kubeconfig Secret of its own',
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        kubeConfig: { secretRef: { name: 'remote' } },
        sourceRef: { kind: 'GitRepository', name: 'apps' },
      }),
      [],
    ],
    [
      "a Flux Kustomization reaching a remote cluster through a ConfigMap, with the controller's cloud identity",
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        kubeConfig: { configMapRef: { name: 'prod-eks' } },
        sourceRef: { kind: 'GitRepository', name: 'apps' },
      }),
      [['spec.kubeConfig.configMapRef', 'FluxController/kustomize-controller/remote']],
    ],
    [
      'a Flux HelmRelease without a ServiceAccount, its chart and chartRef of another namespace',
      object('helm.toolkit.fluxcd.io/v2', 'HelmRelease', {
        chart: {
          spec: {
            chart: 'db',
            sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' },
          },
        },
        chartRef: { kind: 'OCIRepository', name: 'db', namespace: 'team-b' },
      }),
      [
        ['spec.serviceAccountName', 'FluxController/helm-controller'],
        ['spec.chart.spec.sourceRef.namespace', 'HelmRepository/flux-system/charts'],
        ['spec.chartRef.namespace', 'OCIRepository/team-b/db'],
      ],
    ],
    ...(['Bucket', 'OCIRepository', 'HelmRepository'] as const).map(
      (kind): [string, KubeObject, readonly (readonly [string, string])[]] => [
        `a Flux ${kind} read with the source-controller's own cloud identity`,
        object('source.toolkit.fluxcd.io/v1', kind, { provider: 'aws', url: 'oci://x' }),
        [['spec.provider', 'FluxController/source-controller']],
      ],
    ),
    ...(
      [
        ['Bucket', { provider: 'gcp', secretRef: { name: 'mine' } }],
        ['Bucket', { provider: 'azure', serviceAccountName: 'reader' }],
        ['OCIRepository', { provider: 'aws', serviceAccountName: 'reader' }],
        ['OCIRepository', { provider: 'generic' }],
        ['HelmRepository', { type: 'oci', provider: 'gcp', secretRef: { name: 'mine' } }],
      ] as const
    ).map(([kind, spec]): [string, KubeObject, readonly (readonly [string, string])[]] => [
      `a Flux ${kind} with ${JSON.stringify(spec)}`,
      object('source.toolkit.fluxcd.io/v1', kind, spec),
      [],
    ]),
    [
      "a Flux HelmRepository's ServiceAccount does not keep it off the controller's identity",
      object('source.toolkit.fluxcd.io/v1', 'HelmRepository', {
        type: 'oci',
        provider: 'azure',
        serviceAccountName: 'reader',
      }),
      [['spec.provider', 'FluxController/source-controller']],
    ],
    [
      "a Flux Kustomization decrypting with SOPS on the controller's own KMS identity, age keys or not",
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops', secretRef: { name: 'age-keys' } },
      }),
      [['spec.decryption.serviceAccountName', 'FluxController/kustomize-controller-kms']],
    ],
    [
      'a Flux Kustomization decrypting with a ServiceAccount and a Secret of its namespace',
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops', serviceAccountName: 'decryptor', secretRef: { name: 'age-keys' } },
      }),
      [],
    ],
    [
      "a Flux Kustomization decrypting without a secretRef, with the controller's --sops-age-secret key",
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops', serviceAccountName: 'decryptor' },
      }),
      [['spec.decryption.secretRef', 'FluxController/kustomize-controller-age']],
    ],
    [
      'a Flux Kustomization decrypting with neither: both fallbacks, each its own holder',
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops' },
      }),
      [
        ['spec.decryption.serviceAccountName', 'FluxController/kustomize-controller-kms'],
        ['spec.decryption.secretRef', 'FluxController/kustomize-controller-age'],
      ],
    ],
    [
      "a KEDA TriggerAuthentication on KEDA's own AWS, Azure and Google identities",
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        podIdentity: { provider: 'aws', roleArn: 'arn:aws:iam::1:role/team-b' },
        awsSecretManager: { podIdentity: { provider: 'aws', identityOwner: 'keda' }, secrets: [] },
        azureKeyVault: { podIdentity: { provider: 'azure-workload' }, secrets: [] },
        gcpSecretManager: { podIdentity: { provider: 'gcp' }, secrets: [] },
      }),
      [
        ['spec.podIdentity', 'KedaController/aws'],
        ['spec.awsSecretManager.podIdentity', 'KedaController/aws'],
        ['spec.azureKeyVault.podIdentity', 'KedaController/azure'],
        ['spec.gcpSecretManager.podIdentity', 'KedaController/gcp'],
      ],
    ],
    [
      "a KEDA TriggerAuthentication on the workload's identity, or a Secret",
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        podIdentity: { provider: 'aws', identityOwner: 'workload' },
        secretTargetRef: [{ parameter: 'token', name: 'mine', key: 'token' }],
      }),
      [],
    ],
    [
      "an ACK FieldExport into another namespace's Secret",
      object('services.k8s.aws/v1alpha1', 'FieldExport', {
        from: {
          path: '.status.endpoint.address',
          resource: { group: 'rds.services.k8s.aws', kind: 'DBInstance', name: 'db' },
        },
        to: { kind: 'secret', name: 'db-creds', namespace: 'team-b', key: 'password' },
      }),
      [['spec.to.namespace', 'Secret/team-b/db-creds']],
    ],
    [
      "an ACK FieldExport into its own namespace's ConfigMap (named or left out)",
      object('services.k8s.aws/v1alpha1', 'FieldExport', {
        from: { path: '.spec.name', resource: { group: 's3.services.k8s.aws', kind: 'Bucket', name: 'b' } },
        to: { kind: 'configmap', name: 'bucket', namespace: 'team-a' },
      }),
      [],
    ],
    [
      "a Flux ImageUpdateAutomation pushing to another namespace's GitRepository (the kind left out)",
      object('image.toolkit.fluxcd.io/v1', 'ImageUpdateAutomation', {
        sourceRef: { name: 'apps', namespace: 'team-b' },
        git: { push: { branch: 'main' } },
      }),
      [['spec.sourceRef.namespace', 'GitRepository/team-b/apps']],
    ],
    [
      "a Flux ImageUpdateAutomation on its own namespace's GitRepository",
      object('image.toolkit.fluxcd.io/v1', 'ImageUpdateAutomation', {
        sourceRef: { kind: 'GitRepository', name: 'apps' },
      }),
      [],
    ],
    [
      "a Flux Alert on another namespace's events",
      {
        ...object('notification.toolkit.fluxcd.io/v1beta3', 'Alert', {
          providerRef: { name: 'slack' },
          eventSources: [
            { kind: 'Kustomization', name: '*' },
            { kind: 'Kustomization', name: '*', namespace: 'team-b' },
          ],
        }),
      },
      [['spec.eventSources[1].namespace', 'Kustomization/team-b/*']],
    ],
    [
      "a Flux Receiver reconciling another namespace's source",
      object('notification.toolkit.fluxcd.io/v1', 'Receiver', {
        type: 'generic',
        resources: [
          { kind: 'GitRepository', name: 'apps', namespace: 'team-a' },
          { kind: 'GitRepository', name: 'apps', namespace: 'team-b' },
        ],
      }),
      [['spec.resources[1].namespace', 'GitRepository/team-b/apps']],
    ],
    [
      "a Flux notification Provider posting to Azure DevOps with the controller's own identity",
      object('notification.toolkit.fluxcd.io/v1beta3', 'Provider', {
        type: 'azuredevops',
        address: 'https://dev.azure.com/org/team-b/_git/apps',
      }),
      [['spec.serviceAccountName', 'FluxController/notification-controller']],
    ],
    [
      'a Flux notification Provider with a token Secret or a ServiceAccount of its own, or of a type with no cloud identity',
      object('notification.toolkit.fluxcd.io/v1beta3', 'Provider', {
        type: 'googlepubsub',
        address: 'team-a',
        serviceAccountName: 'notifier',
      }),
      [],
    ],
    [
      'a Flux notification Provider of Slack without a Secret',
      object('notification.toolkit.fluxcd.io/v1beta3', 'Provider', { type: 'slack', channel: 'x' }),
      [],
    ],
    [
      "a KEDA TriggerAuthentication logging in to Vault with KEDA's own ServiceAccount token",
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        hashiCorpVault: {
          address: 'https://vault.team-a.example',
          authentication: 'kubernetes',
          role: 'keda',
          mount: 'kubernetes',
          secrets: [],
        },
      }),
      [['spec.hashiCorpVault.credential.serviceAccountName', 'KedaController/kubernetes']],
    ],
    [
      "a KEDA TriggerAuthentication logging in to Vault with another file of KEDA's pod",
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        hashiCorpVault: {
          address: 'https://collector.example',
          authentication: 'kubernetes',
          role: 'r',
          mount: 'm',
          credential: { serviceAccount: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
          secrets: [],
        },
      }),
      [['spec.hashiCorpVault.credential.serviceAccount', 'KedaController/files']],
    ],
    [
      "a KEDA TriggerAuthentication logging in to Vault with KEDA's own VAULT_TOKEN",
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        hashiCorpVault: { address: 'https://collector.example', authentication: 'token', secrets: [] },
      }),
      [['spec.hashiCorpVault.credential.token', 'KedaController/vault-token']],
    ],
    [
      'a KEDA TriggerAuthentication logging in to Vault as a ServiceAccount of its namespace, or with a token of its own',
      object('keda.sh/v1alpha1', 'TriggerAuthentication', {
        hashiCorpVault: {
          address: 'https://vault.example',
          authentication: 'kubernetes',
          role: 'r',
          mount: 'm',
          credential: { serviceAccountName: 'scaler' },
          secrets: [],
        },
      }),
      [],
    ],
    [
      'a Crossplane v2 namespaced managed resource leaving out providerConfigRef (ClusterProviderConfig/default)',
      object('s3.aws.m.upbound.io/v1beta1', 'Bucket', { forProvider: { region: 'eu-west-1' } }),
      [['spec.providerConfigRef', 'ClusterProviderConfig/aws.m.upbound.io/default']],
    ],
    [
      'a Crossplane v2 managed resource naming a ClusterProviderConfig',
      object('rds.aws.m.upbound.io/v1beta1', 'Instance', {
        forProvider: { region: 'eu-west-1' },
        providerConfigRef: { kind: 'ClusterProviderConfig', name: 'platform' },
      }),
      [['spec.providerConfigRef', 'ClusterProviderConfig/aws.m.upbound.io/platform']],
    ],
    [
      "a Crossplane v2 managed resource on its namespace's ProviderConfig, and that ProviderConfig",
      object('s3.aws.m.upbound.io/v1beta1', 'Bucket', {
        forProvider: { region: 'eu-west-1' },
        providerConfigRef: { kind: 'ProviderConfig', name: 'team-a' },
      }),
      [],
    ],
    [
      'a Crossplane v2 namespaced ProviderConfig (no forProvider)',
      object('aws.m.upbound.io/v1beta1', 'ProviderConfig', { credentials: { source: 'Secret' } }),
      [],
    ],
    [
      'a ConfigMap shaped like an ExternalSecret (another group)',
      object('v1', 'ConfigMap', { secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws' } }),
      [],
    ],
  ])('%s', (_what, given, expected) => {
    expect(sharedCredentialUsesOf(given).map((u) => [u.field, u.holder])).toEqual(expected);
  });
});

describe('outOfBounds and kubernetes.sharedCredentials', () => {
  const store = externalSecret({ secretStoreRef: { kind: 'ClusterSecretStore', name: 'team-a-aws' } });
  it.each<[string, readonly string[] | undefined, KubeObject, RegExp | undefined]>([
    [
      'a ClusterSecretStore listed nowhere is refused, naming the field, holder and key',
      undefined,
      store,
      /^spec\.secretStoreRef uses ClusterSecretStore\/team-a-aws, a credential the whole cluster shares: .*list ClusterSecretStore\/team-a-aws in kubernetes\.sharedCredentials \(none\)/,
    ],
    ['a listed ClusterSecretStore passes', ['ClusterSecretStore/team-a-aws'], store, undefined],
    ['a glob of its names passes', ['ClusterSecretStore/team-a-*'], store, undefined],
    [
      'a holder of another kind with that name is refused',
      ['ClusterIssuer/team-a-aws'],
      store,
      /kubernetes\.sharedCredentials \(ClusterIssuer\/team-a-aws\)/,
    ],
    [
      'a label selector is refused unless every ClusterSecretStore is listed',
      ['ClusterSecretStore/team-a-*'],
      pushSecret({ secretStoreRefs: [{ kind: 'ClusterSecretStore', labelSelector: {} }] }),
      /spec\.secretStoreRefs\[0\] uses ClusterSecretStore\/\*/,
    ],
    [
      'a label selector passes where every ClusterSecretStore is listed',
      ['ClusterSecretStore/*'],
      pushSecret({ secretStoreRefs: [{ kind: 'ClusterSecretStore', labelSelector: {} }] }),
      undefined,
    ],
    [
      'a sub-CA of a ClusterIssuer is refused',
      ['ClusterSecretStore/*'],
      certificate({ isCA: true }),
      /^spec\.isCA uses ClusterIssuer\/internal-ca, .*it asks for a sub-CA/,
    ],
    [
      'a sub-CA of a listed ClusterIssuer passes',
      ['ClusterIssuer/internal-ca'],
      certificate({ isCA: true }),
      undefined,
    ],
    [
      'an ACK Bucket is refused unless its service controller is listed',
      ['ClusterSecretStore/*'],
      object('s3.services.k8s.aws/v1alpha1', 'Bucket', { name: 'b' }),
      /^apiVersion uses ACKController\/s3, a credential the whole cluster shares: the ACK controller/,
    ],
    [
      'an ACK Bucket passes where its service controller is listed',
      ['ACKController/s3'],
      object('s3.services.k8s.aws/v1alpha1', 'Bucket', { name: 'b' }),
      undefined,
    ],
    [
      'a Flux source of another namespace passes where it is listed by namespace glob',
      ['FluxController/kustomize-controller', 'GitRepository/flux-system/*'],
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        sourceRef: { kind: 'GitRepository', name: 'platform', namespace: 'flux-system' },
      }),
      undefined,
    ],
    [
      "a Flux Bucket on the source-controller's identity is refused, naming what to do",
      ['FluxController/kustomize-controller'],
      object('source.toolkit.fluxcd.io/v1', 'Bucket', { provider: 'aws', bucketName: 'b' }),
      /^spec\.provider uses FluxController\/source-controller, a credential the whole cluster shares: with no secretRef or serviceAccountName, the source-controller reads this aws source with its own cloud identity.*name a Secret or a ServiceAccount of this namespace/,
    ],
    [
      "SOPS decryption on the kustomize-controller's identity is refused though the controller is listed for applying",
      ['FluxController/kustomize-controller'],
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops' },
      }),
      /^spec\.decryption\.serviceAccountName uses FluxController\/kustomize-controller-kms, .*name a ServiceAccount of this namespace/,
    ],
    [
      "a ServiceMonitor sending Prometheus's own token is refused, naming the endpoint's field",
      ['ClusterSecretStore/*'],
      object('monitoring.coreos.com/v1', 'ServiceMonitor', {
        endpoints: [{ port: 'm', bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }],
      }),
      /^spec\.endpoints\[0\]\.bearerTokenFile uses PrometheusServer\/files, a credential the whole cluster shares: Prometheus reads that file of its own pod/,
    ],
    [
      'a PodMonitor of another namespace passes where an admin lists it',
      ['PrometheusTargets/team-b'],
      object('monitoring.coreos.com/v1', 'PodMonitor', { namespaceSelector: { matchNames: ['team-b'] } }),
      undefined,
    ],
    [
      "a Vault SecretStore on the controller's ServiceAccount token is refused",
      undefined,
      object('external-secrets.io/v1', 'SecretStore', {
        provider: { vault: { auth: { kubernetes: { role: 'team-b' } } } },
      }),
      /^spec\.provider\.vault\.auth\.kubernetes uses ExternalSecretsController\/kubernetes, a credential the whole cluster shares: with no credentials of its own External Secrets uses the controller's own identity/,
    ],
  ])('%s', (_what, sharedCredentials, given, expected) => {
    const why = outOfBounds(
      { ...bounds, ...(sharedCredentials ? { sharedCredentials } : {}) },
      given,
      new Set(),
    );
    if (expected) expect(why).toMatch(expected);
    else expect(why).toBeUndefined();
  });

  it("refuses SOPS decryption on the controller's --sops-age-secret, saying what it means and what to do", () => {
    const why = outOfBounds(
      { ...bounds, sharedCredentials: ['FluxController/kustomize-controller-kms'] },
      object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
        serviceAccountName: 'deployer',
        sourceRef: { kind: 'GitRepository', name: 'apps' },
        decryption: { provider: 'sops' },
      }),
      new Set(),
    );
    expect(why).toMatch(
      /^spec\.decryption\.secretRef uses FluxController\/kustomize-controller-age, a credential the whole cluster shares: left out, the kustomize-controller decrypts this tree's age-encrypted files with the controller's own age key \(its --sops-age-secret.*another environment's age-encrypted Secret committed here is decrypted.*name a Secret of this namespace holding this environment's own keys in spec\.decryption\.secretRef/,
    );
  });

  // A Kustomization using every fallback at once. An admin lists the holder a controller flag makes
  // safe (--default-service-account, --default-decryption-service-account, running without
  // --sops-age-secret): that must lift its own use and no other.
  const everyFallback = object('kustomize.toolkit.fluxcd.io/v1', 'Kustomization', {
    sourceRef: { kind: 'GitRepository', name: 'apps', namespace: 'flux-system' },
    kubeConfig: { configMapRef: { name: 'prod-eks' } },
    decryption: { provider: 'sops' },
  });
  const fluxHolders = [
    'FluxController/kustomize-controller',
    'FluxController/kustomize-controller-kms',
    'FluxController/kustomize-controller-age',
    'FluxController/kustomize-controller/remote',
    'GitRepository/flux-system/apps',
  ];
  it.each(fluxHolders)('refuses the use of %s while every other Flux holder is listed', (missing) => {
    const listed = fluxHolders.filter((holder) => holder !== missing);
    expect(outOfBounds({ ...bounds, sharedCredentials: listed }, everyFallback, new Set())).toContain(
      `uses ${missing}, a credential the whole cluster shares`,
    );
  });
  it('passes that Kustomization once every one of its holders is listed', () => {
    expect(
      outOfBounds({ ...bounds, sharedCredentials: fluxHolders }, everyFallback, new Set()),
    ).toBeUndefined();
  });

  it("refuses the environment's own Namespace picking another AWS account for ACK", () => {
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', annotations: { 'services.k8s.aws/owner-account-id': '222222222222' } },
    } as KubeObject;
    expect(outOfBounds(bounds, namespace, new Set())).toMatch(
      /^metadata\.annotations\["services\.k8s\.aws\/owner-account-id"\] uses ACKAccount\/222222222222/,
    );
    expect(
      outOfBounds({ ...bounds, sharedCredentials: ['ACKAccount/222222222222'] }, namespace, new Set()),
    ).toBeUndefined();
  });

  it('is not lifted by allowClusterPolicy', () => {
    expect(outOfBounds({ ...bounds, allowClusterPolicy: true }, store, new Set())).toMatch(
      /kubernetes\.sharedCredentials/,
    );
  });
});

describe('kubernetes.sharedCredentials in the config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-shared-credentials-'));
  const file = (list: string) => {
    const path = join(dir, `${list.length}.yaml`);
    writeFileSync(
      path,
      `repository: { url: ./repo }\nenvironments: [{ name: a, kubernetes: { namespace: team-a, sharedCredentials: ${list} } }]\naudit: { dir: ./audit }\n`,
    );
    return path;
  };

  it('reaches the bounds as written', () => {
    const target = loadConfig(file('[ClusterSecretStore/team-a-*, ClusterIssuer/internal-ca]'))
      .environments[0]!.kubernetes!;
    expect(boundsOf(target, { id: 'a-1', description: 'environment a' }).sharedCredentials).toEqual([
      'ClusterSecretStore/team-a-*',
      'ClusterIssuer/internal-ca',
    ]);
  });

  it('refuses an entry that is not Kind/name, naming the key', () => {
    expect(validateConfigFile(file('[GitRepository/flux-system/*]'))).toMatchObject({ ok: true });
    const result = validateConfigFile(file('[internal-ca]'));
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(
          /^environments\[0\]\.kubernetes\.sharedCredentials\[0\]: "internal-ca" is not valid/,
        ),
      ],
    });
  });
});
