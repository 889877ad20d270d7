import type { WriteFence } from '../model';
import type { CommitStatus, GitHost, OpenPullRequest } from './types';
import { HostHttp, nextLink, truncate, type HostHttpOptions, type HostResponse } from './host-http';
import { findMarked, isOwnMarked, MAX_PAGES, type HostComment } from './marked-comment';

/** What a Gitea or GitHub client is made from. */
export interface ForgeHostOptions {
  /** `owner/name`. */
  readonly repo: string;
  readonly apiUrl: string;
  readonly token: string;
  readonly tokenEnv?: string;
  readonly timeoutMs?: number;
  readonly http?: Partial<
    Pick<HostHttpOptions, 'retries' | 'backoffMs' | 'maxBackoffMs' | 'sleep' | 'maxBodyBytes'>
  >;
}

/** The few ways Gitea's REST API v1 and GitHub's REST API differ for what cairn does. */
interface Profile {
  readonly type: 'gitea' | 'github';
  readonly authorization: (token: string) => string;
  readonly headers: Readonly<Record<string, string>>;
  /** Characters of a status description the host keeps (GitHub refuses more than 140). */
  readonly descriptionMax: number;
  /** Characters of a comment body the host takes. */
  readonly commentMax: number;
  /** Query string of the first page of a PR's comments. */
  readonly firstPage: string;
}

const GITEA: Profile = {
  type: 'gitea',
  authorization: (token) => `token ${token}`,
  headers: {},
  // Gitea stores TEXT, but its UI shows one line: keep it short like the others.
  descriptionMax: 255,
  commentMax: 1_000_000,
  // Gitea answers a PR's comments in one page (the endpoint takes only since/before); a Link header is followed if present.
  firstPage: '',
};

