import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEntry } from '../../../controller/audit/types';

/** A fresh temp directory named after the test, so that parallel runs never share one. */
export function tempAuditDir(test: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cairn-audit-${test}-`));
}

/** A sha made of one repeated character, readable in failures. */
export function sha(c: string): string {
  return c.repeat(40);
}

/** A finished entry with sensible defaults; tests override what they check. */
export function entry(overrides: Partial<AuditEntry> & Pick<AuditEntry, 'id'>): AuditEntry {
  return {
    env: 'dev',
    trigger: 'poll',
    fromSha: null,
    toSha: sha('a'),
    author: 'Ana <ana@example.com>',
    message: 'add the orders queue',
    committedAt: '2025-06-01T09:59:00.000Z',
    startedAt: '2025-06-01T10:00:00.000Z',
    finishedAt: '2025-06-01T10:00:05.000Z',
    outcome: 'succeeded',
    phases: [{ name: 'fetch', startedAt: '2025-06-01T10:00:00.000Z', durationMs: 120 }],
    applied: { aws: 'tree-aws-1', k8s: 'tree-k8s-1' },
    changes: [],
    ...overrides,
  };
}
