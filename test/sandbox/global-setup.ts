import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sandboxDir } from './sandbox-env';

const script = join(repoRoot, 'test', 'sandbox', 'sandbox.sh');

/**
 * Starts the sandbox once per jest run, or reuses one that is up and healthy. Records whether
 * this run started it, so that global teardown stops only what it started.
 */
export default function globalSetup(): void {
  const marker = join(sandboxDir, 'started-by-jest');
  if (isHealthy()) return;
  execFileSync('bash', [script, 'up'], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60 * 60 * 1000 });
  mkdirSync(sandboxDir, { recursive: true });
  if (!existsSync(marker)) writeFileSync(marker, String(process.pid));
}

function isHealthy(): boolean {
  try {
    execFileSync('bash', [script, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
