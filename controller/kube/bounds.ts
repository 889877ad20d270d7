import { ALWAYS_REFUSED_NAMESPACES, type ConfigClaims, type KubernetesTargetConfig } from '../config/types';
import { CairnError, type Phase } from '../model/errors';
import { OWNER_LABEL, type Owner } from './identity';
import { clusterPolicyOf, ownIdentityUse } from './cluster-policy';
import { sharedCredentialUsesOf } from './shared-credentials';
import { crossplaneReferencesOf } from './crossplane';
import { unreadablePodSpec } from './pod-specs';
import { declaredNamespaceNames, groupOf, refOf, subjectOf } from './object-ref';
import {
  controllerTargetsOf,
  DEFAULT_CLUSTER_DOMAIN,
  meshRuleOf,
  externalNameReach,
  clusterServiceNamespace,
  hostClaimsOf,
  hostWithin,
  hostsOverlap,
  namespaceReferencesOf,
} from './traffic-claims';
import type { KubeObject, Manifest, ObjectRef } from './types';

/** cairn's own namespace when the config names none (load-config resolves the real one). */
const FALLBACK_CONTROLLER_NAMESPACE = 'cairn';

/** What one environment may write: resolved from its `kubernetes` config and its owner. */
export interface Bounds {
  /** Its `kubernetes.namespace`. */
  readonly namespace: string;
  /**
   * `kubernetes.namespaces` (names or `*` globs), always with `namespace` beside them (its objects
   * without a namespace land there, and the install grants it); absent: `namespace` plus the
   * tree's own Namespaces.
   */
  readonly namespaces?: readonly string[];
  /** Cluster-scoped kinds, `Kind` (any group) or `group/Kind` (`''` group: `Kind` alone). */
  readonly clusterResources: readonly string[];
  /** Namespaces refused whatever the rest says. */
  readonly refused: readonly string[];
  /** This environment's owner id: a manifest naming another in its owner label is refused. */
  readonly ownerId: string;
  /** `kubernetes.allowClusterPolicy`: may write what acts on the whole cluster (see clusterPolicyOf). */
  readonly allowClusterPolicy?: boolean;
  /** `kubernetes.serviceAccount` (`namespace/name`): the identity its objects are applied as. */
  readonly serviceAccount?: string;
  /**
   * `kubernetes.sharedCredentials`: the cluster-wide credential holders of shared operators
   * (`ClusterSecretStore/name`, `ClusterIssuer/name`, ...; the name may be a `*` glob) its objects
   * may make those operators act with (see sharedCredentialUsesOf); absent: none.
   */
  readonly sharedCredentials?: readonly string[];
  /** `kubernetes.clusterDomain`: the DNS domain the cluster's Service and pod names end in (absent: `cluster.local`). */
  readonly clusterDomain?: string;
  /** `kubernetes.hosts`: the host names (or `*.domain`) its Ingresses and routes may claim; absent: any but another environment's (`claims`). */
  readonly hosts?: readonly string[];
  /**
   * Its name and what the config gives every environment (`kubernetes.claims`): without
   * `namespaces` or `hosts` of its own, it may not take another environment's.
   */
  readonly claims?: { readonly env: string; readonly config: ConfigClaims };
}

/** The bounds of an environment from its resolved config. */
export function boundsOf(target: KubernetesTargetConfig, owner: Owner): Bounds {
  return {
    namespace: target.namespace,
    ...(target.namespaces ? { namespaces: target.namespaces } : {}),
    clusterResources: target.clusterResources ?? ['Namespace'],
    refused: target.refusedNamespaces ?? [...ALWAYS_REFUSED_NAMESPACES, FALLBACK_CONTROLLER_NAMESPACE],
    ownerId: owner.id,
    ...(target.allowClusterPolicy ? { allowClusterPolicy: true } : {}),
    ...(target.serviceAccount ? { serviceAccount: target.serviceAccount } : {}),
    ...(target.sharedCredentials ? { sharedCredentials: target.sharedCredentials } : {}),
    ...(target.hosts ? { hosts: target.hosts } : {}),
    ...(target.clusterDomain ? { clusterDomain: target.clusterDomain } : {}),
    ...(target.claims ? { claims: target.claims } : {}),
  };
}

