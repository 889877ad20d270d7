import type { KubeObject } from './types';
import type { SharedCredentialUse } from './shared-credential-use';
import type { NamespaceReference } from './traffic-claims';
import type { Found } from './targets';
import { groupOf } from './object-ref';
import { fieldsOf, listOf, nameOf, type Fields } from './object-fields';

// Crossplane v2: where a namespaced object of an environment makes a Crossplane provider act with
// the platform's credentials (a ClusterProviderConfig, or the provider pod's own cloud identity),
// or read and act on another namespace's managed resources. Upstream read at crossplane 2d040d2d,
// crossplane-runtime 4e7ed235 and provider-upjet-aws 75a4c571.

/**
 * The category Crossplane gives every managed resource's CRD (upjet-aws
 * `package/crds/s3.aws.m.upbound.io_bucketpolicies.yaml`: `categories: [crossplane, managed, aws]`;
 * `kubectl get managed` lists them by it), which discovery reports for the kind.
 */
export const MANAGED_CATEGORY = 'managed';

/** The `apiVersion|kind` of each kind of the tree that the server files under MANAGED_CATEGORY. */
export function managedKindsOf(found: readonly Found[]): ReadonlySet<string> {
  const kinds = new Set<string>();
  for (const { ref, info } of found)
    if (info.categories?.includes(MANAGED_CATEGORY)) kinds.add(`${ref.apiVersion}|${ref.kind}`);
  return kinds;
}

/** Whether an API group follows Crossplane v2's convention for namespaced managed resources (`s3.aws.m.upbound.io`). */
function conventionGroup(group: string): boolean {
  return group.split('.').slice(1, -1).includes('m');
}

/**
 * Whether a namespaced object is a Crossplane v2 managed resource. `managedKind`: the API server
 * files its kind under the category `managed`, which the provider's CRD (an admin's) declares and
 * the committer cannot take off, whatever its group or fields. Without it (a kind served by no CRD
 * yet), the manifest's signs: `spec.forProvider` (every managed resource's CRD requires it:
 * `required: [forProvider]` in the CRD above) in a group of the `.m.` convention. Most kinds
 * (group `''`, a ConfigMap) are answered at once.
 */
export function isManagedResource(object: KubeObject, managedKind: boolean): boolean {
  if (managedKind) return true;
  const group = groupOf(object.apiVersion);
  if (group === '' || !conventionGroup(group)) return false;
  return fieldsOf((object as { spec?: unknown }).spec).forProvider !== undefined;
}

/**
 * The API group of the ProviderConfigs a managed resource's provider reads: an upjet family's
 * (`aws.m.upbound.io` for `s3.aws.m.upbound.io`: upjet-aws `apis/namespaced/v1beta1/register.go`
 * `Group = "aws.m.upbound.io"`, which every service of the family resolves its
 * `providerConfigRef` in, `internal/clients/pc_resolver.go` `resolveProviderConfigModern`), else
 * the managed resource's own group (`kubernetes.m.crossplane.io`, or a group outside the
 * convention), which one provider serves. Qualifying the holder by it keeps a ClusterProviderConfig
 * listed for one provider from counting for another provider's of the same name.
 */
export function providerConfigGroupOf(group: string): string {
  const labels = group.split('.');
  const m = labels.indexOf('m', 1);
  return m >= 2 && m < labels.length - 1 ? labels.slice(1).join('.') : group;
}

/**
 * A managed resource's `spec.providerConfigRef` of kind `ClusterProviderConfig`, which is also
 * what it uses when the reference is left out (crossplane `apis/core/v2/resource_namespace.go`:
 * `+kubebuilder:default={"kind": "ClusterProviderConfig", "name": "default"}`): the provider
 * creates, changes, deletes or imports the cloud resource with the platform's credentials, which
 * reach every environment's. Counted as `ClusterProviderConfig/<ProviderConfig group>/<name>`. A
 * `ProviderConfig` is the namespace's own (its Secret is read in the managed resource's namespace:
 * `pc_resolver.go` `enrichLocalSecretRefs`), judged by providerOwnIdentityUses.
 */
