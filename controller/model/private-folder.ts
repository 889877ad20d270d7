import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CairnError } from './errors';
import type { Log } from './log';

/**
 * The one check on every folder cairn reuses across runs (the dependency cache, the Git cache, the
 * workspaces and their checkouts): it must be a real folder (not a symlink) that cairn's uid owns
 * and that no one else may write, as pip and npm check their caches. Anything else may have been
 * planted by another local user (a node_modules/aws-cdk-lib that cairn would load) and is moved
 * aside, logged as `cache.untrusted`, and built again.
 */
export interface PrivateFolderOptions {
  /** What the folder is, for the log line and the error: `dependency cache`, `Git cache`. */
  readonly what: string;
  readonly log: Log;
  /** The mode a new folder gets (default 0700). */
  readonly mode?: number;
  /**
   * The most a trusted folder may allow (default `mode`): extra read or search bits of cairn's own
   * folder are taken away; a write bit for group or others is never trusted.
   */
  readonly maxMode?: number;
}

/** Why `stat` (of `path`) is not a folder cairn may trust, or undefined when it is. */
export function untrustedReason(stat: Stats, uid: number = ownUid()): string | undefined {
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (!stat.isDirectory()) return 'it is not a folder';
  if (stat.uid !== uid) return `it is owned by uid ${stat.uid}, not cairn's uid ${uid}`;
  if (stat.mode & 0o022)
    return `its mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')} lets others write it`;
  return undefined;
}

function ownUid(): number {
  return process.geteuid?.() ?? 0;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Moves an untrusted folder out of the way (renamed, then removed as far as cairn may) and logs
 * why, as one line with code `cache.untrusted`. Throws when it cannot be moved (a sticky /tmp and
 * another user's folder): cairn then refuses to use the path at all.
 */
export function moveAside(
  path: string,
  reason: string,
  options: Pick<PrivateFolderOptions, 'what' | 'log'>,
): void {
  options.log.warn(
    { code: 'cache.untrusted', subject: path, what: options.what, reason },
    'untrusted cache moved aside: it is built again',
  );
  const aside = `${path}.untrusted-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    throw new CairnError(
      `is not a folder cairn can trust (${reason}) and cannot be moved aside: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        code: 'cache.untrusted',
        subject: `${options.what} ${path}`,
        retryable: false,
        hint: `remove ${path} (as its owner or root); cairn builds it again`,
      },
    );
  }
  try {
    rmSync(aside, { recursive: true, force: true });
  } catch {
    // Another user's files cairn may not delete: renamed, they are never read again.
  }
}

/**
 * Makes sure `path` is a folder only cairn controls, creating it (and its parents) when missing;
 * an untrusted one is moved aside and made afresh. Called on every use, not once: a folder can be
 * replaced between runs. Returns `path`.
 */
export function ensurePrivateFolder(path: string, options: PrivateFolderOptions): string {
  const mode = options.mode ?? 0o700;
  const maxMode = options.maxMode ?? mode;
  let stat = lstatOrUndefined(path);
  if (stat) {
    const reason = untrustedReason(stat);
    if (reason) {
      moveAside(path, reason, options);
      stat = undefined;
    }
  }
  if (!stat) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    mkdirSync(path, { mode });
    // mkdir's mode passes through the umask; the folder gets exactly `mode` (and keeps the setgid
    // bit it inherits on a shared volume, so its content stays in the volume's group).
    chmodSync(path, mode | (lstatSync(path).mode & 0o2000));
    return path;
  }
  // cairn's own folder with more read access than it should have (made by an older cairn): narrowed.
  if (stat.mode & 0o777 & ~maxMode) chmodSync(path, (stat.mode & 0o777 & maxMode) | (stat.mode & 0o2000));
  return path;
}

/**
 * Checks a finished entry of a cache (`<dependency cache>/<lockfile hash>`): true when it exists
 * and may be used; an untrusted one is moved aside (and logged) and false is returned, so that the
 * caller builds it again.
 */
export function trustedEntry(path: string, options: Pick<PrivateFolderOptions, 'what' | 'log'>): boolean {
  const stat = lstatOrUndefined(path);
  if (!stat) return false;
  const reason = untrustedReason(stat);
  if (!reason) return true;
  moveAside(path, reason, options);
  return false;
}

/**
 * Whether an entry of a folder cairn reuses is a temporary one, renamed into place when its write
 * is done: `<name>.tmp-<suffix>` (an install, a wheel folder) or `.<sha>.<random>.tmp` (a checkout).
 */
export function isTemporaryEntry(name: string): boolean {
  return /\.tmp(-|$)/.test(name);
}

/** The youngest a temporary entry may be and still be taken as a dead process's. */
const LEFTOVER_MIN_AGE_MS = 60 * 60 * 1000;

/**
 * Removes what a process killed mid-write (SIGKILL, an OOM kill, a lost node) left in a folder
 * cairn reuses: its temporary entries last changed more than twice `longestWriteMs` ago, and at
 * least an hour ago, since another live process (a `cairn plan` beside `cairn run`) may still be
 * writing one. Nothing else ever removes them, and a commit that kills the controller while it is
 * written would leave one more copy at every restart. A folder not made yet has none.
 */
export async function removeLeftovers(dir: string, longestWriteMs = 0): Promise<void> {
  const before = Date.now() - Math.max(LEFTOVER_MIN_AGE_MS, 2 * longestWriteMs);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!isTemporaryEntry(name)) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info && info.mtimeMs < before) await rm(join(dir, name), { recursive: true, force: true });
  }
}
