import { join } from 'node:path';
import { packageRoot } from '../package-root';

/**
 * The argv that starts this same `cairn` as a child process: the compiled bin when running from
 * dist/, or the TypeScript source through tsx when running from source (jest, `npx tsx`).
 */
export function selfCommand(): readonly string[] {
  if (__filename.endsWith('.ts')) {
    return [
      process.execPath,
      join(packageRoot(), 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      join(__dirname, 'main.ts'),
    ];
  }
  return [process.execPath, join(__dirname, 'main.js')];
}