/**
 * May this environment write this object? Undefined when it may; else the bound it crosses, said
 * for a person. `declared` is the set of Namespace names the environment's own tree declares (the
 * default namespaces). Cluster-scoped objects carry no `metadata.namespace` (resolveScope dropped it).
 * `managedKind`: the server files the object's kind under Crossplane's category `managed` (a
 * managed resource, whatever its group: see crossplane.ts).
 */
export function outOfBounds(
  bounds: Bounds,
  object: KubeObject,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string> = new Map(),
  managedKind = false,
): string | undefined {
  const { kind, apiVersion } = object;
  const group = groupOf(apiVersion);
  const { name, namespace } = object.metadata;
  const label = object.metadata.labels?.[OWNER_LABEL];
  if (label !== undefined && label !== bounds.ownerId)
    return `its ${OWNER_LABEL} label names another owner (${label}); only cairn sets that label, to this environment's id ${bounds.ownerId}`;
  // Whose listeners are the environment's own to share out among its routes (cluster policy's ports).
  const ownNamespace = (ns: string) => namespaceOutOfBounds(bounds, ns, declared, foreign) === undefined;
  if (group === '' && kind === 'ConfigMap' && name.startsWith('cairn-inventory-'))
    return `ConfigMaps named cairn-inventory-* are cairn's own inventories`;
  if (group === 'coordination.k8s.io' && kind === 'Lease' && name.startsWith('cairn-'))
    return `Leases named cairn-* are cairn's own`;
  // A pod spec no check can read would pass them all, whatever allowClusterPolicy says.
  const unreadable = unreadablePodSpec(object);
  if (unreadable) return unreadable;
  if (namespace === undefined) {
    if (!kindAllowed(bounds.clusterResources, group, kind))
      return `the cluster-scoped kind ${group ? `${group}/` : ''}${kind} is not in kubernetes.clusterResources (${bounds.clusterResources.join(', ') || 'none'})`;
    const policy = bounds.allowClusterPolicy ? undefined : clusterPolicyOf(object, ownNamespace);
    if (policy) return refusedPolicy(policy);
    const claim = claimedNamespace(object);
    if (claim !== undefined) {
      const why = namespaceOutOfBounds(bounds, claim, declared, foreign);
      if (why) return `spec.claimRef.namespace binds it to a claim in another namespace: ${why}`;
    }
    const reference = referenceOutOfBounds(bounds, object, declared, foreign);
    if (reference) return reference;
    if (group === '' && kind === 'Namespace') {
      // The garbage collector deletes an object whose owners are all gone (or never were): a
      // Namespace with an owner would be deleted, with everything in it, others' objects too.
      if (((object.metadata as { ownerReferences?: unknown[] }).ownerReferences ?? []).length > 0)
        return `metadata.ownerReferences: the garbage collector would delete this Namespace, with every object in it, once that owner is gone (or at once, when it never existed); an environment never deletes a Namespace`;
      // A Namespace's annotations pick the IAM role or endpoint AWS Controllers for Kubernetes
      // uses for every object in it (see operator-identities.ts).
      return (
        namespaceOutOfBounds(bounds, name, declared, foreign) ?? sharedCredentialOutOfBounds(bounds, object)
      );
    }
    return undefined;
  }
  const own = bounds.serviceAccount ? ownIdentityUse(bounds.serviceAccount, object) : undefined;
  if (own) return own;
  const policy = bounds.allowClusterPolicy ? undefined : clusterPolicyOf(object, ownNamespace);
  if (policy) return refusedPolicy(policy);
  return (
    namespaceOutOfBounds(bounds, namespace, declared, foreign) ??
    sharedCredentialOutOfBounds(bounds, object, managedKind) ??
    hostOutOfBounds(bounds, object, ownNamespace) ??
    referenceOutOfBounds(bounds, object, declared, foreign, managedKind) ??
    controllerTargetOutOfBounds(bounds, object, declared, foreign) ??
    meshRuleOutOfBounds(bounds, object, namespace, declared, foreign)
  );
}

