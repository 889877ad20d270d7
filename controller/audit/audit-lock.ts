import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../model/errors';
import type { Log } from '../log';

/** The lock file's name inside the audit directory. */
export const LOCK_FILE = 'cairn-audit.lock';

/** A held writer lock. */
export interface AuditLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Exit code the `flock` child uses when another process holds the lock. */
const HELD = 75;

/**
 * Takes the audit directory's writer lock with flock(2), which the kernel drops when its holder
 * dies: a SIGKILL, an OOM kill or a crash can never leave a lock behind, whatever pid the next
 * process gets (in a container cairn is pid 1 every time). Node cannot call flock itself, so a
 * small `flock` child (util-linux) takes it and holds it while its stdin, a pipe from us, is open:
 * when we exit by any path the pipe closes and the child exits, releasing the lock; when we are
 * killed, so is the pipe. The pid and host written into the file only name the holder in errors.
 */
export async function acquireAuditLock(dir: string, log?: Log): Promise<AuditLock> {
  const path = join(dir, LOCK_FILE);
  const child = spawn(
    'flock',
    [
      '--nonblock',
      '--conflict-exit-code',
      String(HELD),
      path,
      'sh',
      '-c',
      'echo locked; exec cat >/dev/null',
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const taken = await new Promise<'locked' | { code: number | null; error?: Error; stderr: string }>(
    (resolve) => {
      let out = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('locked\n')) resolve('locked');
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', (error) => resolve({ code: null, error, stderr }));
      child.on('exit', (code) => resolve({ code, stderr }));
    },
  );
  if (taken !== 'locked') {
    if (taken.code === HELD) {
      const holder = await readHolder(path);
      throw new CairnError(`another cairn${holder ? ` (${holder})` : ''} is writing this audit log`, {
        code: 'audit.locked',
        phase: 'record',
        subject: path,
        hint: 'stop the other controller, or give this one its own audit.dir',
      });
    }
    throw new CairnError(
      `could not take the audit lock: ${taken.error?.message ?? (taken.stderr.trim() || `flock exited ${taken.code}`)}`,
      {
        code: 'audit.lock-failed',
        phase: 'record',
        subject: path,
        hint: 'cairn needs the `flock` command (util-linux) and write access to audit.dir',
      },
    );
  }
  // The child must never keep our event loop alive, nor outlive us.
  child.stdout.destroy();
  child.stderr.destroy();
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  await writeFile(
    path,
    `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`,
  );
  log?.debug({ subject: path }, 'audit lock taken');
  let released: Promise<void> | null = null;
  return {
    path,
    release: () =>
      (released ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Waiting for the exit must keep the process alive, or it ends with the lock release pending.
        child.ref();
        child.stdin.end();
      })),
  };
}

async function readHolder(path: string): Promise<string | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  try {
    const value = JSON.parse(text) as { pid?: unknown; host?: unknown; since?: unknown };
    return `pid ${String(value.pid)} on ${String(value.host)} since ${String(value.since)}`;
  } catch {
    return null;
  }
}
