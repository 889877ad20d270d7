import type { KubeObject } from './types';
import type { SharedCredentialUse } from './shared-credential-use';
import { groupOf } from './object-ref';
import { fieldsOf, listOf, nameOf, type Fields } from './object-fields';
import { operatorIdentityUsesOf } from './operator-identities';
import { MONITORING_GROUP, prometheusUsesOf } from './prometheus-scrapes';
import { podSpecs } from './pod-specs';

// Where a namespaced object of an environment makes a cluster-wide operator act with that
// operator's shared credentials on the committer's behalf. RBAC lets a writer of the kind name any
// store, issuer or authentication of the cluster (or leave a store's credentials out, which
// External Secrets fills in with its own); the operator then reads, writes or signs with
// whatever that holder's identity may, another environment's too. bounds.ts's outOfBounds judges
// each use against `kubernetes.sharedCredentials`.

export type { SharedCredentialUse } from './shared-credential-use';

const ESO_GROUP = 'external-secrets.io';
const ESO_GENERATORS_GROUP = 'generators.external-secrets.io';
const CERT_MANAGER_GROUP = 'cert-manager.io';
const KEDA_GROUP = 'keda.sh';
const KEDA_EVENTING_GROUP = 'eventing.keda.sh';

// External Secrets lets every namespace use a ClusterSecretStore without conditions
// (pkg/controllers/secretstore/client_manager.go `shouldProcessSecret`).
const STORE_READ =
  "External Secrets reads, with the ClusterSecretStore's own credentials, whichever secret the ExternalSecret names (another environment's under another key, or another namespace's Secrets through its Kubernetes provider) into a Secret of this namespace, unless the store's spec.conditions hold it to this environment's namespaces (without conditions, every namespace may use it)";
const STORE_WRITE =
  "External Secrets writes, with the ClusterSecretStore's own credentials, this namespace's Secret over whichever remote key the PushSecret names (another environment's), unless the store's spec.conditions hold it to this environment's namespaces";
const CLUSTER_GENERATOR =
  'External Secrets runs a ClusterGenerator with its own credentials (a registry token, an STS session, a Vault lease) for any namespace naming it';

/**
 * External Secrets: an ExternalSecret's `spec.secretStoreRef` and each `spec.data[i]` or
 * `spec.dataFrom[i]` `sourceRef.storeRef` of kind ClusterSecretStore (the kind defaults to
 * SecretStore, this namespace's own), a `sourceRef.generatorRef` of kind ClusterGenerator; a
 * PushSecret's `spec.secretStoreRefs[i]` of kind ClusterSecretStore, by name or by label (every
 * store the selector matches, its `name` then unread: `pkg/controllers/pushsecret/pushsecret_controller.go`
 * `GetSecretStores`), and its
 * `spec.selector.generatorRef`.
 */
function externalSecretsUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const uses: SharedCredentialUse[] = [];
  const store = (field: string, ref: unknown, how: string) => {
    const r = fieldsOf(ref);
    if (r.kind !== 'ClusterSecretStore') return;
    // A selector wins over a name: ESO lists every store it matches and ignores `name`.
    const name = r.labelSelector !== undefined && r.labelSelector !== null ? '*' : nameOf(r.name);
    uses.push({ field, holder: `ClusterSecretStore/${name}`, how });
  };
  const generator = (field: string, ref: unknown) => {
    const r = fieldsOf(ref);
    if (r.kind === 'ClusterGenerator')
      uses.push({ field, holder: `ClusterGenerator/${nameOf(r.name)}`, how: CLUSTER_GENERATOR });
  };
  if (object.kind === 'ExternalSecret') {
    store('spec.secretStoreRef', spec.secretStoreRef, STORE_READ);
    for (const list of ['data', 'dataFrom'])
      listOf(spec[list]).forEach((entry, i) => {
        const source = fieldsOf(fieldsOf(entry).sourceRef);
        store(`spec.${list}[${i}].sourceRef.storeRef`, source.storeRef, STORE_READ);
        generator(`spec.${list}[${i}].sourceRef.generatorRef`, source.generatorRef);
      });
  }
  if (object.kind === 'PushSecret') {
    listOf(spec.secretStoreRefs).forEach((ref, i) => store(`spec.secretStoreRefs[${i}]`, ref, STORE_WRITE));
    generator('spec.selector.generatorRef', fieldsOf(spec.selector).generatorRef);
  }
  return uses;
}

