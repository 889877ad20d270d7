import type { KubeObject } from './types';
import type { SharedCredentialUse } from './shared-credential-use';
import { groupOf } from './object-ref';
import { fieldsOf, listOf, nameOf, type Fields } from './object-fields';
import { crossplaneUses } from './crossplane';

// Where an object of an environment makes a shared operator act with the operator's own identity
// (its IAM role, its cluster-admin ServiceAccount, its workload identity) rather than a credential
// of the environment's: AWS Controllers for Kubernetes (its FieldExport writing into another
// namespace too), Flux's kustomize-, helm- and source-controller (and the kustomize-controller's
// SOPS decryption), the image-automation- and notification-controller's references to another
// namespace, KEDA's pod identity and Vault login, and Crossplane's ClusterProviderConfig. Each use
// names its holder as `kubernetes.sharedCredentials` lists it (`ACKController/s3`,
// `FluxController/kustomize-controller`, `FluxController/source-controller`,
// `FluxController/kustomize-controller-kms`, `FluxController/kustomize-controller-age`,
// `KedaController/aws`...), one holder for each fallback a controller flag can make safe, so
// that listing one lifts that use alone; and
// shared-credentials.ts hands them to the same check as a ClusterSecretStore.

const ACK_SERVICE_GROUP_SUFFIX = '.services.k8s.aws';
const ACK_CORE_GROUP = 'services.k8s.aws';
const ACK_ADOPTION_POLICY = 'services.k8s.aws/adoption-policy';

const ACK_CONTROLLER =
  "the ACK controller creates, changes and deletes this AWS resource with its own IAM role (or its namespace's CARM role), which every environment's resources of the service share: a resource named as another environment's (a bucket, a role, a queue) is that environment's";
const ACK_ADOPTION =
  "the ACK controller adopts an AWS resource that already exists, by the identifiers written here, with its own IAM role: another environment's bucket, database or role, which this namespace then changes or deletes";

/**
 * The Namespace annotations that make ACK act in this namespace with another IAM role or send its
 * requests elsewhere (runtime `apis/core/v1alpha1/annotations.go`; read in
 * `pkg/runtime/reconciler.go` `getOwnerAccountID`, `getTeamID`, `getEndpointURL`). The account's
 * and team's roles are the `ack-role-account-map` and `ack-role-team-map` ConfigMaps' entries.
 */
const ACK_NAMESPACE_ANNOTATIONS: Readonly<Record<string, { readonly holder: string; readonly how: string }>> =
  {
    'services.k8s.aws/owner-account-id': {
      holder: 'ACKAccount',
      how: "every ACK resource of this namespace is managed in that AWS account with the role the cluster's CARM map gives it, another environment's account too",
    },
    'services.k8s.aws/team-id': {
      holder: 'ACKTeam',
      how: "every ACK resource of this namespace is managed with the role the cluster's CARM team map gives that team, another environment's too",
    },
    'services.k8s.aws/endpoint-url': {
      holder: 'ACKEndpoint',
      how: "the ACK controllers send this namespace's requests, signed with their IAM role and carrying the resources' secrets (a database's master password), to that URL, a server of the committer's",
    },
  };

/** The ACK service of an API group (`s3` of `s3.services.k8s.aws`), or undefined. */
function ackServiceOf(group: string): string | undefined {
  return group.endsWith(ACK_SERVICE_GROUP_SUFFIX)
    ? group.slice(0, -ACK_SERVICE_GROUP_SUFFIX.length)
    : undefined;
}

/**
 * AWS Controllers for Kubernetes: every resource of a service's group (`s3.services.k8s.aws`),
 * which the service's controller manages with its own IAM role unless the namespace's annotations
 * (set by an admin) pick a CARM role; adoption of an existing AWS resource, by an `AdoptedResource`
 * (`spec.kubernetes.group` names the service) or the `services.k8s.aws/adoption-policy` annotation
 * (`pkg/runtime/reconciler.go` `GetAdoptionPolicy`); and a Namespace of the tree carrying the
 * annotations of ACK_NAMESPACE_ANNOTATIONS.
 */
