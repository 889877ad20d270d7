import type { AuditEntry, Outcome, Trigger } from '../audit/types';

export type EnvironmentState = 'synced' | 'progressing' | 'failed' | 'drifted' | 'unknown';

/** What the API shows of one environment. */
export interface EnvironmentStatus {
  readonly name: string;
  readonly branch: string;
  readonly lastAppliedSha: string | null;
  readonly headSha: string | null;
  readonly status: EnvironmentState;
  readonly lastReconcileAt: string | null;
  readonly lastOutcome: Outcome | null;
  readonly queueDepth: number;
}

/** Reads the audit trail (the same entries `cairn audit --json` prints). */
export interface AuditReader {
  list(filter: { readonly env?: string; readonly limit?: number }): Promise<readonly AuditEntry[]>;
  get(id: string): Promise<AuditEntry | undefined>;
}

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
  /** True once the config is loaded and the first fetch is done. */
  ready(): boolean;
  /** Why `ready()` is false (for `/readyz`); null or absent when ready. */
  notReadyReason?(): string | null;
  readonly audit: AuditReader;
}
