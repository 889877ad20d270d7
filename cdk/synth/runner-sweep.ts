import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * What the synth runner does between jobs: find and kill what a job left behind, and empty its
 * folders. Every job runs as the runner's own uid, so nothing of it may outlive its turn.
 */

/** What one process in /proc is, as far as the sweep needs to know. */
interface ProcInfo {
  readonly pid: number;
  readonly uid: number;
  readonly ppid: number;
  /** Start time in clock ticks since boot. */
  readonly start: number;
  /** Exited, waiting for its parent to reap it: nothing of it runs any more. */
  readonly zombie: boolean;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const uid = statSync(`/proc/${pid}`).uid;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, uid, ppid: Number(fields[1]), start: Number(fields[19]), zombie: fields[0] === 'Z' };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcInfo[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids.map((p) => procInfo(Number(p))).filter((p): p is ProcInfo => p !== undefined);
}

/** The runner itself and its ancestors: never swept. */
function selfAndAncestors(): Set<number> {
  const keep = new Set<number>();
  for (let pid = process.pid; pid > 0 && !keep.has(pid);) {
    keep.add(pid);
    pid = procInfo(pid)?.ppid ?? 0;
  }
  return keep;
}

let clockTicks: number | undefined;
/** Now, in the clock ticks /proc/<pid>/stat counts start times in. */
export function ticksNow(): number {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  try {
    return Math.floor(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * clockTicks);
  } catch {
    return 0;
  }
}

/**
 * Kills every process of the runner's uid, other than the runner and its ancestors, started since
 * `since`: what a job left behind, including a daemon that cleared its environment (which the
 * marker reap cannot find). Only done when the uid was the runner's alone at start-up (a container).
 */
export function sweepUid(since: number): number {
  const uid = process.getuid?.();
  if (uid === undefined) return 0;
  const keep = selfAndAncestors();
  let alive = 0;
  for (const p of allProcesses()) {
    if (p.uid !== uid || keep.has(p.pid) || p.start < since || p.zombie) continue;
    alive++;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return alive;
}

/**
 * Sweeps (see sweepUid) until no process of the job is left, for at most `limitMs`: a SIGKILL takes
 * effect a moment after it is sent, and the runner answers `exit` only when nothing of the job runs.
 * Returns how many were still alive at the end (0 when all went).
 */
export async function sweepUidUntilGone(since: number, limitMs: number): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const alive = sweepUid(since);
    if (alive === 0 || Date.now() >= deadline) return alive;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether no process of the runner's uid exists but the runner and its ancestors. */
export function uidIsExclusive(): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  const keep = selfAndAncestors();
  return !allProcesses().some((p) => p.uid === uid && !keep.has(p.pid));
}

/** Removes everything inside `dir` (the folder itself stays: it belongs to the controller). */
export function emptyFolder(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      rmSync(path, { recursive: true, force: true });
    } catch {
      // The app may have made a folder of its own unreadable; the runner's uid owns it, so open and retry.
      openTree(path);
      rmSync(path, { recursive: true, force: true });
    }
  }
}

function openTree(path: string): void {
  try {
    if (!lstatSync(path).isDirectory()) return;
    chmodSync(path, 0o700);
    for (const name of readdirSync(path)) openTree(join(path, name));
  } catch {
    // not ours: the rm after reports nothing either, and the controller sees a folder it cannot clear
  }
}

/** A FIFO lock: one job at a time. */
export class Slot {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with the release function once every earlier holder released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}
