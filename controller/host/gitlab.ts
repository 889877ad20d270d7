import type { IncomingHttpHeaders } from 'node:http';
import type { WriteFence } from '../model';
import type { CommitState, CommitStatus, GitHost, OpenPullRequest } from './types';
import { HostHttp, nextLink, truncate } from './host-http';
import { findMarked, MAX_PAGES, type CommentPage } from './marked-comment';
import type { ForgeHostOptions } from './gitea-github';

/** What a GitLab client is made from: `repo` is the project's path (`group/sub/name`). */
export type GitLabHostOptions = ForgeHostOptions;

/**
 * GitLab has no `error` state and names the others its own way. cairn's `pending` means "applying
 * now", which is GitLab's `running` (a `pending` status could not go straight to success on old
 * GitLab versions).
 */
export const GITLAB_STATE: Readonly<Record<CommitState, string>> = {
  pending: 'running',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/** GitLab keeps 255 characters of a status description. */
const DESCRIPTION_MAX = 255;
/** GitLab's limit on a note's body. */
const NOTE_MAX = 1_000_000;

interface GitLabNote {
  readonly id: number;
  readonly body?: string;
  readonly system?: boolean;
  readonly author?: { readonly username?: string } | null;
}

interface GitLabMergeRequest {
  readonly iid: number;
  readonly web_url: string;
  readonly source_project_id?: number;
  readonly target_project_id?: number;
}

/** A GitLab client (REST API v4, `Authorization: Bearer …`, project addressed by its URL-encoded path). */
export function createGitLabHost(options: GitLabHostOptions): GitHost {
  return new GitLabHost(options);
}

class GitLabHost implements GitHost {
  readonly type = 'gitlab' as const;
  private readonly http: HostHttp;
  private readonly project: string;
  private username: Promise<string> | undefined;

  constructor(options: GitLabHostOptions) {
    this.project = `/projects/${encodeURIComponent(options.repo)}`;
    this.http = new HostHttp({
      host: 'gitlab',
      repo: options.repo,
      apiUrl: options.apiUrl,
      authorization: `Bearer ${options.token}`,
      token: options.token,
      ...(options.tokenEnv ? { tokenEnv: options.tokenEnv } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...options.http,
    });
  }

  async setCommitStatus(status: CommitStatus, fence?: WriteFence): Promise<void> {
    const path = `${this.project}/statuses/${encodeURIComponent(status.sha)}`;
    const response = await this.http.request(
      'POST',
      path,
      {
        state: GITLAB_STATE[status.state],
        name: status.context,
        description: truncate(status.description, DESCRIPTION_MAX),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      },
      { accept: [400], ...(fence ? { fence } : {}) },
    );
    if (response.status === 400) {
      // A status already `running` cannot be set `running` again ("Cannot transition status via
      // :run from :running"): a retry of the same sha. It is in the state asked for; that is success.
      const repeated = /cannot transition status/i.test(JSON.stringify(response.body ?? ''));
      if (repeated && GITLAB_STATE[status.state] === 'running') return;
      throw this.http.statusError(`POST ${this.http.url(path).pathname}`, response);
    }
  }

  async upsertPullRequestComment(
    pr: number,
    marker: string,
    body: string,
    fence?: WriteFence,
  ): Promise<string> {
    const text = truncate(body, NOTE_MAX);
    const fenced = fence ? { fence } : {};
    const notes = `${this.project}/merge_requests/${pr}/notes`;
    const self = await this.ownUsername();
    const find = () => findMarked(marker, self, (url) => this.notesPage(notes, url));
    const found = await find();
    if (found) {
      await this.http.request('PUT', `${notes}/${found.id}`, { body: text }, fenced);
      return found.id;
    }
    // A POST whose answer was lost may have created the note: look for it before posting again.
    const created = await this.http.request(
      'POST',
      notes,
      { body: text },
      {
        findCreated: async () => {
          const note = await find();
          return note ? { status: 201, headers: {}, body: { id: Number(note.id) } } : undefined;
        },
        ...fenced,
      },
    );
    return String((created.body as GitLabNote).id);
  }

  async openPullRequest(
    request: OpenPullRequest,
    fence?: WriteFence,
  ): Promise<{ readonly number: number; readonly url: string }> {
    const { body } = await this.http.request(
      'POST',
      `${this.project}/merge_requests`,
      {
        source_branch: request.head,
        target_branch: request.base,
        title: request.title,
        description: truncate(request.body, NOTE_MAX),
      },
      {
        // A POST whose answer was lost may have opened it: use the branch's open merge request.
        findCreated: async () => {
          const found = await this.mergeRequestFrom(request.head, request.base, 'opened');
          return found ? { status: 201, headers: {}, body: found } : undefined;
        },
        ...(fence ? { fence } : {}),
      },
    );
    const mr = body as GitLabMergeRequest;
    return { number: mr.iid, url: mr.web_url };
  }

  async pullRequestFrom(
    head: string,
    base: string,
  ): Promise<{ readonly number: number; readonly url: string } | undefined> {
    // Without a state, GitLab lists merge requests in every state.
    const mr = await this.mergeRequestFrom(head, base);
    return mr ? { number: mr.iid, url: mr.web_url } : undefined;
  }

  /**
   * The newest merge request from `head`, a branch of this project, into `base` (in `state`, else in
   * any), if there is one. The project's list holds the merge requests into it, forks' included,
   * and `source_branch` matches a fork's branch of the same name: only one whose source project is
   * its target (this project) counts, or anyone who can fork could name a branch after cairn's
   * revert and have its merge request taken for the revert's (none of cairn's opened). Pages are
   * followed, at most MAX_PAGES of 100, so forks' merge requests do not push this one off the first.
   */
  private async mergeRequestFrom(
    head: string,
    base: string,
    state?: 'opened',
  ): Promise<GitLabMergeRequest | undefined> {
    const first = `${this.project}/merge_requests?${state ? `state=${state}&` : ''}source_branch=${encodeURIComponent(head)}&target_branch=${encodeURIComponent(base)}&per_page=100`;
    let url: string | undefined = first;
    for (let read = 0; url && read < MAX_PAGES; read++) {
      const response = await this.http.request('GET', url);
      const listed = Array.isArray(response.body) ? (response.body as GitLabMergeRequest[]) : [];
      const own = listed.find(
        (mr) => mr.source_project_id !== undefined && mr.source_project_id === mr.target_project_id,
      );
      if (own) return own;
      url = nextPage(first, response.headers);
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  private async notesPage(notes: string, url: string | undefined): Promise<CommentPage> {
    const response = await this.http.request(
      'GET',
      url ?? `${notes}?sort=asc&order_by=created_at&per_page=100`,
    );
    const list = Array.isArray(response.body) ? (response.body as GitLabNote[]) : [];
    const next = nextPage(`${notes}?sort=asc&order_by=created_at&per_page=100`, response.headers);
    return {
      comments: list
        .filter((n) => n.system !== true)
        .map((n) => ({ id: String(n.id), body: n.body ?? '', author: n.author?.username ?? '' })),
      ...(next ? { next } : {}),
    };
  }

  /** The username the token acts as (project and group access tokens have a bot user too). */
  private ownUsername(): Promise<string> {
    this.username ??= this.http.request('GET', '/user').then(
      (r) => (r.body as { username?: string }).username ?? '',
      (error: unknown) => {
        this.username = undefined;
        throw error;
      },
    );
    return this.username;
  }
}

/**
 * The URL of the page after the one `first` (a list's first page, with its query) led to: GitLab
 * sends a Link header, and X-Next-Page (empty on the last page) when it does not.
 */
function nextPage(first: string, headers: IncomingHttpHeaders): string | undefined {
  const page = headers['x-next-page'];
  return (
    nextLink(headers) ??
    (typeof page === 'string' && /^\d+$/.test(page) ? `${first}&page=${page}` : undefined)
  );
}
