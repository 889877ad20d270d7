import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { watch } from 'chokidar';
import type { Log } from '../log';

/**
 * Watches a local repository's refs (loose refs and packed-refs) and calls `onChange` at once,
 * debounced, so that a commit on disk is reconciled without waiting for the next poll.
 */
export function watchLocalRepository(
  repoPath: string,
  onChange: () => void,
  log: Log,
): { close(): Promise<void> } {
  const gitdir = existsSync(join(repoPath, '.git')) ? join(repoPath, '.git') : repoPath;
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
