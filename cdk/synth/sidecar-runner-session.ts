import { chmodSync, cpSync, lstatSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { CairnError } from '../../controller/model';
import type { ProcessResult } from './run-process';
import { nonce as newNonce, proof, sameMac, SignedChannel } from './runner-auth';
import {
  encode,
  isNonce,
  lineReader,
  MAX_REQUEST_BYTES,
  PROTOCOL_VERSION,
  type RunnerMessage,
} from './sidecar-runner-protocol';
import type { SynthJob } from './synth-job';

/** How long a job may wait for the runner's single slot (other environments' synths) before it fails, retryable. */
const QUEUE_WAIT_MS = 15 * 60 * 1000;

/** How long past the job's own timeout the controller waits for the runner's answer. */
const ANSWER_GRACE_MS = 30_000;

/** How long the runner may take to clear the job's folders after release. */
const RELEASE_WAIT_MS = 30_000;

/** The largest answer line read from the runner (the output tail is 64 KiB; JSON may double it). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** What the controller knows of one runner: its key, and how many of its own jobs may be running there. */
export interface RunnerState {
  key?: Buffer;
  /** Connections past `ready` (a job of ours may run): the key file is not read while any is. */
  inFlight: number;
}

/** Per socket, for the whole process: every sidecar runner of one socket shares what it learned. */
const runners = new Map<string, RunnerState>();

/** What is known of the runner on `socket`. */
export function runnerState(socket: string): RunnerState {
  let state = runners.get(socket);
  if (!state) runners.set(socket, (state = { inFlight: 0 }));
  return state;
}

/** A failure to reach the runner, retryable (it may be restarting). */
export function unreachable(socket: string, error: NodeJS.ErrnoException | string): CairnError {
  const why =
    typeof error === 'string'
      ? error
      : error.code === 'EACCES'
        ? 'permission denied (the controller must share the socket’s group: the pod’s fsGroup)'
        : (error.code ?? error.message);
  return new CairnError(
    `synth runner not reachable at ${socket}: is the synth-runner container running? (${why})`,
    {
      code: 'synth.runner-unreachable',
      phase: 'synthesize',
      subject: 'aws-resources',
      retryable: true,
      hint: 'run `cairn synth-runner --socket <aws.synth.socket>` beside the controller, sharing the workspaces volume',
    },
  );
}

/** The runner went away or broke the protocol mid-job, retryable. */
export function lost(socket: string, what: string): CairnError {
  return new CairnError(`synth runner at ${socket} ${what}`, {
    code: 'synth.runner-lost',
    phase: 'synthesize',
    subject: 'aws-resources',
    retryable: true,
  });
}

/**
 * Takes a folder the runner's uid wrote back: a copy owned by cairn (0700, so the runner's group
 * cannot reach it), put in the folder's place once the runner has emptied the original.
 */
export function takeBack(dir: string): () => void {
  const copy = `${dir}.cairn`;
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o700);
  return () => {
    rmSync(dir, { recursive: true, force: true });
    renameSync(copy, dir);
  };
}

/** Whether the files under `dir` (links not followed) hold more than `max` bytes; stops counting past it. */
export function folderOver(dir: string, max: number): boolean {
  let total = 0;
  const walk = (path: string): boolean => {
    const stat = lstatSync(path);
    total += stat.size;
    if (total > max) return true;
    return stat.isDirectory() && readdirSync(path).some((name) => walk(join(path, name)));
  };
  return walk(dir);
}

/** The peer at the socket is not the runner (or its folder is not the runner's), retryable: the runner restores its socket after each job. */
export function untrusted(socket: string, why: string): CairnError {
  return new CairnError(
    `the synth runner at ${socket} could not be trusted: ${why}; nothing was sent to it`,
    {
      code: 'synth.runner-untrusted',
      phase: 'synthesize',
      subject: 'aws-resources',
      retryable: true,
      hint: 'if this repeats, a job may have taken over the runner socket: restart the pod and read the runner log',
    },
  );
}

/** The runner's hello did not prove the key the controller holds: a stale key, or not the runner. */
export class WrongKey extends Error {}

function refused(message: string): CairnError {
  return new CairnError(`the synth runner refused the job: ${message}`, {
    code: 'synth.runner-refused',
    phase: 'synthesize',
    subject: 'aws-resources',
    retryable: false,
    hint: "the runner's --work must be the controller's workspaces.dir on the shared volume",
  });
}

/**
 * One connection to the runner: hello with a fresh nonce; the runner's proof of the key (else
 * WrongKey, and nothing else was sent); the controller's proof; then, signed both ways, `ready`
 * (the slot is ours), the request, `started`, `exit` (returning our nonce), `release`, `released`.
 */
