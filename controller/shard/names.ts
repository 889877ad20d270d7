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
 * The Lease of an environment, named after its owner id (the same id that marks its Kubernetes
 * objects: the name plus a hash of the repository, or its instance name), so an environment `dev`
 * of two repositories gets two Leases.
 */
export function environmentLeaseName(ownerId: string): string {
  return `cairn-env-${ownerId}`;
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
