/**
 * Run as a child process by tests that measure memory: fetches one branch with the given backend,
 * checks it out, and prints one JSON line with the outcome and the process's peak RSS.
 * Usage: `tsx test/helpers/checkout-in-child.ts <backend> <url> <branch> <workspaces-dir> <maxFileBytes>`.
 */
import { silentLog } from '../../controller/log';
import { createGitSource } from '../../controller/source/create-git-source';

async function main(): Promise<void> {
  const [backend, url, branch, dir, max] = process.argv.slice(2) as [string, string, string, string, string];
  const baselineMb = process.resourceUsage().maxRSS / 1024;
  const source = createGitSource(
    { url, backend: backend === 'native' ? 'native' : 'isomorphic', pollIntervalMs: 1000, watch: false },
    { dir, keep: 2, maxFileBytes: Number(max) },
    silentLog(),
    {},
  );
  const [head] = await source.fetch([{ env: 'dev', branch }]);
  let outcome: { stage: string; code?: string; message: string; dir?: string };
  if (head?.kind === 'revision') {
    outcome = await source.checkout(head.revision).then(
      (ws) => ({ stage: 'checkout', message: 'checked out', dir: ws.dir }),
      (error: { code?: string; message: string }) => ({
        stage: 'checkout',
        code: error.code,
        message: error.message,
      }),
    );
  } else if (head?.kind === 'error') {
    const error = head.error as { code?: string; message: string };
    outcome = { stage: 'fetch', code: error.code, message: error.message };
  } else outcome = { stage: 'fetch', message: JSON.stringify(head) };
  await source.close();
  const peakMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...outcome, baselineMb, peakMb })}\n`);
}

void main();
