import type { KubernetesTargetConfig } from '../config/types';
import type { ClusterConnections } from './cluster-connections';
import { createDiscovery, type Discovery } from './discovery';
import type { Identity, Owner } from './identity';
import { createInventory, type Inventory } from './inventory';
import { createKubeClient, type KubeClient } from './kube-client';
import type { RenderSettings } from './render/types';

/** Seams a test may replace; by default built from the target's kubeconfig. */
export interface KubeApplierDeps {
  readonly client?: KubeClient;
  /**
   * The connections shared by every environment of a replica: the applier then uses its cluster's
   * client and discovery cache, and leaves closing them to their owner.
   */
  readonly connections?: ClusterConnections;
  /**
   * How folders holding a kustomization.yaml or a Chart.yaml are rendered (the synth isolation and
   * the binaries); without it such a folder is refused. The environment and namespace come from here.
   */
  readonly render?: Omit<RenderSettings, 'env' | 'namespace' | 'log'>;
}

/** The clients of one environment's applier, and which identity each speaks as. */
export interface ApplierParts {
  /** The environment's identity: every request on its objects. */
  readonly client: KubeClient;
  /** cairn's own identity: discovery and the inventory. */
  readonly own: KubeClient;
  readonly discovery: Discovery;
  readonly inventory: Inventory;
}

/**
 * The applier's clients for `target`: cairn's own identity reads discovery and writes the
 * inventory; the environment's objects go through `client`, made as its ServiceAccount
 * (`Impersonate-User`) when the config names one. A replica's shared connections are used when
 * `deps` has them.
 */
export function connectApplier(
  identity: Identity,
  target: KubernetesTargetConfig,
  owner: Owner,
  deps: KubeApplierDeps,
): ApplierParts {
  const shared = deps.client ? undefined : deps.connections?.connect(target);
  const own = deps.client ?? shared?.client ?? createKubeClient(target);
  const sa = target.serviceAccount;
  const client =
    deps.client ??
    (!sa
      ? own
      : deps.connections
        ? deps.connections.connect(target, sa).client
        : createKubeClient(target, undefined, sa));
  return {
    client,
    own,
    discovery: shared?.discovery ?? createDiscovery(own),
    inventory: createInventory(own, identity.env, owner, target.namespace),
  };
}

/** Closes the clients the applier made itself; those of `deps` are their owner's to close. */
export function closeApplier(parts: ApplierParts | undefined, deps: KubeApplierDeps): void {
  if (!deps.client && !deps.connections) {
    parts?.client.close();
    if (parts?.own !== parts?.client) parts?.own.close();
  }
}
