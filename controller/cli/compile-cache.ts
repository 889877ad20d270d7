import { lstatSync, mkdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { enableCodeCache } from './code-cache';

/** Node 22.1+'s `module.enableCompileCache`, or on Node 20 cairn's stand-in (`enableCodeCache`). */
type Enable = (directory: string) => unknown;

/** Where the cache would live, and whether it was turned on (and why not). */
export interface CompileCache {
  readonly directory?: string;
  readonly enabled: boolean;
  /** Why not, when it is not. */
  readonly reason?: string;
}

/**
 * Turns on V8's code cache for the modules this process loads, as `tsc` does: a command then skips
 * compiling most of the few hundred modules it loads, about 20 ms of a Node 24 `cairn sync` and 45
 * ms of a Node 20 one. Node 22.1 and later keep it themselves (`module.enableCompileCache`); on Node
 * 20 cairn's stand-in does (`enableCodeCache`, code-cache.ts). Not when `NODE_COMPILE_CACHE`
 * already decides, nor with `CAIRN_COMPILE_CACHE=off`.
 *
 * The cache holds code this process runs, so it is never a shared folder: not Node's default under
 * the system's temp folder, where another local user could plant entries. It is
 * `$XDG_CACHE_HOME/cairn/compile-cache` (`~/.cache/...`), used only when it is a real folder of this
 * user's own that nobody else may write (mode 0700); anything else is left alone and the command
 * runs without the cache. A read-only home (a container's) is no error either.
 */
export function enableCompileCache(
  env: NodeJS.ProcessEnv = process.env,
  /** Node's own where it has one, else cairn's stand-in; tests pass a recorder. */
  enable: Enable = (nodeModule as { enableCompileCache?: Enable }).enableCompileCache ?? enableCodeCache,
  uid: number | undefined = process.getuid?.(),
): CompileCache {
  if (env.NODE_COMPILE_CACHE !== undefined) return { enabled: false, reason: 'NODE_COMPILE_CACHE decides' };
  if (env.CAIRN_COMPILE_CACHE === 'off') return { enabled: false, reason: 'CAIRN_COMPILE_CACHE=off' };
  let directory: string | undefined;
  try {
    // Inside the try: a user with no home (a runner's uid with no passwd entry and no HOME) makes
    // homedir() throw, and the command must then run without the cache, not fail.
    directory = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cairn', 'compile-cache');
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    // lstat: a symlink planted in its place is not followed.
    const found = lstatSync(directory);
    if (!found.isDirectory()) return { directory, enabled: false, reason: 'not a folder' };
    if (uid !== undefined && found.uid !== uid)
      return { directory, enabled: false, reason: `owned by uid ${found.uid}, not this user` };
    if ((found.mode & 0o077) !== 0)
      return {
        directory,
        enabled: false,
        reason: `others may use it (mode ${(found.mode & 0o777).toString(8)})`,
      };
    enable(directory);
    return { directory, enabled: true };
  } catch (error) {
    return { ...(directory ? { directory } : {}), enabled: false, reason: (error as Error).message };
  }
}
