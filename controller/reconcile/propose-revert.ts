import type { ListedEntry } from '../audit/types';
import type { CairnConfig } from '../config/types';
import type { GitHost } from '../host/types';
import { checkedSha, rememberSecrets, type WriteFence } from '../model';
import { CairnError, errorMessage, isCairnError } from '../model/errors';
import { markdownCode } from '../model/markdown';
import { remoteOf } from '../source/create-git-source';
import {
  DEFAULT_REVERT_IDENTITY,
  pushRevertCommit,
  type GitIdentity,
  type RevertCommit,
} from '../source/revert-commit';

/**
 * The revert of one ledger entry, shared by `cairn revert`, the API's RevertPort and the automatic
 * revert of a failed release (failure-revert.ts): checks the entry, pushes the revert commit (to
 * the environment's branch, or to a branch of its own for a pull request) and opens the pull request.
 */

/** The seams of a revert: the push and the process environment (the Git token). */
export interface ProposeRevertDeps {
  readonly push?: typeof pushRevertCommit;
  readonly env?: NodeJS.ProcessEnv;
}

/** How to revert: as a pull request (with `host`), with what note, as whom, and onto which branch. */
export interface ProposeRevertOptions {
  /** Open a pull request through this host; absent: push onto the environment's branch. */
  readonly host?: GitHost;
  /** The branch a pull request's commit is pushed to (default `revertBranch(entry)`). */
  readonly prBranch?: string;
  readonly message?: string;
  readonly author?: GitIdentity;
  /** Trailers added after cairn's own (e.g. why an automatic revert was made). */
  readonly trailers?: readonly string[];
  /** The entry failed after changing something (failure-revert): what it applied is undone. */
  readonly failed?: boolean;
  /**
   * failure-revert: the environment's write fence, checked right before each push and each attempt
   * of the pull request's POST (see `openRevertPullRequest`).
   */
  readonly fence?: WriteFence;
  /** failure-revert: the revert is made only on this head of the environment branch (see `RevertCommitRequest.onlyOnHead`). */
  readonly onlyOnHead?: string;
}

/** What a revert made: the reverted range, the pushed commit, and the pull request when one was opened. */
export interface RevertSummary {
  readonly entry: string;
  readonly env: string;
  readonly branch: string;
  readonly reverted: { readonly fromSha: string; readonly toSha: string; readonly subject: string };
  readonly commit: string;
  readonly parent: string;
  readonly pushedTo: string;
  readonly files: readonly string[];
  readonly rebased: boolean;
  readonly pullRequest?: { readonly number: number; readonly url: string };
}

/** The trailer every revert commit cairn makes carries: the id of the entry it reverts. */
export const REVERT_TRAILER = 'Cairn-Revert-Of';

/**
 * Why an entry cannot be reverted, or undefined when it can: the first apply has nothing to go
 * back to, a failed or no-op entry changed nothing to undo, an untrusted entry is not evidence.
 * With `failed`, a failed entry is revertable (the caller checked that it changed something).
 */
export function refusal(entry: ListedEntry, options: { readonly failed?: boolean } = {}): string | undefined {
  if (entry.untrusted)
    return `it is untrusted (${entry.untrusted}); repair the audit chain or revert by hand with git`;
  if (entry.outcome === 'interrupted' || (entry.outcome === 'failed' && !options.failed)) {
    return (
      `it did not succeed (outcome ${entry.outcome}), so there is no applied change to undo; ` +
      `push a fix, or revert the commit ${entry.toSha.slice(0, 12)} yourself with git`
    );
  }
  if (entry.outcome === 'no-op') {
    return (
      `it was a no-op (nothing was applied), so there is nothing to undo; ` +
      `revert the entry that applied the change (see \`cairn audit list --env ${entry.env}\`)`
    );
  }
  if (entry.fromSha === null) {
    return `it is the first apply of environment ${entry.env}: there is no earlier commit to go back to`;
  }
  if (entry.fromSha === entry.toSha) {
    return `it applied ${entry.toSha.slice(0, 12)} again (a retry or drift correction) and brought no new commit to revert`;
  }
  return undefined;
}