function ackUses(object: KubeObject, group: string, spec: Fields): readonly SharedCredentialUse[] {
  const annotations = fieldsOf(object.metadata.annotations);
  if (group === '' && object.kind === 'Namespace')
    return Object.entries(ACK_NAMESPACE_ANNOTATIONS).flatMap(([key, { holder, how }]) => {
      const value = annotations[key];
      if (value === undefined) return [];
      const name = holder === 'ACKEndpoint' ? endpointHost(value) : nameOf(value);
      return [{ field: `metadata.annotations["${key}"]`, holder: `${holder}/${name}`, how }];
    });
  if (group === ACK_CORE_GROUP && object.kind === 'FieldExport') return ackFieldExportUses(object, spec);
  if (group === ACK_CORE_GROUP && object.kind === 'AdoptedResource') {
    const service = ackServiceOf(String(fieldsOf(spec.kubernetes).group ?? '')) ?? '?';
    return [{ field: 'spec.aws', holder: `ACKController/${service}`, how: ACK_ADOPTION }];
  }
  const service = ackServiceOf(group);
  if (service === undefined) return [];
  if (annotations[ACK_ADOPTION_POLICY] !== undefined)
    return [
      {
        field: `metadata.annotations["${ACK_ADOPTION_POLICY}"]`,
        holder: `ACKController/${service}`,
        how: ACK_ADOPTION,
      },
    ];
  return [{ field: 'apiVersion', holder: `ACKController/${service}`, how: ACK_CONTROLLER }];
}

/** FieldExport's `spec.to.kind` values, as the kinds they write. */
const FIELD_EXPORT_KINDS: Readonly<Record<string, string>> = { configmap: 'ConfigMap', secret: 'Secret' };

/**
 * ACK's FieldExport copies a field of an ACK resource of its own namespace into an existing
 * ConfigMap or Secret, under the key `spec.to.key` names, patched with the controller's own
 * identity; `spec.to.namespace` may name any namespace, which ACK only logs unless the controller
 * runs with `--enable-cross-namespace` off (runtime `pkg/runtime/field_export_reconciler.go`
 * `getTargetNamespace`, `validateFieldExportNamespace`, `writeToSecret`): a key of another
 * environment's Secret (its database password) overwritten with a value of the committer's.
 * Counted as the object written, `Secret/<namespace>/<name>`.
 */
function ackFieldExportUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const to = fieldsOf(spec.to);
  const namespace = to.namespace;
  if (typeof namespace !== 'string' || namespace === '' || namespace === object.metadata.namespace) return [];
  const kind = FIELD_EXPORT_KINDS[String(to.kind).toLowerCase()] ?? nameOf(to.kind);
  return [
    {
      field: 'spec.to.namespace',
      holder: `${kind}/${namespace}/${nameOf(to.name)}`,
      how: `the ACK controller patches, with its own identity, a key (spec.to.key) of that namespace's ${kind} with a field of this namespace's resource: another environment's Secret or ConfigMap overwritten; export into this namespace and let its own objects read it`,
    },
  ];
}

/** The host of an endpoint URL (the whole value lowercased when it is no URL). */
function endpointHost(value: unknown): string {
  const text = nameOf(value).toLowerCase();
  try {
    return new URL(text).hostname || text;
  } catch {
    return text;
  }
}

/** Flux's appliers, with where their objects name a source. */
const FLUX_APPLIERS: Readonly<
  Record<string, { readonly kind: string; readonly controller: string; readonly sources: readonly string[] }>
> = {
  'kustomize.toolkit.fluxcd.io': {
    kind: 'Kustomization',
    controller: 'kustomize-controller',
    sources: ['sourceRef'],
  },
  'helm.toolkit.fluxcd.io': {
    kind: 'HelmRelease',
    controller: 'helm-controller',
    sources: ['chart.spec.sourceRef', 'chartRef'],
  },
};