/**
 * A cluster-wide credential holder of a shared operator (a ClusterSecretStore, a ClusterIssuer, a
 * ClusterTriggerAuthentication) that this object makes the operator use on the committer's behalf,
 * not listed in `kubernetes.sharedCredentials`. RBAC lets any writer of the kind name any holder of
 * the cluster, and the operator acts with that holder's credentials, which reach every environment's
 * secrets, certificates or cloud; an admin lists a holder once it reaches only this environment's.
 * `allowClusterPolicy` does not lift it: a trusted environment lists the holders it uses.
 */
function sharedCredentialOutOfBounds(
  bounds: Bounds,
  object: KubeObject,
  managedKind = false,
): string | undefined {
  const listed = bounds.sharedCredentials ?? [];
  for (const { field, holder, how } of sharedCredentialUsesOf(object, managedKind)) {
    const slash = holder.indexOf('/');
    const [kind, name] = [holder.slice(0, slash), holder.slice(slash + 1)];
    const allowed = listed.some((entry) => {
      const at = entry.indexOf('/');
      return entry.slice(0, at) === kind && globMatches(entry.slice(at + 1), name);
    });
    if (!allowed)
      return `${field} uses ${holder}, a credential the whole cluster shares: ${how}; list ${holder} in kubernetes.sharedCredentials (${listed.join(', ') || 'none'}) only once it reaches nothing but this environment's own, or use a holder of this environment's namespace`;
  }
  return undefined;
}

/**
 * A host this object claims outside `kubernetes.hosts`. ingress-nginx merges the paths of every
 * Ingress naming a host, the oldest winning a path two name; Gateway API gives a hostname and path
 * to the oldest route: a tree naming another environment's host takes over its traffic (or the
 * paths it does not serve). A claim of every host (no host named) is outside any list. A Service
 * name of the environment's own namespaces (`<...>.<ns>.svc.<cluster domain>`, csi-driver's
 * `${POD_NAME}.<svc>.${POD_NAMESPACE}.svc.cluster.local`) is its own, listed or not: only that
 * namespace answers to it (clusterServiceNamespace); another namespace's is bounded as any host.
 */
function hostOutOfBounds(
  bounds: Bounds,
  object: KubeObject,
  ownNamespace: (namespace: string) => boolean,
): string | undefined {
  if (!bounds.hosts) return othersHostClaimed(bounds, object);
  const listed = `kubernetes.hosts (${bounds.hosts.join(', ') || 'none'})`;
  for (const { field, host, unreadable, instead } of hostClaimsOf(object)) {
    // A rule read wrongly in favour of the tree would hand it another's host: never guess.
    if (unreadable !== undefined)
      return `${field} ${unreadable}, so cairn cannot tell which hosts it claims; ${instead ?? 'name its hosts'}, within ${listed}`;
    if (host === undefined)
      return `${field} names no host, so it claims every host no other object claims (the ingress controller's or gateway's catch-all); name hosts of ${listed}`;
    const clusterNamespace = clusterServiceNamespace(host, bounds.clusterDomain);
    if (clusterNamespace !== undefined && ownNamespace(clusterNamespace)) continue;
    if (!hostWithin(bounds.hosts, host))
      return `${field} ${host} is not within ${listed}: another environment may serve it, and the ingress controller or gateway would hand its traffic (or the paths it does not serve) to this one`;
  }
  return undefined;
}

/**
 * Without `kubernetes.hosts` an environment's claims are unchecked, except that it may not claim
 * what another environment of the config lists as its own: a host within that list, or a wildcard
 * covering part of it (the wildcard takes that host's traffic whenever its owner serves no path).
 */
function othersHostClaimed(bounds: Bounds, object: KubeObject): string | undefined {
  if (!bounds.claims) return undefined;
  const { env, config } = bounds.claims;
  for (const { field, host } of hostClaimsOf(object)) {
    if (host === undefined) continue;
    const taken = config.hosts.find((entry) => entry.env !== env && hostsOverlap(entry.host, host));
    if (taken)
      return `${field} ${host} overlaps ${taken.host}, which environment ${taken.env} lists in its kubernetes.hosts; list this environment's own hosts in kubernetes.hosts`;
  }
  return undefined;
}

