/** The apply waves, in order (but see `applyOrder`); prune runs them in reverse. */
export const WAVES = ['crds', 'namespaces', 'cluster', 'config', 'workloads', 'rest'] as const;

/** The name of one wave. */
export type Wave = (typeof WAVES)[number];

const CONFIG_KINDS = new Set([
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'ResourceQuota',
  'LimitRange',
  'PersistentVolumeClaim',
  'NetworkPolicy',
]);
const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
]);

/** The wave an object belongs to, from its kind and whether it is namespaced. */
export function waveOf(kind: string, namespaced: boolean): Wave {
  if (kind === 'CustomResourceDefinition') return 'crds';
  if (kind === 'Namespace') return 'namespaces';
  if (!namespaced) return 'cluster';
  if (CONFIG_KINDS.has(kind)) return 'config';
  if (WORKLOAD_KINDS.has(kind)) return 'workloads';
  return 'rest';
}

/**
 * The order an apply runs its waves in: `WAVES`, except that the Namespaces go before the CRDs
 * when `inventoryWaits` (the tree makes the environment's default namespace, where the inventory
 * lives, and it does not exist yet, so the write-ahead inventory cannot land before the tree's
 * Namespaces). The CRDs then come after the write-ahead: applied before it, a CRD that landed from
 * a sync killed there carried the owner mark in no inventory, and stayed once it left Git (found in
 * review: `kill-points.test.ts`). Both waves are cluster-scoped and neither needs the other; a tree
 * without CRDs runs in the same order either way. (The apply splits that first wave again: the
 * default namespace alone, the write-ahead, then the other Namespaces.)
 */
export function applyOrder(inventoryWaits: boolean): readonly Wave[] {
  return inventoryWaits ? ['namespaces', ...WAVES.filter((w) => w !== 'namespaces')] : WAVES;
}

/**
 * Groups items into waves in `order` (by default `WAVES`), keeping the input order inside a wave;
 * empty waves are left out.
 */
export function orderInWaves<T>(
  items: readonly T[],
  describe: (item: T) => { readonly kind: string; readonly namespaced: boolean },
  order: readonly Wave[] = WAVES,
): readonly { readonly wave: Wave; readonly items: readonly T[] }[] {
  const buckets = new Map<Wave, T[]>(WAVES.map((w) => [w, []]));
  for (const item of items) {
    const d = describe(item);
    buckets.get(waveOf(d.kind, d.namespaced))!.push(item);
  }
  return order.filter((w) => buckets.get(w)!.length > 0).map((wave) => ({ wave, items: buckets.get(wave)! }));
}
