import type { ResourceChange, AppliedStackAction } from '../../cdk/types';
import type { AppliedObjectAction } from '../kube/types';

export type Trigger = 'poll' | 'webhook' | 'watch' | 'drift' | 'manual' | 'startup' | 'retry';

export type Outcome = 'succeeded' | 'failed' | 'interrupted' | 'no-op';

export type PhaseName =
  'fetch' | 'synthesize' | 'plan' | 'apply-aws' | 'apply-kubernetes' | 'verify' | 'record';

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
  readonly aws: {
    readonly skipped?: string;
    readonly stacks: readonly {
      readonly name: string;
      readonly action: AppliedStackAction;
      readonly changes: readonly ResourceChange[];
      readonly durationMs?: number;
      readonly error?: string;
    }[];
  };
  readonly kubernetes: {
    readonly skipped?: string;
    readonly objects: readonly {
      readonly apiVersion: string;
      readonly kind: string;
      readonly namespace?: string;
      readonly name: string;
      readonly action: AppliedObjectAction;
      readonly durationMs?: number;
      readonly error?: string;
    }[];
  };
  readonly error?: { readonly phase: string; readonly message: string; readonly subject?: string };
}

/**
 * A line of the audit log. `start` is written (and fsynced) before anything is applied, `end`
 * after; an `end` with outcome `interrupted` closes a `start` whose process died. Each line also
 * ends with a `hash` field (SHA-256 of the line without it, see `record-codec.ts`) and carries the
 * previous line's hash in `prevHash`, so that any edit, deletion or reordering breaks the chain.
 */
export type AuditRecord =
  | {
      readonly type: 'start';
      readonly seq: number;
      readonly prevHash: string;
      readonly id: string;
      readonly env: string;
      readonly trigger: Trigger;
      readonly fromSha: string | null;
      readonly toSha: string;
      readonly startedAt: string;
      /** Commit metadata, so that an interrupted entry can still say which commit it was. */
      readonly author?: string;
      readonly message?: string;
      readonly committedAt?: string;
    }
  | { readonly type: 'end'; readonly seq: number; readonly prevHash: string; readonly entry: AuditEntry };

/**
 * What earlier reconciles of one environment left behind: the sha of the newest succeeded (or
 * no-op) entry, and per half the tree of the newest entry that recorded that half in `applied`
 * (possibly a failed entry whose other half failed). A key is absent when that half never succeeded.
 */
export interface LastApplied {
  readonly sha: string | null;
  readonly awsTree?: string | null;
  readonly k8sTree?: string | null;
}
