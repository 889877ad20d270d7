import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Files to write in one commit: path → content; `null` deletes the path. */
export type FileMap = Readonly<Record<string, string | null>>;

/** Fixed identity so tests can assert authors and do not depend on the machine's git config. */
export const GIT_IDENTITY = { name: 'Ada Lovelace', email: 'ada@example.com' } as const;

/** Runs git with a fixed author/committer and no global or system config; returns trimmed stdout. */
export function runGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? tmpdir(),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: GIT_IDENTITY.name,
      GIT_AUTHOR_EMAIL: GIT_IDENTITY.email,
      GIT_COMMITTER_NAME: GIT_IDENTITY.name,
      GIT_COMMITTER_EMAIL: GIT_IDENTITY.email,
    },
  }).trim();
}

/**
 * Makes `dir` a repository whose one commit, on `branch`, holds every file already in it: for an
 * app a test builds by hand (copied fixtures, planted files) and hands to cairn as it is.
 */
export function commitFolder(dir: string, branch: string, message: string): void {
  runGit(dir, 'init', '-q', '-b', branch);
  runGit(dir, 'add', '-A');
  runGit(dir, 'commit', '-q', '-m', message);
}

/**
 * A real repository for tests: a bare repository (what cairn reads, by path or over HTTP with
 * `serveGitHttp`) and a working clone that commits and pushes to it.
 */
export interface TestRepo {
  /** Temp folder holding both; removed by `remove()`. */
  readonly root: string;
  /** The bare repository: give this path (or its HTTP URL) to cairn. */
  readonly bare: string;
  /** The working clone commits are made in. */
  readonly work: string;
  /** Writes the files on `branch` (created from `from`, default the current HEAD, if new), commits and pushes; returns the sha. */
  commit(branch: string, message: string, files: FileMap, from?: string): string;
  /**
   * Puts a submodule at `path` on `branch` (a gitlink to commit `sha`, as `git submodule add` leaves
   * it; whatever was at `path` is removed), commits and pushes; returns the sha.
   */
  commitSubmodule(branch: string, path: string, sha: string, from?: string): string;
  /** Reverts the branch's head commit and pushes; returns the new sha. */
  revert(branch: string): string;
  /** Moves the branch to `sha` (e.g. `HEAD~1`'s sha) and force-pushes; returns the sha. */
  forcePush(branch: string, sha: string): string;
  /** Deletes the branch on the bare repository. */
  deleteBranch(branch: string): void;
  /** The sha a branch of the bare repository points at. */
  sha(branch: string): string;
  remove(): void;
}

/**
 * Creates a bare repository plus a working clone, and a first commit on each branch of
 * `branches` (branch → files); later branches start from the first one, so they also hold its
 * files unless they delete them (`null`). The bare repository's HEAD names the first branch, as a Git
 * host's default branch does, unless `options.head` names another (say, a branch that never exists).
 */
export function createTestRepo(
  name: string,
  branches: Readonly<Record<string, FileMap>>,
  options: { readonly head?: string } = {},
): TestRepo {
  const root = mkdtempSync(join(tmpdir(), `cairn-${name}-`));
  const bare = join(root, 'repo.git');
  const work = join(root, 'work');
  const [first] = Object.keys(branches);
  runGit(root, 'init', '-q', '--bare', '-b', options.head ?? first ?? 'main', bare);
  mkdirSync(work);
  runGit(work, 'init', '-q', '-b', first ?? 'main');
  runGit(work, 'remote', 'add', 'origin', bare);

  const checkout = (branch: string, from?: string): void => {
    const exists = runGit(work, 'branch', '--list', branch) !== '';
    const current = runGit(work, 'symbolic-ref', '--short', 'HEAD');
    if (exists && current !== branch) runGit(work, 'checkout', '-q', branch);
    else if (!exists && current !== branch)
      runGit(work, 'checkout', '-q', '-b', branch, ...(from ? [from] : []));
  };
  const repo: TestRepo = {
    root,
    bare,
    work,
    commit(branch, message, files, from) {
      checkout(branch, from);
      for (const [path, content] of Object.entries(files)) {
        const file = join(work, path);
        if (content === null) rmSync(file, { force: true, recursive: true });
        else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, content);
        }
      }
      runGit(work, 'add', '-A');
      runGit(work, 'commit', '-q', '--allow-empty', '-m', message);
      runGit(work, 'push', '-q', '-f', 'origin', branch);
      return runGit(work, 'rev-parse', 'HEAD');
    },
    commitSubmodule(branch, path, sha, from) {
      checkout(branch, from);
      rmSync(join(work, path), { force: true, recursive: true });
      runGit(work, 'add', '-A');
      runGit(work, 'update-index', '--add', '--cacheinfo', `160000,${sha},${path}`);
      runGit(work, 'commit', '-q', '-m', `submodule ${path}`);
      runGit(work, 'push', '-q', '-f', 'origin', branch);
      return runGit(work, 'rev-parse', 'HEAD');
    },
    revert(branch) {
      checkout(branch);
      runGit(work, 'revert', '--no-edit', 'HEAD');
      runGit(work, 'push', '-q', 'origin', branch);
      return runGit(work, 'rev-parse', 'HEAD');
    },
    forcePush(branch, sha) {
      checkout(branch);
      runGit(work, 'reset', '-q', '--hard', sha);
      runGit(work, 'push', '-q', '-f', 'origin', branch);
      return sha;
    },
    deleteBranch(branch) {
      runGit(bare, 'branch', '-q', '-D', branch);
    },
    sha: (branch) => runGit(bare, 'rev-parse', `refs/heads/${branch}`),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [branch, files] of Object.entries(branches)) {
    repo.commit(branch, `initial ${branch}`, files, branch === first ? undefined : first);
  }
  return repo;
}