/**
 * Flux: a Kustomization or HelmRelease whose `spec.kubeConfig.configMapRef` (without `secretRef`)
 * names a remote cluster that the controller reaches with its own cloud identity unless the
 * ConfigMap names a `serviceAccountName` (fluxcd/pkg `auth/utils/restconfig.go` `GetRESTConfig`,
 * `auth/access_token.go`: `provider.NewControllerToken` otherwise; kustomize-controller
 * `getProviderRESTConfigFetcher`, helm-controller `helmrelease_controller.go`). And one with no
 * `spec.serviceAccountName` (and no kubeconfig Secret of its own for a remote cluster) is applied with the controller's own ServiceAccount,
 * cluster-admin as Flux installs it, unless the controller runs with `--default-service-account`,
 * which cairn cannot see (kustomize-controller `internal/controller/kustomization_controller.go`:
 * impersonates only "if r.DefaultServiceAccount != "" || obj.Spec.ServiceAccountName != """;
 * helm-controller 0f61a860 `main.go` binds the flag to `internal/kube/impersonate.go`
 * `DefaultServiceAccountName`). An admin whose controllers run with it lists
 * `FluxController/<controller>`, which stands for that missing name only (the remote cluster, the
 * decryption and another namespace's source each have a holder of their own). A source of another
 * namespace (a `sourceRef` or `chartRef` with a `namespace`) is read unless the controller runs with `--no-cross-namespace-refs`
 * (`kustomization_controller.go` "r.NoCrossNamespaceRefs && sourceNamespace != obj.GetNamespace()"):
 * another environment's private repository or chart, fetched with its credentials.
 */
function fluxUses(object: KubeObject, group: string, spec: Fields): readonly SharedCredentialUse[] {
  const applier = FLUX_APPLIERS[group];
  if (!applier || object.kind !== applier.kind) return [];
  const uses: SharedCredentialUse[] =
    group === 'kustomize.toolkit.fluxcd.io' ? [...fluxDecryptionUses(spec)] : [];
  const ownAccount = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '';
  const kubeConfig = fieldsOf(spec.kubeConfig);
  const ownKubeconfig = kubeConfig.secretRef !== undefined;
  if (!ownKubeconfig && kubeConfig.configMapRef !== undefined)
    uses.push({
      field: 'spec.kubeConfig.configMapRef',
      holder: `FluxController/${applier.controller}/remote`,
      how: `the ${applier.controller} reaches the cluster this namespace's ConfigMap names (its address, provider and cluster) with its own cloud identity, unless the ConfigMap names a serviceAccountName and the controller runs object-level workload identity, neither of which cairn sees: another environment's cluster, or one the controller may administer; use a kubeconfig Secret of this namespace (spec.kubeConfig.secretRef)`,
    });
  if (!ownAccount && !ownKubeconfig)
    uses.push({
      field: 'spec.serviceAccountName',
      holder: `FluxController/${applier.controller}`,
      how: `left out, the ${applier.controller} applies what this object names with its own ServiceAccount (cluster-admin as Flux installs it): any object of any namespace, cairn's own included; name a ServiceAccount of this namespace (where the controller runs with --default-service-account, Flux's multi-tenancy lockdown, a left-out name is that ServiceAccount of this namespace, and listing this holder lifts this use alone)`,
    });
  for (const path of applier.sources) {
    const ref = fieldsOf(path.split('.').reduce<unknown>((at, key) => fieldsOf(at)[key], spec));
    const namespace = ref.namespace;
    if (typeof namespace !== 'string' || namespace === '' || namespace === object.metadata.namespace)
      continue;
    uses.push({
      field: `spec.${path}.namespace`,
      holder: `${nameOf(ref.kind)}/${namespace}/${nameOf(ref.name)}`,
      how: `the ${applier.controller} reads a source of another namespace, fetched with that namespace's credentials (another environment's private repository or chart)`,
    });
  }
  return uses;
}

const FLUX_SOURCE_GROUP = 'source.toolkit.fluxcd.io';
/** The source kinds source-controller fetches with a cloud provider's credentials, by `spec.provider`. */
const FLUX_CLOUD_SOURCES = ['Bucket', 'OCIRepository', 'HelmRepository'];
const FLUX_CLOUD_PROVIDERS = ['aws', 'gcp', 'azure'];

