import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { CairnError } from '../errors';
import type { Log } from '../log';

/** The lock file's name inside the audit directory. */
export const LOCK_FILE = 'cairn-audit.lock';

/** A held writer lock; `release` removes the file only if it is still ours. */
export interface AuditLock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  readonly pid: number;
  readonly host: string;
}

/**
 * Takes the audit directory's writer lock: a file created exclusively, holding our pid and host.
 * Two writers would fork the hash chain, so a second live writer is refused. A lock left by a
 * process that no longer runs (on this host) is taken over.
 */
export async function acquireAuditLock(dir: string, log?: Log): Promise<AuditLock> {
  const path = join(dir, LOCK_FILE);
  const me: Holder = { pid: process.pid, host: hostname() };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await writeFile(path, content, { flag: 'wx', mode: 0o640 });
      return { path, release: () => releaseIfOurs(path, content) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = await readFile(path, 'utf8').catch(() => null);
    if (seen === null) continue; // released between our attempts
    const holder = parseHolder(seen);
    if (holder && (holder.host !== me.host || isAlive(holder.pid))) {
      throw new CairnError(`another cairn (pid ${holder.pid} on ${holder.host}) is writing this audit log`, {
        code: 'audit.locked',
        phase: 'record',
        subject: path,
        hint: 'stop the other controller, or give this one its own audit.dir',
      });
    }
    // Move the stale lock aside by a unique name: of two takers only one rename succeeds, and a
    // lock that changed since we read it (a live taker's) is put back.
    const aside = `${path}.stale-${process.pid}-${Date.now()}`;
    try {
      await rename(path, aside);
    } catch {
      continue;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved !== seen) {
      await rename(aside, path).catch(() => undefined);
      continue;
    }
    await unlink(aside).catch(() => undefined);
    log?.warn({ subject: path, pid: holder?.pid ?? null }, 'taking over a stale audit lock');
  }
  throw new CairnError('could not take the audit lock', {
    code: 'audit.lock-contended',
    phase: 'record',
    subject: path,
    retryable: true,
    hint: 'another process keeps taking it; make sure only one controller uses this audit.dir',
  });
}

function parseHolder(text: string): Holder | null {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    return typeof value.pid === 'number' && typeof value.host === 'string'
      ? { pid: value.pid, host: value.host }
      : null;
  } catch {
    return null; // a torn or foreign lock file: treated as stale
  }
}

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseIfOurs(path: string, content: string): Promise<void> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === content) await unlink(path).catch(() => undefined);
}