export function runSession(socket: string, state: RunnerState, job: SynthJob): Promise<ProcessResult> {
  const key = state.key!;
  const controllerNonce = newNonce();
  return new Promise<ProcessResult>((resolve, reject) => {
    const conn: Socket = connect(socket);
    let settled = false;
    let counted = false;
    let channel: SignedChannel | undefined;
    let exit: ProcessResult | undefined;
    let restore: (() => void) | undefined;
    let oversized = false;
    let timer = setTimeout(
      () => finish(lost(socket, `did not start the job within ${QUEUE_WAIT_MS / 60_000} min (busy?)`)),
      QUEUE_WAIT_MS,
    );
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', abandon);
      conn.destroy();
      if (error) reject(error);
      else resolve(exit!);
    };
    // The runner kills a job whose connection closed: closing it is how the caller stops the job.
    const abandon = () => finish(lost(socket, 'was left by its caller, which gave up on the job'));
    job.signal?.addEventListener('abort', abandon, { once: true });
    if (job.signal?.aborted) abandon();
    conn.once('connect', () => {
      conn.write(encode({ v: PROTOCOL_VERSION, type: 'hello', nonce: controllerNonce }));
    });
    conn.on('error', (error: NodeJS.ErrnoException) => {
      if (!exit && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'EACCES'))
        finish(unreachable(socket, error));
      else finish(lost(socket, `failed: ${error.code ?? error.message}`));
    });
    conn.on('close', () => {
      if (counted) {
        counted = false;
        state.inFlight--;
      }
      if (exit && oversized) {
        finish(
          new CairnError(
            `the job wrote more than ${job.maxOutputBytes} bytes into its output folder; nothing of it was read`,
            { code: 'synth.output-too-large', phase: 'synthesize', subject: 'aws-resources' },
          ),
        );
        return;
      }
      if (exit && restore) {
        // The runner answered `released` or went away after the exit; either way the copy is ours.
        try {
          restore();
        } catch (error) {
          finish(lost(socket, `left the output folder behind: ${(error as Error).message}`));
          return;
        }
        finish();
      } else if (exit) finish();
      else finish(lost(socket, 'closed the connection before the job ended (did its container restart?)'));
    });
    /** The runner's hello: its proof over both nonces, before anything of the job is sent. */
    const onHello = (line: string) => {
      let hello: { type?: unknown; nonce?: unknown; proof?: unknown; message?: unknown };
      try {
        hello = JSON.parse(line) as typeof hello;
      } catch {
        return finish(new WrongKey('not JSON'));
      }
      if (hello.type === 'error' && typeof hello.message === 'string') return finish(refused(hello.message));
      if (hello.type !== 'hello' || !isNonce(hello.nonce)) return finish(new WrongKey('no hello'));
      if (!sameMac(hello.proof, proof(key, 'runner', controllerNonce, hello.nonce)))
        return finish(new WrongKey('wrong proof'));
      conn.write(
        `${JSON.stringify({ type: 'auth', proof: proof(key, 'controller', controllerNonce, hello.nonce) })}\n`,
      );
      channel = new SignedChannel(key, 'controller', controllerNonce, hello.nonce);
    };
    const sendRequest = (ch: SignedChannel) => {
      const request = ch.sign({
        v: PROTOCOL_VERSION,
        type: 'run',
        command: job.command,
        cwd: job.cwd,
        env: job.env,
        writable: job.writable,
        timeoutMs: job.timeoutMs,
      });
      if (Buffer.byteLength(request) > MAX_REQUEST_BYTES) {
        finish(
          new CairnError(
            `the synth job is over the runner's ${MAX_REQUEST_BYTES}-byte request limit (a huge cdk.json context?)`,
            { code: 'synth.failed', phase: 'synthesize', subject: 'aws-resources/cdk.json' },
          ),
        );
        return;
      }
      conn.write(request);
    };
    const onMessage = (message: RunnerMessage, ch: SignedChannel) => {
      switch (message.type) {
        case 'ready':
          // From here a job of ours may run on the runner: its key file is not read meanwhile.
          if (!counted) {
            counted = true;
            state.inFlight++;
          }
          sendRequest(ch);
          return;
        case 'started':
          clearTimeout(timer);
          timer = setTimeout(
            () =>
              finish(
                lost(
                  socket,
                  `did not answer within ${Math.round((job.timeoutMs + ANSWER_GRACE_MS) / 1000)}s`,
                ),
              ),
            job.timeoutMs + ANSWER_GRACE_MS,
          );
          return;
        case 'exit':
          if (message.nonce !== controllerNonce)
            return finish(untrusted(socket, 'its answer did not return this job’s nonce'));
          exit = {
            code: message.code,
            signal: message.signal as NodeJS.Signals | null,
            timedOut: message.timedOut,
            output: message.output,
          };
          try {
            if (job.output && job.maxOutputBytes !== undefined)
              oversized = folderOver(job.output, job.maxOutputBytes);
            // An oversized output is not copied; the runner still empties it at release.
            if (job.output && !oversized) restore = takeBack(job.output);
          } catch (error) {
            finish(lost(socket, `wrote an output cairn could not copy: ${(error as Error).message}`));
            return;
          }
          clearTimeout(timer);
          timer = setTimeout(() => conn.destroy(), RELEASE_WAIT_MS);
          conn.write(ch.sign({ type: 'release' }));
          return;
        case 'released':
          conn.end();
          return;
        case 'error':
          finish(refused(message.message));
          return;
      }
    };
    conn.on(
      'data',
      lineReader(
        MAX_ANSWER_BYTES,
        (line) => {
          if (settled) return;
          if (!channel) return onHello(line);
          const message = channel.open(line) as RunnerMessage | undefined;
          if (message === undefined)
            return finish(untrusted(socket, 'it sent a line not signed with the runner key'));
          onMessage(message, channel);
        },
        () => finish(lost(socket, `sent an answer over ${MAX_ANSWER_BYTES} bytes`)),
      ),
    );
  });
}
