import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { runGit, type FileMap } from './git-repo';

/** One Gitea repository, as the API returns it (the fields tests use). */
export interface GiteaRepo {
  readonly id: number;
  readonly name: string;
  readonly full_name: string;
  readonly owner: { readonly login: string };
  readonly clone_url: string;
  readonly default_branch: string;
}

/** One pull request (the fields tests use). */
export interface GiteaPullRequest {
  readonly number: number;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly mergeable: boolean;
  readonly merge_commit_sha: string | null;
  readonly head: { readonly ref: string; readonly sha: string };
  readonly base: { readonly ref: string; readonly sha: string };
  readonly body?: string;
}

/** One commit status. Gitea calls the state `status`. */
export interface GiteaCommitStatus {
  readonly id: number;
  readonly context: string;
  readonly status: 'pending' | 'success' | 'error' | 'failure' | 'warning';
  readonly description: string;
  readonly target_url: string;
  readonly created_at: string;
  readonly updated_at: string;
}

/** One issue or pull-request comment. */
export interface GiteaComment {
  readonly id: number;
  readonly body: string;
  readonly user: { readonly login: string };
  readonly created_at: string;
  readonly updated_at: string;
}

/** One webhook of a repository. */
export interface GiteaHook {
  readonly id: number;
  readonly type: string;
  readonly events: readonly string[];
  readonly active: boolean;
  readonly config: Readonly<Record<string, string>>;
}

