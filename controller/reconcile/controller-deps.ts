import type { AwsApplier } from '../../cdk/types';
import type { ControlAction, ControlDetails, Suspension } from '../audit/types';
import type { CairnConfig, EnvironmentConfig } from '../config/types';
import type { PullRequest } from '../host/types';
import type { KubeApplier } from '../kube/types';
import type { Log } from '../log';
import type { AuditEntry, AuditReader, Phase, ReconcileObserver, WriteFence } from '../model';
import type { ShardPort } from '../shard/shard-manager';
import type { GitSource } from '../source/types';
import type { Timers } from './backoff';
import type { EnvLock } from './env-lock';
import type { RevertResult } from './failure-revert';
import type { AuditTrail } from './reconcile-environment';
import type { ControllerMetrics } from './status';

/** The appliers of one environment; either half may be absent when the environment does not configure it. */
export interface EnvironmentAppliers {
  readonly aws?: AwsApplier;
  readonly kube?: KubeApplier;
}

/** The seams the controller is built from; the CLI wires the real ones, tests may wire fakes. */
export interface ControllerDeps {
  readonly config: CairnConfig;
  readonly source: GitSource;
  readonly audit: AuditTrail &
    AuditReader & {
      /** Closes starts without an end (of `env` only, when given) as interrupted. */
      interrupted(env?: string): Promise<readonly AuditEntry[]>;
      /** Reads what other writers appended to `env`'s chain since (a shared ledger, after a takeover). */
      refresh?(env: string): Promise<void>;
      /** When a quiet pass (folded into the last entry) last looked at `env`; absent means never. */
      lastChecked?(env: string): string | null;
      /** Whether the chains of `envs` take appends (a broken chain does not); absent means always. */
      health?(envs: readonly string[]): { readonly ready: boolean; readonly reason?: string };
      /** The suspension of `env` its ledger records; absent: nothing is ever suspended. */
      suspension?(env: string): Suspension | null;
      /**
       * Records a control record of `env` in its ledger; absent: suspending and promoting are not
       * offered. With `fence`, checked against this replica's Lease right before it is written.
       */
      control?(
        env: string,
        action: ControlAction,
        by: string,
        reason: string,
        details?: ControlDetails,
        fence?: WriteFence,
      ): Promise<Suspension | null>;
      /** The head a trusted `promote` record of `env` let through its gate; absent: nothing is ever forced. */
      promoted?(env: string): string | null;
    };
  readonly appliers: (env: EnvironmentConfig) => EnvironmentAppliers;
  readonly log: Log;
  readonly metrics?: ControllerMetrics;
  readonly retry?: { readonly baseMs: number; readonly maxMs: number; readonly random?: () => number };
  /** The retry timers; the global ones by default, a fake in tests. */
  readonly timers?: Timers;
  /** The clock of reconcile records and metrics. */
  readonly now?: () => Date;
  /** Told when each reconcile starts and ends (a Git host's commit statuses); never awaited. */
  readonly observers?: readonly ReconcileObserver[];
  /**
   * Held by every reconcile of an environment; share it with whatever else must never run beside
   * one (a pull request's plan). A lock of its own by default.
   */
  readonly lock?: EnvLock;
  /** Plans pull requests (needs a Git host); absent: the controller offers no `planPullRequest`. */
  readonly pullRequests?: { plan(pr: PullRequest, ref: string, only?: readonly string[]): readonly string[] };
  /**
   * With sharding: the Leases this replica holds. It reconciles only those environments, fences
   * each apply phase with a fresh read of the Lease, catches up with the ledger when it gains one,
   * and drops queued work when it loses one.
   */
  readonly shard?: ShardPort;
  /**
   * Without sharding: the unsharded heartbeat this replica holds. Each write batch is fenced on its
   * last renewal, so a replica paused past it stops before writing over its successor's release.
   */
  readonly heartbeat?: { writeFence(env: string, phase: Phase): WriteFence };
  /** failure-revert: proposes the revert of a terminally failed entry (failure-revert.ts); absent: never. */
  readonly failureRevert?: (entry: AuditEntry, fence?: WriteFence) => Promise<RevertResult>;
}
