import type { ControlSummary } from '../audit/types';
import type { PullRequest } from '../host/types';
import type { AuditReader, Trigger } from '../model';
import type { SyncAnswer } from '../reconcile/handed-requests';
import type { EnvironmentPlan } from '../reconcile/plan-environment';
import type { EnvironmentStatus, NotReady } from '../reconcile/status';
import type { ShardHolder } from '../shard/shard-manager';

export type { EnvironmentState, EnvironmentStatus, NotReady } from '../reconcile/status';

/**
 * What the HTTP server needs of the running controller. The server never waits for a
 * reconcile: `trigger` enqueues and returns.
 */
export interface ControllerPort {
  environments(): readonly EnvironmentStatus[];
  /** Environments whose branch is `branch` (usually zero or one). */
  environmentsForBranch(branch: string): readonly string[];
  /** Enqueues a fetch and reconcile of `env`; coalesced with anything already queued. */
  trigger(env: string, trigger: Trigger): void;
  /**
   * Queues a plan of pull request `pr` (its head fetched from `ref` of the configured repository)
   * for every environment whose branch is the pull request's base, and returns those environments
   * (empty: none tracks the base). Never waits for the plan. Absent when no Git host is configured
   * to post plans to.
   */
  planPullRequest?(pr: PullRequest, ref: string, only?: readonly string[]): readonly string[];
  /** True once the config is loaded and the first fetch is done. */
  ready(): boolean;
  /** Why `ready()` is false (for `/readyz`); null or absent when ready. */
  notReady?(): NotReady | null;
  readonly audit: AuditReader;
  /** With sharding: whether this replica holds `env` (absent: it reconciles everything). */
  holds?(env: string): boolean;
  /** With sharding: who holds `env` now (a fresh read of its Lease) and where it takes handoffs; null when free. */
  holderOf?(env: string): Promise<ShardHolder | null>;
  /** With sharding: this replica's holderIdentity. */
  readonly shardIdentity?: string;
  /** With sharding: a sync handed over by `cairn sync`, answered when its reconcile ends (see Controller.syncNow). */
  syncNow?(env: string): Promise<SyncAnswer>;
  /** With sharding: a plan handed over by `cairn plan`, made under the environment's lock. */
  planNow?(env: string): Promise<EnvironmentPlan>;
  /** Suspends `env` (recorded in its ledger); absent: the API offers no suspend. */
  suspend?(env: string, by: string, reason: string): Promise<{ by: string; reason: string; since: string }>;
  /** Resumes `env` and queues a reconcile of it; absent: the API offers no resume. */
  resume?(env: string, by: string, reason?: string): Promise<void>;
  /** Lets the held head of `env` through its promotion gate (recorded), and queues its reconcile; absent: no promote. */
  promote?(env: string, by: string, reason: string): Promise<{ sha: string }>;
}

/**
 * Opens a revert of audit entry `entryId` of `env` (as a pull request where a Git host is
 * configured, as a commit otherwise), on behalf of `by`. The web UI's "open revert PR" button
 * reaches it through `POST /api/environments/:env/revert`; absent, that route answers 501.
 */
export interface RevertPort {
  propose(env: string, entryId: string, by: string): Promise<{ url?: string; sha: string }>;
}

/** What checking an environment's audit chain found, as the API shows it (no paths, no hashes of keys). */
export interface ChainState {
  readonly env: string;
  /** Records read, trusted or not. */
  readonly records: number;
  /** `verified`: every record checks and matches the witness; `broken`: see `reason`. */
  readonly state: 'verified' | 'broken';
  /** The seq of the last trusted record. */
  readonly headSeq: number;
  /** Where and why the chain stops being trusted (`broken` only). */
  readonly brokenAt?: number;
  readonly reason?: string;
  /** The chain is one record past its witness (a crash between the append and the witness write). */
  readonly witnessBehind: boolean;
}

/** The last plan of one pull request for one environment, as the Git host's status shows it. */
export interface PullRequestPlanStatus {
  readonly env: string;
  readonly number: number;
  readonly sha: string;
  readonly state: 'pending' | 'success' | 'failure' | 'error';
  readonly description: string;
  readonly url?: string;
  readonly at: string;
}

/** What the web UI's routes read beside the ControllerPort; each part is optional. */
export interface UiSources {
  /** The audit chain's verify state of `env`; undefined when the trail cannot say (no such chain yet). */
  chainState?(env: string): ChainState | undefined;
  /** The pull request plans of `env` the planner knows (newest first); absent without a Git host. */
  pullRequestPlans?(env: string): readonly PullRequestPlanStatus[];
  /** The control records of `env`'s chain (suspend, resume, promote, wait, revert-proposed), oldest first. */
  controls?(env: string): readonly ControlSummary[];
  /** The revert of an entry as a pull request or commit; absent: the route answers 501. */
  readonly revert?: RevertPort;
}
