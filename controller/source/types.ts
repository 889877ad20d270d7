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
  /** Checks out exactly `revision.sha` into a fresh directory (atomically), refusing escaping symlinks and huge files. */
  checkout(revision: Revision): Promise<Workspace>;
  /** Releases anything held (watchers, temp dirs). */
  close(): Promise<void>;
}
