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
