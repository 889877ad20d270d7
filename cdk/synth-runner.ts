import { randomBytes } from 'node:crypto';
import type { AwsSynthConfig } from '../controller/config/types';
import { readdirSync, readFileSync } from 'node:fs';
import { bubblewrapRunner, DEFAULT_SYNTH_USER } from './bubblewrap-runner';
import { runProcess, type ProcessResult } from './run-process';

/**
 * How the CDK app is kept away from the controller: `bubblewrap` (own PID, mount, network and IPC
 * namespaces, another uid when cairn runs as root) or `none` (a plain child process that can see
 * everything cairn can; only for machines where the repository's authors are trusted).
 */
export type SynthIsolation = AwsSynthConfig['isolation'];

/** The user a sandboxed app runs as when cairn runs as root. */
export interface SynthUser {
  readonly uid: number;
  readonly gid: number;
}

/** One run of the CDK app (or any command given by the repository). */
export interface SynthJob {
  /** The shell command (cdk.json's `app`), run with `sh -c` in `cwd`. */
  readonly command: string;
  readonly cwd: string;
  /** The complete environment the command sees: nothing of the controller's is added. */
  readonly env: Readonly<Record<string, string>>;
  /** Folders the command may read (the checkout, the toolchain's node_modules); read-only. */
  readonly readOnly: readonly string[];
  /** Folders the command may write (its output and temp folders); nothing else is writable. */
  readonly writable: readonly string[];
  readonly timeoutMs: number;
}

/**
 * Runs repository code. The seam for isolation: `bubblewrap` on one machine; in a cluster, an
 * implementation that hands the job to a sidecar container holding no credentials (it needs the
 * checkout and output folders on a shared volume) fits here without the caller changing.
 */
export interface SynthRunner {
  readonly isolation: SynthIsolation;
  /** The user the command runs as when it differs from cairn's own (its folders must belong to it). */
  readonly user?: SynthUser;
  /** Why this runner cannot run anything on this machine, or undefined when it can. Cached. */
  unavailable(): Promise<string | undefined>;
  run(job: SynthJob): Promise<ProcessResult>;
}

/**
 * Kills every process whose environment carries `marker`: the descendants a process group kill
 * misses (a `setsid` daemon), found by reading /proc/<pid>/environ of cairn's own processes.
 */
export function reapMarked(marker: string): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return; // no /proc (not Linux): the process group kill is all there is
  }
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`).includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone, or not ours to read
    }
  }
}

/**
 * Runs the command as a plain child process with cairn's uid and the job's environment only. It
 * sees the controller's files and processes: no isolation, chosen explicitly with
 * `aws.synth.isolation: none`. Descendants are killed by process group and by an environment marker.
 */
export function noneRunner(): SynthRunner {
  return {
    isolation: 'none',
    unavailable: () => Promise.resolve(undefined),
    run(job) {
      const marker = `CAIRN_SYNTH_RUN=${randomBytes(12).toString('hex')}`;
      const [name, value] = marker.split('=') as [string, string];
      return runProcess({
        file: '/bin/sh',
        args: ['-c', job.command],
        cwd: job.cwd,
        env: { ...job.env, [name]: value },
        timeoutMs: job.timeoutMs,
        reap: () => reapMarked(marker),
      });
    },
  };
}

/** The runner an environment's settings ask for (bubblewrap when none are given). */
export function createSynthRunner(settings: Partial<AwsSynthConfig> = {}): SynthRunner {
  if (settings.isolation === 'none') return noneRunner();
  return bubblewrapRunner({
    uid: settings.uid ?? DEFAULT_SYNTH_USER.uid,
    gid: settings.gid ?? DEFAULT_SYNTH_USER.gid,
  });
}
