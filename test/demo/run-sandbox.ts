import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../controller/package-root';

/** Runs test/sandbox/sandbox.sh up|down|status with the terminal attached; returns its exit code. */
export function runSandbox(verb: 'up' | 'down' | 'status'): number {
  const result = spawnSync('bash', [join(packageRoot(), 'test', 'sandbox', 'sandbox.sh'), verb], {
    stdio: 'inherit',
  });
  return result.status ?? 1;
}