/** Where a provider's client, given no credentials of the object's own, falls back to the controller's. */
type ControllerIdentityPlace = {
  /** The provider's key under `spec.provider` (`aws`, `vault`...). */
  readonly provider: string;
  /** The field judged, below the provider. */
  readonly path: readonly string[];
  /** Whether the place is used at all: an absent `auth` is the default for a cloud, not for a Vault method. */
  readonly optional: boolean;
  readonly holder: string;
  /** The keys of the judged field that name a Secret or ServiceAccount of the object's namespace. */
  readonly own: readonly string[];
  /** Set where the place counts only for one value of a key (Azure's `authType`). */
  readonly onlyWhen?: { readonly key: string; readonly value: string };
};

/**
 * The providers whose External Secrets client, given no credentials of the object's own, falls back
 * to the controller pod's (its ServiceAccount token, IRSA role, node role or workload identity):
 * - AWS and its ECR and STS generators (`providers/v1/aws/auth/auth.go` `constructCredsProvider`
 *   gives none without `auth.jwt` or `auth.secretRef`, and the `role` is then assumed with the
 *   controller's);
 * - Google and its GCR generator (`providers/v1/gcp/secretmanager/auth.go` `NewTokenSource` ends in
 *   `google.DefaultTokenSource`);
 * - Vault, and the VaultDynamicSecret generator: `auth.kubernetes` without `serviceAccountRef` or
 *   `secretRef` logs in with the controller's own ServiceAccount token
 *   (`providers/v1/vault/auth_kubernetes.go` `getJwtString` reads
 *   /var/run/secrets/kubernetes.io/serviceaccount/token), so the Vault role bound to External
 *   Secrets' ServiceAccount answers; `auth.iam` without `jwt` or `secretRef` signs with the
 *   controller pod's AWS identity (`auth_iam.go` "Default to controller pod's identity");
 *   `auth.gcp` without `secretRef` or `workloadIdentity` uses the pod's default credentials
 *   (`auth_gcp.go` `setupDefaultGCPAuth`; a `serviceAccountRef` there changes nothing);
 * - Azure Key Vault: `authType: ManagedIdentity` is the node's or pod's managed identity whatever
 *   `identityId` names, and `WorkloadIdentity` without `serviceAccountRef` reads the controller's
 *   AZURE_FEDERATED_TOKEN_FILE (`providers/v1/azure/keyvault/keyvault.go`
 *   `authorizerForWorkloadIdentity`, `authorizerForManagedIdentity`).
 */
const CONTROLLER_IDENTITY_PLACES: readonly ControllerIdentityPlace[] = [
  {
    provider: 'aws',
    path: ['auth'],
    optional: false,
    holder: 'ExternalSecretsController/aws',
    own: ['jwt', 'secretRef'],
  },
  {
    provider: 'gcpsm',
    path: ['auth'],
    optional: false,
    holder: 'ExternalSecretsController/gcp',
    own: ['secretRef', 'workloadIdentity', 'workloadIdentityFederation'],
  },
  {
    provider: 'vault',
    path: ['auth', 'kubernetes'],
    optional: true,
    holder: 'ExternalSecretsController/kubernetes',
    own: ['serviceAccountRef', 'secretRef'],
  },
  {
    provider: 'vault',
    path: ['auth', 'iam'],
    optional: true,
    holder: 'ExternalSecretsController/aws',
    own: ['jwt', 'secretRef'],
  },
  {
    provider: 'vault',
    path: ['auth', 'gcp'],
    optional: true,
    holder: 'ExternalSecretsController/gcp',
    own: ['secretRef', 'workloadIdentity'],
  },
  {
    provider: 'azurekv',
    path: [],
    optional: false,
    holder: 'ExternalSecretsController/azure',
    own: [],
    onlyWhen: { key: 'authType', value: 'ManagedIdentity' },
  },
  {
    provider: 'azurekv',
    path: [],
    optional: false,
    holder: 'ExternalSecretsController/azure',
    own: ['serviceAccountRef'],
    onlyWhen: { key: 'authType', value: 'WorkloadIdentity' },
  },
];

