import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepositoryConfig, WorkspacesConfig } from '../config/types';
import { CairnError, errorMessage } from '../model/errors';
import { ensurePrivateFolder } from '../model';
import type { Log } from '../log';
import { FOLDERS, writeCheckout } from './checkout';
import { redactUrl } from './redact-url';
import type { CommitVerifier } from './verify-commit';
import type * as VerifyCommit from './verify-commit';
import { ClosingSource } from './closing-source';
import type { GitReader } from './git-reader';
import type { HttpAuth } from './isomorphic-reader';
import type * as Isomorphic from './isomorphic-reader';
import type * as Native from './native-reader';
import type { BranchHead, BranchSpec, GitSource, PullRequestHead, Revision, Workspace } from './types';

/** True for a local path (not a URL, not scp-style `user@host:path`). */
export function isLocalRepository(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

/** The HTTP credentials `repository.auth.tokenEnv` points at, or undefined without a token variable. */
function authFrom(repo: RepositoryConfig, env: NodeJS.ProcessEnv): HttpAuth | undefined {
  const name = repo.auth?.tokenEnv;
  if (!name) return undefined;
  const token = env[name];
  if (!token) {
    throw new CairnError(`environment variable ${name} (repository.auth.tokenEnv) is empty`, {
      code: 'source.token-missing',
      phase: 'config',
      hint: `export ${name} with the token before starting cairn`,
    });
  }
  return { username: repo.auth?.username ?? 'x-access-token', password: token };
}

/**
 * Where cairn's git reaches the repository, and with what: `repository.url` without the user
 * information written in it, and that user and password (percent-decoded) as the HTTP credentials,
 * unless `repository.auth.tokenEnv` names a token, which wins. A user without a password is a token
 * (`https://<token>@host/…`, as `urlCredentials` reads it), sent as the Basic user with an empty
 * password: what git sends for such a URL, and what GitHub and Gitea take a token as (Gitea refuses
 * one with any other password). The credentials reach git as a header through its environment, as a
 * token does. Found in review: a password written in the URL went onto git's command line (`git
 * ls-remote … https://user:password@host/…`, and git-remote-http's), which any user of the machine,
 * or a pod sharing the host's PID namespace, reads in `/proc/<pid>/cmdline` while a fetch or a
 * revert's push runs; and a token written as the user did, after that fix, still.
 */
export function remoteOf(repo: RepositoryConfig, env: NodeJS.ProcessEnv): { url: string; auth?: HttpAuth } {
  const auth = authFrom(repo, env);
  const parsed = /^https?:\/\//i.test(repo.url) ? new URL(repo.url) : undefined;
  if (!parsed?.username && !parsed?.password) return { url: repo.url, ...(auth ? { auth } : {}) };
  const inline = {
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), auth: auth ?? inline };
}

/** The Git source for a repository, on the backend the config names. */
export function createGitSource(
  repo: RepositoryConfig,
  workspaces: WorkspacesConfig,
  log: Log,
  env: NodeJS.ProcessEnv = process.env,
): GitSource {
  const remote = remoteOf(repo, env);
  // isomorphic-git speaks only HTTP(S), so a file:// URL is read as the path it names.
  const url = remote.url.startsWith('file://') ? fileURLToPath(remote.url) : remote.url;
  const local = isLocalRepository(url);
  const cacheDir = join(workspaces.dir, 'git');
  // The Git cache and every checkout hold the repository's content: private to cairn's user
  // (a folder made by an older cairn was 0755: narrowed). 0700 from the start, though a sidecar
  // synth later opens the workspaces folder to 0710 for its runner's group.
  privateFolders(workspaces, log, [cacheDir]);
  chmodSync(workspaces.dir, 0o700);
  const { auth } = remote;
  // Only the configured backend's library loads: a one-shot `cairn sync` pays for one, not both.
  const reader: GitReader =
    repo.backend === 'native'
      ? new (require('./native-reader') as typeof Native).NativeReader(
          url,
          local,
          cacheDir,
          auth,
          repo.auth?.sshKeyPath,
        )
      : new (require('./isomorphic-reader') as typeof Isomorphic).IsomorphicReader(
          url,
          local,
          cacheDir,
          auth,
          workspaces.maxFileBytes,
        );
  // Read at start-up: a missing or empty allowed-signers file stops the process, naming it.
  // Loaded only with repository.verify: most repositories verify nothing.
  const verifier = repo.verify
    ? (require('./verify-commit') as typeof VerifyCommit).createCommitVerifier(repo.verify)
    : undefined;
  return new ClosingSource(
    new ReaderSource(reader, repo, workspaces, log, verifier, local ? url : undefined),
  );
}