/**
 * Flux's source-controller: a Bucket, OCIRepository or HelmRepository with `spec.provider` aws, gcp
 * or azure and neither a `secretRef` nor (Bucket, OCIRepository) a `serviceAccountName` of its own
 * reads the bucket or registry with the controller's own cloud identity (source-controller
 * `internal/controller/bucket_controller.go` `createBucketProvider`: `minio.WithAuth`,
 * `gcp.WithAuth`, `azure.WithAuth` with no ServiceAccount; `ocirepository_controller.go` "keychain.
 * (soci.Anonymous); obj.Spec.Provider != \"\""; `internal/helm/getter/client_opts.go` "obj.Spec.
 * SecretRef == nil && obj.Spec.Provider != \"\"", where a HelmRepository's ServiceAccount plays no
 * part): another environment's bucket or private registry, fetched into this namespace.
 */
function fluxSourceUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  if (!FLUX_CLOUD_SOURCES.includes(object.kind)) return [];
  if (!FLUX_CLOUD_PROVIDERS.includes(String(spec.provider))) return [];
  if (spec.secretRef !== undefined) return [];
  const ownAccount = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '';
  if (ownAccount && object.kind !== 'HelmRepository') return [];
  return [
    {
      field: 'spec.provider',
      holder: 'FluxController/source-controller',
      how: `with no secretRef${object.kind === 'HelmRepository' ? '' : ' or serviceAccountName'}, the source-controller reads this ${spec.provider} source with its own cloud identity, so any bucket or registry it may read (another environment's included) is fetched into this namespace; name a Secret${object.kind === 'HelmRepository' ? '' : ' or a ServiceAccount'} of this namespace`,
    },
  ];
}

/** Where a Kustomization decrypting with SOPS falls back to a key or identity of the kustomize-controller's own. */
const FLUX_DECRYPTION_FALLBACKS: readonly {
  /** The field of `spec.decryption` that, named, keeps the controller's own out. */
  readonly own: 'serviceAccountName' | 'secretRef';
  readonly holder: string;
  readonly how: string;
}[] = [
  {
    own: 'serviceAccountName',
    holder: 'FluxController/kustomize-controller-kms',
    how: "left out, the kustomize-controller decrypts this tree's KMS-encrypted files with its own cloud identity (and, once it runs with --sops-vault-configmap, logs in to the Vault a file names with its own ServiceAccount token; a secretRef's age or PGP keys do not stop it), so another environment's encrypted Secret committed here is decrypted and applied in this namespace; name a ServiceAccount of this namespace whose cloud identity reaches only this environment's keys (where the controller runs with --default-decryption-service-account, a left-out name is that ServiceAccount of this namespace, and listing this holder lifts this use alone)",
  },
  {
    own: 'secretRef',
    holder: 'FluxController/kustomize-controller-age',
    how: "left out, the kustomize-controller decrypts this tree's age-encrypted files with the controller's own age key (its --sops-age-secret, a Secret of the controller's namespace, which cairn cannot see), so another environment's age-encrypted Secret committed here is decrypted and applied in this namespace; name a Secret of this namespace holding this environment's own keys in spec.decryption.secretRef (list this holder only where the controller runs without --sops-age-secret)",
  },
];

/**
 * Flux's kustomize-controller decrypting with SOPS (FLUX_DECRYPTION_FALLBACKS, read at
 * kustomize-controller 186fb3b2):
 * - without `spec.decryption.serviceAccountName`, whatever KMS key (AWS, Azure Key Vault, GCP) a
 *   committed file is encrypted to is asked with the controller's own cloud identity
 *   (`internal/decryptor/decryptor.go` `SetAuthOptions`, which fills every provider a `secretRef`'s
 *   keys left unset, so a secretRef of age keys alone does not stop it), and, once the controller
 *   runs with `--sops-vault-configmap`, a Vault it lists is logged in to with the controller's own
 *   ServiceAccount token ("otherwise for the controller's own ServiceAccount"); unless the
 *   controller runs with `--default-decryption-service-account` (`main.go`
 *   `auth.SetDefaultDecryptionServiceAccount`; `SetAuthOptions` takes
 *   `auth.GetDefaultDecryptionServiceAccount()` of the object's namespace), which cairn cannot see;
 * - without `spec.decryption.secretRef`, the age keys of the controller's `--sops-age-secret` are
 *   imported (`ImportKeys`: "secretRef == nil && d.sopsAgeSecret != nil"; `main.go` "a SOPS age
 *   decryption key for fallback usage"), one key for every namespace: a committer copies another
 *   environment's age-encrypted file into this tree and it is decrypted here.
 * Two holders, since each flag makes one of them safe and not the other.
 */