/** The generators of that shape, with the provider whose places apply to them and where it sits. */
const CONTROLLER_IDENTITY_GENERATORS: Readonly<
  Record<string, { readonly provider: string; readonly at: string }>
> = {
  ECRAuthorizationToken: { provider: 'aws', at: 'spec' },
  STSSessionToken: { provider: 'aws', at: 'spec' },
  GCRAccessToken: { provider: 'gcpsm', at: 'spec' },
  VaultDynamicSecret: { provider: 'vault', at: 'spec.provider' },
};

const CONTROLLER_IDENTITY =
  "with no credentials of its own External Secrets uses the controller's own identity (its ServiceAccount token, its pod's cloud role), so this namespace reads whatever that identity may, every environment's secrets included; name a Secret or ServiceAccount of this namespace";

/**
 * A SecretStore of this namespace (or a generator) that leaves its provider's credentials out, so
 * that External Secrets acts with the controller's own identity (CONTROLLER_IDENTITY_PLACES).
 * Azure's default `authType`, ServicePrincipal, takes a Secret of the namespace's and passes.
 */
function controllerIdentityUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const group = groupOf(object.apiVersion);
  const providers: [string, string, Fields][] = [];
  if (group === ESO_GROUP && object.kind === 'SecretStore') {
    const provider = fieldsOf(spec.provider);
    for (const name of Object.keys(provider))
      providers.push([name, `spec.provider.${name}`, fieldsOf(provider[name])]);
  }
  const generator = group === ESO_GENERATORS_GROUP ? CONTROLLER_IDENTITY_GENERATORS[object.kind] : undefined;
  if (generator)
    providers.push([
      generator.provider,
      generator.at,
      generator.at === 'spec' ? spec : fieldsOf(spec.provider),
    ]);
  return providers.flatMap(([name, at, fields]) =>
    CONTROLLER_IDENTITY_PLACES.filter((place) => place.provider === name).flatMap((place) => {
      const value = place.path.reduce<unknown>((v, key) => fieldsOf(v)[key], fields);
      if (place.optional && value === undefined) return [];
      const judged = fieldsOf(value);
      if (place.onlyWhen && judged[place.onlyWhen.key] !== place.onlyWhen.value) return [];
      if (place.own.some((key) => judged[key] !== undefined)) return [];
      const field = [at, ...place.path].join('.');
      return [{ field, holder: place.holder, how: CONTROLLER_IDENTITY }];
    }),
  );
}

/**
 * The fields of a Certificate that a shared issuer signs as asked and that are no host name (host
 * names are claims, bounded by `kubernetes.hosts`): cert-manager's CA issuer takes the basic
 * constraints from `spec.isCA` and the names from the request
 * (`pkg/util/pki/certificatetemplate.go` `CertificateTemplateFromCertificateRequest`), and its
 * default approver approves every request (`pkg/controller/certificaterequests/approver`).
 */
const UNCLAIMED_CERTIFICATE_FIELDS: Readonly<Record<string, string>> = {
  isCA: "a sub-CA under the shared issuer's CA: it signs certificates for any name, another environment's hosts and workloads included, that every peer trusting the cluster's CA accepts",
  uris: "URI names (SPIFFE IDs such as spiffe://cluster.local/ns/<namespace>/sa/<name>) under the shared issuer's CA: a mesh or mTLS peer trusting that CA takes it for another namespace's workload",
  ipAddresses:
    "IP address names under the shared issuer's CA: any pod's, Service's or node's address, another environment's too",
  emailAddresses:
    "email address names under the shared issuer's CA, which a client-certificate login reads as a user",
  otherNames:
    "other names (a user principal name) under the shared issuer's CA, which a client-certificate login reads as a user",
  literalSubject: 'a subject written whole, whose common name cairn does not read as a host claim',
};

