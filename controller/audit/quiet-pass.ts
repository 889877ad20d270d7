import type { AuditEntry } from './types';

/**
 * True for a pass that changed nothing: same revision as before, no failure, and every stack and
 * object unchanged. Such a pass is written as a small `check` record that the index folds into the
 * previous entry (count, first and last time), instead of a full entry every drift interval. A
 * pass that repaired drift, or a new commit, stays a full entry.
 */
export function isQuietPass(entry: AuditEntry): boolean {
  if (entry.outcome !== 'succeeded' && entry.outcome !== 'no-op') return false;
  if (entry.fromSha === null || entry.fromSha !== entry.toSha || entry.failure) return false;
  return entry.changes.every((c) => c.action === 'unchanged');
}
