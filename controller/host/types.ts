import type { WriteFence } from '../model';

/**
 * A Git host (Gitea, GitHub, GitLab) as cairn talks to it: commit statuses, one plan comment per
 * pull request, and opening a pull request (`cairn revert --pr`). One small interface, one
 * implementation per host type; the rest of cairn never sees a host's REST shapes.
 */

/** The state of a commit status, in the vocabulary all three hosts share (GitLab's names are mapped). */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  readonly sha: string;
  /** `cairn/<env>` for an apply, `cairn/plan/<env>` for a pull request's plan. */
  readonly context: string;
  readonly state: CommitState;
  /** One line; hosts cap it (GitHub at 140 characters), so implementations truncate. */
  readonly description: string;
  /** Where a person reads more (the audit entry); absent when cairn has no public URL. */
  readonly targetUrl?: string;
}

/** A pull request (GitLab: merge request) as cairn needs it. */
export interface PullRequest {
  readonly number: number;
  /** The branch it merges into: an environment branch, or it is ignored. */
  readonly base: string;
  readonly headSha: string;
  /** The head branch's name. */
  readonly headRef: string;
  /** True when the head lives in another repository (a fork). */
  readonly fromFork: boolean;
  /** Clone URL of the head's repository (differs from the configured one for a fork). */
  readonly headCloneUrl: string;
  /**
   * The repository the event is about, as the host names it (`owner/name`, GitLab's project path):
   * only the configured repository's pull requests are planned.
   */
  readonly repository: string;
  readonly url?: string;
}

export interface OpenPullRequest {
  readonly title: string;
  readonly body: string;
  /** The branch with the change. */
  readonly head: string;
  /** The environment branch it goes into. */
  readonly base: string;
}

export interface GitHost {
  readonly type: 'gitea' | 'github' | 'gitlab';
  /**
   * `fence` (the environment's WriteFence) is called right before each attempt of the post, its
   * retries included: a commit status is state the newest post sets, so a replica that lost its
   * Lease during a retry's backoff must not send it over its successor's (shard.lost is thrown).
   */
  setCommitStatus(status: CommitStatus, fence?: WriteFence): Promise<void>;
  /**
   * Creates the comment on pull request `pr` that carries `marker` (an HTML comment cairn puts in
   * the body), or edits the one already there, so every push updates one comment.
   * Returns the comment's id. `fence` is called right before each attempt of each write (the
   * create or edit, and the delete of a duplicate), never before the reads between them.
   */
  upsertPullRequestComment(pr: number, marker: string, body: string, fence?: WriteFence): Promise<string>;
  /**
   * Opens a pull request from `head` into `base`. `fence` is called right before each attempt of
   * the POST, its retries included: failure-revert's pull request is a write of the environment's
   * Lease like the push of its branch (a branch pushed by a replica that lost the Lease before its
   * pull request is completed by the holder, see failure-revert.ts).
   */
  openPullRequest(
    request: OpenPullRequest,
    fence?: WriteFence,
  ): Promise<{ readonly number: number; readonly url: string }>;
  /**
   * The pull request from `head` into `base`, whatever its state (open, closed, merged), if there
   * is one: a revert branch with one was proposed (a closed one was declined, not forgotten).
   */
  pullRequestFrom(
    head: string,
    base: string,
  ): Promise<{ readonly number: number; readonly url: string } | undefined>;
  /** Idle connections closed. */
  close(): Promise<void>;
}