/** An issuer of the whole cluster: cert-manager's ClusterIssuer, or an external issuer's cluster kind (AWSPCAClusterIssuer, StepClusterIssuer, ClusterOriginIssuer...). */
function sharedIssuer(issuerRef: Fields): boolean {
  return typeof issuerRef.kind === 'string' && /^(\w*Cluster\w*Issuer)$/.test(issuerRef.kind);
}

/**
 * cert-manager: a Certificate issued by a shared issuer asking for what is no host name
 * (UNCLAIMED_CERTIFICATE_FIELDS), and a CertificateRequest to a shared issuer, whose names are in a
 * signed request cairn does not decode (and whose `spec.isCA` it signs too). A namespaced Issuer
 * signs with this namespace's own key, which only this environment's pods trust.
 */
function certManagerUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const issuerRef = fieldsOf(spec.issuerRef);
  if (!sharedIssuer(issuerRef)) return [];
  const holder = `${String(issuerRef.kind)}/${nameOf(issuerRef.name)}`;
  if (object.kind === 'CertificateRequest')
    return [
      {
        field: 'spec.request',
        holder,
        how: 'the shared issuer signs whatever names (and CA constraint) the request asks for, which cairn does not decode; ask through a Certificate naming its hosts in spec.dnsNames',
      },
    ];
  if (object.kind !== 'Certificate') return [];
  return Object.entries(UNCLAIMED_CERTIFICATE_FIELDS).flatMap(([field, how]) => {
    const value = spec[field];
    const asked =
      field === 'isCA' ? value === true : Array.isArray(value) ? value.length > 0 : value !== undefined;
    return asked ? [{ field: `spec.${field}`, holder, how: `it asks for ${how}` }] : [];
  });
}

/**
 * cert-manager asked by another object than its own: an Ingress or Gateway annotated for
 * ingress-shim, which makes a Certificate of the annotations (`pkg/controller/certificate-shim/helper.go`
 * `translateAnnotations`: `cert-manager.io/email-sans` becomes `spec.emailAddresses`), and a pod's
 * csi-driver volume (`csi.cert-manager.io`), whose attributes the driver sends as a
 * CertificateRequest with its own identity (`csi.cert-manager.io/is-ca`, `uri-sans`, `ip-sans`).
 * Judged like a Certificate's fields (UNCLAIMED_CERTIFICATE_FIELDS) where the issuer is shared.
 */
function certManagerByProxyUses(object: KubeObject): readonly SharedCredentialUse[] {
  const uses: SharedCredentialUse[] = [];
  const annotations = fieldsOf(object.metadata.annotations);
  const shimIssuer: Fields =
    annotations['cert-manager.io/cluster-issuer'] !== undefined
      ? { kind: 'ClusterIssuer', name: annotations['cert-manager.io/cluster-issuer'] }
      : { kind: annotations['cert-manager.io/issuer-kind'], name: annotations['cert-manager.io/issuer'] };
  if (sharedIssuer(shimIssuer) && nonEmpty(annotations['cert-manager.io/email-sans']))
    uses.push({
      field: 'metadata.annotations["cert-manager.io/email-sans"]',
      holder: `${String(shimIssuer.kind)}/${nameOf(shimIssuer.name)}`,
      how: `cert-manager's ingress-shim asks it for ${UNCLAIMED_CERTIFICATE_FIELDS.emailAddresses!}`,
    });
  for (const [path, pod] of podSpecs(object))
    listOf(pod.volumes).forEach((volume, i) => {
      const csi = fieldsOf(fieldsOf(volume).csi);
      if (csi.driver !== 'csi.cert-manager.io') return;
      const attributes = fieldsOf(csi.volumeAttributes);
      const issuer = {
        kind: attributes['csi.cert-manager.io/issuer-kind'],
        name: attributes['csi.cert-manager.io/issuer-name'],
      };
      if (!sharedIssuer(issuer)) return;
      for (const [attribute, field] of CSI_UNCLAIMED_ATTRIBUTES) {
        const value = attributes[`csi.cert-manager.io/${attribute}`];
        if (
          attribute === 'is-ca' ? ['1', 't', 'true'].includes(String(value).toLowerCase()) : nonEmpty(value)
        )
          uses.push({
            field: `${path}.volumes[${i}].csi.volumeAttributes["csi.cert-manager.io/${attribute}"]`,
            holder: `${String(issuer.kind)}/${nameOf(issuer.name)}`,
            how: `cert-manager's csi-driver asks it for ${UNCLAIMED_CERTIFICATE_FIELDS[field]!}`,
          });
      }
    });
  return uses;
}

