import { join } from 'node:path';

/**
 * The argv that starts this same `cairn` as a child process: the compiled bin when running from
 * dist/, or the TypeScript source loaded in-process by tsx when running from source (jest,
 * `npx tsx`). In-process matters: tsx's own CLI forks, and a signal would miss cairn itself.
 */
export function selfCommand(): readonly string[] {
  if (__filename.endsWith('.ts')) {
    return [process.execPath, '--require', require.resolve('tsx/cjs'), join(__dirname, 'main.ts')];
  }
  return [process.execPath, join(__dirname, 'main.js')];
}