/**
 * A field handing this object's traffic to another namespace's objects (a Contour include, a Traefik
 * route's Service or Middleware) outside the bounds: the shared controller would route this
 * environment's hosts to another environment's Services, or serve them on this one's, past what
 * that environment exposes itself. A request of the controller's own (a Contour ExtensionService
 * authorizing this object's requests) is bounded as an `auth-url` is: a platform's shared auth
 * service passes, another environment's and the cluster's own are refused. A reference whose
 * namespace cannot be told is refused, never guessed. Crossplane's references (a managed
 * resource's `<field>Ref.namespace`, a Usage's) are held to the same namespaces.
 */
function referenceOutOfBounds(
  bounds: Bounds,
  object: KubeObject,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string>,
  managedKind = false,
): string | undefined {
  const references = [...namespaceReferencesOf(object), ...crossplaneReferencesOf(object, managedKind)];
  for (const { field, namespace, use, kind, unreadable } of references) {
    if (unreadable !== undefined) return `${field} ${unreadable}`;
    if (namespace === undefined) continue;
    const why =
      kind === 'request'
        ? requestOutOfBounds(bounds, namespace)
        : namespaceOutOfBounds(bounds, namespace, declared, foreign);
    if (why)
      return `${field} ${use ?? `${namespace} hands this object's traffic to another namespace's objects`}: ${why}`;
  }
  return undefined;
}

/**
 * A host the shared ingress controller connects to for this object (an ExternalName Service's name,
 * an ingress-nginx `auth-url` or `mirror-target`) that is a Service of a namespace outside the
 * bounds, an address, or not known until a request picks it: an Ingress or route of this
 * environment could then send the controller's traffic (or requests of its own) to another
 * environment's (or the API server's) Service, past the NetworkPolicies that let the controller in.
 */
function controllerTargetOutOfBounds(
  bounds: Bounds,
  object: KubeObject,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string>,
): string | undefined {
  for (const { field, name, written, kind, who, shortNameIsOwn, localhostIsOwn } of controllerTargetsOf(
    object,
  )) {
    if (name === undefined)
      return `${field} ${written}: cairn cannot tell which host ${who} requests (a variable picks it for each request, or it is no URL); write the host out, or $host for this Ingress's own`;
    if (shortNameIsOwn && !name.includes('.')) continue;
    if (localhostIsOwn && name.toLowerCase() === 'localhost') continue;
    const reach = externalNameReach(name, bounds.clusterDomain);
    if (reach.kind === 'resolver-namespace')
      return `${field} ${name} is one label, which ${who} looks up as a Service of its own namespace; write <service>.<namespace>.svc for a Service of this environment, or a name ending in a dot for one outside the cluster`;
    if (reach.kind === 'address')
      return `${field} ${name} is ${reach.spelled}, which ${who} connects to directly: any pod's, Service's or node's address, another environment's too, past the NetworkPolicies that let it in; name a Service of this environment (<service>.<namespace>.svc), or a host outside the cluster by a DNS name`;
    if (reach.kind === 'external') continue;
    if (reach.kind === 'searched') {
      // Most such names are hosts outside the cluster (`api.example.com`): refused only where the
      // namespace it would spell is one cairn knows to be another's, the cluster's or its own.
      const why = requestOutOfBounds(bounds, reach.namespace);
      if (!why) continue;
      return `${field} ${name} is looked up under the resolver's search domains first, where it is ${name}.svc.${bounds.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN}, pod ${name.split('.')[0]} of a headless Service of namespace ${reach.namespace}: ${why}; end a name outside the cluster with a dot (${name}.)`;
    }
    // A request of the controller's own (an auth check) usually goes to a platform's shared
    // service in a namespace of its own (an oauth2-proxy): only cairn's, the cluster's and another
    // environment's namespaces are refused to it. An alias is held to the environment's bounds.
    const why =
      kind === 'alias'
        ? namespaceOutOfBounds(bounds, reach.namespace, declared, foreign)
        : requestOutOfBounds(bounds, reach.namespace);
    if (!why) continue;
    const shorthand =
      name.split('.').length === 2
        ? ' (read as <service>.<namespace>; end a name outside the cluster with a dot)'
        : '';
    return `${field} ${name} names a Service of namespace ${reach.namespace}${shorthand}: ${why}`;
  }
  return undefined;
}