/**
 * Why a local repository.url cannot be read, or undefined: a folder read in place holds `.git`
 * (a working tree) or is itself a bare repository (`HEAD`). Without this, every branch of a
 * mistyped path was reported missing, as if the repository were there.
 */
function localRepositoryProblem(path: string): string | undefined {
  if (!existsSync(path)) return 'no such folder';
  if (existsSync(join(path, '.git')) || existsSync(join(path, 'HEAD'))) return undefined;
  return 'is not a Git repository (it holds neither .git nor a bare repository)';
}

/**
 * Checks (and makes) the workspaces folder and the folders below it that cairn reuses, on every
 * use: a folder another user owns or may write is moved aside and rebuilt (private-folder.ts).
 */
function privateFolders(workspaces: WorkspacesConfig, log: Log, below: readonly string[]): void {
  ensurePrivateFolder(workspaces.dir, { what: 'workspaces folder', log, maxMode: 0o710 });
  for (const dir of below) ensurePrivateFolder(dir, { what: folderName(workspaces.dir, dir), log });
}

function folderName(root: string, dir: string): string {
  return dir === join(root, 'git') ? 'Git cache' : 'workspaces folder';
}

/** What a pull request's fetch stopped by its caller (the plan abandoned at its deadline) rejects with. */
function abandonedFetch(subject: string): CairnError {
  return new CairnError('was not fetched: the plan was abandoned by its caller', {
    code: 'source.abandoned',
    phase: 'fetch',
    subject,
  });
}

