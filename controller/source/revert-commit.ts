import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../model/errors';
import { checkedRef, checkedSha, maskSecrets, type WriteFence } from '../model';
import type { HttpAuth } from './isomorphic-reader';
import { redactUrl } from './redact-url';

/** Who a revert commit is by (author and committer). */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** The identity of a revert commit unless the caller gives another. */
export const DEFAULT_REVERT_IDENTITY: GitIdentity = { name: 'cairn', email: 'cairn@localhost' };

/** What to revert, where, and as whom. */
export interface RevertCommitRequest {
  /** The repository: an HTTP(S) URL, an ssh URL or a local path (never printed unredacted). */
  readonly url: string;
  readonly auth?: HttpAuth;
  readonly sshKeyPath?: string;
  /** The environment branch holding the commits. */
  readonly branch: string;
  /** The commit before the reverted ones: the tree the change goes back to. */
  readonly fromSha: string;
  /** The last reverted commit; the branch must still contain it. */
  readonly toSha: string;
  /** The whole commit message. */
  readonly message: string;
  readonly identity: GitIdentity;
  /**
   * The branch the revert commit is pushed to: `branch` itself (a fast-forward), or a new branch
   * for a pull request, which must not exist yet.
   */
  readonly pushTo: string;
  /** Where the private temporary clone is made (default: the OS temp folder). */
  readonly tmpRoot?: string;
  /**
   * An automatic revert's write fence (the environment's Lease): checked right before each push,
   * so a replica that lost the Lease meanwhile pushes nothing (its error is thrown).
   */
  readonly fence?: WriteFence;
  /**
   * The automatic revert of a failed release: the commit the branch's head must be (the failed
   * one). A head found elsewhere, at the fetch or after a refused push, ends in
   * `revert.branch-moved` with nothing pushed: a branch that moved on from a failed commit (a fix,
   * a revert by hand) wants no revert of it, and a revert made on the new head is not the one the
   * holder can vouch for (`notRevertOf`) when it finds the branch without its pull request.
   */
  readonly onlyOnHead?: string;
}

/**
 * Why a revert of the failed commit `failed` is not made on branch `branch` whose head is `head`
 * (absent: the branch is gone), or undefined when the head is still that commit. The one answer to
 * "did the environment branch move on?" for the automatic revert: its check before anything is
 * pushed (failure-revert.ts) and `pushRevertCommit`'s, at the fetch and after a refused push.
 */
export function movedOnFrom(branch: string, failed: string, head: string | undefined): string | undefined {
  return head === failed
    ? undefined
    : `branch ${branch} moved on from ${failed.slice(0, 12)} (to ${head?.slice(0, 12) ?? 'nothing'})`;
}

/** The pushed revert commit. */
export interface RevertCommit {
  readonly sha: string;
  /** The branch head the revert commit's parent is. */
  readonly parent: string;
  readonly pushedTo: string;
  /** Paths the revert changes, relative to the repository root. */
  readonly files: readonly string[];
  /** True when the branch moved while reverting and the commit was made again on the new head. */
  readonly rebased: boolean;
}

interface GitRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Makes a commit on top of `branch` that undoes `fromSha..toSha` (as one three-way merge, so merges
 * among the commits need no `-m`), and pushes it without force. It works in a fresh private
 * temporary clone (mode 0700, removed afterwards, even on failure) through the native git
 * binary; an HTTP token goes to git only as an `http.extraHeader` given through the environment
 * (`GIT_CONFIG_*`), so it is in no argv, no URL, no `.git/config` and no message. When the branch
 * moved meanwhile the push is rejected: the commit is made once more on the new head and pushed
 * again. A conflict with later commits ends in a `revert.conflict` error naming the files, with
 * nothing pushed.
 */