function refusedPolicy(policy: string): string {
  return `${policy}: that is cluster policy, which RBAC lets a writer of this kind change but which reaches beyond this environment; it is refused even in a kind this environment may write (set kubernetes.allowClusterPolicy: true for an environment trusted with the whole cluster)`;
}

function namespaceOutOfBounds(
  bounds: Bounds,
  namespace: string,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string>,
): string | undefined {
  if (bounds.refused.includes(namespace))
    return `namespace ${namespace} is never written by an environment (refused: ${bounds.refused.join(', ')})`;
  if (bounds.namespaces) {
    return namespace === bounds.namespace || bounds.namespaces.some((glob) => globMatches(glob, namespace))
      ? undefined
      : `namespace ${namespace} is neither kubernetes.namespace (${bounds.namespace}) nor in kubernetes.namespaces (${bounds.namespaces.join(', ')})`;
  }
  if (namespace === bounds.namespace) return undefined;
  // What the config gives another environment is its, whether or not it exists on the server yet.
  const other = otherEnvironmentOf(bounds, namespace);
  if (other)
    return `namespace ${namespace} is environment ${other}'s (its kubernetes.namespace or kubernetes.namespaces); list this environment's own namespaces in kubernetes.namespaces`;
  const taken = foreign.get(namespace);
  if (taken) return taken;
  if (declared.has(namespace)) return undefined;
  return `namespace ${namespace} is neither kubernetes.namespace (${bounds.namespace}) nor a Namespace of this tree`;
}

/**
 * An Istio rule that sets the mesh's traffic for a host outside this environment (another
 * namespace's Service, or a name outside the cluster: another environment's calls to an API) for
 * sidecars beyond this environment's namespaces. Istio applies a VirtualService, DestinationRule or
 * ServiceEntry to every namespace it is exported to, by default all: a mesh VirtualService for b's
 * Service (or for `api.example.com`) reroutes b's own calls to a's workloads, a DestinationRule can
 * turn off their TLS. A host of the environment's own Services, or a rule kept to its own
 * namespaces (`exportTo: ["."]`), passes.
 */
function meshRuleOutOfBounds(
  bounds: Bounds,
  object: KubeObject,
  namespace: string,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string>,
): string | undefined {
  const rule = meshRuleOf(object);
  if (!rule) return undefined;
  const kept = rule.exportTo?.every(
    (to) => to === '.' || to === '~' || (to !== '*' && !namespaceOutOfBounds(bounds, to, declared, foreign)),
  );
  if (kept) return undefined;
  for (const { field, host } of rule.hosts) {
    // Istio reads a short name in the rule's own namespace.
    const reach = host.includes('.')
      ? externalNameReach(host, bounds.clusterDomain)
      : { kind: 'namespace' as const, namespace };
    if (reach.kind === 'namespace' && !namespaceOutOfBounds(bounds, reach.namespace, declared, foreign))
      continue;
    const whose =
      reach.kind === 'namespace'
        ? `a Service of namespace ${reach.namespace}`
        : 'a host outside this environment';
    return `${field} ${host} is ${whose}, and spec.exportTo (${rule.exportTo ? rule.exportTo.join(', ') : 'absent: every namespace'}) applies this rule to the traffic of sidecars beyond this environment's namespaces, another environment's calls to that host included; set spec.exportTo: ["."] (or this environment's own namespaces)`;
  }
  return undefined;
}

/** Why the ingress controller may not send requests of its own to a Service of `namespace`, if it may not. */
function requestOutOfBounds(bounds: Bounds, namespace: string): string | undefined {
  if (bounds.refused.includes(namespace))
    return `namespace ${namespace} is cairn's or the cluster's own (refused: ${bounds.refused.join(', ')})`;
  const other = namespace === bounds.namespace ? undefined : otherEnvironmentOf(bounds, namespace);
  return other
    ? `namespace ${namespace} is environment ${other}'s (its kubernetes.namespace or kubernetes.namespaces), whose Services this environment's Ingress may not send requests to`
    : undefined;
}

