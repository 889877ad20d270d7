import { spawn, type ChildProcess } from 'node:child_process';
import { selfCommand } from '../../controller/cli/self-command';

/** What one `cairn` invocation printed and returned. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `cairn ARGS` as a real child process (from source, through tsx). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const [command, ...rest] = selfCommand();
  return spawn(command!, [...rest, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A running child process with what it printed so far (both streams) and its exit code to come. */
export interface WatchedChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Keeps everything `child` prints and the promise of its exit code (its stdout and stderr must be pipes). */
export function watchChild(child: ChildProcess): WatchedChild {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

/** Runs `cairn ARGS` to completion. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return collect(startCli(args, env));
}

/** Runs the development script `file` (TypeScript, through tsx in-process) with ARGS to completion. */
export function runScript(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return collect(
    spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), file, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * For a describe block that runs `main` in this process: stderr is muted (and spied on) in each
 * test, and `process.exitCode` cleared after it. Returns the running test's spy.
 */
export function mutedStderr(): () => jest.SpyInstance {
  let stderr: jest.SpyInstance | undefined;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr?.mockRestore();
    process.exitCode = undefined;
  });
  return () => stderr!;
}