export async function pushRevertCommit(request: RevertCommitRequest): Promise<RevertCommit> {
  checkShapes(request);
  return inPrivateRepo(request, 'cairn-revert-', async (git) => {
    if (request.pushTo !== request.branch) await refuseExistingBranch(git, request);
    let head = await fetchBranch(git, request);
    refuseMovedHead(request, head);
    let commit = await revertOnto(git, head, request);
    let rebased = false;
    request.fence?.();
    let push = await git([
      'push',
      '--porcelain',
      '--end-of-options',
      request.url,
      `${commit.sha}:refs/heads/${request.pushTo}`,
    ]);
    if (push.code !== 0 && request.pushTo === request.branch) {
      // Someone pushed meanwhile: make the revert again on the new head, once.
      const moved = await fetchBranch(git, request);
      if (moved !== head) {
        refuseMovedHead(request, moved);
        head = moved;
        commit = await revertOnto(git, head, request);
        rebased = true;
        request.fence?.();
        push = await git([
          'push',
          '--porcelain',
          '--end-of-options',
          request.url,
          `${commit.sha}:refs/heads/${request.pushTo}`,
        ]);
      }
    }
    if (push.code !== 0 && /branch is currently checked out/.test(push.stdout + push.stderr)) {
      // A local repository with a working tree (git's receive.denyCurrentBranch): no retry helps.
      const where = redactUrl(request.url).replace(/^file:\/\//, '');
      throw new CairnError(
        `pushing the revert commit was refused: branch ${request.pushTo} is checked out in ${where}, a repository with a working tree, which git does not push to`,
        {
          code: 'revert.push-rejected',
          subject: `branch ${request.pushTo}`,
          retryable: false,
          hint: `check out another branch there (git -C ${where} switch --detach), or make the repository cairn reads a bare one (git clone --bare ${where} ${where}.git, then set repository.url to it)`,
        },
      );
    }
    if (push.code !== 0) {
      throw new CairnError(`pushing the revert commit was refused: ${gitText(push, request)}`, {
        code: 'revert.push-rejected',
        subject: `branch ${request.pushTo}`,
        retryable: true,
        hint: rebased
          ? 'the branch moved twice while reverting; run the command again'
          : 'check that the token may push to this branch (and that no protection rule forbids it)',
      });
    }
    return { sha: commit.sha, parent: head, pushedTo: request.pushTo, files: commit.files, rebased };
  });
}

/**
 * Runs `work` with git in a fresh private bare repository (mode 0700: it holds the repository's
 * content), removed afterwards, even on failure.
 */
async function inPrivateRepo<T>(
  request: RemoteRequest & Pick<RevertCommitRequest, 'branch' | 'tmpRoot'>,
  prefix: string,
  work: (git: Git) => Promise<T>,
): Promise<T> {
  const root = mkdtempSync(join(request.tmpRoot ?? tmpdir(), prefix));
  // mkdtemp makes 0700 already; said again because the clone holds the repository's content.
  chmodSync(root, 0o700);
  try {
    const gitdir = join(root, 'repo.git');
    const init = await runGit(['init', '--bare', '--quiet', gitdir], envFor(request), root);
    if (init.code !== 0) throw gitFailure('git init', init, request);
    return await work(gitIn(gitdir, request));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Fetches `branch` of `url` with its whole history (never HEAD, no tags) under the same ref name. */
function fetchWholeBranch(git: Git, url: string, branch: string): Promise<GitRun> {
  const ref = `refs/heads/${branch}`;
  return git(['fetch', '--no-tags', '--no-write-fetch-head', '--end-of-options', url, `+${ref}:${ref}`]);
}

/**
 * Refuses, before any git process starts, a sha or branch that is not shaped like one: the shas
 * come from the audit log, which someone with write access to an unkeyed log can edit, and a value
 * such as `--upload-pack=<command>` would otherwise reach `git fetch` as an option.
 */
function checkShapes(request: RevertCommitRequest): void {
  checkedSha(request.fromSha, 'fromSha of the reverted entry');
  checkedSha(request.toSha, 'toSha of the reverted entry');
  checkedRef(request.branch, 'the environment branch');
  checkedRef(request.pushTo, 'the branch to push the revert to');
}

type Git = (args: readonly string[], input?: string, extraEnv?: Record<string, string>) => Promise<GitRun>;

function gitIn(gitdir: string, request: Pick<RevertCommitRequest, 'auth' | 'sshKeyPath'>): Git {
  const env = envFor(request);
  return (args, input, extraEnv) =>
    runGit(['--git-dir', gitdir, ...args], { ...env, ...extraEnv }, undefined, input);
}

const PASSED_THROUGH = [
  'GIT_SSL_CAINFO',
  'GIT_SSL_CAPATH',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
] as const;

/**
 * The environment every git child gets: no terminal prompt, no system or global config (a
 * credential helper there must not store or offer anything), and the token only as an extra header.
 */
export function gitEnvironment(auth?: HttpAuth, sshKeyPath?: string): Record<string, string> {
  const header = auth
    ? `Authorization: Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    : undefined;
  // A private CA or a proxy is said through these variables, since the global git config is ignored.
  const passed = Object.fromEntries(
    PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])),
  );
  return {
    ...passed,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    ...(header
      ? { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: header }
      : {}),
    ...(sshKeyPath
      ? {
          GIT_SSH_COMMAND: `ssh -i '${sshKeyPath.replace(/'/g, `'\\''`)}' -o IdentitiesOnly=yes -o BatchMode=yes`,
        }
      : {}),
  };
}