function fluxDecryptionUses(spec: Fields): readonly SharedCredentialUse[] {
  const decryption = fieldsOf(spec.decryption);
  if (decryption.provider !== 'sops') return [];
  const named = (key: string) =>
    decryption[key] !== undefined && decryption[key] !== null && decryption[key] !== '';
  return FLUX_DECRYPTION_FALLBACKS.filter(({ own }) => !named(own)).map(({ own, holder, how }) => ({
    field: `spec.decryption.${own}`,
    holder,
    how,
  }));
}

/** Flux's other controllers that act on objects an object names, with where it names them (a list or one reference) and what the controller does with them. */
const FLUX_REFERRERS: Readonly<
  Record<
    string,
    Readonly<
      Record<
        string,
        {
          readonly field: string;
          readonly list: boolean;
          readonly defaultKind?: string;
          readonly how: string;
        }
      >
    >
  >
> = {
  'image.toolkit.fluxcd.io': {
    ImageUpdateAutomation: {
      field: 'sourceRef',
      list: false,
      defaultKind: 'GitRepository',
      how: "the image-automation-controller commits and pushes to that namespace's GitRepository with its credentials (its deploy key or token), to the branch or refspec this object names: another environment's repository written",
    },
  },
  'notification.toolkit.fluxcd.io': {
    Alert: {
      field: 'eventSources',
      list: true,
      how: "the notification-controller sends that namespace's objects' events (revisions, errors, messages) to this namespace's Provider, an address of the committer's",
    },
    Receiver: {
      field: 'resources',
      list: true,
      how: "the notification-controller makes that namespace's object reconcile whenever this namespace's webhook is called",
    },
  },
};

/**
 * Flux's image-automation- and notification-controller: an ImageUpdateAutomation's `spec.sourceRef`,
 * an Alert's `spec.eventSources[i]` and a Receiver's `spec.resources[i]` with a `namespace` other
 * than the object's own, which the controllers follow unless they run with
 * `--no-cross-namespace-refs`, invisible to cairn (image-automation-controller
 * `internal/source/source.go` `NewSourceManager`: "opts.noCrossNamespaceRef && srcKey.Namespace !=
 * obj.GetNamespace()"; notification-controller `internal/server/event_handlers.go`
 * `getNotificationParams`, `internal/server/receiver_handlers.go`). Counted as `Kind/namespace/name`,
 * as an applier's source of another namespace is.
 */
function fluxReferenceUses(object: KubeObject, group: string, spec: Fields): readonly SharedCredentialUse[] {
  const referrer = FLUX_REFERRERS[group]?.[object.kind];
  if (!referrer) return [];
  const refs: [string, unknown][] = referrer.list
    ? listOf(spec[referrer.field]).map((ref, i) => [`spec.${referrer.field}[${i}]`, ref])
    : [[`spec.${referrer.field}`, spec[referrer.field]]];
  return refs.flatMap(([field, value]) => {
    const ref = fieldsOf(value);
    const namespace = ref.namespace;
    if (typeof namespace !== 'string' || namespace === '' || namespace === object.metadata.namespace)
      return [];
    const kind = ref.kind ?? referrer.defaultKind;
    return [
      {
        field: `${field}.namespace`,
        holder: `${nameOf(kind)}/${namespace}/${nameOf(ref.name)}`,
        how: referrer.how,
      },
    ];
  });
}

/** The notification Provider types that, given no token, authenticate with the controller's cloud identity. */
const FLUX_PROVIDER_CLOUD_TYPES: readonly string[] = ['googlepubsub', 'azureeventhub', 'azuredevops'];

