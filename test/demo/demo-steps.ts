import { genericHeaders } from '../helpers/webhook-deliveries';
import { execFileSync } from 'node:child_process';
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

/** Polls GET /api/environments until `done` holds for the environment, or throws after `timeoutMs`. */
export async function waitForEnvironment(
  apiUrl: string,
  env: string,
  done: (status: EnvironmentStatus) => boolean,
  timeoutMs: number,
): Promise<EnvironmentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: EnvironmentStatus | undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${apiUrl}/api/environments`);
      if (response.ok) {
        const all = (await response.json()) as { environments?: EnvironmentStatus[] } | EnvironmentStatus[];
        const list = Array.isArray(all) ? all : (all.environments ?? []);
        last = list.find((s) => s.name === env);
        if (last && done(last)) return last;
      }
    } catch {
      // The controller may still be starting; keep asking until the deadline.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `environment ${env} did not get there within ${timeoutMs / 1000}s (last status: ${JSON.stringify(last)})`,
  );
}
