import type { CairnConfig } from '../config/types';
import { publicRepository } from '../kube/identity';
import type { Log } from '../log';
import { loadHandoffKey } from '../server/shard-handoff';
import { createKubeLeaseApi } from '../shard/kube-lease-api';
import { shardGroup } from '../shard/names';
import { ShardManager } from '../shard/shard-manager';

/**
 * The shard manager of a sharded config (`sharding.enabled`), or undefined. Its Lease API uses
 * cairn's own identity (`sharding.kubeconfig`/`context`, else the default loading rules), never an
 * environment's client, so nothing an environment applies is written with the Leases' credentials.
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
    environments: config.environments.map((env) => env.name),
    shards: sharding.shards,
    leaseDurationMs: sharding.leaseDurationMs,
    renewIntervalMs: sharding.renewIntervalMs,
    advertiseUrl: sharding.advertiseUrl,
    ...(sharding.peerUrls ? { peerUrls: sharding.peerUrls } : {}),
    log: log.child({ replica: sharding.identity }),
  });
  log.info(
    {
      replica: sharding.identity,
      namespace: sharding.namespace,
      group,
      shards: sharding.shards,
      advertiseUrl: sharding.advertiseUrl,
    },
    'sharding environments through shard Leases',
  );
  return { manager, close: () => api.close() };
}

/**
 * The handoff key of a sharded config (read once, at start-up, so a missing or weak key stops the
 * process before it joins the group); undefined without sharding.
 */
export function handoffKeyFor(config: CairnConfig, env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  if (!config.sharding) return undefined;
  const secretEnv = config.server.webhookSecretEnv;
  return loadHandoffKey(config.sharding, secretEnv ? env[secretEnv] : undefined, env);
}
