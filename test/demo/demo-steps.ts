import { genericHeaders } from '../helpers/webhook-deliveries';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { CairnError } from '../../controller/model/errors';
import type { EnvironmentStatus } from '../../controller/server/types';

/** Small effects the demo is made of: git in the demo repository, a signed webhook, waiting on the API. */

/** Runs git in `dir` with the demo's author, returning stdout. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dana Developer',
      GIT_AUTHOR_EMAIL: 'dana@example.com',
      GIT_COMMITTER_NAME: 'Dana Developer',
      GIT_COMMITTER_EMAIL: 'dana@example.com',
    },
  }).trim();
}

/** Sends the push webhook a Git host would send, signed the way /hooks/generic checks it. */
export async function sendPushWebhook(
  apiUrl: string,
  secret: string,
  branch: string,
  sha: string,
): Promise<number> {
  const body = JSON.stringify({ ref: `refs/heads/${branch}`, after: sha });
  const response = await fetch(`${apiUrl}/hooks/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...genericHeaders(body, secret, `${branch}-${sha}`) },
    body,
  });
  return response.status;
}

/** How a wait ended early: the environment stalled or failed, or the controller exited. */
export function endedEarly(env: string, status: EnvironmentStatus | undefined): CairnError | undefined {
  if (!status || (status.status !== 'stalled' && status.status !== 'failed')) return undefined;
  const failure = status.failure;
  return new CairnError(
    `${status.status} on ${status.headSha?.slice(0, 7) ?? 'its branch head'}: ${failure?.code ?? 'unknown'}: ${failure?.message ?? 'no failure recorded'}`,
    {
      code: failure?.code ?? 'demo.environment-failed',
      ...(failure ? { phase: failure.phase } : {}),
      subject: `environment ${env}`,
      hint: 'fix the cause above and run `npm run demo` again',
    },
  );
}

/**
 * Polls GET /api/environments until `done` holds for the environment. A stalled or failed
 * environment ends the wait at once with its failure's code and message (a stall never heals by
 * waiting; the demo used to wait its whole timeout in silence), and so does a controller that exits.
 */
export async function waitForEnvironment(
  apiUrl: string,
  env: string,
  done: (status: EnvironmentStatus) => boolean,
  timeoutMs: number,
  controller?: ChildProcess,
): Promise<EnvironmentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: EnvironmentStatus | undefined;
  while (Date.now() < deadline) {
    if (controller && (controller.exitCode !== null || controller.signalCode !== null)) {
      throw new CairnError(
        `exited (${controller.exitCode ?? controller.signalCode}) while the demo waited for ${env}`,
        { code: 'demo.controller-exited', subject: 'cairn run', hint: 'its last log lines are below' },
      );
    }
    try {
      const response = await fetch(`${apiUrl}/api/environments`);
      if (response.ok) {
        const all = (await response.json()) as { environments?: EnvironmentStatus[] } | EnvironmentStatus[];
        const list = Array.isArray(all) ? all : (all.environments ?? []);
        last = list.find((s) => s.name === env);
      }
    } catch {
      // The controller may still be starting; keep asking until the deadline.
    }
    if (last && done(last)) return last;
    const early = endedEarly(env, last);
    if (early) throw early;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new CairnError(
    `did not get there within ${timeoutMs / 1000}s (last status: ${JSON.stringify(last)})`,
    { code: 'demo.timeout', subject: `environment ${env}` },
  );
}
