import { ALWAYS_REFUSED_NAMESPACES, type KubernetesTargetConfig } from '../config/types';
import { CairnError, type Phase } from '../model/errors';
import { OWNER_LABEL, type Owner } from './identity';
import { declaredNamespaceNames, groupOf, refOf, subjectOf } from './object-ref';
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
  };
}

/**
 * May this environment write this object? Undefined when it may; else the bound it crosses, said
 * for a person. `declared` is the set of Namespace names the environment's own tree declares (the
 * default namespaces). Cluster-scoped objects carry no `metadata.namespace` (resolveScope dropped it).
 */
export function outOfBounds(
  bounds: Bounds,
  object: KubeObject,
  declared: ReadonlySet<string>,
  foreign: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  const { kind, apiVersion } = object;
  const group = groupOf(apiVersion);
  const { name, namespace } = object.metadata;
  const label = object.metadata.labels?.[OWNER_LABEL];
  if (label !== undefined && label !== bounds.ownerId)
    return `its ${OWNER_LABEL} label names another owner (${label}); only cairn sets that label, to this environment's id ${bounds.ownerId}`;
  if (group === '' && kind === 'ConfigMap' && name.startsWith('cairn-inventory-'))
    return `ConfigMaps named cairn-inventory-* are cairn's own inventories`;
  if (group === 'coordination.k8s.io' && kind === 'Lease' && name.startsWith('cairn-'))
    return `Leases named cairn-* are cairn's own`;
  if (namespace === undefined) {
    if (!kindAllowed(bounds.clusterResources, group, kind))
      return `the cluster-scoped kind ${group ? `${group}/` : ''}${kind} is not in kubernetes.clusterResources (${bounds.clusterResources.join(', ') || 'none'})`;
    const policy = bounds.allowClusterPolicy ? undefined : clusterPolicyOf(object);
    if (policy) return refusedPolicy(policy);
    const claim = claimedNamespace(object);
    if (claim !== undefined) {
      const why = namespaceOutOfBounds(bounds, claim, declared, foreign);
      if (why) return `spec.claimRef.namespace binds it to a claim in another namespace: ${why}`;
    }
    if (group === '' && kind === 'Namespace') {
      // The garbage collector deletes an object whose owners are all gone (or never were): a
      // Namespace with an owner would be deleted, with everything in it, others' objects too.
      if (((object.metadata as { ownerReferences?: unknown[] }).ownerReferences ?? []).length > 0)
        return `metadata.ownerReferences: the garbage collector would delete this Namespace, with every object in it, once that owner is gone (or at once, when it never existed); an environment never deletes a Namespace`;
      return namespaceOutOfBounds(bounds, name, declared, foreign);
    }
    return undefined;
  }
  const own = bounds.serviceAccount ? ownIdentityUse(bounds.serviceAccount, object) : undefined;
  if (own) return own;
  const policy = bounds.allowClusterPolicy ? undefined : clusterPolicyOf(object);
  if (policy) return refusedPolicy(policy);
  return namespaceOutOfBounds(bounds, namespace, declared, foreign);
}

function refusedPolicy(policy: string): string {
  return `${policy}: that is cluster policy, which RBAC lets a writer of this kind change but which reaches beyond this environment; it is refused even in a kind this environment may write (set kubernetes.allowClusterPolicy: true for an environment trusted with the whole cluster)`;
}

/**
 * Where a namespaced object hands the environment's own ServiceAccount to the tree's code: a pod
 * template running as it, or a token Secret for it. Either gives the committer that identity's
 * token, with which it reaches the API server directly, past every check of this file.
 */