/** The branch `--pr` pushes: `cairn/revert-` and the first 8 characters of the entry id. */
export function revertBranch(entry: Pick<ListedEntry, 'id'>): string {
  return `cairn/revert-${entry.id.slice(0, 8)}`;
}

/** The subject of the newest reverted commit (the first line of its message). */
function subjectOf(entry: Pick<ListedEntry, 'message'>): string {
  return entry.message.split('\n')[0]!.trim();
}

/** The revert commit's message: what it reverts, the audit entry, the shas, and trailers scripts can read. */
export function revertMessage(
  entry: Pick<ListedEntry, 'id' | 'env' | 'fromSha' | 'toSha' | 'message'>,
  branch: string,
  note?: string,
  trailers: readonly string[] = [],
): string {
  const range = `${entry.fromSha}..${entry.toSha}`;
  return [
    `Revert "${subjectOf(entry)}"`,
    '',
    `This reverts the commits ${range} on branch ${branch},`,
    `applied to environment ${entry.env} as audit entry ${entry.id}.`,
    ...(note?.trim() ? ['', note.trim()] : []),
    '',
    `${REVERT_TRAILER}: ${entry.id}`,
    `Cairn-Reverted-Range: ${range}`,
    ...trailers,
    '',
  ].join('\n');
}

/**
 * The revert pull request's body: the revert commit's message, whose first line names the reverted
 * subject (a committer's text) in a code span. The body renders as Markdown under cairn's token, and
 * outside a code span that text could mention people, link, or show an image fetched from anywhere.
 */
export function revertPullRequestBody(entry: Pick<ListedEntry, 'message'>, message: string): string {
  return [`Revert ${markdownCode(subjectOf(entry))}`, ...message.split('\n').slice(1)].join('\n');
}

/** Reverts `entry` as `options` say; throws a CairnError (`revert.refused`, `revert.conflict`, ...) naming the entry. */
export async function proposeRevert(
  config: CairnConfig,
  entry: ListedEntry,
  options: ProposeRevertOptions = {},
  deps: ProposeRevertDeps = {},
): Promise<RevertSummary> {
  const why = refusal(entry, options);
  if (why)
    throw new CairnError(`cannot revert: ${why}`, {
      code: 'revert.refused',
      subject: `audit entry ${entry.id} (${entry.env})`,
    });
  // A forged entry in an unkeyed log must not put an option (`--upload-pack=...`) in git's argv.
  const subject = `audit entry ${entry.id.slice(0, 8)}`;
  const fromSha = checkedSha(entry.fromSha, `${subject}, fromSha`);
  const toSha = checkedSha(entry.toSha, `${subject}, toSha`);
  const env = config.environments.find((e) => e.name === entry.env);
  if (!env)
    throw new CairnError(
      `audit entry ${entry.id} is of environment ${entry.env}, which ${config.file} does not configure`,
      {
        code: 'revert.refused',
        subject: `audit entry ${entry.id}`,
        hint: 'run the revert with the config that has this environment',
      },
    );
  const host = options.host;
  if (!host && config.repository.verify)
    // The commit cairn makes is unsigned: pushed onto the branch, it would become a head the
    // environment refuses (source.unverified), and the release to undo would stay applied.
    throw new CairnError(
      `cannot push a revert onto branch ${env.branch}: repository.verify is set and cairn's revert commit is not signed, so ${env.name} would refuse it`,
      {
        code: 'revert.refused',
        subject: `audit entry ${entry.id} (${entry.env})`,
        hint: `open a pull request instead (cairn revert --pr) and merge it with a signature verify allows, or revert ${toSha.slice(0, 12)} yourself with a signed commit (git revert -S)`,
      },
    );
  const { url, auth } = remoteOf(config.repository, deps.env ?? process.env);
  rememberSecrets([auth?.password]);
  const pushTo = host ? (options.prBranch ?? revertBranch(entry)) : env.branch;
  const message = revertMessage(entry, env.branch, options.message, options.trailers);
  const commit: RevertCommit = await naming(
    entry,
    (deps.push ?? pushRevertCommit)({
      url,
      ...(auth ? { auth } : {}),
      ...(config.repository.auth?.sshKeyPath ? { sshKeyPath: config.repository.auth.sshKeyPath } : {}),
      branch: env.branch,
      fromSha,
      toSha,
      message,
      identity: options.author ?? DEFAULT_REVERT_IDENTITY,
      pushTo,
      ...(options.fence ? { fence: options.fence } : {}),
      ...(options.onlyOnHead ? { onlyOnHead: options.onlyOnHead } : {}),
    }),
  );
  const pullRequest = host
    ? await openRevertPullRequest(
        host,
        entry,
        { base: env.branch, head: pushTo },
        commit.sha,
        message,
        options.fence,
      )
    : undefined;
  return {
    entry: entry.id,
    env: entry.env,
    branch: env.branch,
    reverted: { fromSha: entry.fromSha!, toSha: entry.toSha, subject: subjectOf(entry) },
    commit: commit.sha,
    parent: commit.parent,
    pushedTo: commit.pushedTo,
    files: commit.files,
    rebased: commit.rebased,
    ...(pullRequest ? { pullRequest: { number: pullRequest.number, url: pullRequest.url } } : {}),
  };
}

