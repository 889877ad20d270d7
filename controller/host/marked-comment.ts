/** A comment (GitLab: note) on a pull request as the upsert needs it, whatever the host's shape. */
export interface HostComment {
  readonly id: string;
  readonly body: string;
  /** The author's login (GitLab: username). */
  readonly author: string;
}

/** One page of comments and where the next one is. */
export interface CommentPage {
  readonly comments: readonly HostComment[];
  readonly next?: string;
}

/** Pages read at most when looking for the marked comment (100 comments a page on GitHub and GitLab). */
export const MAX_PAGES = 50;

/**
 * Whether `comment` is one cairn wrote, as `self`, for `marker`.
 * Starting with it, not merely holding it: cairn's own plan comments quote repository text (a
 * diff, a failure) verbatim in fenced blocks, so one environment's comment can hold another's
 * marker, and would then be overwritten with that environment's plan.
 */
export function isOwnMarked(comment: HostComment, marker: string, self: string): boolean {
  return comment.author === self && comment.body.trimStart().startsWith(marker);
}

/**
 * The first comment starting with `marker` that cairn itself wrote, by `self`; none when cairn
 * does not know who it is (null): anyone may post the marker, a bot account too. Pages are read in
 * order until it is found or they end.
 */
export async function findMarked(
  marker: string,
  self: string | null,
  page: (next: string | undefined) => Promise<CommentPage>,
): Promise<HostComment | undefined> {
  if (self === null) return undefined;
  let next: string | undefined;
  for (let read = 0; read < MAX_PAGES; read++) {
    const { comments, next: after } = await page(next);
    const found = comments.find((c) => isOwnMarked(c, marker, self));
    if (found) return found;
    if (!after || after === next) return undefined;
    next = after;
  }
  return undefined;
}
