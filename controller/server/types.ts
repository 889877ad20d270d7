import type { PullRequest } from '../host/types';
import type { AuditReader, Trigger } from '../model';
import type { EnvironmentStatus } from '../reconcile/status';
import type { ShardHolder } from '../shard/shard-manager';

export type { EnvironmentState, EnvironmentStatus } from '../reconcile/status';

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
  planPullRequest?(pr: PullRequest, ref: string): readonly string[];
  /** True once the config is loaded and the first fetch is done. */
  ready(): boolean;
  /** Why `ready()` is false (for `/readyz`); null or absent when ready. */
  notReadyReason?(): string | null;
  readonly audit: AuditReader;
  /** With sharding: whether this replica holds `env` (absent: it reconciles everything). */
  holds?(env: string): boolean;
  /** With sharding: who holds `env` now (a fresh read of its Lease) and where it takes handoffs; null when free. */
  holderOf?(env: string): Promise<ShardHolder | null>;
  /** With sharding: this replica's holderIdentity. */
  readonly shardIdentity?: string;
  /** Suspends `env` (recorded in its ledger); absent: the API offers no suspend. */
  suspend?(env: string, by: string, reason: string): Promise<{ by: string; reason: string; since: string }>;
  /** Resumes `env` and queues a reconcile of it; absent: the API offers no resume. */
  resume?(env: string, by: string, reason?: string): Promise<void>;
}