function envFor(request: Pick<RevertCommitRequest, 'auth' | 'sshKeyPath'>): Record<string, string> {
  return gitEnvironment(request.auth, request.sshKeyPath);
}

/** Runs git to completion; never rejects on an exit code (the caller reads it). */
function runGit(
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
  input?: string,
): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...args], { env, cwd, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new CairnError('the git binary was not found on PATH', {
              code: 'revert.no-git',
              hint: 'cairn revert needs git 2.38 or newer installed',
            })
          : error,
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // A git that exits before reading its input must not crash cairn with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Fetches the environment branch (whole history, never HEAD) and returns its head. */
async function fetchBranch(git: Git, request: RevertCommitRequest): Promise<string> {
  const ref = `refs/heads/${request.branch}`;
  const fetched = await fetchWholeBranch(git, request.url, request.branch);
  if (fetched.code !== 0) {
    const missing = /couldn't find remote ref/i.test(fetched.stderr);
    throw new CairnError(
      missing
        ? 'the branch does not exist in the repository any more'
        : `fetching the branch failed: ${gitText(fetched, request)}`,
      {
        code: missing ? 'revert.no-branch' : 'revert.fetch',
        subject: `branch ${request.branch}`,
        retryable: !missing,
      },
    );
  }
  const head = (await git(['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).stdout.trim();
  const contained = await git(['merge-base', '--is-ancestor', '--end-of-options', request.toSha, head]);
  if (contained.code !== 0) {
    throw new CairnError(
      `no longer contains ${request.toSha.slice(0, 12)} (the branch was force-pushed past it), so there is nothing of it to revert`,
      {
        code: 'revert.not-on-branch',
        subject: `branch ${request.branch}`,
        hint: 'revert what is on the branch now with git, or pick an entry whose commit the branch still holds',
      },
    );
  }
  const hasFrom = async () =>
    (await git(['cat-file', '-e', '--end-of-options', `${request.fromSha}^{commit}`])).code === 0;
  if (!(await hasFrom())) {
    // The earlier commit left the branch's history (a force push before the entry): ask for it by id.
    await git([
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      '--end-of-options',
      request.url,
      request.fromSha,
    ]);
    if (!(await hasFrom())) {
      throw new CairnError(
        `the commit ${request.fromSha.slice(0, 12)} to go back to is no longer in the repository`,
        {
          code: 'revert.no-from-commit',
          subject: `branch ${request.branch}`,
          hint: 'restore the earlier content by hand with a commit',
        },
      );
    }
  }
  return head;
}

/**
 * The revert commit on `head`: a three-way merge of `head` with the tree of `fromSha`, based on
 * `toSha`. A throwaway commit (tree of fromSha, parent toSha) makes `git merge-tree` use toSha as
 * the merge base, so this works in a bare clone and with git 2.38 (which lacks `--merge-base`).
 */
async function revertOnto(
  git: Git,
  head: string,
  request: RevertCommitRequest,
): Promise<{ sha: string; files: readonly string[] }> {
  const identity = {
    GIT_AUTHOR_NAME: request.identity.name,
    GIT_AUTHOR_EMAIL: request.identity.email,
    GIT_COMMITTER_NAME: request.identity.name,
    GIT_COMMITTER_EMAIL: request.identity.email,
  };
  const undo = await git(
    ['commit-tree', '-p', request.toSha, '-F', '-', '--end-of-options', `${request.fromSha}^{tree}`],
    'undo',
    identity,
  );
  if (undo.code !== 0) throw gitFailure('git commit-tree', undo, request);
  const merged = await git([
    'merge-tree',
    '--write-tree',
    '--name-only',
    '--no-messages',
    '--end-of-options',
    head,
    undo.stdout.trim(),
  ]);
  const [tree = '', ...rest] = merged.stdout.split('\n').filter(Boolean);
  if (merged.code === 1) {
    const files = [...new Set(rest)];
    throw new CairnError(
      `the revert conflicts with later commits on the branch in ${files.join(', ')}; nothing was pushed`,
      {
        code: 'revert.conflict',
        subject: `branch ${request.branch}`,
        hint: 'revert the later entries first, or make the change back by hand with a commit',
      },
    );
  }
  if (merged.code === 129) {
    throw new CairnError('this git has no `merge-tree --write-tree`', {
      code: 'revert.old-git',
      subject: 'git',
      hint: 'cairn revert needs git 2.38 or newer on PATH',
    });
  }
  if (merged.code !== 0) throw gitFailure('git merge-tree', merged, request);
  // --verify: without it rev-parse would print `--end-of-options` back as if it were a revision.
  const headTree = (await git(['rev-parse', '--verify', '--end-of-options', `${head}^{tree}`])).stdout.trim();
  if (tree === headTree) {
    throw new CairnError(
      `already holds the content from before ${request.toSha.slice(0, 12)}: the revert would change nothing, so nothing was pushed`,
      {
        code: 'revert.empty',
        subject: `branch ${request.branch}`,
        hint: 'it was probably reverted already (see `git log` of the branch)',
      },
    );
  }
  const files = (await git(['diff-tree', '-r', '--name-only', '--end-of-options', head, tree])).stdout
    .split('\n')
    .filter(Boolean);
  const commit = await git(
    ['commit-tree', '-p', head, '-F', '-', '--end-of-options', tree],
    request.message,
    identity,
  );
  if (commit.code !== 0) throw gitFailure('git commit-tree', commit, request);
  return { sha: commit.stdout.trim(), files };
}

/** With `onlyOnHead`, throws `revert.branch-moved` (nothing pushed) when `head` is another commit. */
function refuseMovedHead(request: RevertCommitRequest, head: string): void {
  const moved = request.onlyOnHead ? movedOnFrom(request.branch, request.onlyOnHead, head) : undefined;
  if (moved)
    throw new CairnError(`${moved} while its revert was being made: nothing was pushed`, {
      code: 'revert.branch-moved',
      hint: 'a branch that moved past the failed commit gets no revert of it; its new head is reconciled instead',
    });
}

async function refuseExistingBranch(git: Git, request: RevertCommitRequest): Promise<void> {
  const listed = await git([
    'ls-remote',
    '--heads',
    '--end-of-options',
    request.url,
    `refs/heads/${request.pushTo}`,
  ]);
  if (listed.code !== 0) throw gitFailure('git ls-remote', listed, request);
  if (listed.stdout.trim() !== '') {
    throw new CairnError(
      'already exists in the repository, so a revert of this entry is probably open already',
      {
        code: 'revert.branch-exists',
        subject: `branch ${request.pushTo}`,
        hint: 'merge or close that pull request and delete the branch, then run the command again',
      },
    );
  }
}

/** What git said, with the URL's credentials and every remembered secret masked. */
function gitText(run: GitRun, request: Pick<RevertCommitRequest, 'url' | 'auth'>): string {
  const text = `${run.stderr}\n${run.stdout}`.trim().split('\n').slice(-6).join(' / ');
  let masked = redactUrl(text);
  // The token is masked even when the caller did not remember it as a secret.
  if (request.auth) masked = masked.split(request.auth.password).join('[masked]');
  return maskSecrets(masked).slice(0, 2000);
}

function gitFailure(
  what: string,
  run: GitRun,
  request: Pick<RevertCommitRequest, 'url' | 'auth' | 'branch'>,
): CairnError {
  return new CairnError(`${what} failed (exit ${run.code}): ${gitText(run, request)}`, {
    code: 'revert.git',
    subject: `branch ${request.branch}`,
  });
}

/** Where to read branch heads: the repository and its credentials, as a revert pushes to it. */
export type RemoteRequest = Pick<RevertCommitRequest, 'url' | 'auth' | 'sshKeyPath'>;

/**
 * The heads of `branches` on the remote (`git ls-remote`), by branch name; a branch that does not
 * exist is absent. The automatic revert of a failed release reads the Git host with it, so a
 * second replica or a retry finds the revert another one made (its branch, or the moved head).
 */
export async function remoteHeads(
  request: RemoteRequest,
  branches: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  for (const branch of branches) checkedRef(branch, 'a branch to look up');
  const run = await runGit(
    ['ls-remote', '--heads', '--end-of-options', request.url, ...branches.map((b) => `refs/heads/${b}`)],
    gitEnvironment(request.auth, request.sshKeyPath),
  );
  if (run.code !== 0) throw gitFailure('git ls-remote', run, { ...request, branch: branches.join(', ') });
  const heads = new Map<string, string>();
  for (const line of run.stdout.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (sha && ref?.startsWith('refs/heads/')) heads.set(ref.slice('refs/heads/'.length), sha);
  }
  return heads;
}

/**
 * Why the head of `branch` on the remote is not the revert of `fromSha..toSha` that
 * `pushRevertCommit` makes on `toSha` (a commit whose one parent is `toSha` and whose tree is
 * `fromSha`'s), or undefined when it is. The automatic revert's holder asks it before opening the
 * pull request of a revert branch it finds without one: the branch's name is known in advance
 * (`cairn/revert-<sha>`), so anyone who may push could have put other content there, and a pull
 * request cairn opens is one reviewers read as cairn's own revert. Only the tree is compared
 * (author, message and time are the pusher's to write, and say nothing a reviewer merges).
 */
export async function notRevertOf(
  request: RemoteRequest & { readonly branch: string; readonly fromSha: string; readonly toSha: string },
): Promise<string | undefined> {
  checkedRef(request.branch, 'the revert branch');
  checkedSha(request.fromSha, 'fromSha of the reverted entry');
  checkedSha(request.toSha, 'toSha of the reverted entry');
  return inPrivateRepo(request, 'cairn-revert-check-', async (git) => {
    // The whole history of the branch: `fromSha`, whose tree the revert must have, is an ancestor.
    const fetched = await fetchWholeBranch(git, request.url, request.branch);
    if (fetched.code !== 0) throw gitFailure('git fetch', fetched, request);
    const listed = await git([
      'rev-list',
      '--parents',
      '-n',
      '1',
      '--end-of-options',
      `refs/heads/${request.branch}`,
    ]);
    const [head, ...parents] = listed.stdout.trim().split(/\s+/);
    if (parents.length !== 1 || parents[0] !== request.toSha)
      return `its head ${head?.slice(0, 12) ?? '?'} is not a commit on ${request.toSha.slice(0, 12)} alone (parents: ${parents.map((p) => p.slice(0, 12)).join(', ') || 'none'})`;
    const tree = async (commit: string) =>
      (await git(['rev-parse', '--verify', '--end-of-options', `${commit}^{tree}`])).stdout.trim();
    const [has, wanted] = await Promise.all([tree(head!), tree(request.fromSha)]);
    if (!wanted) return `${request.fromSha.slice(0, 12)} is not in its history`;
    return has === wanted
      ? undefined
      : `its head ${head!.slice(0, 12)} holds other files than ${request.fromSha.slice(0, 12)}, which the revert goes back to`;
  });
}