/**
 * Opens the pull request of the revert of `entry` pushed to `refs.head` as `commit`, its body the
 * revert commit's `message`. With `fence`, each attempt is sent only while the environment's Lease
 * holds: a replica paused or cut off past its Lease after the push opened it late, over what its
 * successor saw and did meanwhile; fenced off, it throws `shard.lost` naming the pushed branch, and
 * the holder opens the pull request of that branch (failure-revert.ts). Other failures are
 * `revert.pull-request`.
 */
export async function openRevertPullRequest(
  host: GitHost,
  entry: ListedEntry,
  refs: { readonly base: string; readonly head: string },
  commit: string,
  message: string,
  fence?: WriteFence,
): Promise<{ readonly number: number; readonly url: string }> {
  const subject = `audit entry ${entry.id} (${entry.env})`;
  try {
    return await host.openPullRequest(
      {
        title: `Revert "${subjectOf(entry)}"`,
        body: revertPullRequestBody(entry, message),
        head: refs.head,
        base: refs.base,
      },
      fence,
    );
  } catch (error) {
    if (isCairnError(error) && error.code === 'shard.lost')
      throw new CairnError(
        `pushed the revert commit ${commit} to branch ${refs.head}, but did not open its pull request: ${error.detail}`,
        {
          code: error.code,
          retryable: true,
          subject,
          hint: 'the replica holding the Lease opens it when its own reconcile of the commit fails as well',
          cause: error,
        },
      );
    throw new CairnError(
      `pushed the revert commit ${commit} to branch ${refs.head}, but opening the pull request failed: ${errorMessage(error)}`,
      {
        code: 'revert.pull-request',
        subject,
        hint: `open a pull request from ${refs.head} into ${refs.base} by hand, or delete ${refs.head} and run the command again`,
        cause: error,
      },
    );
  }
}

/** A failure of `work` (a refused push, a conflict) with the entry it was for leading its message. */
async function naming<T>(entry: ListedEntry, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const text = isCairnError(error) ? error.message : errorMessage(error);
    throw new CairnError(text, {
      code: isCairnError(error) ? error.code : 'revert.failed',
      subject: `audit entry ${entry.id} (${entry.env})`,
      cause: error,
    });
  }
}