function clusterProviderConfigUses(group: string, spec: Fields): readonly SharedCredentialUse[] {
  const ref = spec.providerConfigRef;
  if (ref !== undefined && fieldsOf(ref).kind !== 'ClusterProviderConfig') return [];
  const name = ref === undefined ? 'default' : nameOf(fieldsOf(ref).name);
  const holder = `ClusterProviderConfig/${providerConfigGroupOf(group)}/${name}`;
  return [
    {
      field: 'spec.providerConfigRef',
      holder,
      how: `${ref === undefined ? 'left out, it is the ClusterProviderConfig "default": ' : ''}the Crossplane provider creates, changes, deletes or imports this cloud resource with a ClusterProviderConfig's credentials, the whole cluster's, which reach every environment's resources; name a ProviderConfig of this namespace (kind: ProviderConfig)`,
    },
  ];
}

/** The upjet-aws ProviderConfig group, whose credential sources include the provider pod's own identity. */
const AWS_PROVIDER_CONFIG_GROUP = 'aws.m.upbound.io';

/** upjet-aws credential sources that authenticate as the provider pod itself. */
const AWS_OWN_IDENTITY_SOURCES: readonly string[] = ['IRSA', 'PodIdentity', 'WebIdentity', 'Upbound'];

/**
 * An upjet-aws namespaced `ProviderConfig` whose `spec.credentials.source` is the provider pod's
 * own identity: `IRSA` and `PodIdentity` take the SDK's default chain, the pod's role;
 * `WebIdentity` without a `tokenConfig` of `source: Secret` (a Secret of this namespace) assumes
 * the role this object names with the pod's token file; `Upbound` with the provider's identity
 * token (upjet-aws `internal/clients/provider_config.go` `GetAWSConfigWithoutTracking`,
 * `UseWebIdentityToken`: "os.Getenv(envWebIdentityTokenFile)", `UseUpbound`). A managed resource
 * naming it then acts with the platform's role, as with a ClusterProviderConfig. Counted as
 * `CrossplaneProvider/aws.m.upbound.io`.
 */
function providerOwnIdentityUses(
  object: KubeObject,
  group: string,
  spec: Fields,
): readonly SharedCredentialUse[] {
  if (group !== AWS_PROVIDER_CONFIG_GROUP || object.kind !== 'ProviderConfig') return [];
  const credentials = fieldsOf(spec.credentials);
  const source = String(credentials.source);
  if (!AWS_OWN_IDENTITY_SOURCES.includes(source)) return [];
  const tokenSource = fieldsOf(fieldsOf(credentials.webIdentity).tokenConfig).source;
  if (source === 'WebIdentity' && tokenSource === 'Secret') return [];
  return [
    {
      field:
        source === 'WebIdentity' && tokenSource !== undefined
          ? 'spec.credentials.webIdentity.tokenConfig.source'
          : 'spec.credentials.source',
      holder: `CrossplaneProvider/${AWS_PROVIDER_CONFIG_GROUP}`,
      how: `the Crossplane AWS provider authenticates with its own pod's identity (${source}), the platform's role, for every managed resource naming this ProviderConfig: it reaches every environment's AWS resources (and assumes whatever role this object names with it); use source: Secret with a Secret of this namespace, or a webIdentity tokenConfig of source: Secret`,
    },
  ];
}

/**
 * Every use by this object of a Crossplane provider's shared credentials: a managed resource's
 * ClusterProviderConfig, and an AWS ProviderConfig on the provider's own identity.
 */
export function crossplaneUses(
  object: KubeObject,
  group: string,
  managedKind: boolean,
): readonly SharedCredentialUse[] {
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (isManagedResource(object, managedKind)) return clusterProviderConfigUses(group, spec);
  return providerOwnIdentityUses(object, group, spec);
}

const REFERENCE_USE =
  "names a managed resource of that namespace, which the Crossplane provider (reading every namespace's managed resources) resolves into this one: its name, ID or ARN, so that this environment's resource is attached to, or acts on, another environment's cloud resource (a policy on its bucket, a route into its network)";

