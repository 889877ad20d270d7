import type { Change } from './change';
import type { Failure } from './failure';
import type { Phase } from './errors';

/** Why a reconcile runs. `promotion`: a promotion gate may have opened (its wait ran out, or `after` applied). */
export type Trigger = 'poll' | 'webhook' | 'watch' | 'drift' | 'manual' | 'startup' | 'retry' | 'promotion';

/** How a reconcile ended. `no-op`: nothing to do. */
export type Outcome = 'succeeded' | 'failed' | 'interrupted' | 'no-op';

/** The phases a reconcile records timings for. */
export type PhaseName = Extract<
  Phase,
  'fetch' | 'synthesize' | 'plan' | 'apply-aws' | 'apply-kubernetes' | 'verify' | 'record'
>;

export interface PhaseTiming {
  readonly name: PhaseName;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly durationMs: number;
}

/** One commit→apply delta: what the audit trail records and `cairn audit show` prints. */
export interface AuditEntry {
  readonly id: string;
  readonly env: string;
  readonly trigger: Trigger;
  /** The last sha successfully applied to this environment before this reconcile; null the first time. */
  readonly fromSha: string | null;
  readonly toSha: string;
  readonly author: string;
  readonly message: string;
  readonly committedAt: string;
  readonly forcePushed?: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: Outcome;
  readonly phases: readonly PhaseTiming[];
  /**
   * The folder tree hashes each half stands at after this reconcile: a key is present only for a
   * half that was applied successfully or skipped as unchanged (null = folder absent). The
   * reconciler skips a half whose tree equals the newest recorded one.
   */
  readonly applied?: { readonly aws?: string | null; readonly k8s?: string | null };
  /** Why a whole plane was not looked at (`aws-resources/ unchanged since abc123`). */
  readonly skipped?: { readonly aws?: string; readonly kubernetes?: string };
  /** The per-subject delta of both planes, exactly as the appliers returned it. */
  readonly changes: readonly Change[];
  readonly failure?: Failure;
  /**
   * With sharding: the Lease this reconcile was fenced with (its holder, this replica, the
   * resourceVersion the last check before an apply saw, and the name of the shard Lease that
   * covers the environment; entries written before shards carry no name). Absent without sharding.
   */
  readonly lease?: { readonly holder: string; readonly resourceVersion: string; readonly name?: string };
}

/** How one reconcile ended, as an observer (a Git host's commit status) is told. */
export interface ReconcileReport {
  readonly outcome: Outcome;
  readonly durationMs: number;
  /** The audit entry recorded for it; absent when recording itself failed. */
  readonly entryId?: string;
  readonly failure?: Failure;
  /** How many objects had drifted and were put back (a drift pass that found none says 0); absent when unknown. */
  readonly drifted?: number;
}

/**
 * Told when a reconcile of an environment starts and ends (commit statuses on the Git host). The
 * controller neither waits for an observer nor lets one fail a reconcile: observers swallow and
 * log their own errors.
 */
export interface ReconcileObserver {
  /**
   * `fence`: the environment's write fence, when its reconciles are fenced (a shard Lease or the
   * unsharded heartbeat). An observer that writes state outside this process (a commit status,
   * which the next post for the same commit and context replaces) calls it right before each
   * write and drops the write when it throws: a replica that lost the Lease must not post over
   * what the replica holding it now posted.
   */
  started(env: string, sha: string, trigger: Trigger, fence?: WriteFence): void;
  finished(env: string, sha: string, trigger: Trigger, report: ReconcileReport, fence?: WriteFence): void;
  /** `by` suspended `env` (recorded in the ledger); nothing of it is reconciled until it is resumed. */
  suspended?(env: string, by: string, reason: string): void;
  /** `by` resumed `env`; a reconcile of its head (and of any drift) follows. */
  resumed?(env: string, by: string): void;
  /**
   * failure-revert: after the terminal failure of entry `entryId` at `sha`, cairn proposed its
   * revert (`revert`: the commit, and the pull request's `url`), or could not (`failure`, code
   * `revert.failed`). `fence`: the environment's write fence, as `finished` is given it.
   */
  revertProposed?(
    env: string,
    sha: string,
    entryId: string,
    result: { readonly revert?: string; readonly url?: string; readonly failure?: Failure },
    fence?: WriteFence,
  ): void;
}

/**
 * Throws a retryable CairnError `shard.lost` when this replica can no longer prove, on its own
 * monotonic clock, that it holds the environment; called before every write batch (each wave,
 * each request of a group of `kubernetes.concurrency`, each prune delete, the inventory write,
 * each stack's change set and asset publish). Synchronous: no API call, so it costs nothing to
 * call often, and a replica frozen past its deadline fails it before its next write.
 */
export type WriteFence = () => void;
