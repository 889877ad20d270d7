import { spawn } from 'node:child_process';
import type { JobResult } from '../../controller/model';

/** How much raw output is kept before masking; far more than is shown, so a secret cut at the edge is dropped. */
const RAW_TAIL_CHARS = 64 * 1024;

/** How long the pipes are read after the process exited, for its last lines. */
const PIPE_GRACE_MS = 300;

/** What a child process printed (its raw tail, not yet masked) and how it ended: a job's result. */
export type ProcessResult = JobResult;

/** One process to run: argv, a complete environment (nothing is inherited), and how long it may take. */
export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Run as this user (only possible when cairn runs as root). */
  readonly user?: { readonly uid: number; readonly gid: number };
  /**
   * Kills whatever the process left behind that its process group does not cover (a `setsid`
   * descendant); called after the process exits and after a timeout.
   */
  readonly reap?: () => void;
  /** Kills the process group (and reaps) as a timeout would, when the caller gives up on the run. */
  readonly signal?: AbortSignal;
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is already gone
  }
}

/**
 * Runs a process in its own process group and resolves when the process exits, not when its pipes
 * close: a descendant that keeps stdout open cannot hold the caller. At the timeout, and again
 * once it exits, the whole group is killed and `reap` runs.
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(spec.file, [...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(spec.user ? { uid: spec.user.uid, gid: spec.user.gid } : {}),
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-RAW_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      spec.signal?.removeEventListener('abort', abort);
      // Whatever still holds the pipes is dead or orphaned; stop reading so nothing keeps us waiting.
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ...exit, timedOut, output });
    };
    let grace: NodeJS.Timeout | undefined;
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      exit = { code, signal };
      clearTimeout(timer);
      killGroup(child.pid);
      spec.reap?.();
      // The last lines may still sit in the pipes: read them until they close, briefly.
      grace = setTimeout(settle, PIPE_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      spec.reap?.();
    }, spec.timeoutMs);
    const abort = () => {
      killGroup(child.pid);
      spec.reap?.();
    };
    spec.signal?.addEventListener('abort', abort, { once: true });
    if (spec.signal?.aborted) abort();
    child.on('exit', exited);
    child.on('close', settle);
    child.on('error', (error) => {
      keep(Buffer.from(`${error.message}\n`));
      exited(null, null);
    });
  });
}