/** An HTTP answer from Gitea that was not what the call expected. */
export class GiteaApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Gitea ${method} ${path} answered ${status}: ${body.slice(0, 300)}`);
  }
}

/** Where a Gitea answers and who the client is. */
export interface GiteaClientOptions {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** An API token (sent as `Authorization: token …`). */
  readonly token: string;
  /** The user the token belongs to (the owner of repositories it creates). */
  readonly user: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A small typed client over Gitea's REST API (v1) for tests: repositories, webhooks, pull
 * requests, commit statuses and comments. Every call has a 30 s timeout.
 */
export class GiteaClient {
  constructor(readonly options: GiteaClientOptions) {}

  /** The client for the sandbox's Gitea admin (from .sandbox/env.json). */
  static sandbox(): GiteaClient {
    const { gitea } = sandboxEnv();
    return new GiteaClient({ url: gitea.url, token: gitea.adminToken, user: gitea.adminUser });
  }

  /** One API call; returns the parsed JSON (undefined for an empty body) or throws GiteaApiError. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.options.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `token ${this.options.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new GiteaApiError(method, path, response.status, text);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** Creates an empty repository owned by the client's user. */
  createRepo(name: string, options: { readonly private?: boolean } = {}): Promise<GiteaRepo> {
    return this.request('POST', '/user/repos', {
      name,
      private: options.private ?? false,
      auto_init: false,
    });
  }

  /** Deletes a repository (404 is fine: it is gone either way). */
  async deleteRepo(owner: string, repo: string): Promise<void> {
    await this.request('DELETE', `/repos/${owner}/${repo}`).catch((error: unknown) => {
      if (!(error instanceof GiteaApiError && error.status === 404)) throw error;
    });
  }

  /** Sets the repository's default branch (Gitea's HEAD), e.g. to an environment branch. */
  setDefaultBranch(owner: string, repo: string, branch: string): Promise<GiteaRepo> {
    return this.request('PATCH', `/repos/${owner}/${repo}`, { default_branch: branch });
  }

  /**
   * The clone URL of a repository with the token as the password, for `git push` and for cairn's
   * repository URL in tests. Keep it out of logs and assertions' messages.
   */
  authenticatedCloneUrl(owner: string, repo: string): string {
    const url = new URL(`${this.options.url}/${owner}/${repo}.git`);
    url.username = this.options.user;
    url.password = this.options.token;
    return url.toString();
  }

  /** The clone URL without credentials. */
  cloneUrl(owner: string, repo: string): string {
    return `${this.options.url}/${owner}/${repo}.git`;
  }

  /**
   * Adds a webhook of type `gitea` (JSON body signed with `secret` in X-Gitea-Signature) for the
   * given events, `push` and `pull_request` by default. Create it before pushing: deliveries of
   * earlier pushes never come.
   */
  addWebhook(
    owner: string,
    repo: string,
    hook: { readonly url: string; readonly secret: string; readonly events?: readonly string[] },
  ): Promise<GiteaHook> {
    return this.request('POST', `/repos/${owner}/${repo}/hooks`, {
      type: 'gitea',
      active: true,
      events: hook.events ?? ['push', 'pull_request'],
      config: { url: hook.url, content_type: 'json', secret: hook.secret },
    });
  }

  /** The head sha of a branch. */
  async branchSha(owner: string, repo: string, branch: string): Promise<string> {
    const b = await this.request<{ commit: { id: string } }>(
      'GET',
      `/repos/${owner}/${repo}/branches/${encodeURIComponent(branch)}`,
    );
    return b.commit.id;
  }

  /** Opens a pull request from `head` into `base`. */
  openPullRequest(
    owner: string,
    repo: string,
    pr: { readonly head: string; readonly base: string; readonly title: string; readonly body?: string },
  ): Promise<GiteaPullRequest> {
    return this.request('POST', `/repos/${owner}/${repo}/pulls`, pr);
  }

  /** One pull request. */
  pullRequest(owner: string, repo: string, index: number): Promise<GiteaPullRequest> {
    return this.request('GET', `/repos/${owner}/${repo}/pulls/${index}`);
  }

  /** The open pull requests of a repository. */
  pullRequests(owner: string, repo: string): Promise<readonly GiteaPullRequest[]> {
    return this.request('GET', `/repos/${owner}/${repo}/pulls?state=all&limit=50`);
  }

  /**
   * Merges a pull request (a merge commit by default) and returns the merge commit's sha and when
   * (epoch ms) the merge call returned. Gitea checks mergeability in the background after each
   * push to the PR and refuses a merge (405) until it has: that refusal is retried for up to
   * `timeoutMs`.
   */
  async mergePullRequest(
    owner: string,
    repo: string,
    index: number,
    options: { readonly style?: 'merge' | 'rebase' | 'squash'; readonly timeoutMs?: number } = {},
  ): Promise<{ readonly sha: string; readonly mergedAt: number }> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let mergedAt: number;
    for (;;) {
      try {
        await this.request('POST', `/repos/${owner}/${repo}/pulls/${index}/merge`, {
          Do: options.style ?? 'merge',
        });
        mergedAt = Date.now();
        break;
      } catch (error) {
        const retryable = error instanceof GiteaApiError && (error.status === 405 || error.status === 409);
        if (!retryable || Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
    const merged = await this.pullRequest(owner, repo, index);
    if (!merged.merged || !merged.merge_commit_sha)
      throw new Error(`pull request #${index} of ${owner}/${repo} is not merged after the merge call`);
    return { sha: merged.merge_commit_sha, mergedAt };
  }

  /** Every status of a commit (or ref), newest first. */
  commitStatuses(owner: string, repo: string, ref: string): Promise<readonly GiteaCommitStatus[]> {
    return this.request(
      'GET',
      `/repos/${owner}/${repo}/commits/${encodeURIComponent(ref)}/statuses?limit=50`,
    );
  }

  /** The latest status of one context on a commit, if any. */
  async latestStatus(
    owner: string,
    repo: string,
    ref: string,
    context: string,
  ): Promise<GiteaCommitStatus | undefined> {
    const all = await this.commitStatuses(owner, repo, ref);
    return [...all].filter((s) => s.context === context).sort((a, b) => b.id - a.id)[0];
  }

  /** The comments of an issue or pull request, oldest first. */
  comments(owner: string, repo: string, index: number): Promise<readonly GiteaComment[]> {
    return this.request('GET', `/repos/${owner}/${repo}/issues/${index}/comments`);
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns a value that is not undefined, or throws
 * naming `what` and the last value seen after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    await sleep(intervalMs);
  }
}

/**
 * A working clone whose `origin` is a Gitea repository (with the token in its URL): commits are
 * made here and pushed to Gitea, as a developer would.
 */
export interface GiteaWorkTree {
  readonly dir: string;
  /**
   * Writes the files on `branch` (created from `from`, default the current HEAD, if new), commits,
   * and pushes the branch unless `push` is false; returns the new sha.
   */
  commit(
    branch: string,
    message: string,
    files: FileMap,
    options?: { from?: string; push?: boolean },
  ): string;
  /** Pushes a branch (force when asked) and returns when `git push` does. */
  push(branch: string, options?: { force?: boolean }): void;
  /** Fetches a branch from Gitea into the clone and checks it out at Gitea's head (after a merge there). */
  pull(branch: string): string;
  /** Runs git in the clone; returns trimmed stdout. */
  git(...args: string[]): string;
  remove(): void;
}

/** Makes an empty working clone of `owner/repo` on `client`'s Gitea. */
export function giteaWorkTree(client: GiteaClient, owner: string, repo: string): GiteaWorkTree {
  const dir = mkdtempSync(join(tmpdir(), `cairn-gitea-${repo}-`));
  const git = (...args: string[]) => runGit(dir, ...args);
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', client.authenticatedCloneUrl(owner, repo));
  let first = true;
  const checkout = (branch: string, from?: string) => {
    if (first) {
      // The clone has no commit yet: the first branch is born where HEAD points.
      git('symbolic-ref', 'HEAD', `refs/heads/${branch}`);
      first = false;
      return;
    }
    const current = git('symbolic-ref', '--short', 'HEAD');
    if (current === branch) return;
    const exists = git('branch', '--list', branch) !== '';
    if (exists) git('checkout', '-q', branch);
    else git('checkout', '-q', '-b', branch, ...(from ? [from] : []));
  };
  const tree: GiteaWorkTree = {
    dir,
    git,
    commit(branch, message, files, options = {}) {
      checkout(branch, options.from);
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        if (content === null) rmSync(file, { force: true, recursive: true });
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, content);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      if (options.push !== false) tree.push(branch);
      return git('rev-parse', 'HEAD');
    },
    push(branch, options = {}) {
      git(
        'push',
        '-q',
        ...(options.force ? ['-f'] : []),
        'origin',
        `refs/heads/${branch}:refs/heads/${branch}`,
      );
    },
    pull(branch) {
      git('fetch', '-q', 'origin', `refs/heads/${branch}:refs/remotes/origin/${branch}`);
      if (git('branch', '--list', branch) === '') git('branch', '-q', branch, `origin/${branch}`);
      const current = git('symbolic-ref', '--short', 'HEAD');
      if (current !== branch) git('checkout', '-q', branch);
      git('reset', '-q', '--hard', `origin/${branch}`);
      return git('rev-parse', 'HEAD');
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  return tree;
}