/** Another environment of the config that is given `namespace` (by name, or by a glob), if any. */
export function otherEnvironmentOf(bounds: Bounds, namespace: string): string | undefined {
  if (!bounds.claims) return undefined;
  const { env, config } = bounds.claims;
  return (
    config.namespaces.get(namespace)?.find((e) => e !== env) ??
    config.namespaceGlobs.find((g) => g.env !== env && globMatches(g.glob, namespace))?.env
  );
}

/** The namespace a PersistentVolume's `spec.claimRef` binds it to, if any. */
function claimedNamespace(object: KubeObject): string | undefined {
  if (groupOf(object.apiVersion) !== '' || object.kind !== 'PersistentVolume') return undefined;
  const ref = (object as { spec?: { claimRef?: { namespace?: unknown } } }).spec?.claimRef;
  return typeof ref?.namespace === 'string' ? ref.namespace : undefined;
}

function kindAllowed(allowed: readonly string[], group: string, kind: string): boolean {
  return allowed.some((entry) => {
    const slash = entry.lastIndexOf('/');
    if (slash < 0) return entry === kind;
    return entry.slice(0, slash) === group && entry.slice(slash + 1) === kind;
  });
}

/** `*` matches any run of characters; everything else matches itself. */
export function globMatches(glob: string, text: string): boolean {
  let pattern = compiledGlobs.get(glob);
  if (!pattern) {
    const source = glob
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    pattern = new RegExp(`^${source}$`);
    compiledGlobs.set(glob, pattern);
  }
  return pattern.test(text);
}

/**
 * Each config glob compiled once: every namespaced object of every tree is held against them
 * (the environment's own `namespaces`, and the other environments' the config gives). Globs come
 * from the config only, so the map stays as small as the config.
 */
const compiledGlobs = new Map<string, RegExp>();

/**
 * Checks a whole tree before anything is written: the `kube.out-of-bounds` error (terminal) naming
 * each object out of bounds with its file and the bound, or undefined when every object is in bounds.
 * `foreign`: the tree's Namespaces that exist and are not this environment's (readDeclaredNamespaces),
 * with the reason; they do not widen the default bounds. `managedKinds`: the `apiVersion|kind` of
 * each kind the server files under Crossplane's category `managed` (managedKindsOf).
 */
export function checkTree(
  bounds: Bounds,
  manifests: readonly Manifest[],
  phase: Phase,
  foreign: ReadonlyMap<string, string> = new Map(),
  managedKinds: ReadonlySet<string> = new Set(),
): CairnError | undefined {
  const declared = new Set(declaredNamespaceNames(manifests));
  const problems: { subject: string; line: string }[] = [];
  for (const m of manifests) {
    const managed = managedKinds.size > 0 && managedKinds.has(`${m.object.apiVersion}|${m.object.kind}`);
    const why = outOfBounds(bounds, m.object, declared, foreign, managed);
    if (!why) continue;
    const subject = subjectOf(refOf(m.object));
    problems.push({ subject, line: `${m.file}: ${subject}: ${why}` });
  }
  if (problems.length === 0) return undefined;
  return new CairnError(
    `${problems.length} object(s) out of this environment's bounds; nothing of this commit was applied:\n  - ${problems.map((p) => p.line).join('\n  - ')}`,
    {
      code: 'kube.out-of-bounds',
      phase,
      subject: problems.map((p) => p.subject).join(', '),
      retryable: false,
      hint: 'remove these objects from the tree, or widen kubernetes.namespaces / kubernetes.clusterResources for this environment in the cairn config',
    },
  );
}

/**
 * Why an object of the inventory that left Git is outside the environment's bounds as the config
 * states them now (a namespace or kind taken away since it was applied, or always refused), or
 * undefined when prune may touch it. Its own namespace counts as declared: the tree that applied
 * it declared it then, and a Namespace leaving the tree is an ordinary prune.
 */
export function pruneOutOfBounds(bounds: Bounds, ref: ObjectRef): string | undefined {
  const object: KubeObject = {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
  return outOfBounds(bounds, object, new Set([ref.namespace ?? ref.name]));
}
