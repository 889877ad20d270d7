import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CairnConfig } from '../config/types';
import { publicRepository } from '../kube/identity';
import type { Log } from '../log';
import type { Phase, WriteFence } from '../model';
import { errorMessage, isCairnError } from '../model/errors';
import { createKubeLeaseApi } from '../shard/kube-lease-api';
import { shardGroup } from '../shard/names';
import { UnshardedGuard } from '../shard/unsharded-guard';

/** The heartbeat an unsharded `cairn run` (or one `cairn sync`) holds while it runs; `release` deletes it. */
export interface HeldHeartbeat {
  /** Fences each write batch of `env` on the heartbeat's last renewal (see UnshardedGuard.writeFence). */
  writeFence(env: string, phase: Phase): WriteFence;
  release(): Promise<void>;
}

/**
 * Claims the unsharded heartbeat of `config`'s repository (see UnshardedGuard): throws
 * `sharding.unsharded-peer` when another live replica holds it. When no cluster can be asked
 * (none configured, unreachable, or the Leases are forbidden) the replica starts anyway and says
 * so: the install and the chart still refuse two unsharded replicas, and a cairn without any
 * Kubernetes must keep working. `lost` is called if another replica takes the heartbeat later.
 */
export async function claimUnshardedHeartbeat(
  config: CairnConfig,
  log: Log,
  lost: (why: string) => void,
  acting: 'replica' | 'sync' = 'replica',
): Promise<HeldHeartbeat | undefined> {
  const unsharded = config.unsharded;
  if (!unsharded) return undefined;
  const group = shardGroup(publicRepository(config.repository.url));
  const host = process.env.POD_NAME || hostname();
  let api: ReturnType<typeof createKubeLeaseApi> | undefined;
  try {
    api = createKubeLeaseApi(unsharded, group, log);
    const guard = new UnshardedGuard({
      api,
      group,
      identity: `${host}_${acting === 'sync' ? 'sync-' : ''}${randomBytes(4).toString('hex')}`,
      acting,
      host,
      pid: process.pid,
      namespace: unsharded.namespace,
      leaseDurationMs: unsharded.leaseDurationMs,
      renewIntervalMs: unsharded.renewIntervalMs,
      log,
    });
    await guard.claim(lost);
    const opened = api;
    return {
      writeFence: (env, phase) => guard.writeFence(env, phase),
      async release() {
        await guard.release();
        opened.close();
      },
    };
  } catch (error) {
    api?.close();
    if (isCairnError(error) && error.code === 'sharding.unsharded-peer') throw error;
    log.warn(
      { namespace: unsharded.namespace, err: errorMessage(error) },
      acting === 'sync'
        ? 'cannot check for a running replica of this repository; syncing anyway (do not sync beside a running unsharded replica)'
        : 'cannot check for another unsharded replica of this repository; starting anyway (run one replica, or enable sharding)',
    );
    return undefined;
  }
}
