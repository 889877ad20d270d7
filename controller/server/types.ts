import type { PullRequest } from '../host/types';
import type { AuditReader, Trigger } from '../model';
import type { SyncAnswer } from '../reconcile/handed-requests';
import type { EnvironmentPlan } from '../reconcile/plan-environment';
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
  planPullRequest?(pr: PullRequest, ref: string, only?: readonly string[]): readonly string[];
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
  /** With sharding: a sync handed over by `cairn sync`, answered when its reconcile ends (see Controller.syncNow). */
  syncNow?(env: string): Promise<SyncAnswer>;
  /** With sharding: a plan handed over by `cairn plan`, made under the environment's lock. */
  planNow?(env: string): Promise<EnvironmentPlan>;
}