/**
 * Flux's notification-controller: a Provider of a cloud type (FLUX_PROVIDER_CLOUD_TYPES) with
 * neither `spec.secretRef` nor `spec.serviceAccountName` posts with the controller's own cloud
 * identity (`internal/notifier/azure_helpers.go` `newManagedIdentityToken`, `azure_devops.go` and
 * `azure_eventhub.go` "if token doesn't exist, try to create a new token using managed identity",
 * `google_helpers.go` `buildGCPClientOptions`) to whatever topic, event hub or Azure DevOps
 * repository its `address` names: another environment's, whose commit statuses or messages this
 * namespace then writes.
 */
function fluxNotificationIdentityUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  if (object.kind !== 'Provider' || !FLUX_PROVIDER_CLOUD_TYPES.includes(String(spec.type))) return [];
  const own = (key: string) => spec[key] !== undefined && spec[key] !== null && spec[key] !== '';
  if (own('secretRef') || own('serviceAccountName')) return [];
  return [
    {
      field: 'spec.serviceAccountName',
      holder: 'FluxController/notification-controller',
      how: `left out (with no spec.secretRef), the notification-controller posts to the ${String(spec.type)} address this object names with its own cloud identity: another environment's topic, event hub or repository's commit statuses written; name a ServiceAccount of this namespace or a Secret with a token`,
    },
  ];
}

/** KEDA's pod identity providers that authenticate as KEDA itself, by the holder they count as. */
const KEDA_OWN_IDENTITY: Readonly<Record<string, string>> = {
  aws: 'KedaController/aws',
  'aws-eks': 'KedaController/aws',
  'azure-workload': 'KedaController/azure',
  gcp: 'KedaController/gcp',
};

/**
 * KEDA: a TriggerAuthentication's `spec.podIdentity`, or the `podIdentity` with which it reads a
 * cloud's secret store (`awsSecretManager`, `azureKeyVault`, `gcpSecretManager`), authenticates as
 * KEDA's own operator: `aws` unless `identityOwner: workload` (`apis/keda/v1alpha1/
 * triggerauthentication_types.go` `IsWorkloadIdentityOwner` is false when it is left out; a
 * `roleArn` is assumed with KEDA's role), `aws-eks` assumes the role a ServiceAccount of the
 * committer's names with KEDA's own (`pkg/scaling/resolver/scale_resolvers.go`
 * `ResolveAuthRefAndPodIdentity`), and `azure-workload` and `gcp` use KEDA's workload identity.
 */
function kedaIdentityUses(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  if (object.kind === 'ScaledObject' || object.kind === 'ScaledJob') return kedaOperatorTriggers(spec);
  if (object.kind !== 'TriggerAuthentication') return [];
  const places: [string, unknown][] = [
    ['spec.podIdentity', spec.podIdentity],
    ...['awsSecretManager', 'azureKeyVault', 'gcpSecretManager'].map((store): [string, unknown] => [
      `spec.${store}.podIdentity`,
      fieldsOf(spec[store]).podIdentity,
    ]),
  ];
  const podIdentities = places.flatMap(([field, value]) => {
    const identity = fieldsOf(value);
    const holder = KEDA_OWN_IDENTITY[String(identity.provider)];
    if (!holder) return [];
    if (identity.provider === 'aws' && identity.identityOwner === 'workload') return [];
    return [
      {
        field,
        holder,
        how: "KEDA authenticates with its own cloud identity, so this namespace's triggers (and secret-store reads) reach whatever KEDA's identity may, every environment's queues, metrics and secrets included; use identityOwner: workload (aws) or credentials of this namespace's",
      },
    ];
  });
  return [...podIdentities, ...kedaVaultUses(fieldsOf(spec.hashiCorpVault))];
}

