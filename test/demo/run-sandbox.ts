import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../controller/package-root';

/** test/sandbox/sandbox.sh of this checkout. */
export function sandboxScript(): string {
  return join(packageRoot(), 'test', 'sandbox', 'sandbox.sh');
}

/** The sandbox's state folder: `.sandbox/` unless CAIRN_SANDBOX_DIR says otherwise (as sandbox.sh reads it). */
export function sandboxStateDir(): string {
  return process.env.CAIRN_SANDBOX_DIR ?? join(packageRoot(), '.sandbox');
}

/** Runs test/sandbox/sandbox.sh up|down|status with the terminal attached; returns its exit code. */
export function runSandbox(verb: 'up' | 'down' | 'status'): number {
  const result = spawnSync('bash', [sandboxScript(), verb], { stdio: ['ignore', 'inherit', 'inherit'] });
  return result.status ?? 1;
}