const USAGE_USE =
  "names a resource of that namespace as in use by this environment's, and Crossplane, with its own rights, labels it and refuses its deletion for as long as this Usage's user exists";

/** How deep below `spec.forProvider` references are looked for (upjet nests them in blocks of blocks). */
const MAX_REFERENCE_DEPTH = 16;

/**
 * The namespaces a Crossplane object reaches beyond its own, for bounds.ts to hold to the
 * environment's (namespaceOutOfBounds):
 * - a managed resource's cross-resource references, `<field>Ref`, `<field>Refs[i]` and
 *   `<field>Selector` anywhere below `spec.forProvider` or `spec.initProvider`, whose `namespace`
 *   the provider follows (crossplane `apis/core/v2/resource.go` `NamespacedReference`,
 *   `NamespacedSelector`; crossplane-runtime `pkg/reference/namespaced_reference.go`
 *   `APINamespacedResolver.Resolve`: "ns := req.Reference.Namespace", the object's own only when
 *   empty, and `client.InNamespace(ns)` for a selector);
 * - a `Usage`'s `spec.of.resourceRef.namespace` or `spec.of.resourceSelector.namespace`
 *   (crossplane `apis/protection/v1beta1/usage_types.go`; `internal/controller/protection/usage/reconciler.go`
 *   "ptr.Deref(of.ResourceRef.Namespace, uu.GetNamespace())"), a resource of another namespace
 *   whose deletion Crossplane's webhook then refuses.
 */
export function crossplaneReferencesOf(
  object: KubeObject,
  managedKind: boolean,
): readonly NamespaceReference[] {
  const group = groupOf(object.apiVersion);
  if (group === '') return [];
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (group === 'protection.crossplane.io' && object.kind === 'Usage') {
    const of = fieldsOf(spec.of);
    return ['resourceRef', 'resourceSelector'].flatMap((key) =>
      namedNamespace(`spec.of.${key}`, of[key], object.metadata.namespace, USAGE_USE),
    );
  }
  if (!isManagedResource(object, managedKind)) return [];
  const refs: NamespaceReference[] = [];
  for (const at of ['forProvider', 'initProvider'])
    collectReferences(`spec.${at}`, spec[at], object.metadata.namespace, refs, 0);
  return refs;
}

/** The references below `value` (a parameters block, a list of blocks) whose key ends in Ref, Refs or Selector. */
function collectReferences(
  field: string,
  value: unknown,
  own: string | undefined,
  refs: NamespaceReference[],
  depth: number,
): void {
  if (depth > MAX_REFERENCE_DEPTH) {
    refs.push({
      field,
      unreadable: 'nests deeper than cairn reads references to other namespaces; flatten it',
    });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectReferences(`${field}[${i}]`, item, own, refs, depth + 1));
    return;
  }
  for (const [key, child] of Object.entries(fieldsOf(value))) {
    if (key.endsWith('Refs'))
      listOf(child).forEach((ref, i) =>
        refs.push(...namedNamespace(`${field}.${key}[${i}]`, ref, own, REFERENCE_USE)),
      );
    else if (key.endsWith('Ref') || key.endsWith('Selector'))
      refs.push(...namedNamespace(`${field}.${key}`, child, own, REFERENCE_USE));
    else if (typeof child === 'object' && child !== null)
      collectReferences(`${field}.${key}`, child, own, refs, depth + 1);
  }
}

/** The reference's `namespace`, when it names one other than `own` (a value that is no name is kept, to be refused). */
function namedNamespace(
  field: string,
  ref: unknown,
  own: string | undefined,
  use: string,
): readonly NamespaceReference[] {
  const namespace = fieldsOf(ref).namespace;
  // Go reads a null or empty namespace as none: the object's own.
  if (namespace === undefined || namespace === null || namespace === '' || namespace === own) return [];
  const name = nameOf(namespace);
  return [{ field: `${field}.namespace`, namespace: name, use: `${name} ${use}` }];
}
