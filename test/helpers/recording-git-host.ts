import type { CommitStatus, GitHost, OpenPullRequest } from '../../controller/host/types';

/** One call a RecordingGitHost received, in order. */
export type HostCall =
  | { readonly kind: 'status'; readonly status: CommitStatus }
  | { readonly kind: 'comment'; readonly pr: number; readonly marker: string; readonly body: string };

/**
 * A GitHost that records every call and keeps comments by pull request and marker (an upsert
 * replaces the comment carrying the same marker, as the real hosts' implementations do).
 */
export class RecordingGitHost implements GitHost {
  readonly type = 'gitea' as const;
  readonly calls: HostCall[] = [];
  /** Comment bodies by `<pr>:<marker>`, and how many times each was written. */
  readonly comments = new Map<string, { body: string; writes: number }>();
  /** When set, every call rejects with it (a host that is down). */
  failWith: Error | undefined;

  async setCommitStatus(status: CommitStatus): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.calls.push({ kind: 'status', status });
  }

  async upsertPullRequestComment(pr: number, marker: string, body: string): Promise<string> {
    if (this.failWith) throw this.failWith;
    this.calls.push({ kind: 'comment', pr, marker, body });
    const key = `${pr}:${marker}`;
    this.comments.set(key, { body, writes: (this.comments.get(key)?.writes ?? 0) + 1 });
    return key;
  }

  async openPullRequest(_request: OpenPullRequest): Promise<{ number: number; url: string }> {
    throw new Error('not used');
  }

  async pullRequestFrom(): Promise<undefined> {
    throw new Error('not used');
  }

  async close(): Promise<void> {}

  /** The statuses set, as `state description` lines per context. */
  statuses(context: string): string[] {
    return this.calls.flatMap((c) =>
      c.kind === 'status' && c.status.context === context
        ? [`${c.status.sha.slice(0, 7)} ${c.status.state}: ${c.status.description}`]
        : [],
    );
  }
}