/** The backend-independent part of a source: revisions, force pushes, checkouts. */
class ReaderSource implements GitSource {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly reader: GitReader,
    private readonly repo: RepositoryConfig,
    private readonly workspaces: WorkspacesConfig,
    private readonly log: Log,
    private readonly verifier?: CommitVerifier,
    /** The path of a repository read in place; undefined for a remote. */
    private readonly localPath?: string,
  ) {}

  async fetch(branches: readonly BranchSpec[]): Promise<readonly BranchHead[]> {
    const problem = this.localPath === undefined ? undefined : localRepositoryProblem(this.localPath);
    if (problem) {
      const error = new CairnError(problem, {
        code: 'source.not-a-repository',
        phase: 'fetch',
        retryable: true,
        subject: `repository ${this.localPath}`,
        hint: 'set repository.url to the folder of a Git repository (a clone, or a bare one), or its URL',
      });
      return branches.map((b) => ({ kind: 'error', env: b.env, branch: b.branch, error }));
    }
    let failures: ReadonlyMap<string, Error>;
    try {
      privateFolders(this.workspaces, this.log, [join(this.workspaces.dir, 'git')]);
      failures = await this.reader.update(branches.map((b) => b.branch));
    } catch (error) {
      const failure = this.fetchError(error);
      return branches.map((b) => ({ kind: 'error', env: b.env, branch: b.branch, error: failure }));
    }
    return Promise.all(
      branches.map((b): Promise<BranchHead> | BranchHead => {
        const error = failures.get(b.branch);
        return error ? { kind: 'error', env: b.env, branch: b.branch, error } : this.head(b);
      }),
    );
  }

  private fetchError(error: unknown): CairnError {
    const text = errorMessage(error);
    const auth = /401|403|auth|credential/i.test(text);
    return new CairnError(auth ? 'authentication was refused' : `could not be fetched: ${redactUrl(text)}`, {
      code: auth ? 'source.auth' : 'source.unreachable',
      phase: 'fetch',
      retryable: !auth,
      subject: `repository ${redactUrl(this.repo.url)}`,
      hint: auth
        ? 'check the token in the variable named by repository.auth.tokenEnv'
        : 'check the URL and that the host is reachable',
    });
  }

  private async head(spec: BranchSpec): Promise<BranchHead> {
    try {
      const sha = await this.reader.resolve(spec.branch);
      if (!sha) return { kind: 'missing-branch', env: spec.env, branch: spec.branch };
      const [info, aws, k8s] = await Promise.all([
        this.reader.commit(sha),
        this.reader.folderTree(sha, 'aws-resources'),
        this.reader.folderTree(sha, 'k8s-resources'),
      ]);
      const previous = this.seen.get(spec.env);
      this.seen.set(spec.env, sha);
      const moved = previous !== undefined && previous !== sha;
      const forcePushed = moved && !(await this.reader.isAncestor(previous, sha));
      if (forcePushed)
        this.log.warn(
          { env: spec.env, sha: sha.slice(0, 12), previous: previous.slice(0, 12) },
          'branch was force-pushed',
        );
      const revision: Revision = {
        env: spec.env,
        branch: spec.branch,
        sha,
        ...info,
        trees: { aws, k8s },
        ...(moved ? { previousSha: previous } : {}),
        forcePushed,
      };
      return { kind: 'revision', revision };
    } catch (error) {
      // A refusal of what the branch holds (a submodule) keeps its own code and subject.
      if (error instanceof CairnError) return { kind: 'error', env: spec.env, branch: spec.branch, error };
      const failure = new CairnError(`branch ${spec.branch} could not be read: ${errorMessage(error)}`, {
        code: 'source.corrupt',
        phase: 'fetch',
        subject: `environment ${spec.env}`,
        cause: error,
      });
      return { kind: 'error', env: spec.env, branch: spec.branch, error: failure };
    }
  }

  async fetchPullRequest(
    head: PullRequestHead,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<Revision> {
    const subject = `pull request ${head.number} (${head.ref})`;
    const { signal } = options;
    let fetched: string | null;
    try {
      // One cache ref per pull request, under refs/cairn/: no branch fetch reads or prunes it.
      fetched = await this.reader.fetchRef(head.ref, `refs/cairn/pull/${head.number}`, head.base, signal);
    } catch (error) {
      if (signal?.aborted) throw abandonedFetch(subject);
      if (error instanceof CairnError) throw error;
      throw new CairnError(`could not be fetched: ${redactUrl(errorMessage(error))}`, {
        code: 'source.unreachable',
        phase: 'fetch',
        subject,
        cause: error,
      });
    }
    if (fetched === null)
      throw new CairnError(`is not in ${redactUrl(this.repo.url)}`, {
        code: 'source.no-pull-ref',
        phase: 'fetch',
        retryable: false,
        subject,
        hint: 'the pull request may be closed, or the host may not publish pull request refs',
      });
    // Only the head the ref holds now is planned: an older event (delivered late, or replayed:
    // hosts sign no timestamp) would otherwise put an older head's plan over the newer one's.
    // The newer push's own event plans the head the ref has moved to.
    const gone = () =>
      new CairnError(`has no commit ${head.sha.slice(0, 12)} (its head is now ${fetched.slice(0, 12)})`, {
        code: 'source.pull-head-gone',
        phase: 'fetch',
        retryable: false,
        subject,
      });
    if (fetched !== head.sha) throw gone();
    let info;
    try {
      info = await this.reader.commit(head.sha);
    } catch {
      throw gone();
    }
    const [aws, k8s] = await Promise.all([
      this.reader.folderTree(head.sha, 'aws-resources'),
      this.reader.folderTree(head.sha, 'k8s-resources'),
    ]);
    const baseSha = await this.reader.resolve(head.base);
    const baseTrees = baseSha
      ? {
          aws: await this.reader.folderTree(baseSha, 'aws-resources'),
          k8s: await this.reader.folderTree(baseSha, 'k8s-resources'),
        }
      : undefined;
    return {
      env: head.env,
      branch: head.base,
      sha: head.sha,
      ...info,
      trees: { aws, k8s },
      forcePushed: false,
      pullRequest: head.number,
      ...(baseTrees ? { baseTrees } : {}),
    };
  }

  async verify(revision: Revision): Promise<void> {
    if (!this.verifier) return;
    const signer = await this.verifier.verify(revision.sha, () => this.reader.rawCommit(revision.sha));
    this.log.debug(
      { env: revision.env, sha: revision.sha.slice(0, 12), signer },
      'commit signature verified',
    );
  }

  async checkout(revision: Revision, options: { readonly signal?: AbortSignal } = {}): Promise<Workspace> {
    options.signal?.throwIfAborted();
    // Signed commits: nothing of an unverified commit is written to disk, synthesized or applied.
    await this.verify(revision);
    // A pull request's checkouts are kept (and pruned) apart from the environment's own.
    const kind = revision.pullRequest === undefined ? 'checkouts' : 'pull-requests';
    const envDir = join(this.workspaces.dir, kind, revision.env);
    privateFolders(this.workspaces, this.log, [join(this.workspaces.dir, kind), envDir]);
    const dir = join(envDir, revision.sha);
    if (existsSync(dir)) return { sha: revision.sha, dir };
    const started = Date.now();
    const files = (await Promise.all(FOLDERS.map((f) => this.reader.files(revision.sha, f)))).flat();
    const result = await writeCheckout(
      envDir,
      revision.sha,
      files,
      (oids) => this.reader.readBlobs(oids, this.workspaces.maxFileBytes),
      {
        maxFileBytes: this.workspaces.maxFileBytes,
        keep: this.workspaces.keep,
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    this.log.debug(
      {
        env: revision.env,
        sha: revision.sha.slice(0, 12),
        readFromGit: result.readFromGit,
        reused: result.reused,
        durationMs: Date.now() - started,
      },
      'checked out',
    );
    return { sha: revision.sha, dir: result.dir };
  }

  async close(): Promise<void> {}
}
