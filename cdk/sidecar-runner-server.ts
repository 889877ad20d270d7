import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type { Log } from '../controller/model';
import { runProcess, type ProcessResult } from './run-process';
import {
  encode,
  folderUnder,
  lineReader,
  MAX_REQUEST_BYTES,
  parseRequest,
  ProtocolError,
  type RunnerMessage,
  type RunRequest,
} from './sidecar-runner-protocol';
import { reapMarked } from './synth-runner';

/** How long a connection may take to send its request line. */
const REQUEST_TIMEOUT_MS = 10_000;

/** How long the runner waits for the controller to take the output back before it clears it anyway. */
const RELEASE_TIMEOUT_MS = 120_000;

/** A running `cairn synth-runner`. */
export interface SynthRunnerServer {
  readonly socket: string;
  /** Whether processes of the runner's uid left by a job are swept (the uid was the runner's alone at start). */
  readonly exclusiveUid: boolean;
  /** Stops accepting, kills the running job, removes the socket. */
  close(): Promise<void>;
}

/** What one process in /proc is, as far as the sweep needs to know. */
interface ProcInfo {
  readonly pid: number;
  readonly uid: number;
  readonly ppid: number;
  /** Start time in clock ticks since boot. */
  readonly start: number;
}

function procInfo(pid: number): ProcInfo | undefined {
  try {
    const uid = statSync(`/proc/${pid}`).uid;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, uid, ppid: Number(fields[1]), start: Number(fields[19]) };
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
function ticksNow(): number {
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
function sweepUid(since: number): void {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const keep = selfAndAncestors();
  for (const p of allProcesses()) {
    if (p.uid !== uid || keep.has(p.pid) || p.start < since) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Whether no process of the runner's uid exists but the runner and its ancestors. */
function uidIsExclusive(): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return false;
  const keep = selfAndAncestors();
  return !allProcesses().some((p) => p.uid === uid && !keep.has(p.pid));
}

/** Removes everything inside `dir` (the folder itself stays: it belongs to the controller). */
function emptyFolder(dir: string): void {
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
class Slot {
  private tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

/**
 * Starts the synth runner: listens on a Unix socket (mode 0660, so only the runner's uid and its
 * group, the pod's fsGroup, may connect) and runs one job at a time from it, each only inside
 * `workRoot` and with only the job's environment. Jobs are serialized because they all run as the
 * runner's uid: two at once could write into each other's output.
 */
export async function startSynthRunnerServer(options: {
  readonly socket: string;
  readonly workRoot: string;
  readonly log: Log;
}): Promise<SynthRunnerServer> {
  const { socket, workRoot, log } = options;
  if (!isAbsolute(socket)) throw new Error(`--socket must be an absolute path, not ${socket}`);
  if (!isAbsolute(workRoot)) throw new Error(`--work must be an absolute path, not ${workRoot}`);
  const exclusiveUid = uidIsExclusive();
  const slot = new Slot();
  const running = new Set<AbortController>();
  let closing = false;
  let bound: { server: Server; ino: number } | undefined;

  const connections = new Set<Socket>();
  const jobs = new Set<Promise<void>>();

  /** Runs one accepted job when the slot is free; answers on `conn`. */
  const runJob = async (
    conn: Socket,
    job: RunRequest,
    abort: AbortController,
    released: () => Promise<void>,
  ) => {
    const send = (message: RunnerMessage) => {
      if (!conn.destroyed) conn.write(encode(message));
    };
    const release = await slot.acquire();
    running.add(abort);
    try {
      if (conn.destroyed || closing) return;
      let writable: string[];
      try {
        folderUnder(workRoot, job.cwd, 'cwd');
        writable = job.writable.map((dir) => folderUnder(workRoot, dir, 'writable folder'));
      } catch (error) {
        refuse(conn, error instanceof ProtocolError ? error.message : String(error));
        return;
      }
      // Folders made for this job but writable by the runner's uid while earlier jobs ran: whatever
      // an earlier job planted there (had it learned the path) goes before this job starts.
      for (const dir of writable) emptyFolder(dir);
      send({ type: 'started' });
      const since = ticksNow() - 1;
      const marker = randomBytes(12).toString('hex');
      const started = Date.now();
      const result: ProcessResult = await runProcess({
        file: '/bin/sh',
        args: ['-c', job.command],
        cwd: job.cwd,
        // The job's environment and the reap marker; never the runner's own.
        env: { ...job.env, CAIRN_SYNTH_RUN: marker },
        timeoutMs: job.timeoutMs,
        signal: abort.signal,
        reap: () => {
          reapMarked(`CAIRN_SYNTH_RUN=${marker}`);
          if (exclusiveUid) sweepUid(since);
        },
      });
      // Nothing of the job runs any more: the controller may copy its output safely.
      log.info(
        { durationMs: Date.now() - started, code: result.code, timedOut: result.timedOut, cwd: job.cwd },
        'synth job finished',
      );
      send({
        type: 'exit',
        code: result.code,
        signal: result.signal,
        timedOut: result.timedOut,
        output: result.output,
      });
      if (!closing) await released();
      for (const dir of writable) emptyFolder(dir);
      send({ type: 'released' });
      conn.end();
    } finally {
      running.delete(abort);
      release();
      checkSocket();
    }
  };

  const refuse = (conn: Socket, message: string) => {
    log.warn({ reason: message }, 'synth job refused');
    if (!conn.destroyed) conn.end(encode({ type: 'error', message }));
  };

  const handle = (conn: Socket) => {
    connections.add(conn);
    const abort = new AbortController();
    let request: RunRequest | undefined;
    let releaseSeen = false;
    const releaseWaiters: (() => void)[] = [];
    const wake = () => releaseWaiters.splice(0).forEach((w) => w());
    conn.on('error', () => conn.destroy());
    conn.on('close', () => {
      connections.delete(conn);
      // The controller gave up (or died): a job still running is killed, a finished one cleared.
      abort.abort();
      wake();
    });
    conn.setTimeout(REQUEST_TIMEOUT_MS, () => {
      if (!request) refuse(conn, `no request line within ${REQUEST_TIMEOUT_MS / 1000}s`);
    });
    const released = () =>
      new Promise<void>((resolve) => {
        if (releaseSeen || conn.destroyed) return resolve();
        const timer = setTimeout(resolve, RELEASE_TIMEOUT_MS);
        releaseWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    conn.on(
      'data',
      lineReader(
        MAX_REQUEST_BYTES,
        (line) => {
          if (request) {
            // After the request, the only thing the controller says is that it took the output back.
            if (line.trim() === encode({ type: 'release' }).trim()) {
              releaseSeen = true;
              wake();
            }
            return;
          }
          try {
            request = parseRequest(line);
          } catch (error) {
            refuse(conn, error instanceof ProtocolError ? error.message : 'the request could not be read');
            return;
          }
          conn.setTimeout(0);
          const job = runJob(conn, request, abort, released)
            .catch((error: unknown) => {
              log.error({ err: error }, 'synth job failed in the runner');
              refuse(conn, `the runner failed: ${(error as Error).message}`);
            })
            .finally(() => jobs.delete(job));
          jobs.add(job);
        },
        () => refuse(conn, `the request is over ${MAX_REQUEST_BYTES} bytes`),
      ),
    );
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      clearStaleSocket(socket);
      const server = createServer(handle);
      server.once('error', reject);
      // The socket is made 0660 from the start: no moment where another local user may connect.
      const umask = process.umask(0o117);
      server.listen(socket, () => {
        process.umask(umask);
        chmodSync(socket, 0o660);
        bound = { server, ino: lstatSync(socket).ino };
        server.off('error', reject);
        server.on('error', (error) => log.error({ err: error }, 'synth runner socket error'));
        resolve();
      });
    });

  /**
   * A job runs as the runner's uid, which owns the socket: it could unlink it and listen on the
   * path itself to receive the next environment's job. After each job, the path must still be the
   * runner's socket, or the runner binds it again (the job's processes are dead by then).
   */
  const checkSocket = () => {
    if (closing || !bound) return;
    let ino: number | undefined;
    try {
      ino = lstatSync(socket).ino;
    } catch {
      ino = undefined;
    }
    if (ino === bound.ino) return;
    log.warn({ socket }, 'the socket was replaced during a job: binding it again');
    bound.server.close();
    listen().catch((error: unknown) => log.error({ err: error }, 'could not bind the socket again'));
  };

  // Jobs create files as the runner's uid; the controller (the same group) must read them.
  process.umask(0o027);
  await listen();
  log.info({ socket, workRoot, exclusiveUid }, 'synth runner listening');
  return {
    socket,
    exclusiveUid,
    async close() {
      closing = true;
      for (const abort of running) abort.abort();
      for (const conn of connections) conn.destroy();
      // A killed job still has its folders emptied before the runner exits.
      await Promise.all([...jobs]);
      if (bound) {
        const { server } = bound;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      try {
        if (bound && lstatSync(socket).ino === bound.ino) unlinkSync(socket);
      } catch {
        // already gone
      }
    },
  };
}

/** A socket left by an earlier runner (a container restart keeps the volume) is removed; anything else is not. */
function clearStaleSocket(socket: string): void {
  let stat;
  try {
    stat = lstatSync(socket);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new Error(`${socket} exists and is not a socket: refusing to replace it`);
  unlinkSync(socket);
}