function ownIdentityUse(serviceAccount: string, object: KubeObject): string | undefined {
  const [saNamespace, saName] = serviceAccount.split('/');
  if (object.metadata.namespace !== saNamespace) return undefined;
  const why = `is this environment's own ServiceAccount ${serviceAccount}, whose token would reach the API server past cairn's checks; run pods as another ServiceAccount`;
  const o = object as {
    type?: unknown;
    spec?: {
      serviceAccountName?: unknown;
      serviceAccount?: unknown;
      template?: { spec?: Record<string, unknown> };
      jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } };
    };
  };
  if (
    groupOf(object.apiVersion) === '' &&
    object.kind === 'Secret' &&
    o.type === 'kubernetes.io/service-account-token'
  ) {
    if (object.metadata.annotations?.['kubernetes.io/service-account.name'] === saName)
      return `metadata.annotations.kubernetes.io/service-account.name ${why}`;
  }
  const pods: [string, Record<string, unknown> | undefined][] = [
    ['spec', object.kind === 'Pod' ? (o.spec as Record<string, unknown> | undefined) : undefined],
    ['spec.template.spec', o.spec?.template?.spec],
    ['spec.jobTemplate.spec.template.spec', o.spec?.jobTemplate?.spec?.template?.spec],
  ];
  for (const [path, pod] of pods) {
    // As the kubelet reads it: serviceAccountName, else the deprecated serviceAccount, else `default`.
    const used = pod ? (pod.serviceAccountName ?? pod.serviceAccount ?? 'default') : undefined;
    if (used === saName) return `${path}.serviceAccountName ${why}`;
  }
  return undefined;
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
  const taken = foreign.get(namespace);
  if (taken) return taken;
  if (declared.has(namespace)) return undefined;
  return `namespace ${namespace} is neither kubernetes.namespace (${bounds.namespace}) nor a Namespace of this tree`;
}

/**
 * Kinds whose every object acts on requests of the whole cluster: admission webhooks and policies
 * see or change (or refuse) objects of every namespace, an APIService serves a whole API group.
 */
const CLUSTER_POLICY_KINDS: Readonly<Record<string, string>> = {
  'admissionregistration.k8s.io/MutatingWebhookConfiguration':
    'an admission webhook receives, and may change, the objects of every namespace it matches',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration':
    'an admission webhook receives the objects of every namespace it matches, and may refuse them',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy':
    'an admission policy may change the objects of every namespace',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding':
    'an admission policy binding applies a policy to the objects of every namespace',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy':
    'an admission policy may refuse the objects of every namespace',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding':
    'an admission policy binding applies a policy to the objects of every namespace',
  'apiregistration.k8s.io/APIService': 'an APIService hands a whole API group to a Service',
};

/** Subjects that stand for everyone (or every node, every ServiceAccount): a binding to them hands its role out. */
const EVERYONE: readonly string[] = [
  'Group system:authenticated',
  'Group system:unauthenticated',
  'Group system:serviceaccounts',
  'Group system:nodes',
  'User system:anonymous',
];

/** Domains of label and annotation keys reserved to Kubernetes (and OpenShift) components, which read them as policy. */
const RESERVED_DOMAINS = ['kubernetes.io', 'k8s.io', 'openshift.io'];
/** Reserved-domain prefixes meant for anyone: the recommended labels and kubectl's bookkeeping. */
const FREE_PREFIXES = ['app.kubernetes.io', 'kubectl.kubernetes.io'];

function reservedKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  if (FREE_PREFIXES.includes(prefix)) return false;
  return RESERVED_DOMAINS.some((d) => prefix === d || prefix.endsWith(`.${d}`));
}

/**
 * What in this object acts on the whole cluster rather than on the object itself
 * (the field, said for a person), or undefined. RBAC cannot tell these apart from harmless writes of
 * the same kind: a Namespace's Pod Security or node-selector label or annotation loosens what the
 * admin enforced on it, a ClusterRole labelled `aggregate-to-*` adds its rules to every role that
 * aggregates it (the built-in admin, edit and view), a CRD's conversion webhook receives every object
 * of its group, a default StorageClass or IngressClass (and a global default PriorityClass) is given
 * to every namespace's new objects, a hostPath or local PersistentVolume hands a claim the node's
 * filesystem, a binding to `system:authenticated` (or anonymous) hands its role to everyone, a
 * Service's `externalIPs` capture the traffic every pod sends to those addresses, and
 * the admission and aggregation kinds act on every namespace.
 */
