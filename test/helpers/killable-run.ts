import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../sandbox/sandbox-env';

/** The compiled `cairn` the kill-point tests run (so a SIGKILL hits cairn, not a tsx wrapper). */
export const BUILT_CAIRN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

/** How a run of the binary ended, and what it printed. */
export interface KillableRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the compiled binary with `args`. `arm` gets the child as it starts (a proxy that SIGKILLs
 * it at a chosen request, or a watch) and returns what undoes it once the child is gone. With
 * `mustBeKilled`, a run that ended any other way than by SIGKILL throws: the kill point was never
 * reached, and what follows would test nothing.
 */
export async function runKillable(
  args: readonly string[],
  options: {
    readonly env?: NodeJS.ProcessEnv;
    readonly arm?: (child: ChildProcess) => () => void;
    readonly mustBeKilled?: boolean;
  } = {},
): Promise<KillableRun> {
  const child = spawn(process.execPath, [BUILT_CAIRN, ...args], {
    ...(options.env ? { env: options.env } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const disarm = options.arm?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const run = await new Promise<KillableRun>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  disarm?.();
  if (options.mustBeKilled && run.signal !== 'SIGKILL')
    throw new Error(
      `the kill point was never reached (exit ${String(run.code)}): ${run.stderr.slice(-2000)}`,
    );
  return run;
}
