/** The apply waves, in order; prune runs them in reverse. */
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
 * Groups items into waves in apply order, keeping the input order inside a wave; empty waves are
 * left out.
 */
export function orderInWaves<T>(
  items: readonly T[],
  describe: (item: T) => { readonly kind: string; readonly namespaced: boolean },
): readonly { readonly wave: Wave; readonly items: readonly T[] }[] {
  const buckets = new Map<Wave, T[]>(WAVES.map((w) => [w, []]));
  for (const item of items) {
    const d = describe(item);
    buckets.get(waveOf(d.kind, d.namespaced))!.push(item);
  }
  return WAVES.filter((w) => buckets.get(w)!.length > 0).map((wave) => ({ wave, items: buckets.get(wave)! }));
}
