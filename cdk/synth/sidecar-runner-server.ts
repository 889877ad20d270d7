import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import type { Log } from '../../controller/model';
import { runProcess, type ProcessResult } from './run-process';
import { newKey, nonce as newNonce, proof, sameMac, SignedChannel } from './runner-auth';
import { emptyFolder, Slot, sweepUid, sweepUidUntilGone, ticksNow, uidIsExclusive } from './runner-sweep';
import { openEndpoint, type RunnerEndpoint } from './sidecar-runner-endpoint';
import {
  encode,
  folderUnder,
  lineReader,
  MAX_REQUEST_BYTES,
  parseHello,
  parseRequest,
  ProtocolError,
  type RunnerMessage,
  type RunRequest,
} from './sidecar-runner-protocol';
import { reapMarked } from './synth-runner';

/** How long a connection may take to send each handshake line, and its request once `ready`. */
const REQUEST_TIMEOUT_MS = 10_000;

/** How long the runner waits for the controller to take the output back before it clears it anyway. */
const RELEASE_TIMEOUT_MS = 120_000;
/** How long the runner waits for the processes of a finished job to die of their SIGKILL. */
const SWEEP_LIMIT_MS = 2_000;

/** A running `cairn synth-runner`. */
export interface SynthRunnerServer {
  readonly socket: string;
  /** Whether processes of the runner's uid left by a job are swept (the uid was the runner's alone at start). */
  readonly exclusiveUid: boolean;
  /** Stops accepting, kills the running job, removes the socket and the key file. */
  close(): Promise<void>;
}

/** The lines of one connection, read one at a time (each with a deadline). */
class LineQueue {
  private readonly lines: string[] = [];
  private waiter: ((line: string | undefined) => void) | undefined;
  private ended = false;

  push(line: string): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(line);
    } else this.lines.push(line);
  }

  end(): void {
    this.ended = true;
    this.waiter?.(undefined);
    this.waiter = undefined;
  }

  /** The next line, or undefined when the connection ended or `timeoutMs` passed. */
  next(timeoutMs: number): Promise<string | undefined> {
    const line = this.lines.shift();
    if (line !== undefined || this.ended) return Promise.resolve(line);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (l) => {
        clearTimeout(timer);
        resolve(l);
      };
    });
  }
}

