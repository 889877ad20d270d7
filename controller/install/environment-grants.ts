import { CairnError } from '../model/errors';
import { ownedBy, ownerOf } from '../kube/identity';
import { inventoryName, legacyInventoryName } from '../kube/inventory';
import { kindResource, type ResourceRef } from './kinds';

/** A namespace an environment may write, and the environment that owns it (its owner mark). */
export interface GrantedNamespace {
  readonly name: string;
  /** The owner mark of the environment it belongs to; absent for a namespace that only holds a ServiceAccount. */
  readonly owner?: { readonly id: string; readonly annotation: string };
}

/** What one environment with `kubernetes.serviceAccount` is given by the install. */
export interface EnvironmentGrant {
  readonly env: string;
  /** `kubernetes.serviceAccount`, split. */
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  /** `kubernetes.namespace` (default `default`): where its inventory lives. */
  readonly defaultNamespace: string;
  /** Its default namespace, then the plain names of `kubernetes.namespaces`: each gets a Role. */
  readonly namespaces: readonly string[];
  /** The `*` globs of `kubernetes.namespaces`: RBAC cannot grant them, so the install does not. */
  readonly globs: readonly string[];
  /** `kubernetes.clusterResources` (default `Namespace`), as resources. */
  readonly clusterResources: readonly ResourceRef[];
  /** The names its inventory ConfigMap has (current and pre-identity), for cairn's own Role. */
  readonly inventoryNames: readonly string[];
  /** Whether it lists `kubernetes.hosts`: without, its Ingresses and routes may claim any host (RBAC cannot bound hosts). */
  readonly hostsListed: boolean;
}

/** The identities an install writes, read from the config's raw YAML (the runtime's schema is not needed). */
export interface IdentityFacts {
  /** The environments bound to a ServiceAccount, in config order. */
  readonly grants: readonly EnvironmentGrant[];
  /** The environments without one: they apply with cairn's own identity (today's cluster-wide ClusterRole). */
  readonly unbound: readonly string[];
  /** Each namespace the install creates for the grants, with the owner mark of its first environment. */
  readonly namespaces: readonly GrantedNamespace[];
  /** `sharding.enabled`: more than one replica needs it. */
  readonly sharding: boolean;
}

/** Namespaces no environment is ever granted, whatever the config says (CONTRACTS.md). */
export const REFUSED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

interface RawEnv {
  readonly name?: unknown;
  readonly instance?: unknown;
  readonly kubernetes?: {
    readonly namespace?: unknown;
    readonly serviceAccount?: unknown;
    readonly namespaces?: unknown;
    readonly clusterResources?: unknown;
    readonly hosts?: unknown;
  };
}

/** A config error of the install, naming the file and the key. */
function configError(source: string, key: string, what: string, hint: string): CairnError {
  return new CairnError(`${key}: ${what}`, { code: 'install.config', subject: source, hint });
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Reads, for each environment, the identity the install must write: its ServiceAccount, the
 * namespaces it may write (plain names only: RBAC has no globs), its cluster-scoped kinds, and its
 * inventory's names. Refuses a grant in kube-system, kube-public, kube-node-lease or cairn's own
 * namespace: those are never an environment's, and a Role there would be a way into the cluster.
 */
export function identityFacts(doc: unknown, source: string, controllerNamespace: string): IdentityFacts {
  const config = (doc ?? {}) as {
    repository?: { url?: unknown };
    environments?: RawEnv[];
    sharding?: { enabled?: unknown; namespace?: unknown };
    kubernetes?: { controllerNamespace?: unknown; requireServiceAccount?: unknown };
  };
  // cairn's own namespace (the install's, and the one the config names) and the sharding one.
  const own = [
    controllerNamespace,
    config.kubernetes?.controllerNamespace,
    config.sharding?.enabled === true ? config.sharding.namespace : undefined,
  ].filter((n): n is string => typeof n === 'string');
  const repository = typeof config.repository?.url === 'string' ? config.repository.url : '';
  const grants: EnvironmentGrant[] = [];
  const unbound: string[] = [];
  const namespaces = new Map<string, GrantedNamespace>();
  (config.environments ?? []).forEach((env, i) => {
    const name = String(env.name);
    const k = env.kubernetes ?? {};
    if (typeof k.serviceAccount !== 'string') {
      unbound.push(name);
      return;
    }
    const key = `environments[${i}].kubernetes`;
    const [saNamespace, saName, ...rest] = k.serviceAccount.split('/');
    if (!saNamespace || !saName || rest.length > 0 || !DNS_LABEL.test(saNamespace)) {
      throw configError(
        source,
        `${key}.serviceAccount`,
        `"${k.serviceAccount}" is not <namespace>/<name>`,
        'write it as namespace/name, e.g. apps/cairn-dev',
      );
    }
    const defaultNamespace = typeof k.namespace === 'string' ? k.namespace : 'default';
    const listed = strings(k.namespaces);
    const plain = [defaultNamespace, ...listed.filter((n) => !n.includes('*'))];
    for (const ns of [...plain, saNamespace]) {
      if (REFUSED_NAMESPACES.includes(ns) || own.includes(ns)) {
        throw configError(
          source,
          key,
          `environment ${name} would be granted namespace "${ns}", which is never an environment's`,
          `keep kube-system, kube-public, kube-node-lease and cairn's own namespaces (${[...new Set(own)].join(', ')}) out of its namespace, namespaces and serviceAccount`,
        );
      }
    }
    const owner = ownerOf({
      env: name,
      repository,
      ...(typeof env.instance === 'string' ? { instance: env.instance } : {}),
    });
    // The first environment that may write a namespace owns it, so its tree may declare it.
    for (const ns of plain) {
      if (!namespaces.get(ns)?.owner)
        namespaces.set(ns, { name: ns, owner: { id: owner.id, annotation: ownedBy(owner) } });
    }
    if (!namespaces.has(saNamespace)) namespaces.set(saNamespace, { name: saNamespace });
    const kinds = k.clusterResources === undefined ? ['Namespace'] : strings(k.clusterResources);
    grants.push({
      env: name,
      serviceAccount: { namespace: saNamespace, name: saName },
      defaultNamespace,
      namespaces: [...new Set(plain)],
      globs: listed.filter((n) => n.includes('*')),
      clusterResources: kinds.map((kind) => kindResource(kind, `${key}.clusterResources`)),
      inventoryNames: [...new Set([inventoryName(owner), legacyInventoryName(name)])],
      hostsListed: Array.isArray(k.hosts),
    });
  });
  // The runtime refuses such an environment at start-up: an install that could never start is refused now.
  if (config.kubernetes?.requireServiceAccount === true && unbound.length > 0) {
    throw configError(
      source,
      'kubernetes.requireServiceAccount',
      `true, but environment ${unbound.join(', ')} has no kubernetes.serviceAccount`,
      'give each environment a serviceAccount: <namespace>/<name>',
    );
  }
  return {
    grants,
    unbound,
    namespaces: [...namespaces.values()],
    sharding: config.sharding?.enabled === true,
  };
}
