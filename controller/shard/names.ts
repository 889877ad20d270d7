import { createHash } from 'node:crypto';

/**
 * The group of a repository's replicas: a hash of its public URL. Every Lease carries it as a
 * label, so two cairn installations (two repositories) sharing a namespace never count each
 * other's replicas or take each other's environments.
 */
export function shardGroup(publicRepositoryUrl: string): string {
  return createHash('sha256').update(publicRepositoryUrl).digest('hex').slice(0, 12);
}

/**
 * The shard `env` belongs to among `shards`: the first 8 bytes of sha256(name), big-endian, modulo
 * `shards`. Stable across replicas, restarts and versions (it depends on the name and the count
 * only), so every replica agrees on which Lease covers an environment without asking anyone.
 */
export function shardOf(env: string, shards: number): number {
  const digest = createHash('sha256').update(env).digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(shards));
}

/**
 * The Lease of shard `index` of a group. The group (a hash of the repository) is in the name, so
 * two repositories' replicas sharing a namespace never share a shard Lease.
 */
export function shardLeaseName(group: string, index: number): string {
  return `cairn-shard-${group}-${index}`;
}

/** The heartbeat Lease of one replica of a group. */
export function replicaLeaseName(group: string, identity: string): string {
  const safe = identity
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  // Two identities that differ only in characters a name cannot carry must not share a Lease.
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `cairn-replica-${group}-${safe.slice(0, 180)}-${hash}`.replace(/-+/g, '-');
}