const GITHUB: Profile = {
  type: 'github',
  authorization: (token) => `Bearer ${token}`,
  headers: { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
  descriptionMax: 140,
  commentMax: 65_536,
  firstPage: '?per_page=100',
};

/** A Gitea client (REST API v1, `Authorization: token …`). */
export function createGiteaHost(options: ForgeHostOptions): GitHost {
  return new ForgeHost(GITEA, options);
}

/** A GitHub client (REST API 2022-11-28, `Authorization: Bearer …`). */
export function createGitHubHost(options: ForgeHostOptions): GitHost {
  return new ForgeHost(GITHUB, options);
}

interface ForgePull {
  readonly number: number;
  readonly html_url: string;
  readonly head?: { readonly ref?: string; readonly repo?: { readonly full_name?: string } | null };
  readonly base?: { readonly ref?: string };
  readonly state?: string;
}

/** What a lookup found, as the answer of the create it stands in for (undefined: not found). */
function createdAs<T>(found: T | undefined, body: (found: T) => unknown): HostResponse | undefined {
  return found === undefined ? undefined : { status: 201, headers: {}, body: body(found) };
}

interface ForgeComment {
  readonly id: number;
  readonly body?: string;
  readonly user?: { readonly login?: string; readonly type?: string } | null;
}

/** Gitea and GitHub share the shape of statuses, issue comments and pulls; this is that shape. */
class ForgeHost implements GitHost {
  readonly type: 'gitea' | 'github';
  private readonly http: HostHttp;
  private readonly repoPath: string;
  /** `owner/name`, lower-cased: the head repository of this repository's own pull requests. */
  private readonly repoName: string;
  private login: Promise<string | null> | undefined;
  /**
   * The author GitHub named on a commit status or comment this token created: the token's own
   * login (a GitHub App's `<slug>[bot]`), known even where /user is refused.
   */
  private createdBy: string | undefined;

  constructor(
    private readonly profile: Profile,
    options: ForgeHostOptions,
  ) {
    this.type = profile.type;
    this.repoPath = `/repos/${options.repo.split('/').map(encodeURIComponent).join('/')}`;
    this.repoName = options.repo.toLowerCase();
    this.http = new HostHttp({
      host: profile.type,
      repo: options.repo,
      apiUrl: options.apiUrl,
      headers: profile.headers,
      authorization: profile.authorization(options.token),
      token: options.token,
      ...(options.tokenEnv ? { tokenEnv: options.tokenEnv } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...options.http,
    });
  }

  async setCommitStatus(status: CommitStatus, fence?: WriteFence): Promise<void> {
    const { body } = await this.http.request(
      'POST',
      `${this.repoPath}/statuses/${encodeURIComponent(status.sha)}`,
      {
        state: status.state,
        context: status.context,
        description: truncate(status.description, this.profile.descriptionMax),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      },
      fence ? { fence } : {},
    );
    this.createdBy ??= (body as { creator?: { login?: string } | null } | null)?.creator?.login || undefined;
  }

  async upsertPullRequestComment(
    pr: number,
    marker: string,
    body: string,
    fence?: WriteFence,
  ): Promise<string> {
    const text = truncate(body, this.profile.commentMax);
    const fenced = fence ? { fence } : {};
    const self = (await this.ownLogin()) ?? this.createdBy ?? null;
    const find = () => findMarked(marker, self, (url) => this.commentsPage(pr, url));
    const found = await find();
    if (found) {
      await this.http.request(
        'PATCH',
        `${this.repoPath}/issues/comments/${found.id}`,
        { body: text },
        fenced,
      );
      return found.id;
    }
    // A POST whose answer was lost may have created the comment: look for it before posting again.
    const created = await this.http.request(
      'POST',
      `${this.repoPath}/issues/${pr}/comments`,
      { body: text },
      { findCreated: async () => createdAs(await find(), (c) => ({ id: Number(c.id) })), ...fenced },
    );
    const comment = created.body as ForgeComment;
    this.createdBy ??= comment.user?.login || undefined;
    const id = String(comment.id);
    // Posted without knowing who cairn is (a GitHub App's token, before any status it posted was
    // answered: a restart whose first status failed, or a POST whose answer was lost and retried):
    // now that the answer named it, comments of its own posted before are duplicates, and go.
    if (self === null && this.createdBy) await this.deleteOwnMarked(pr, marker, this.createdBy, id, fence);
    return id;
  }

  /** Deletes every comment of `author` on `pr` that starts with `marker`, but `keep`. */
  private async deleteOwnMarked(
    pr: number,
    marker: string,
    author: string,
    keep: string,
    fence: WriteFence | undefined,
  ): Promise<void> {
    const stale: string[] = [];
    let next: string | undefined;
    for (let read = 0; read < MAX_PAGES; read++) {
      const page = await this.commentsPage(pr, next);
      for (const c of page.comments) if (c.id !== keep && isOwnMarked(c, marker, author)) stale.push(c.id);
      if (!page.next || page.next === next) break;
      next = page.next;
    }
    for (const id of stale)
      await this.http.request(
        'DELETE',
        `${this.repoPath}/issues/comments/${encodeURIComponent(id)}`,
        undefined,
        { accept: [404], ...(fence ? { fence } : {}) },
      );
  }

  async openPullRequest(
    request: OpenPullRequest,
    fence?: WriteFence,
  ): Promise<{ readonly number: number; readonly url: string }> {
    const { body } = await this.http.request(
      'POST',
      `${this.repoPath}/pulls`,
      {
        title: request.title,
        body: truncate(request.body, this.profile.commentMax),
        head: request.head,
        base: request.base,
      },
      {
        // A POST whose answer was lost may have opened it: use the branch's open pull request.
        findCreated: async () => createdAs(await this.pullFrom(request.head, request.base, 'open'), (p) => p),
        ...(fence ? { fence } : {}),
      },
    );
    const pull = body as ForgePull;
    return { number: pull.number, url: pull.html_url };
  }

  async pullRequestFrom(
    head: string,
    base: string,
  ): Promise<{ readonly number: number; readonly url: string } | undefined> {
    const pull = await this.pullFrom(head, base, 'all');
    return pull ? { number: pull.number, url: pull.html_url } : undefined;
  }

  /**
   * A pull request from `head` (a branch of this repository) into `base` in `state`, if there is
   * one: on Gitea asked for directly, on GitHub listed with the host's filter.
   */
  private async pullFrom(head: string, base: string, state: 'open' | 'all'): Promise<ForgePull | undefined> {
    if (this.type === 'gitea') {
      const pull = await this.giteaPullFrom(head, base);
      // Gitea answers one of the branch's pull requests, whichever its database reads first: one
      // closed earlier may hide the open one looked for, which only the listing finds then.
      if (pull === undefined || state === 'all' || pull.state === 'open') return pull;
    }
    return this.listedPullFrom(head, base, state);
  }

  /**
   * Gitea's `GET /repos/{owner}/{repo}/pulls/{base}/{head}` (Gitea 1.22 and later): the pull request
   * from `head` of this repository (a fork's branch of the same name is another head) into `base`,
   * in any state. The listing it replaces ignores Gitea's `head` filter, so it read every pull
   * request of the repository, at most MAX_PAGES pages of them: past 2,500 the revert branch's
   * pull request went unseen, and the holder would have opened a second one (closed ones count).
   */
  private async giteaPullFrom(head: string, base: string): Promise<ForgePull | undefined> {
    // A branch name has no `:` (git refuses it), which Gitea would read as `owner:branch`. The base
    // is one path segment, its `/` sent as `%2F`: Gitea (1.26 checked) routes `pulls/env%2Fprod/x`
    // to base `env/prod`, and answers 404 to `pulls/env/prod/x`.
    const path = `${this.repoPath}/pulls/${encodeURIComponent(base)}/${head.split('/').map(encodeURIComponent).join('/')}`;
    const response = await this.http.request('GET', path, undefined, { accept: [404] });
    if (response.status === 404) return undefined;
    const pull = response.body as ForgePull;
    return pull.head?.ref === head && pull.base?.ref === base ? pull : undefined;
  }

  /** A pull request from `head` into `base` in `state`, listed (pages followed by their Link header). */
  private async listedPullFrom(
    head: string,
    base: string,
    state: 'open' | 'all',
  ): Promise<ForgePull | undefined> {
    // GitHub filters by `owner:branch`; Gitea ignores that filter, so the refs are checked here too.
    const owner = decodeURIComponent(this.repoPath.split('/')[2] ?? '');
    let url: string | undefined =
      `${this.repoPath}/pulls?state=${state}&per_page=100&limit=50` +
      (this.type === 'github'
        ? `&head=${encodeURIComponent(`${owner}:${head}`)}&base=${encodeURIComponent(base)}`
        : '');
    for (let read = 0; url && read < MAX_PAGES; read++) {
      const response = await this.http.request('GET', url);
      const pulls = Array.isArray(response.body) ? (response.body as ForgePull[]) : [];
      // A fork's branch of the same name is not this repository's (Gitea lists those too).
      const found = pulls.find(
        (p) =>
          p.head?.ref === head &&
          p.base?.ref === base &&
          (p.head.repo?.full_name ?? '').toLowerCase() === this.repoName,
      );
      if (found) return found;
      url = nextLink(response.headers);
    }
    return undefined;
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /** One page of a PR's comments, and the next page's URL (from the Link header). */
  private async commentsPage(
    pr: number,
    url: string | undefined,
  ): Promise<{ readonly comments: readonly HostComment[]; readonly next?: string }> {
    const response = await this.http.request(
      'GET',
      url ?? `${this.repoPath}/issues/${pr}/comments${this.profile.firstPage}`,
    );
    const list = Array.isArray(response.body) ? (response.body as ForgeComment[]) : [];
    const next = nextLink(response.headers);
    return {
      comments: list.map((c) => ({
        id: String(c.id),
        body: c.body ?? '',
        author: c.user?.login ?? '',
      })),
      ...(next ? { next } : {}),
    };
  }

  /**
   * The login the token acts as, so that only cairn's own comment is edited: anyone can post a
   * comment carrying the marker, and editing theirs would let them rewrite the plan afterwards.
   * Null when the host will not say (a GitHub App's installation token gets 403 on /user, and
   * only the app's JWT, which cairn does not hold, may ask GET /app); then the author of a status
   * or comment this token created is its login, and until one was created no comment is taken
   * for cairn's (a new one is posted): a workflow of a pull request comments as the bot account
   * `github-actions[bot]`, so "any bot" would let it post the marker first and rewrite the plan.
   */
  private ownLogin(): Promise<string | null> {
    this.login ??= this.http.request('GET', '/user').then(
      (r) => (r.body as { login?: string }).login ?? null,
      (error: unknown) => {
        if ((error as { code?: string }).code === 'host.unauthorized' && this.type === 'github') return null;
        this.login = undefined; // asked again next time: a passing outage must not stick
        throw error;
      },
    );
    return this.login;
  }
}