/** The token file KEDA's Vault login reads when `credential.serviceAccount` is left out. */
const KEDA_OWN_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * KEDA's HashiCorp Vault login, sent to `spec.hashiCorpVault.address`, which the committer writes
 * (`pkg/scaling/resolver/hashicorpvault_handler.go` `token`): `authentication: kubernetes` without
 * `credential.serviceAccountName` (a ServiceAccount of this namespace, whose token KEDA requests)
 * reads the file `credential.serviceAccount` names in KEDA's pod, KEDA's own ServiceAccount token
 * when left out, and posts it as the login's `jwt`: a server of the committer's gets KEDA's token,
 * or the Vault role bound to KEDA's ServiceAccount answers. `authentication: token` without
 * `credential.token` logs in with KEDA's own VAULT_TOKEN (the Vault client reads it from KEDA's
 * environment, and it wins over a `credential.token` too, which cairn cannot see).
 */
function kedaVaultUses(vault: Fields): readonly SharedCredentialUse[] {
  const credential = fieldsOf(vault.credential);
  const given = (key: string) => typeof credential[key] === 'string' && credential[key] !== '';
  if (vault.authentication === 'kubernetes' && !given('serviceAccountName')) {
    const file = given('serviceAccount') ? String(credential.serviceAccount) : KEDA_OWN_TOKEN_FILE;
    return [
      {
        field: given('serviceAccount')
          ? 'spec.hashiCorpVault.credential.serviceAccount'
          : 'spec.hashiCorpVault.credential.serviceAccountName',
        holder: file === KEDA_OWN_TOKEN_FILE ? 'KedaController/kubernetes' : 'KedaController/files',
        how: `KEDA logs in to the Vault at spec.hashiCorpVault.address, an address this environment writes, with the file ${file} of its own pod (its own ServiceAccount token by default): the token goes to a server of the committer's, or the Vault role bound to KEDA answers with every environment's secrets; name a ServiceAccount of this namespace in credential.serviceAccountName`,
      },
    ];
  }
  if (vault.authentication === 'token' && !given('token'))
    return [
      {
        field: 'spec.hashiCorpVault.credential.token',
        holder: 'KedaController/vault-token',
        how: "left out, KEDA logs in to the Vault at spec.hashiCorpVault.address, an address this environment writes, with its own VAULT_TOKEN: the token goes to a server of the committer's, or reads every environment's secrets",
      },
    ];
  return [];
}

/**
 * KEDA's AWS scalers (SQS, CloudWatch, Kinesis, DynamoDB, Amazon Managed Prometheus): a trigger
 * whose `metadata.identityOwner` is `operator` and that has no pod identity authenticates with
 * KEDA's own credentials, the SDK's default chain, with or without an `awsRoleArn` to assume with
 * them (`pkg/scalers/aws/aws_common.go` `GetAwsAuthorization`, "case \"operator\"", then
 * `GetAwsConfig` `config.LoadDefaultConfig`), no TriggerAuthentication needed.
 */
function kedaOperatorTriggers(spec: Fields): readonly SharedCredentialUse[] {
  return listOf(spec.triggers).flatMap((trigger, i) =>
    fieldsOf(fieldsOf(trigger).metadata).identityOwner === 'operator'
      ? [
          {
            field: `spec.triggers[${i}].metadata.identityOwner`,
            holder: 'KedaController/aws',
            how: "KEDA reads the queue, stream, table or metrics this trigger names with its own AWS identity, every environment's included; use a TriggerAuthentication with identityOwner: workload or credentials of this namespace's",
          },
        ]
      : [],
  );
}

/**
 * Every use by this object of an operator's own identity (ACK, Flux, KEDA's pod identity,
 * Crossplane's: crossplane.ts), with the field and the holder; empty for every other object.
 * `managedKind`: the server files its kind under Crossplane's category `managed`.
 */
export function operatorIdentityUsesOf(
  object: KubeObject,
  managedKind = false,
): readonly SharedCredentialUse[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (group === 'keda.sh') return kedaIdentityUses(object, spec);
  if (FLUX_APPLIERS[group]) return fluxUses(object, group, spec);
  if (group === FLUX_SOURCE_GROUP) return fluxSourceUses(object, spec);
  if (FLUX_REFERRERS[group])
    return [
      ...fluxReferenceUses(object, group, spec),
      ...(group === 'notification.toolkit.fluxcd.io' ? fluxNotificationIdentityUses(object, spec) : []),
    ];
  return [...ackUses(object, group, spec), ...crossplaneUses(object, group, managedKind)];
}
