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

/** Fields every record carries: its place in its environment's chain and the key it is hashed with. */
interface Chained {
  readonly seq: number;
  readonly prevHash: string;
  /** The id of the key the record's hash is an HMAC under; absent in an unkeyed log (plain SHA-256). */
  readonly kid?: string;
  readonly env: string;
}

/** What `cairn audit repair` (or the writer, for a torn tail) cut from a chain, kept for evidence. */
export interface CutRecords {
  /** The seq the first cut line had (or would have had, for a torn fragment). */
  readonly fromSeq: number;
  readonly lines: number;
  readonly bytes: number;
  /** SHA-256 of the cut bytes, so the quarantined copy can be matched to this record. */
  readonly sha256: string;
  /** Where the cut bytes were moved (a file beside the chain, or a quarantine partition). */
  readonly quarantine: string;
}

/**
 * A line of the audit log: each environment has its own chain. `start` is written (and fsynced)
 * before anything is applied and `end` after; `check` closes a start whose pass changed nothing (a
 * quiet drift pass: the index folds repeats into the previous entry); `repair` records a break or a
 * torn tail being cut, by whom and why, and resumes the chain. Each line ends with a `hash` field
 * (HMAC-SHA256 under the audit key, see `record-codec.ts`) and carries the previous line's hash in
 * `prevHash`, so that any edit, deletion or reordering breaks the chain.
 */
export type AuditRecord =
  | (Chained & {
      readonly type: 'start';
      readonly id: string;
      readonly trigger: Trigger;
      readonly fromSha: string | null;
      readonly toSha: string;
      readonly startedAt: string;
      /** Commit metadata, so that an interrupted entry can still say which commit it was. */
      readonly author?: string;
      readonly message?: string;
      readonly committedAt?: string;
    })
  | (Chained & { readonly type: 'end'; readonly entry: AuditEntry })
  | (Chained & {
      readonly type: 'check';
      readonly id: string;
      readonly trigger: Trigger;
      readonly sha: string;
      readonly at: string;
    })
  | (Chained & {
      readonly type: 'repair';
      readonly kind: 'break' | 'torn-tail';
      readonly at: string;
      /** Who ran the repair (`user@host`), or `cairn` for an automatic torn-tail repair. */
      readonly by: string;
      /** The break or tail as verify described it. */
      readonly reason: string;
      readonly cut?: CutRecords;
      /** The head the witness had seen when the repair was made. */
      readonly witnessed?: { readonly seq: number; readonly hash: string } | null;
    });

/**
 * What earlier reconciles of one environment left behind: the sha of the newest succeeded (or
 * no-op) entry, and per half the tree of the newest entry that recorded that half in `applied`
 * (possibly a failed entry whose other half failed). A key is absent when that half never succeeded.
 * Only trusted records (before any break) count.
 */
export interface LastApplied {
  readonly sha: string | null;
  readonly awsTree?: string | null;
  readonly k8sTree?: string | null;
}

/** Quiet passes folded into an entry: how many, the first and the last. */
export interface FoldedChecks {
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

/**
 * An entry as the readers (`list`, `show`, the API) return it: the recorded entry, plus the quiet
 * passes folded into it and, for a record past a break in its chain, why it is not trusted.
 */
export type ListedEntry = AuditEntry & {
  readonly checks?: FoldedChecks;
  readonly untrusted?: string;
};