/**
 * Starts the synth runner: listens on a Unix socket in a folder of its own (the folder 0750 and
 * the socket 0660, so only the runner's uid and its group, the pod's fsGroup, may connect), with a
 * per-start key beside it (runner-auth.ts says why), and runs one job at a time from it, each only
 * inside `workRoot` and with only the job's environment. Jobs are serialized because they all run
 * as the runner's uid: two at once could write into each other's output.
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
  const key = newKey();
  const slot = new Slot();
  const running = new Set<AbortController>();
  const connections = new Set<Socket>();
  const sessions = new Set<Promise<void>>();
  let closing = false;

  const refuse = (conn: Socket, message: string, channel?: SignedChannel) => {
    if (conn.destroyed || conn.writableEnded) return;
    log.warn({ reason: message }, 'synth job refused');
    const line: RunnerMessage = { type: 'error', message };
    conn.end(channel ? channel.sign(line) : encode(line));
  };

  /** One connection: the handshake, the wait for the slot, the job, the release. */
  const session = async (conn: Socket, lines: LineQueue, abort: AbortController): Promise<void> => {
    // 1. The controller's hello, and the runner's proof of the key over both nonces.
    const first = await lines.next(REQUEST_TIMEOUT_MS);
    if (first === undefined) return refuse(conn, `no request line within ${REQUEST_TIMEOUT_MS / 1000}s`);
    let hello;
    try {
      hello = parseHello(first);
    } catch (error) {
      return refuse(conn, error instanceof ProtocolError ? error.message : 'the request could not be read');
    }
    const runnerNonce = newNonce();
    conn.write(
      encode({ type: 'hello', nonce: runnerNonce, proof: proof(key, 'runner', hello.nonce, runnerNonce) }),
    );
    // 2. The controller's proof: only a holder of the key may have a job run.
    const auth = await lines.next(REQUEST_TIMEOUT_MS);
    let given: unknown;
    try {
      given = auth === undefined ? undefined : (JSON.parse(auth) as { proof?: unknown }).proof;
    } catch {
      given = undefined;
    }
    if (!sameMac(given, proof(key, 'controller', hello.nonce, runnerNonce)))
      return refuse(conn, 'the client did not prove the runner key: no job is run for it');
    const channel = new SignedChannel(key, 'runner', hello.nonce, runnerNonce);
    const send = (message: RunnerMessage) => {
      if (!conn.destroyed) conn.write(channel.sign(message));
    };
    // 3. The slot: the request is asked for only now, so no other job's code runs while it is here.
    const release = await slot.acquire();
    running.add(abort);
    try {
      if (conn.destroyed || closing) return;
      send({ type: 'ready' });
      const line = await lines.next(REQUEST_TIMEOUT_MS);
      if (line === undefined) return refuse(conn, `no request within ${REQUEST_TIMEOUT_MS / 1000}s`, channel);
      const message = channel.open(line);
      if (message === undefined)
        return refuse(conn, 'the request is not signed with the runner key', channel);
      let job: RunRequest;
      let writable: string[];
      try {
        job = parseRequest(JSON.stringify(message));
        folderUnder(workRoot, job.cwd, 'cwd');
        writable = job.writable.map((dir) => folderUnder(workRoot, dir, 'writable folder'));
      } catch (error) {
        return refuse(conn, error instanceof ProtocolError ? error.message : String(error), channel);
      }
      await runJob(job, writable, hello.nonce, abort, send, lines, channel);
      conn.end();
    } finally {
      running.delete(abort);
      release();
    }
  };

  /** Runs one accepted job; the key is hidden while its code lives, and the endpoint restored after. */
  const runJob = async (
    job: RunRequest,
    writable: readonly string[],
    controllerNonce: string,
    abort: AbortController,
    send: (message: RunnerMessage) => void,
    lines: LineQueue,
    channel: SignedChannel,
  ): Promise<void> => {
    // Folders made for this job but writable by the runner's uid while earlier jobs ran: whatever
    // an earlier job planted there (had it learned the path) goes before this job starts.
    for (const dir of writable) emptyFolder(dir);
    endpoint.hideKey();
    send({ type: 'started' });
    const since = ticksNow() - 1;
    const marker = randomBytes(12).toString('hex');
    const started = Date.now();
    let result: ProcessResult;
    try {
      result = await runProcess({
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
      // The job's processes were sent SIGKILL; `exit` is said only once they are gone.
      if (exclusiveUid) {
        const left = await sweepUidUntilGone(since, SWEEP_LIMIT_MS);
        if (left > 0) log.warn({ left }, "processes of the job outlived the sweep's wait");
      }
    } finally {
      // Nothing of the job runs any more: the socket, its folder and the key are made the runner's again.
      await endpoint
        .restore()
        .catch((error: unknown) => log.error({ err: error }, 'could not bind the socket again'));
    }
    log.info(
      { durationMs: Date.now() - started, code: result.code, timedOut: result.timedOut },
      'synth job finished',
    );
    send({
      type: 'exit',
      nonce: controllerNonce,
      code: result.code,
      signal: result.signal,
      timedOut: result.timedOut,
      output: result.output,
    });
    if (!closing) {
      // After the exit, the only thing the controller says is that it took the output back.
      for (
        let line = await lines.next(RELEASE_TIMEOUT_MS);
        line !== undefined;
        line = await lines.next(RELEASE_TIMEOUT_MS)
      ) {
        const message = channel.open(line) as { type?: unknown } | undefined;
        if (message?.type === 'release') break;
      }
    }
    for (const dir of writable) emptyFolder(dir);
    send({ type: 'released' });
  };

  const handle = (conn: Socket) => {
    connections.add(conn);
    const abort = new AbortController();
    const lines = new LineQueue();
    conn.on('error', () => conn.destroy());
    conn.on('close', () => {
      connections.delete(conn);
      // The controller gave up (or died): a job still running is killed, a finished one cleared.
      abort.abort();
      lines.end();
    });
    conn.on(
      'data',
      lineReader(
        MAX_REQUEST_BYTES,
        (line) => lines.push(line),
        () => {
          lines.end();
          refuse(conn, `the request is over ${MAX_REQUEST_BYTES} bytes`);
        },
      ),
    );
    const done = session(conn, lines, abort)
      .catch((error: unknown) => {
        log.error({ err: error }, 'synth job failed in the runner');
        if (!conn.destroyed) conn.destroy();
      })
      .finally(() => sessions.delete(done));
    sessions.add(done);
  };

  // Jobs create files as the runner's uid; the controller (the same group) must read them.
  process.umask(0o027);
  const endpoint: RunnerEndpoint = await openEndpoint({ socket, key, log, handle });
  if (!exclusiveUid)
    log.warn(
      { socket },
      "the runner's uid is not its own: a job's leftover process could outlive the sweep (run the runner as a uid of its own)",
    );
  log.info({ socket, workRoot, exclusiveUid }, 'synth runner listening');
  return {
    socket,
    exclusiveUid,
    async close() {
      closing = true;
      for (const abort of running) abort.abort();
      for (const conn of connections) conn.destroy();
      // A killed job still has its folders emptied before the runner exits.
      await Promise.all([...sessions]);
      await endpoint.close();
    },
  };
}
