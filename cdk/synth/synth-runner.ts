import { randomBytes } from 'node:crypto';
import type { AwsSynthConfig } from '../../controller/model';
import type { SynthRunner } from './synth-job';
import { readdirSync, readFileSync } from 'node:fs';
import { bubblewrapRunner, DEFAULT_SYNTH_USER } from './bubblewrap-runner';
import { runProcess } from './run-process';
import type * as SidecarRunner from './sidecar-runner';
import { DEFAULT_SYNTH_SOCKET, DEFAULT_SYNTH_WORK_ROOT } from '../../controller/model';

export type { SynthIsolation, SynthJob, SynthRunner, SynthUser } from './synth-job';

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
        ...(job.signal ? { signal: job.signal } : {}),
        reap: () => reapMarked(marker),
      });
    },
  };
}

/**
 * The runner an environment's settings ask for (bubblewrap when none are given). `workRoot` is
 * where a sidecar's jobs are prepared: the controller's workspaces folder on the shared volume.
 */
export function createSynthRunner(
  settings: Partial<AwsSynthConfig> = {},
  workRoot: string = DEFAULT_SYNTH_WORK_ROOT,
): SynthRunner {
  if (settings.isolation === 'none') return noneRunner();
  if (settings.isolation === 'sidecar') {
    // Loaded only for a sidecar: every one-shot command makes a render runner, most never this one.
    const { sidecarRunner } = require('./sidecar-runner') as typeof SidecarRunner;
    return sidecarRunner({ socket: settings.socket ?? DEFAULT_SYNTH_SOCKET, workRoot });
  }
  return bubblewrapRunner({
    uid: settings.uid ?? DEFAULT_SYNTH_USER.uid,
    gid: settings.gid ?? DEFAULT_SYNTH_USER.gid,
  });
}