export function clusterPolicyOf(object: KubeObject): string | undefined {
  const group = groupOf(object.apiVersion);
  const { kind } = object;
  const whole = CLUSTER_POLICY_KINDS[`${group}/${kind}`];
  if (whole) return `${kind}: ${whole}`;
  const { labels = {}, annotations = {} } = object.metadata;
  if (group === '' && kind === 'Namespace') {
    const label = Object.keys(labels).find(reservedKey);
    if (label)
      return `metadata.labels.${label}: a Namespace label under ${RESERVED_DOMAINS.join(', ')} is read by the cluster's admission (Pod Security, node selection)`;
    const annotation = Object.keys(annotations).find(reservedKey);
    if (annotation)
      return `metadata.annotations.${annotation}: a Namespace annotation under ${RESERVED_DOMAINS.join(', ')} is read by the cluster's admission (node selection, tolerations, uid ranges)`;
  }
  if (group === 'rbac.authorization.k8s.io' && kind === 'ClusterRole') {
    const label = Object.keys(labels).find((k) => k.slice(k.indexOf('/') + 1).startsWith('aggregate-to-'));
    if (label)
      return `metadata.labels.${label}: it adds this ClusterRole's rules to every role aggregating that label (the built-in admin, edit and view, and whoever is bound to them)`;
    if ((object as { aggregationRule?: unknown }).aggregationRule !== undefined)
      return `aggregationRule: it gathers the rules of other ClusterRoles`;
  }
  const byDefault = Object.keys(annotations).find((k) => reservedKey(k) && k.endsWith('/is-default-class'));
  if (byDefault)
    return `metadata.annotations.${byDefault}: it makes this ${kind} the default of every namespace (every new claim or Ingress without a class gets it)`;
  const spec = (object as { spec?: Record<string, unknown> }).spec ?? {};
  if (
    group === 'scheduling.k8s.io' &&
    kind === 'PriorityClass' &&
    (object as { globalDefault?: unknown }).globalDefault === true
  )
    return `globalDefault: it gives its priority to every new pod of every namespace`;
  if (group === '' && kind === 'PersistentVolume') {
    const node = ['hostPath', 'local'].find((f) => spec[f] !== undefined);
    if (node)
      return `spec.${node}: a claim on it mounts the node's filesystem, which Pod Security checks only in a pod's own volumes`;
  }
  if (group === '' && kind === 'Service' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
    return `spec.externalIPs: kube-proxy on every node sends the traffic of every pod to those addresses to this Service (CVE-2020-8554)`;
  if (group === 'rbac.authorization.k8s.io' && (kind === 'ClusterRoleBinding' || kind === 'RoleBinding')) {
    const subjects = (object as { subjects?: { kind?: unknown; name?: unknown }[] }).subjects ?? [];
    const i = subjects.findIndex((x) => EVERYONE.includes(`${String(x.kind)} ${String(x.name)}`));
    if (i >= 0)
      return `subjects[${i}]: ${String(subjects[i]!.kind)} ${String(subjects[i]!.name)} is everyone of that kind: the binding would hand this environment's rights out`;
  }
  if (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition') {
    const conversion = spec.conversion as { strategy?: unknown } | undefined;
    if (conversion?.strategy === 'Webhook')
      return `spec.conversion.strategy Webhook: its webhook receives every object of the CRD's group, in every namespace`;
  }
  return undefined;
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
  const pattern = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(text);
}

/**
 * Checks a whole tree before anything is written: the `kube.out-of-bounds` error (terminal) naming
 * each object out of bounds with its file and the bound, or undefined when every object is in bounds.
 * `foreign`: the tree's Namespaces that exist and are not this environment's (readDeclaredNamespaces),
 * with the reason; they do not widen the default bounds.
 */
export function checkTree(
  bounds: Bounds,
  manifests: readonly Manifest[],
  phase: Phase,
  foreign: ReadonlyMap<string, string> = new Map(),
): CairnError | undefined {
  const declared = new Set(declaredNamespaceNames(manifests));
  const problems: { subject: string; line: string }[] = [];
  for (const m of manifests) {
    const why = outOfBounds(bounds, m.object, declared, foreign);
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
