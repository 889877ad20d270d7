import { randomBytes } from 'node:crypto';
import { silentLog } from '../../controller/log';
import type { WriteFence } from '../../controller/model';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import type { LeaseApi } from '../../controller/shard/lease';
import { UnshardedGuard } from '../../controller/shard/unsharded-guard';
import { sandboxEnv } from '../sandbox/sandbox-env';

/** Short enough for a test to wait out, long enough that a renewal on a busy machine lands in time. */
const LEASE_MS = 3_000;
const RENEW_MS = 250;

/** A replica's hold on the heartbeat: its write fence, as the controller gets it. */
export interface HeartbeatHold {
  readonly fence: WriteFence;
  /** Whether the fence passes now. */
  holds(): boolean;
}

/**
 * The unsharded heartbeat Lease of a fresh repository group on the sandbox's kube-apiserver, held
 * by a replica as `cairn run` holds it (UnshardedGuard, renewed every 250 ms, lease duration 3 s),
 * where the write fence of the replica comes from. `cutOff` stands for the replica losing the
 * cluster (or being paused): its renewals stop landing, and its fence fails once the last one that
 * landed is older than the write deadline (4/5 of the lease duration). `successor` is the replica
 * that then takes the heartbeat, a whole lease duration after that renewal, as a real one would.
 */
export async function sandboxHeartbeat(env: string) {
  const { kubernetes } = sandboxEnv();
  const group = `fence${randomBytes(4).toString('hex')}`;
  const api = createKubeLeaseApi(
    { kubeconfig: kubernetes.kubeconfig, namespace: 'default' },
    group,
    silentLog(),
  );
  let cut = false;
  const cuttable: LeaseApi = {
    list: () => api.list(),
    get: (name) => api.get(name),
    create: (lease) => api.create(lease),
    delete: (name, version) => api.delete(name, version),
    replace: (lease) =>
      cut ? Promise.reject(new Error('connect ETIMEDOUT: cut off from the cluster')) : api.replace(lease),
  };
  const guards: UnshardedGuard[] = [];
  const guard = (name: string, leases: LeaseApi) => {
    const made = new UnshardedGuard({
      api: leases,
      group,
      identity: `${name}_${randomBytes(3).toString('hex')}`,
      host: name,
      pid: process.pid,
      namespace: 'default',
      leaseDurationMs: LEASE_MS,
      renewIntervalMs: RENEW_MS,
      log: silentLog(),
    });
    guards.push(made);
    return made;
  };
  const hold = (g: UnshardedGuard): HeartbeatHold => {
    const fence = g.writeFence(env, 'record');
    return {
      fence,
      holds: () => {
        try {
          fence();
          return true;
        } catch {
          return false;
        }
      },
    };
  };
  const replica = guard('pod-a', cuttable);
  await replica.claim(() => undefined);
  const held = hold(replica);
  return {
    /** The replica that holds the heartbeat until it is cut off. */
    replica: held,
    /** Cuts the replica off from the cluster: no renewal of it lands from now on. */
    cutOff(): void {
      cut = true;
    },
    /** Waits until the replica's fence fails (at most the write deadline after `cutOff`). */
    async lost(): Promise<void> {
      await until('the cut-off replica to lose its heartbeat', () => !held.holds());
    },
    /** A second replica takes the heartbeat once it is stale (a lease duration after its last renewal). */
    async successor(): Promise<HeartbeatHold> {
      const next = guard('pod-b', api);
      for (const deadline = Date.now() + 4 * LEASE_MS; ;) {
        try {
          await next.claim(() => undefined);
          return hold(next);
        } catch (error) {
          if ((error as { code?: string }).code !== 'sharding.unsharded-peer' || Date.now() > deadline)
            throw error;
          await new Promise((resolve) => setTimeout(resolve, RENEW_MS));
        }
      }
    },
    async close(): Promise<void> {
      for (const g of guards) await g.release();
      api.close();
    },
  };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
