import type { ReconcileReport, WriteFence } from '../../controller/model';
import { shardLost } from '../../controller/shard/lease';

/**
 * A replica's write fence standing for its Lease (as in test/integration/kube/object-write-fence.test.ts):
 * it passes until `lose()`, then throws shard.lost as the fence of a replica thawed past its Lease
 * does, so a test decides exactly which writes fall before and after the loss.
 */
export function heldLease(env = 'dev'): {
  readonly fence: WriteFence;
  lose(): void;
  /** Holds the Lease again (a test's fresh start). */
  renew(): void;
} {
  let lost = false;
  return {
    fence: () => {
      if (lost) throw shardLost(env, 'no successful renewal for 13000 ms (the bound is 12000 ms)', 'record');
    },
    lose: () => {
      lost = true;
    },
    renew: () => {
      lost = false;
    },
  };
}

/** The report of a reconcile that a replica, thawed past its Lease, ends with shard.lost. */
export const LOST_LEASE_REPORT: ReconcileReport = {
  outcome: 'failed',
  durationMs: 14_000,
  failure: {
    code: 'shard.lost',
    phase: 'apply-kubernetes',
    retryable: true,
    message: 'this replica no longer holds the Lease',
  },
};
