/** What one environment's branch points at, with what the reconciler and the audit need to know. */
export interface Revision {
  readonly env: string;
  readonly branch: string;
  readonly sha: string;
  readonly author: { readonly name: string; readonly email: string };
  /** ISO 8601. */
  readonly committedAt: string;
  readonly message: string;
  /** Git tree hashes of the two folders; null when the folder is absent (an empty half). */
  readonly trees: { readonly aws: string | null; readonly k8s: string | null };
  /** The sha this branch had at the previous fetch, when it moved. */
  readonly previousSha?: string;
  /** True when the branch moved to a commit that does not descend from previousSha (a force push). */
  readonly forcePushed: boolean;
  /**
   * Set for a pull request's head planned against the environment (`branch` is then the pull
   * request's base): its checkout lives apart from the environment's own checkouts.
   */
  readonly pullRequest?: number;
  /**
   * With `pullRequest`: the base branch's two folders as the cache last fetched them (what the
   * merge starts from); absent when the cache has no such branch.
   */
  readonly baseTrees?: { readonly aws: string | null; readonly k8s: string | null };
}

/** The head of a pull request to plan against one environment, as its webhook names it. */
export interface PullRequestHead {
  readonly env: string;
  /** The pull request's base: the environment's branch. */
  readonly base: string;
  readonly number: number;
  /** The ref of the configured repository holding the head: `refs/pull/<n>/head`, `refs/merge-requests/<iid>/head`. */
  readonly ref: string;
  /** The head commit the event names; it must be reachable from `ref` once fetched. */
  readonly sha: string;
}

/** A checkout of exactly one sha in its own directory; the rest of the code only reads it. */
export interface Workspace {
  readonly sha: string;
  /** Absolute path of the checkout's root. */
  readonly dir: string;
}

/** The per-environment answer of one fetch: a revision, or why there is none. */
export type BranchHead =
  | { readonly kind: 'revision'; readonly revision: Revision }
  | { readonly kind: 'missing-branch'; readonly env: string; readonly branch: string }
  | { readonly kind: 'error'; readonly env: string; readonly branch: string; readonly error: Error };

/** The environment → branch mapping a source fetches. */
export interface BranchSpec {
  readonly env: string;
  readonly branch: string;
}

/**
 * Git, behind one interface with two backends (isomorphic-git and the native git binary).
 * One fetch brings every environment's branch head.
 */
export interface GitSource {
  /** Fetches the remote once and returns each environment's head. Never throws for one bad branch. */
  fetch(branches: readonly BranchSpec[]): Promise<readonly BranchHead[]>;
  /**
   * Fetches a pull request's head ref from the configured repository into the object store and
   * returns a Revision of `head.sha` to check out for `head.env`'s plan. Moves no branch and
   * changes no environment's head, previous sha or force-push record. Throws a CairnError naming
   * the pull request when the ref or the commit is not there. Optional: a source that cannot
   * (a test double) leaves it out, and pull requests are then not planned. Once `signal` is
   * aborted (the plan was abandoned at its deadline) the fetch is stopped and rejects.
   */
  fetchPullRequest?(head: PullRequestHead, options?: { readonly signal?: AbortSignal }): Promise<Revision>;
  /**
   * With `repository.verify`: resolves when `revision`'s commit is signed by an allowed key, and
   * throws a terminal `source.unverified` CairnError naming the commit and its signer otherwise.
   * Without it, resolves at once. `checkout` calls it too, so nothing unverified is ever read.
   */
  verify?(revision: Revision): Promise<void>;
  /**
   * Checks out exactly `revision.sha` into a fresh directory (atomically), refusing escaping
   * symlinks and huge files. Once `signal` is aborted no further file is read; the half-written
   * directory is removed and it rejects.
   */
  checkout(revision: Revision, options?: { readonly signal?: AbortSignal }): Promise<Workspace>;
  /** Releases anything held (watchers, temp dirs). */
  close(): Promise<void>;
}
