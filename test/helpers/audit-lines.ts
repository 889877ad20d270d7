import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The raw lines of one environment's chain (each environment has its own folder under envs/). */
export function auditLines(auditDir: string, env = 'dev'): string[] {
  const dir = join(auditDir, 'envs', env);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
}

/** A `start` record as a chain's first line holds it (before seq, prevHash and the hash are added). */
export const startRecord = {
  type: 'start' as const,
  id: 'e1',
  env: 'dev',
  trigger: 'poll' as const,
  fromSha: null,
  toSha: 'a'.repeat(40),
  startedAt: '2025-06-01T10:00:00.000Z',
};
