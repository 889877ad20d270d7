import { chmodSync, cpSync, renameSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { isAbsolute } from 'node:path';
import { CairnError } from '../controller/model';
import type { ProcessResult } from './run-process';
import {
  encode,
  lineReader,
  MAX_REQUEST_BYTES,
  PROTOCOL_VERSION,
  type RunnerMessage,
} from './sidecar-runner-protocol';
import type { SynthJob, SynthRunner } from './synth-job';

/** How long a job may wait for the runner's single slot (other environments' synths) before it fails, retryable. */
const QUEUE_WAIT_MS = 15 * 60 * 1000;

/** How long past the job's own timeout the controller waits for the runner's answer. */
const ANSWER_GRACE_MS = 30_000;

/** How long the runner may take to clear the job's folders after release. */
const RELEASE_WAIT_MS = 30_000;

/** The largest answer line read from the runner (the output tail is 64 KiB; JSON may double it). */
const MAX_ANSWER_BYTES = 1024 * 1024;

function unreachable(socket: string, error: NodeJS.ErrnoException): CairnError {
  const why =
    error.code === 'EACCES'
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

function lost(socket: string, what: string): CairnError {
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
function takeBack(dir: string): () => void {
  const copy = `${dir}.cairn`;
  rmSync(copy, { recursive: true, force: true });
  cpSync(dir, copy, { recursive: true, verbatimSymlinks: true });
  chmodSync(copy, 0o700);
  return () => {
    rmSync(dir, { recursive: true, force: true });
    renameSync(copy, dir);
  };
}

/**
 * Runs jobs in the synth runner container (`cairn synth-runner`) over its Unix socket: the
 * controller keeps its credentials, and the repository's code runs in a container that holds none
 * (Argo CD's repo-server pattern). The job's folders must be under `workRoot`, the volume both
 * containers mount; the output folder (`job.output`) is copied back into a folder only cairn can
 * write before the runner may start another job, and the runner then empties what the job wrote.
 */
export function sidecarRunner(options: { readonly socket: string; readonly workRoot: string }): SynthRunner {
  const { socket, workRoot } = options;
  return {
    isolation: 'sidecar',
    workRoot,
    unavailable: () =>
      Promise.resolve(
        isAbsolute(socket) ? undefined : `aws.synth.socket must be an absolute path, not ${socket}`,
      ),
    run: (job) => runRemote(socket, job),
  };
}

function runRemote(socket: string, job: SynthJob): Promise<ProcessResult> {
  return new Promise<ProcessResult>((resolve, reject) => {
    const conn: Socket = connect(socket);
    let settled = false;
    let exit: ProcessResult | undefined;
    let restore: (() => void) | undefined;
    let timer = setTimeout(
      () => finish(lost(socket, `did not start the job within ${QUEUE_WAIT_MS / 60_000} min (busy?)`)),
      QUEUE_WAIT_MS,
    );
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      conn.destroy();
      if (error) reject(error);
      else resolve(exit!);
    };
    conn.once('connect', () => {
      const request = encode({
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
            {
              code: 'synth.failed',
              phase: 'synthesize',
              subject: 'aws-resources/cdk.json',
            },
          ),
        );
        return;
      }
      conn.write(request);
    });
    conn.on('error', (error: NodeJS.ErrnoException) => {
      if (!exit && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'EACCES'))
        finish(unreachable(socket, error));
      else finish(lost(socket, `failed: ${error.code ?? error.message}`));
    });
    conn.on('close', () => {
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
    const onMessage = (message: RunnerMessage) => {
      switch (message.type) {
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
          exit = {
            code: message.code,
            signal: message.signal as NodeJS.Signals | null,
            timedOut: message.timedOut,
            output: message.output,
          };
          try {
            if (job.output) restore = takeBack(job.output);
          } catch (error) {
            finish(lost(socket, `wrote an output cairn could not copy: ${(error as Error).message}`));
            return;
          }
          clearTimeout(timer);
          timer = setTimeout(() => conn.destroy(), RELEASE_WAIT_MS);
          conn.write(encode({ type: 'release' }));
          return;
        case 'released':
          conn.end();
          return;
        case 'error':
          finish(
            new CairnError(`the synth runner refused the job: ${message.message}`, {
              code: 'synth.runner-refused',
              phase: 'synthesize',
              subject: 'aws-resources',
              retryable: false,
              hint: "the runner's --work must be the controller's workspaces.dir on the shared volume",
            }),
          );
          return;
      }
    };
    conn.on(
      'data',
      lineReader(
        MAX_ANSWER_BYTES,
        (line) => {
          try {
            onMessage(JSON.parse(line) as RunnerMessage);
          } catch {
            finish(lost(socket, 'sent an answer that is not JSON'));
          }
        },
        () => finish(lost(socket, `sent an answer over ${MAX_ANSWER_BYTES} bytes`)),
      ),
    );
  });
}
