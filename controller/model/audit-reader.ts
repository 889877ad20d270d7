import type { AuditEntry } from './pipeline';

/**
 * Reads the audit trail: the same entries `cairn audit --json` prints. The audit log implements
 * it; the reconcile, the HTTP API and the CLI read through it.
 */
export interface AuditReader {
  list(filter: { readonly env?: string; readonly limit?: number }): Promise<readonly AuditEntry[]>;
  get(id: string): Promise<AuditEntry | undefined>;
}
