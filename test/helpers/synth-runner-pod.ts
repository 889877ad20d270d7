import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { nonce, proof, readRunnerKey, SignedChannel } from '../../cdk/synth/runner-auth';
import { repoRoot } from '../sandbox/sandbox-env';

/**
 * The server keys every config with a sidecar runner needs (config-checks.ts checkSidecarServer):
 * a token (read from the server's start only, so `cairn sync` and `plan` need no value) and
 * /metrics behind it.
 */
export const SIDECAR_SERVER = { apiTokenEnv: 'CAIRN_API_TOKEN', metricsAuth: true } as const;

/** The pod's fsGroup in the install contract: the group both containers share the volume through. */
export const POD_FS_GROUP = 10001;

/**
 * The synth runner container of the pod contract, as a host process: `node dist/.../main.js
 * synth-runner` under another uid (the test runs as root), with a folder standing in for the
 * pod's emptyDir (group POD_FS_GROUP, setgid, 2777 as kubelet makes it) holding the socket and the
 * controller's workspaces.
 */
export interface RunnerPod {
  /** The emptyDir stand-in (`/var/lib/cairn` in the pod). */
  readonly volume: string;
  readonly socket: string;
  /** The controller's workspaces.dir and the runner's --work. */
  readonly workRoot: string;
  readonly uid: number;
  readonly child: ChildProcess;
  logs(): string;
  /** SIGTERM; resolves with how it exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops it if running and removes the volume. */
  cleanup(): Promise<void>;
}

/** Starts the runner as `uid` (with the pod's fsGroup as its group) and waits until it listens. */
export async function startRunnerPod(uid: number, env: NodeJS.ProcessEnv = {}): Promise<RunnerPod> {
  const main = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build first`);
  const volume = mkdtempSync(join(tmpdir(), 'cairn-pod-volume-'));
  chownSync(volume, 0, POD_FS_GROUP);
  chmodSync(volume, 0o2777);
  const socket = join(volume, 'runner', 'synth.sock');
  const workRoot = join(volume, 'workspaces');
  const child = spawn(process.execPath, [main, 'synth-runner', '--socket', socket, '--work', workRoot], {
    uid,
    gid: POD_FS_GROUP,
    cwd: '/',
    // What a runner container has: no AWS variables, no token, no Secret; plus a marker to show
    // that not even its own environment reaches a job.
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', RUNNER_OWN_VARIABLE: 'runner-only-value', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the runner did not listen within 60 s:\n${logs}`)),
      60_000,
    );
    const read = (chunk: Buffer) => {
      logs += chunk.toString();
      if (logs.includes('synth runner listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    void exited.then(({ code }) => reject(new Error(`the runner exited with ${code}:\n${logs}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    volume,
    socket,
    workRoot,
    uid,
    child,
    logs: () => logs,
    stop,
    async cleanup() {
      await stop();
      rmSync(volume, { recursive: true, force: true });
    },
  };
}

/** Pids of the live processes owned by `uid`. */
export function processesOf(uid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return (
          statSync(`/proc/${p}`).uid === uid && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z ')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Speaks the protocol to the runner as the controller does (reading its key file: the test runs as
 * root), sends `request` once the runner is ready, and returns every message it answered.
 */
export function authenticatedRaw(socket: string, request: object): Promise<unknown[]> {
  const read = readRunnerKey(socket);
  if (!('key' in read)) throw new Error(`no runner key: ${JSON.stringify(read)}`);
  const { key } = read;
  const mine = nonce();
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    const answers: unknown[] = [];
    let channel: SignedChannel | undefined;
    let buffered = '';
    conn.on('error', reject);
    conn.on('close', () => resolve(answers));
    conn.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (!channel) {
          const hello = JSON.parse(line) as { nonce: string };
          conn.write(
            `${JSON.stringify({ type: 'auth', proof: proof(key, 'controller', mine, hello.nonce) })}\n`,
          );
          channel = new SignedChannel(key, 'controller', mine, hello.nonce);
          continue;
        }
        const message = channel.open(line) as { type?: string } | undefined;
        answers.push(message);
        if (message?.type === 'ready') conn.write(channel.sign(request));
        if (message?.type === 'exit') conn.write(channel.sign({ type: 'release' }));
      }
    });
    conn.write(`${JSON.stringify({ v: 2, type: 'hello', nonce: mine })}\n`);
  });
}
