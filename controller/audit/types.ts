import type { AuditEntry, Trigger } from '../model';

// The entry and its parts belong to the model at the bottom of the graph; the audit log stores them.
export type { AuditEntry, AuditReader, Outcome, PhaseName, PhaseTiming, Trigger } from '../model';

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
    })
  | (Chained & {
      readonly type: 'control';
      /** `suspend`: nothing of the environment is reconciled until a `resume`. */
      readonly action: ControlAction;
      readonly at: string;
      /** Who asked (`user@host`, or what the API caller named itself). */
      readonly by: string;
      readonly reason: string;
      /** `revert-proposed`: the id of the failed entry whose revert cairn made. */
      readonly entry?: string;
      /** `promote`: the head let through; `wait`: the head a gate holds back; `revert-proposed`: the revert commit. */
      readonly sha?: string;
      /** `revert-proposed`: the pull request, when one was opened. */
      readonly url?: string;
    });

/**
 * What was decided about an environment outside a reconcile, recorded in its chain so that every
 * replica reads it: an operator's `suspend`, `resume` or forced `promote` of a head; cairn's own
 * `wait` (a promotion gate holding a head back, once per head) and `revert-proposed` (the revert
 * of a failed entry, see reconcile/failure-revert.ts).
 */
export type ControlAction = 'suspend' | 'resume' | 'promote' | 'wait' | 'revert-proposed';

/** The fields of a control record beyond who and why (each action uses its own, see above). */
export interface ControlDetails {
  readonly entry?: string;
  readonly sha?: string;
  readonly url?: string;
}

/** The fields of a `revert-proposed` control record beyond who and why. */
export interface RevertProposal extends ControlDetails {
  readonly entry: string;
  readonly sha: string;
}

/** A suspension as the readers and the status show it: who, why and since when. */
export interface Suspension {
  readonly by: string;
  readonly reason: string;
  readonly since: string;
}

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

/** A `control` record (suspend, resume, promote, wait, revert-proposed) as the readers show it. */
export interface ControlSummary extends ControlDetails {
  readonly env: string;
  readonly seq: number;
  readonly action: ControlAction;
  readonly at: string;
  readonly by: string;
  readonly reason: string;
  readonly untrusted?: true;
}
