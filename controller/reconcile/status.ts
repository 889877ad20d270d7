import type { Failure, Outcome } from '../model';
import type { ShardStatus } from '../shard/shard-manager';

/**
 * Where an environment stands. `failed`: the last reconcile failed and a retry is waiting;
 * `stalled`: it failed in a way retrying cannot fix, and waits for a new commit or a manual sync;
 * `suspended`: someone suspended it, and nothing is reconciled until it is resumed; `waiting`:
 * its head waits for a promotion gate (see `waiting`).
 */
export type EnvironmentState =
  'synced' | 'progressing' | 'failed' | 'stalled' | 'drifted' | 'unknown' | 'suspended' | 'waiting';

/** What the controller shows of one environment (the API's `/api/environments`). */
export interface EnvironmentStatus {
  readonly name: string;
  readonly branch: string;
  readonly lastAppliedSha: string | null;
  readonly headSha: string | null;
  readonly status: EnvironmentState;
  readonly lastReconcileAt: string | null;
  readonly lastOutcome: Outcome | null;
  /**
   * When the environment was last looked at, quiet passes included: a pass that changed nothing
   * writes no full entry (it is folded into the last one), so this can be newer than lastReconcileAt.
   */
  readonly lastCheckedAt: string | null;
  /** The failure of the last reconcile when it failed (or why the branch has no revision). */
  readonly failure: Failure | null;
  readonly queueDepth: number;
  /**
   * Present while the environment is released because its audit chain could not be written (the
   * reason and since when); it is retried with backoff and resumes once an append lands.
   */
  readonly released?: { readonly reason: string; readonly since: string };
  /** Present while the environment is suspended: who suspended it, why, and since when (ISO 8601). */
  readonly suspended?: { readonly by: string; readonly reason: string; readonly since: string };
  /** Present while a promotion gate holds the head back: the environment it waits for, and why. */
  readonly waiting?: { readonly after: string; readonly reason: string };
  /**
   * failure-revert: the revert proposed for the last terminal failure (its commit and pull
   * request), or the `revert.failed` failure when it could not be made.
   */
  readonly revert?: {
    readonly entry: string;
    readonly sha?: string;
    readonly url?: string;
    readonly failure?: Failure;
  };
  /** With sharding: who holds the environment's Lease, whether it is this replica, and the Lease's version. */
  readonly shard?: ShardStatus;
  /** web-ui: the head commit's author and subject (first line), masked like every other output. */
  readonly headCommit?: { readonly author: string; readonly subject: string; readonly committedAt: string };
}

/**
 * Why the controller is not ready: `cause`, a class that names nothing, and `detail`, which names
 * the environments and audit chains concerned and what to do. `/readyz` shows the detail only
 * where whoever reaches the port may read it (see `readiness` in server/probe-routes.ts).
 */
export interface NotReady {
  /** `audit-trail`: a chain this replica writes takes no appends; `first-fetch`: it is still starting. */
  readonly cause: 'audit-trail' | 'first-fetch';
  readonly detail: string;
}

/** The metrics the controller drives; the server's Prometheus `Metrics` implements them. */
export interface ControllerMetrics {
  observeReconcile(env: string, outcome: string, durationMs: number): void;
  observePhase(env: string, phase: string, outcome: string, durationMs: number): void;
  setLastSuccess(env: string, at: Date): void;
  setQueueDepth(env: string, depth: number): void;
  observeFetch(durationMs: number, ok: boolean): void;
  incDrift(env: string, count: number): void;
  /** 1 while `env` is stalled on a terminal failure, 0 otherwise. */
  setStalled(env: string, stalled: boolean): void;
  /** A commit of `env` applied successfully `durationMs` after the controller first saw it (`cairn_release_seconds`). */
  observeRelease?(env: string, durationMs: number): void;
  /** 1 while `env` is suspended, 0 otherwise. */
  setSuspended?(env: string, suspended: boolean): void;
  /** With sharding: 1 while `replica` (this one) holds `env`, 0 once it let go. */
  setShardHeld?(env: string, replica: string, held: boolean): void;
}
