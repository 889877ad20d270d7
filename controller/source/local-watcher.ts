import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watch } from 'chokidar';
import type { Log } from '../log';

/**
 * Watches a local repository's refs (loose refs and packed-refs) and calls `onChange` at once,
 * debounced, so that a commit on disk is reconciled without waiting for the next poll.
 * `repoPath` is a path or a file:// URL.
 */
export function watchLocalRepository(
  repoPath: string,
  onChange: () => void,
  log: Log,
): { close(): Promise<void> } {
  const root = repoPath.startsWith('file://') ? fileURLToPath(repoPath) : repoPath;
  // A working repository keeps its refs in .git; a bare one at its root.
  const gitdir = existsSync(join(root, '.git')) ? join(root, '.git') : root;
  const watcher = watch([join(gitdir, 'refs', 'heads'), join(gitdir, 'packed-refs')], {
    ignoreInitial: true,
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, 50);
  });
  watcher.on('error', (error) => log.warn({ err: String(error) }, 'repository watcher failed'));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
