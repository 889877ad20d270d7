import type { EnvironmentGrant, IdentityFacts } from './environment-grants';
import { CLUSTER_SCOPED, type ResourceRef } from './kinds';

/** One Kubernetes object as plain data (the same shape as manifests.ts's). */
type ManifestObject = Readonly<Record<string, unknown>>;

/** Verbs server-side apply, the drift LIST, health waits and prune need. */
export const APPLY_VERBS: readonly string[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** What cairn's own identity does with an inventory ConfigMap: read it, and write it by server-side apply. */
const INVENTORY_VERBS = ['get', 'create', 'update', 'patch'];
/**
 * The first write of an inventory is a create (POST), which lands only where there is none yet
 * (`Inventory.write`); RBAC cannot restrict a create by name (a POST names no object in its path),
 * so it is granted for ConfigMaps of the default namespace. A create overwrites and reads nothing.
 */
const INVENTORY_CREATE = { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] };
const RBAC = 'rbac.authorization.k8s.io/v1';

/** What the identity objects are rendered with, beside the facts of the config. */
export interface IdentityOptions {
  /** cairn's own namespace (its ServiceAccount `cairn` lives there). */
  readonly namespace: string;
  /** `--kinds`: what an environment may apply in its namespaces (the cluster-scoped ones left out). */
  readonly kinds: readonly ResourceRef[];
  readonly labels: Readonly<Record<string, string>>;
}

/** One rule per API group, resources sorted (the ClusterRole of today and each environment's Roles). */
export function rulesFor(kinds: readonly ResourceRef[]): readonly ManifestObject[] {
  const byGroup = new Map<string, string[]>();
  for (const k of kinds) byGroup.set(k.group, [...(byGroup.get(k.group) ?? []), k.resource]);
  return [...byGroup]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, resources]) => ({
      apiGroups: [group],
      resources: [...new Set(resources)].sort(),
      verbs: APPLY_VERBS,
    }));
}

/**
 * The cluster-scoped rules of one environment: each `clusterResources` kind with the apply verbs,
 * except Namespaces, which it may read, and create or change only by the names it was given (never
 * delete: its namespaces hold its own identity, and another's namespace is not its to touch).
 */
function clusterRules(grant: EnvironmentGrant): readonly ManifestObject[] {
  return grant.clusterResources.flatMap((r) =>
    r.group === '' && r.resource === 'namespaces'
      ? [
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
          {
            apiGroups: [''],
            resources: ['namespaces'],
            resourceNames: grant.namespaces,
            verbs: ['create', 'update', 'patch'],
          },
        ]
      : [{ apiGroups: [r.group], resources: [r.resource], verbs: APPLY_VERBS }],
  );
}

/** The `values` of the items grouped by `by` (deduplicated), groups in first-seen order. */
function groupBy<T>(items: readonly T[], by: (t: T) => string, values: (t: T) => readonly string[]) {
  const out = new Map<string, string[]>();
  for (const item of items) out.set(by(item), [...new Set([...(out.get(by(item)) ?? []), ...values(item)])]);
  return [...out];
}

/**
 * The per-environment identities of an install: the namespaces the environments are given, each
 * environment's ServiceAccount with a Role and RoleBinding in each of its namespaces (and a
 * ClusterRole only for the cluster-scoped kinds it lists), and cairn's own rights over them:
 * `impersonate` on exactly those ServiceAccounts, and its inventory ConfigMaps by name. Rendered
 * again by the Helm chart's `identities.yaml` (the chart test compares them).
 */
