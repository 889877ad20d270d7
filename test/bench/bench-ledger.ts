/**
 * Audit ledgers for the benchmarks: reconciles recorded as the reconciler records them (a `start`,
 * then an `end`), keyed and witnessed through the real AuditLog. audit-bench times the appends;
 * cli-bench builds a long ledger to time the commands that read it.
 */
import type { AuditLog } from '../../controller/audit/audit-log';
import type { AuditEntry } from '../../controller/model';

/** The `i`th reconcile of `env`: one ConfigMap configured, succeeded, each commit after the last. */
export function benchEntry(env: string, i: number): AuditEntry {
  const now = new Date().toISOString();
  return {
    id: `${env}-${i}`,
    env,
    trigger: 'poll',
    fromSha: i === 0 ? null : String(i - 1).padStart(40, '0'),
    toSha: String(i).padStart(40, '0'),
    author: 'Bench <bench@example.com>',
    message: `commit ${i}`,
    committedAt: now,
    startedAt: now,
    finishedAt: now,
    outcome: 'succeeded',
    phases: [{ name: 'apply-kubernetes', startedAt: now, durationMs: 12 }],
    applied: { k8s: 'tree' },
    changes: [
      { target: 'kubernetes', subject: `ConfigMap/apps/settings-${i}`, type: 'v1', action: 'configured' },
    ],
  };
}

/** Records `reconciles` reconciles of each environment, every environment appending at the same time. */
export async function recordReconciles(
  log: AuditLog,
  envs: readonly string[],
  reconciles: number,
): Promise<void> {
  await Promise.all(
    envs.map(async (env) => {
      for (let i = 0; i < reconciles; i += 1) {
        const e = benchEntry(env, i);
        await log.start({ id: e.id, env, trigger: e.trigger, fromSha: e.fromSha, toSha: e.toSha });
        await log.end(e);
      }
    }),
  );
}
