import { CairnError } from '../model/errors';

/** One file of a folder at a commit, as git stores it (its content is read separately, by oid). */
export interface TreeFile {
  /** Path relative to the repository root. */
  readonly path: string;
  /** Git's mode: 100644, 100755, or 120000 for a symlink (whose content is the link target). */
  readonly mode: string;
  /** The blob's id. */
  readonly oid: string;
  /** Size in bytes when the backend knows it without reading the blob. */
  readonly size?: number;
}

/** What a reader throws for a blob over the size cap, before reading it; its subject is the blob id. */
export class BlobTooLargeError extends CairnError {
  constructor(
    readonly oid: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`is ${size} bytes, over the ${maxBytes}-byte limit`, {
      code: 'source.file-too-large',
      phase: 'fetch',
      subject: `blob ${oid}`,
      hint: 'keep large files out of the repository, or raise workspaces.maxFileSize',
    });
  }
}

/**
 * What a reader throws for a submodule in a folder cairn reads (or the folder itself as one): its
 * files are another repository's, which cairn does not fetch, so leaving it out would apply the
 * folder without them, and prune what they made.
 */
export function submoduleRefused(path: string): CairnError {
  return new CairnError("is a Git submodule: cairn reads only the branch's own files, not submodules", {
    code: 'source.submodule',
    phase: 'fetch',
    subject: path,
    hint: 'commit those files into the branch itself (git rm the submodule, then add its files)',
  });
}

/** What the source reports of a commit. */
export interface CommitInfo {
  readonly author: { readonly name: string; readonly email: string };
  /** Committer time, ISO 8601. */
  readonly committedAt: string;
  readonly message: string;
}

/**
 * What cairn reads from Git, behind the two backends (isomorphic-git and the git binary). The
 * source's logic (revisions, force-push detection, safe checkouts) is written once on top of it.
 */
export interface GitReader {
  /**
   * Brings exactly these branches of the remote into the local cache (a no-op for a repository read
   * in place). Never asks for the remote's HEAD; a branch the remote lacks is dropped from the cache.
   * Resolves with the branches that alone could not be fetched (by branch); throws when the remote
   * as a whole could not be.
   */
  update(branches: readonly string[]): Promise<ReadonlyMap<string, Error>>;
  /**
   * Brings one ref of the remote that is no branch (a pull request's head, `refs/pull/<n>/head`)
   * into the object store under `localRef` (a `refs/cairn/...` ref no branch and no fetch of
   * branches reads), and returns the sha it points at, or null when the remote has no such ref.
   * A repository read in place only resolves `ref`. Environment branches are never touched.
   * `near` is a branch the head likely shares history with (the pull request's base): what the
   * cache has of it is offered to the remote, so only the new objects come. Once `signal` is
   * aborted the fetch is stopped (git interrupted, the transfer closed) and rejects.
   */
  fetchRef(ref: string, localRef: string, near: string, signal?: AbortSignal): Promise<string | null>;
  /** The sha a branch points at, or null when the branch does not exist. */
  resolve(branch: string): Promise<string | null>;
  commit(sha: string): Promise<CommitInfo>;
  /** The commit object exactly as git stores it (headers, signature, message): what a signature covers. */
  rawCommit(sha: string): Promise<Buffer>;
  /** Tree hash of a top-level folder at a commit, or null when it is absent. */
  folderTree(sha: string, folder: string): Promise<string | null>;
  /** True when `ancestor` is `sha` or one of its ancestors. */
  isAncestor(ancestor: string, sha: string): Promise<boolean>;
  /** Every file below a top-level folder at a commit. */
  files(sha: string, folder: string): Promise<readonly TreeFile[]>;
  /**
   * The contents of many blobs at once (one process for the native backend). Each blob's size is
   * checked before it is inflated: one over `maxBytes` throws a BlobTooLargeError.
   */
  readBlobs(oids: readonly string[], maxBytes: number): Promise<ReadonlyMap<string, Buffer>>;
}
