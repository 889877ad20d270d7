import { isAbsolute } from 'node:path';
import type { ProcessResult } from './run-process';
import { checkEndpoint, readRunnerKey } from './runner-auth';
import { runnerState, runSession, unreachable, untrusted, WrongKey } from './sidecar-runner-session';
import type { SynthJob, SynthRunner } from './synth-job';

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

/**
 * One job on the runner: checks its endpoint, proves the key both ways, then sends the job. The key
 * file is read only while none of this process's jobs runs there (runner-auth.ts says why); a
 * stale key (the runner restarted) is read again once, under that same rule.
 */
async function runRemote(socket: string, job: SynthJob): Promise<ProcessResult> {
  const state = runnerState(socket);
  for (let attempt = 0; ; attempt++) {
    const why = checkEndpoint(socket);
    if (why?.startsWith('missing:')) throw unreachable(socket, why.slice(8));
    if (why) throw untrusted(socket, why);
    const cached = state.key !== undefined;
    if (!state.key) {
      if (state.inFlight > 0)
        throw untrusted(
          socket,
          'its key is unknown while one of our jobs runs there (read only when none does)',
        );
      const read = readRunnerKey(socket);
      if ('missing' in read) throw unreachable(socket, read.missing);
      if ('untrusted' in read) throw untrusted(socket, read.untrusted);
      state.key = read.key;
    }
    try {
      return await runSession(socket, state, job);
    } catch (error) {
      if (!(error instanceof WrongKey)) throw error;
      // The answer did not prove our key. A runner that restarted has a new one, readable only
      // while no job of ours runs; otherwise it is a listener that took the socket's place.
      if (cached && attempt === 0 && state.inFlight === 0) {
        state.key = undefined;
        continue;
      }
      throw untrusted(socket, 'the peer did not prove the runner key (a job may have replaced the socket)');
    }
  }
}