export function identityObjects(facts: IdentityFacts, o: IdentityOptions): readonly ManifestObject[] {
  const meta = (name: string, namespace?: string) => ({
    name,
    ...(namespace ? { namespace } : {}),
    labels: o.labels,
  });
  const cairn = { kind: 'ServiceAccount', name: 'cairn', namespace: o.namespace };
  const bind = (kind: 'Role' | 'ClusterRole', name: string, subject: object, namespace?: string) => ({
    apiVersion: RBAC,
    kind: kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: meta(name, namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
    subjects: [subject],
  });
  const namespacedKinds = o.kinds.filter((k) => !CLUSTER_SCOPED.includes(k.resource));
  const out: ManifestObject[] = facts.namespaces.map((ns) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ns.name,
      labels: { ...o.labels, ...(ns.owner ? { 'cairn.dev/owner': ns.owner.id } : {}) },
      ...(ns.owner ? { annotations: { 'cairn.dev/owned-by': ns.owner.annotation } } : {}),
    },
  }));
  for (const g of facts.grants) {
    const sa = { kind: 'ServiceAccount', ...g.serviceAccount };
    // Used through impersonation only: no pod needs its token.
    out.push({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(g.serviceAccount.name, g.serviceAccount.namespace),
      automountServiceAccountToken: false,
    });
    const role = `cairn-apply:${g.env}`;
    for (const ns of g.namespaces) {
      out.push({
        apiVersion: RBAC,
        kind: 'Role',
        metadata: meta(role, ns),
        rules: rulesFor(namespacedKinds),
      });
      out.push(bind('Role', role, sa, ns));
    }
    const rules = clusterRules(g);
    if (rules.length > 0) {
      const name = `cairn-env:${o.namespace}:${g.env}`;
      out.push({ apiVersion: RBAC, kind: 'ClusterRole', metadata: meta(name), rules });
      out.push(bind('ClusterRole', name, sa));
    }
  }
  // cairn's own identity: a Role per ServiceAccount namespace, so a same-named account elsewhere
  // (kube-system's, say) is never one it may impersonate.
  const impersonate = `cairn-impersonate:${o.namespace}`;
  for (const [ns, names] of groupBy(
    facts.grants,
    (g) => g.serviceAccount.namespace,
    (g) => [g.serviceAccount.name],
  )) {
    out.push({
      apiVersion: RBAC,
      kind: 'Role',
      metadata: meta(impersonate, ns),
      rules: [
        { apiGroups: [''], resources: ['serviceaccounts'], resourceNames: names, verbs: ['impersonate'] },
      ],
    });
    out.push(bind('Role', impersonate, cairn, ns));
  }
  const inventory = `cairn-inventory:${o.namespace}`;
  for (const [ns, names] of groupBy(
    facts.grants,
    (g) => g.defaultNamespace,
    (g) => g.inventoryNames,
  )) {
    out.push({
      apiVersion: RBAC,
      kind: 'Role',
      metadata: meta(inventory, ns),
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: names, verbs: INVENTORY_VERBS },
        INVENTORY_CREATE,
      ],
    });
    out.push(bind('Role', inventory, cairn, ns));
  }
  return out;
}

/**
 * The YAML comments the export carries for what RBAC cannot grant (a namespace glob), for an
 * environment whose ServiceAccount lives in one of its own namespaces (a pod there may run as it
 * and reach the API server with its rights directly, past cairn's checks of the tree), and, beside
 * other environments, for one without `kubernetes.hosts` (RBAC cannot bound the hosts an Ingress
 * names, and cairn checks them only against that list).
 */
export function identityNotes(facts: IdentityFacts): readonly string[] {
  return facts.grants.flatMap((g) => [
    ...(g.globs.length > 0
      ? [
          `environment ${g.env}: kubernetes.namespaces ${g.globs.map((x) => `"${x}"`).join(', ')} is a glob, which RBAC cannot grant: no Role is written for it; list the namespaces by name to grant them`,
        ]
      : []),
    ...(g.namespaces.includes(g.serviceAccount.namespace)
      ? [
          `environment ${g.env}: its ServiceAccount ${g.serviceAccount.namespace}/${g.serviceAccount.name} lives in its own namespace ${g.serviceAccount.namespace}, where a pod of another kind than cairn checks could run as it and use its rights directly; keep it in a namespace outside the environment's (SECURITY.md, threat model)`,
        ]
      : []),
    ...(facts.grants.length > 1 && !g.hostsListed
      ? [
          `environment ${g.env}: lists no kubernetes.hosts, so its Ingresses, Gateway API routes and ingress controllers' routes (Traefik, Contour, Istio, NGINX Inc) may claim any host no other environment of this config lists (another repository's too) at an ingress controller or gateway they share; list its hosts (SECURITY.md, threat model)`,
        ]
      : []),
  ]);
}
