import type { KubeObject } from './types';
import { podSpecs } from './pod-specs';
import { groupOf } from './object-ref';
import {
  isIngress,
  KONG_GROUP,
  nginxIncSnippetFields,
  TRAEFIK_GROUPS,
  wholePortClaimsOf,
} from './traffic-claims';

// What RBAC lets a writer of a kind do but which reaches beyond its environment (cluster policy), and
// what hands the tree the environment's own identity. bounds.ts's outOfBounds is the one caller.

/**
 * Kinds whose every object acts on requests of the whole cluster: admission webhooks and policies
 * see or change (or refuse) objects of every namespace, an APIService serves a whole API group, API
 * priority and fairness shares the API server among all its users.
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
  'flowcontrol.apiserver.k8s.io/FlowSchema':
    "a FlowSchema decides how much of the API server every user's requests may have",
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration':
    "a priority level decides how much of the API server its flows' requests may have",
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

/**
 * Ingress annotations that hand an ingress controller raw configuration of its own: ingress-nginx's
 * `…/configuration-snippet`, `server-snippet`, `auth-snippet`, `stream-snippet`,
 * `modsecurity-snippet` (any prefix: `--annotations-prefix` changes it), NGINX Inc's
 * `nginx.org/server-snippets` and `location-snippets`, HAProxy's `…/backend-config-snippet`.
 */
function snippetKey(key: string): boolean {
  const name = key.slice(key.indexOf('/') + 1).toLowerCase();
  return name.endsWith('-snippet') || name.endsWith('-snippets');
}

const SNIPPET_WHY =
  "a snippet is raw configuration of the ingress controller every environment shares, which holds its ServiceAccount's token (with the Secrets of every namespace) and serves every environment's hosts (CVE-2021-25742)";

/**
 * Traefik kinds whose object named `default`, in whichever namespace, is Traefik's own default for
 * every route of every namespace (`pkg/provider/kubernetes/crd/kubernetes.go`: `buildTLSOptions`,
 * `buildTLSStores`); one in a second namespace makes Traefik drop the default altogether.
 */
const TRAEFIK_DEFAULTS: Readonly<Record<string, string>> = {
  TLSOption:
    'it sets the TLS versions, ciphers and client certificate checks of every route of every namespace that names no TLS options',
  TLSStore:
    'it sets the certificate Traefik serves for every host without one of its own, and the domain its resolver asks a certificate for (defaultGeneratedCert)',
};

/**
 * What of a Kong object acts on every route the gateway serves. Kong lists the KongClusterPlugins
 * labelled `global: "true"` and runs each on every route (`internal/store/store.go`
 * `ListGlobalKongClusterPlugins`). Kong's consumers are one set for the whole gateway: a
 * KongConsumer's credentials (`internal/dataplane/kongstate/kongstate.go`, `consumer.go`
 * `SetCredential`) are accepted by every route's authentication plugin of their type, and an `acl`
 * credential puts the consumer in whichever ACL group it names, so another environment's ACL
 * plugin lets it in too.
 */
function kongPolicy(object: KubeObject): string | undefined {
  const fields = object as { credentials?: unknown };
  if (object.kind === 'KongClusterPlugin' && object.metadata.labels?.global === 'true')
    return `metadata.labels.global: Kong runs a KongClusterPlugin labelled global on every route of every environment it serves (their authentication, headers and upstream requests)`;
  if (object.kind === 'KongConsumer' && Array.isArray(fields.credentials) && fields.credentials.length > 0)
    return `credentials: Kong's consumers are one set for the whole gateway, so this consumer's credentials pass the authentication plugins of every environment's routes, and an acl credential joins whichever ACL group it names, another environment's too`;
  return undefined;
}

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
 * pod template with a system priority class preempts everyone and one with a `nodeName` skips the
 * scheduler's taints, a Service's `externalIPs` capture the traffic every pod sends to those addresses,
 * an Ingress's snippet annotation (or an NGINX Inc VirtualServer's snippet field) runs its own
 * configuration in the ingress controller every environment shares, a Traefik TLSOption or TLSStore
 * named `default` is that controller's default for every route, a Kong KongClusterPlugin labelled
 * `global` runs on every route and a KongConsumer's credentials open every route, a route taking a
 * shared gateway's port whole (wholePortClaimsOf; a gateway is shared when it is outside
 * `ownNamespace`, the environment's own namespaces) takes it from every environment (cairn has no
 * bound of ports to share them out by), and the admission and aggregation kinds act on every namespace.
 */