/** The csi-driver's volume attributes that ask a shared issuer for what is no host name, with the Certificate field each stands for. */
const CSI_UNCLAIMED_ATTRIBUTES: readonly (readonly [string, string])[] = [
  ['is-ca', 'isCA'],
  ['uri-sans', 'uris'],
  ['ip-sans', 'ipAddresses'],
];

/** A text value that is not blank (an annotation or attribute listing at least one name). */
function nonEmpty(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * KEDA: a ScaledObject's or ScaledJob's `spec.triggers[i].authenticationRef` of kind
 * ClusterTriggerAuthentication, which KEDA reads with no namespace check and resolves in its own
 * namespace (`pkg/scaling/resolver/scale_resolvers.go` `getTriggerAuthSpec`); the trigger's metadata,
 * written by the committer, says where KEDA sends it (a Prometheus trigger's `serverAddress` gets
 * the bearer token: `pkg/scalers/prometheus_scaler.go`); and a CloudEventSource's
 * `spec.authenticationRef` of that kind (`eventing.keda.sh`, the same `AuthenticationRef`), whose
 * `spec.destination` the committer writes.
 */
function kedaUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const refs: [string, unknown][] =
    object.kind === 'ScaledObject' || object.kind === 'ScaledJob'
      ? listOf(spec.triggers).map((trigger, i) => [
          `spec.triggers[${i}].authenticationRef`,
          fieldsOf(trigger).authenticationRef,
        ])
      : object.kind === 'CloudEventSource'
        ? [['spec.authenticationRef', spec.authenticationRef]]
        : [];
  return refs.flatMap(([field, value]) => {
    const ref = fieldsOf(value);
    if (ref.kind !== 'ClusterTriggerAuthentication') return [];
    return [
      {
        field,
        holder: `ClusterTriggerAuthentication/${nameOf(ref.name)}`,
        how: "KEDA hands the ClusterTriggerAuthentication's secrets or cloud identity to this trigger or event sink, whose metadata or destination (a serverAddress, a queue, an Event Grid endpoint) this environment writes: it may send them to a server of its own or read another environment's queues and metrics",
      },
    ];
  });
}

/**
 * Every use by this object of a cluster-wide credential holder of External Secrets, cert-manager
 * (asked directly, or through ingress-shim's annotations or csi-driver's volumes) or KEDA, or of a
 * shared operator's own identity (External Secrets', ACK's, Flux's, KEDA's: operator-identities.ts;
 * Prometheus's files and discovery: prometheus-scrapes.ts), with the field and the holder; empty for
 * every other object. `managedKind`: the server files its kind under Crossplane's category `managed`.
 */
export function sharedCredentialUsesOf(
  object: KubeObject,
  managedKind = false,
): readonly SharedCredentialUse[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (group === ESO_GROUP || group === ESO_GENERATORS_GROUP)
    return [...externalSecretsUses(object, spec), ...controllerIdentityUses(object, spec)];
  if (group === CERT_MANAGER_GROUP) return certManagerUses(object, spec);
  if (group === KEDA_GROUP || group === KEDA_EVENTING_GROUP)
    return [...kedaUses(object, spec), ...operatorIdentityUsesOf(object)];
  if (group === MONITORING_GROUP) return prometheusUsesOf(object, spec);
  return [...certManagerByProxyUses(object), ...operatorIdentityUsesOf(object, managedKind)];
}
