import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, sandboxDir } from './sandbox-env';

/** Stops the sandbox only if this jest run started it (CAIRN_KEEP_SANDBOX=1 keeps it up). */
export default function globalTeardown(): void {
  const marker = join(sandboxDir, 'started-by-jest');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== String(process.pid)) return;
  rmSync(marker);
  if (process.env.CAIRN_KEEP_SANDBOX === '1') return;
  execFileSync('bash', [join(repoRoot, 'test', 'sandbox', 'sandbox.sh'), 'down'], { stdio: 'inherit' });
}
