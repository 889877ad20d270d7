import type { CairnConfig } from '../config/types';
import { ownerOf, publicRepository } from '../kube/identity';
import type { Log } from '../log';
import { createKubeLeaseApi } from '../shard/kube-lease-api';
import { environmentLeaseName, replicaLeaseName, shardGroup } from '../shard/names';
import { ShardManager } from '../shard/shard-manager';

/**
 * The shard manager of a sharded config (`sharding.enabled`), or undefined. Each environment's
 * Lease is named after its owner id (repository + name, or instance), the id its objects carry.
 */
export function shardManagerFor(
  config: CairnConfig,
  log: Log,
): { readonly manager: ShardManager; close(): void } | undefined {
  const sharding = config.sharding;
  if (!sharding) return undefined;
  const group = shardGroup(publicRepository(config.repository.url));
  const api = createKubeLeaseApi(sharding, group, log);
  const manager = new ShardManager({
    api,
    identity: sharding.identity,
    group,
    environments: config.environments.map((env) => ({
      env: env.name,
      lease: environmentLeaseName(
        ownerOf({
          env: env.name,
          repository: config.repository.url,
          ...(env.instance ? { instance: env.instance } : {}),
        }).id,
      ),
    })),
    replicaLease: replicaLeaseName(group, sharding.identity),
    leaseDurationMs: sharding.leaseDurationMs,
    renewIntervalMs: sharding.renewIntervalMs,
    advertiseUrl: sharding.advertiseUrl,
    log: log.child({ replica: sharding.identity }),
  });
  log.info(
    { replica: sharding.identity, namespace: sharding.namespace, group, advertiseUrl: sharding.advertiseUrl },
    'sharding environments through Leases',
  );
  return { manager, close: () => api.close() };
}
