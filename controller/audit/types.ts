import type { AuditEntry, Trigger } from '../model';

// The entry and its parts belong to the model at the bottom of the graph; the audit log stores them.
export type { AuditEntry, AuditReader, Outcome, PhaseName, PhaseTiming, Trigger } from '../model';

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