export function clusterPolicyOf(
  object: KubeObject,
  ownNamespace: (namespace: string) => boolean,
): string | undefined {
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
  if (isIngress(object)) {
    const snippet = Object.keys(annotations).find(snippetKey);
    if (snippet) return `metadata.annotations.${snippet}: ${SNIPPET_WHY}`;
  }
  const traefikDefault = TRAEFIK_GROUPS.includes(group) ? TRAEFIK_DEFAULTS[kind] : undefined;
  if (traefikDefault && object.metadata.name === 'default')
    return `metadata.name default: a Traefik ${kind} named default is the ingress controller's own, whatever its namespace: ${traefikDefault}`;
  const kong = group === KONG_GROUP ? kongPolicy(object) : undefined;
  if (kong) return kong;
  const port = wholePortClaimsOf(object, ownNamespace)[0];
  if (port)
    return `${port.field}: it takes ${port.port} of the gateway every environment shares, whatever the host: ${port.how}${port.instead ? `; ${port.instead}` : ''}`;
  const snippetField = nginxIncSnippetFields(object)[0];
  if (snippetField) return `${snippetField}: ${SNIPPET_WHY}`;
  if (group === '' && kind === 'Service' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0)
    return `spec.externalIPs: kube-proxy on every node sends the traffic of every pod to those addresses to this Service (CVE-2020-8554)`;
  if (group === 'rbac.authorization.k8s.io' && (kind === 'ClusterRoleBinding' || kind === 'RoleBinding')) {
    const subjects = (object as { subjects?: { kind?: unknown; name?: unknown }[] }).subjects ?? [];
    const i = subjects.findIndex((x) => EVERYONE.includes(`${String(x.kind)} ${String(x.name)}`));
    if (i >= 0)
      return `subjects[${i}]: ${String(subjects[i]!.kind)} ${String(subjects[i]!.name)} is everyone of that kind: the binding would hand this environment's rights out`;
  }
  for (const [path, pod] of podSpecs(object)) {
    if (SYSTEM_PRIORITIES.includes(String(pod.priorityClassName)))
      return `${path}.priorityClassName ${String(pod.priorityClassName)}: it outranks, and may preempt, every pod of every other environment and most of the cluster's own`;
    if (pod.nodeName !== undefined)
      return `${path}.nodeName: it puts the pod on that node past the scheduler, the node's NoSchedule taints and the namespace's toleration whitelist`;
  }
  if (group === 'apiextensions.k8s.io' && kind === 'CustomResourceDefinition') {
    const conversion = spec.conversion as { strategy?: unknown } | undefined;
    if (conversion?.strategy === 'Webhook')
      return `spec.conversion.strategy Webhook: its webhook receives every object of the CRD's group, in every namespace`;
  }
  return undefined;
}

/**
 * Where a namespaced object hands the environment's own ServiceAccount to the tree's code: a pod
 * template running as it, or a token Secret for it. Either gives the committer that identity's
 * token, with which it reaches the API server directly, past every check of bounds.ts.
 */
export function ownIdentityUse(serviceAccount: string, object: KubeObject): string | undefined {
  const [saNamespace, saName] = serviceAccount.split('/');
  if (object.metadata.namespace !== saNamespace) return undefined;
  const why = `is this environment's own ServiceAccount ${serviceAccount}, whose token would reach the API server past cairn's checks; run pods as another ServiceAccount`;
  const o = object as { type?: unknown };
  if (
    groupOf(object.apiVersion) === '' &&
    object.kind === 'Secret' &&
    o.type === 'kubernetes.io/service-account-token'
  ) {
    if (object.metadata.annotations?.['kubernetes.io/service-account.name'] === saName)
      return `metadata.annotations.kubernetes.io/service-account.name ${why}`;
  }
  // podSpecs says which ServiceAccount each pod runs as (`default` when it names none).
  for (const [path, pod] of podSpecs(object))
    if (pod.serviceAccountName === saName) return `${path}.serviceAccountName ${why}`;
  return undefined;
}

/** Priority classes Kubernetes keeps for its own add-ons: they outrank, and may preempt, every other pod. */
const SYSTEM_PRIORITIES = ['system-node-critical', 'system-cluster-critical'];
