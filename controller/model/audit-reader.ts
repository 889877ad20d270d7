import type { AuditEntry } from './pipeline';

/**
 * Reads the audit trail: the same entries `cairn audit --json` prints. The audit log implements
 * it; the reconcile, the HTTP API and the CLI read through it.
 */
export interface AuditReader {
  /**
   * Newest first: `offset` newest entries skipped (default 0), then at most `limit` (default all),
   * ending before the entry whose record would take the page past `maxBytes` (the first is always
   * in it).
   */
  list(filter: {
    readonly env?: string;
    readonly limit?: number;
    readonly offset?: number;
    readonly maxBytes?: number;
  }): Promise<readonly AuditEntry[]>;
  /**
   * How many finished entries `env` has, all that `list({ env })` pages through; known without
   * reading a record, so that a page can say whether any entry is left after it.
   */
  count(env: string): number;
  get(id: string): Promise<AuditEntry | undefined>;
}
