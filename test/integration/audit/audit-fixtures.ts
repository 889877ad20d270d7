import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry } from '../../../controller/audit/types';
import type { AuditConfig } from '../../../controller/config/types';
import { DRIFT_REPAIRED } from '../../../controller/model';

/** A fresh temp directory named after the test, so that parallel runs never share one. */
export function tempAuditDir(test: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `cairn-audit-${test}-`));
}

/**
 * The audit config of a JSONL log in `dir`: its witness beside it (`<dir>.witness`) and an HMAC
 * key in `<dir>.key`, both outside the folder, as a real deployment keeps them.
 */
export function auditConfig(dir: string, overrides: Partial<AuditConfig> = {}): AuditConfig {
  const keyFile = `${dir}.key`;
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  return { backend: 'jsonl', dir, witnessDir: `${dir}.witness`, keyFile, unkeyed: false, ...overrides };
}

/** The config file of a cairn whose only job here is its audit trail (for `cairn audit ...`). */
export async function writeAuditOnlyConfig(dir: string, audit: string): Promise<string> {
  const file = join(dir, 'cairn.yaml');
  await writeFile(
    file,
    `repository: { url: ${join(dir, 'repo')} }\nenvironments:\n  - name: dev\n    branch: dev\n    kubernetes: {}\naudit:\n${audit}`,
  );
  return file;
}

/** Verifies every chain of the log in `dir`: the record count, or the first break. */
export async function verifyAuditLog(
  dir: string,
  config: AuditConfig = auditConfig(dir),
): Promise<
  | { ok: true; records: number }
  | { ok: false; env: string; file: string; line: number; seq: number; reason: string }
> {
  const reader = await AuditLog.reader(config);
  try {
    let records = 0;
    for (const report of reader.reports()) {
      if (report.firstBreak) {
        const { env, file, line, seq, reason } = report.firstBreak;
        return { ok: false, env, file, line, seq, reason };
      }
      if (report.tornTail) {
        return {
          ok: false,
          env: report.env,
          file: report.tornTail.at.file,
          line: report.tornTail.at.line,
          seq: report.head.seq + 1,
          reason: 'incomplete last line',
        };
      }
      records += report.records;
    }
    return { ok: true, records };
  } finally {
    await reader.close();
  }
}

/** A sha made of one repeated character, readable in failures. */
export function sha(c: string): string {
  return c.repeat(40);
}

/**
 * The per-object part of an entry where one ConfigMap was created, left unchanged, or had its
 * drift repaired. The shape of an entry's delta lives here only, so the tests follow the entry type.
 */
export function delta(what: 'created' | 'unchanged' | 'drift repaired'): Partial<AuditEntry> {
  const change = { target: 'kubernetes', subject: 'ConfigMap/apps/settings', type: 'v1' } as const;
  return {
    changes: [
      what === 'drift repaired'
        ? { ...change, action: 'configured', reason: DRIFT_REPAIRED }
        : { ...change, action: what },
    ],
  };
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

/** A whole reconcile as the reconciler records it: its start (at the entry's `startedAt`), then its end. */
export async function recordEntry(log: Pick<AuditLog, 'start' | 'end'>, e: AuditEntry): Promise<void> {
  await log.start({
    id: e.id,
    env: e.env,
    trigger: e.trigger,
    fromSha: e.fromSha,
    toSha: e.toSha,
    startedAt: e.startedAt,
  });
  await log.end(e);
}
