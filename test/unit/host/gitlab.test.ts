import { createGitLabHost, GITLAB_STATE } from '../../../controller/host/gitlab';
import type { CommitState, GitHost } from '../../../controller/host/types';
import { heldLease } from '../../helpers/lost-lease';
import { recordingHost, type Answer, type Route } from '../../helpers/recording-host';

const TOKEN = 'glpat-0123456789abcdefTOKEN';
const SHA = '18f3e63d05582537db6d183d9d557be09e1f90c8';
const MARKER = '<!-- cairn:plan:dev -->';
/** The project `group/sub/app`, addressed by its URL-encoded path as GitLab documents. */
const PROJECT = '/api/v4/projects/group%2Fsub%2Fapp';

/** Response bodies as GitLab's REST reference shows them. */
const docs = {
  status: {
    author: {
      web_url: 'https://gitlab.example.com/root',
      name: 'Administrator',
      username: 'root',
      state: 'active',
      id: 1,
    },
    name: 'default',
    sha: SHA,
    status: 'success',
    coverage: null,
    description: null,
    id: 93,
    target_url: null,
    ref: null,
    started_at: null,
    created_at: '2016-01-19T09:05:50.355Z',
    allow_failure: false,
    finished_at: '2016-01-19T09:05:50.365Z',
  },
  user: { id: 7, username: 'cairn-bot', name: 'cairn', state: 'active' },
  note: (id: number, body: string, username: string, system = false) => ({
    id,
    body,
    attachment: null,
    author: { id: 1, username, email: 'admin@example.com', name: username, state: 'active' },
    created_at: '2013-10-02T09:22:45Z',
    updated_at: '2013-10-02T10:22:45Z',
    system,
    noteable_id: 377,
    noteable_type: 'MergeRequest',
    noteable_iid: 12,
  }),
  mr: {
    id: 1,
    iid: 12,
    project_id: 3,
    // a merge request between two branches of project 3 (a fork's names the fork as its source)
    source_project_id: 3,
    target_project_id: 3,
    title: 'Revert abc',
    web_url: 'https://gitlab.example.com/group/sub/app/-/merge_requests/12',
  },
};

describe('the gitlab client', () => {
  let host: GitHost | undefined;
  let server: Awaited<ReturnType<typeof recordingHost>> | undefined;
  async function start(routes: Record<string, Route>) {
    server = await recordingHost(routes);
    host = createGitLabHost({ repo: 'group/sub/app', apiUrl: `${server.url}/api/v4`, token: TOKEN });
    return { server, host };
  }
  afterEach(async () => {
    await host?.close();
    await server?.close();
  });

  it.each<[CommitState, string]>([
    ['pending', 'running'],
    ['success', 'success'],
    ['failure', 'failed'],
    ['error', 'failed'],
  ])('posts our %s as GitLab state %s, named by context, description cut to 255', async (ours, theirs) => {
    expect(GITLAB_STATE[ours]).toBe(theirs);
    const { server, host } = await start({
      [`POST ${PROJECT}/statuses/${SHA}`]: () => ({ status: 201, body: docs.status }),
    });
    await host.setCommitStatus({
      sha: SHA,
      context: 'cairn/dev',
      state: ours,
      description: 'y'.repeat(300),
      targetUrl: 'https://c/api/audit/1',
    });
    const [request] = server.requests;
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.body).toEqual({
      state: theirs,
      name: 'cairn/dev',
      description: expect.stringMatching(/^y+…$/),
      target_url: 'https://c/api/audit/1',
    });
    expect((request!.body as { description: string }).description).toHaveLength(255);
  });

  it('takes "Cannot transition status via :run from :running" as the running status already there', async () => {
    const { host } = await start({
      [`POST ${PROJECT}/statuses/${SHA}`]: () => ({
        status: 400,
        body: {
          message:
            'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")',
        },
      }),
    });
    await expect(
      host.setCommitStatus({ sha: SHA, context: 'cairn/dev', state: 'pending', description: 'x' }),
    ).resolves.toBeUndefined();
    await expect(
      host.setCommitStatus({ sha: SHA, context: 'cairn/dev', state: 'success', description: 'x' }),
    ).rejects.toMatchObject({
      code: 'host.rejected',
      message: expect.stringContaining(
        'gitlab group/sub/app: POST /api/v4/projects/group%2Fsub%2Fapp/statuses/',
      ),
    });
  });

  it("creates the marked note when the merge request has none of cairn's own", async () => {
    const { server, host } = await start({
      'GET /api/v4/user': () => ({ status: 200, body: docs.user }),
      [`GET ${PROJECT}/merge_requests/12/notes`]: () => ({
        status: 200,
        body: [
          docs.note(1, `${MARKER} quoted`, 'mallory'),
          docs.note(2, `${MARKER} system`, 'cairn-bot', true),
        ],
        headers: { 'X-Next-Page': '' },
      }),
      [`POST ${PROJECT}/merge_requests/12/notes`]: () => ({
        status: 201,
        body: docs.note(30, 'plan', 'cairn-bot'),
      }),
    });
    await expect(host.upsertPullRequestComment(12, MARKER, `${MARKER} plan`)).resolves.toBe('30');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/v4/user',
      `GET ${PROJECT}/merge_requests/12/notes?sort=asc&order_by=created_at&per_page=100`,
      `POST ${PROJECT}/merge_requests/12/notes`,
    ]);
  });

  it('edits its note found on page 2 through X-Next-Page, with PUT', async () => {
    const { server, host } = await start({
      'GET /api/v4/user': () => ({ status: 200, body: docs.user }),
      [`GET ${PROJECT}/merge_requests/12/notes`]: (r): Answer =>
        r.url.includes('page=2')
          ? {
              status: 200,
              body: [docs.note(8, `${MARKER} old`, 'cairn-bot')],
              headers: { 'X-Next-Page': '' },
            }
          : {
              status: 200,
              body: [docs.note(1, 'lgtm', 'alice')],
              headers: { 'X-Next-Page': '2', 'X-Page': '1' },
            },
      [`PUT ${PROJECT}/merge_requests/12/notes/8`]: () => ({
        status: 200,
        body: docs.note(8, 'new', 'cairn-bot'),
      }),
    });
    await expect(host.upsertPullRequestComment(12, MARKER, `${MARKER} new`)).resolves.toBe('8');
    expect(server.requests.at(-1)).toMatchObject({ method: 'PUT', body: { body: `${MARKER} new` } });
  });

  it('opens a merge request from head into base and answers its iid and web_url', async () => {
    const { server, host } = await start({
      [`POST ${PROJECT}/merge_requests`]: () => ({ status: 201, body: docs.mr }),
    });
    await expect(
      host.openPullRequest({ title: 'Revert abc', body: 'why', head: 'revert-1', base: 'dev' }),
    ).resolves.toEqual({
      number: 12,
      url: docs.mr.web_url,
    });
    expect(server.requests[0]!.body).toEqual({
      source_branch: 'revert-1',
      target_branch: 'dev',
      title: 'Revert abc',
      description: 'why',
    });
  });

  it('finds the merge request from a branch in any state, and sends none whose fence fails', async () => {
    const { server, host } = await start({
      [`GET ${PROJECT}/merge_requests`]: () => ({ status: 200, body: [{ ...docs.mr, state: 'closed' }] }),
      [`POST ${PROJECT}/merge_requests`]: () => ({ status: 201, body: docs.mr }),
    });
    await expect(host.pullRequestFrom('revert-1', 'dev')).resolves.toEqual({
      number: 12,
      url: docs.mr.web_url,
    });
    expect(server.requests[0]!.url).toBe(
      `${PROJECT}/merge_requests?source_branch=revert-1&target_branch=dev&per_page=100`,
    );
    const lease = heldLease();
    lease.lose();
    const request = { title: 'Revert abc', body: 'why', head: 'revert-1', base: 'dev' };
    await expect(host.openPullRequest(request, lease.fence)).rejects.toMatchObject({ code: 'shard.lost' });
    expect(server.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });

  it("takes no fork's merge request from a branch of the same name for the project's own, on any page", async () => {
    // given a fork (project 9) whose merge requests into dev come from a branch named as cairn's
    // revert, a page of them listed before this project's own, closed, on page 2
    const fork = (iid: number) => ({
      ...docs.mr,
      iid,
      source_project_id: 9,
      web_url: docs.mr.web_url.replace(/\d+$/, String(iid)),
    });
    const { server, host } = await start({
      [`GET ${PROJECT}/merge_requests`]: (r) =>
        r.url.includes('source_branch=revert-1&')
          ? r.url.endsWith('&page=2')
            ? { status: 200, body: [{ ...docs.mr, state: 'closed' }], headers: { 'X-Next-Page': '' } }
            : { status: 200, body: [fork(14), fork(13)], headers: { 'X-Next-Page': '2' } }
          : { status: 200, body: [fork(15)], headers: { 'X-Next-Page': '' } },
    });

    // when the revert branch's merge request is looked up, then this project's is found, and where
    // only a fork has one there is none
    await expect(host.pullRequestFrom('revert-1', 'dev')).resolves.toEqual({
      number: 12,
      url: docs.mr.web_url,
    });
    await expect(host.pullRequestFrom('revert-2', 'dev')).resolves.toBeUndefined();
    expect(server.requests.map((r) => r.url)).toEqual([
      `${PROJECT}/merge_requests?source_branch=revert-1&target_branch=dev&per_page=100`,
      `${PROJECT}/merge_requests?source_branch=revert-1&target_branch=dev&per_page=100&page=2`,
      `${PROJECT}/merge_requests?source_branch=revert-2&target_branch=dev&per_page=100`,
    ]);
  });

  it('a note POST answered 502 after GitLab created it is not posted again: the retry finds the note', async () => {
    const notes: ReturnType<typeof docs.note>[] = [];
    const { server, host } = await start({
      'GET /api/v4/user': () => ({ status: 200, body: docs.user }),
      [`GET ${PROJECT}/merge_requests/12/notes`]: () => ({
        status: 200,
        body: notes,
        headers: { 'X-Next-Page': '' },
      }),
      // GitLab stores the note, and a proxy in front of it answers 502
      [`POST ${PROJECT}/merge_requests/12/notes`]: (r) => {
        notes.push(docs.note(40 + notes.length, (r.body as { body: string }).body, 'cairn-bot'));
        return { status: 502, body: { message: 'Bad Gateway' } };
      },
    });
    await expect(host.upsertPullRequestComment(12, MARKER, `${MARKER} plan`)).resolves.toBe('40');
    expect(notes).toHaveLength(1);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a merge request POST whose answer never came is not opened again: the retry finds the open one', async () => {
    let opened = 0;
    const { server } = await start({
      [`POST ${PROJECT}/merge_requests`]: () => {
        opened += 1;
        return 'hang';
      },
      [`GET ${PROJECT}/merge_requests`]: () => ({ status: 200, body: opened > 0 ? [docs.mr] : [] }),
    });
    await host?.close();
    host = createGitLabHost({
      repo: 'group/sub/app',
      apiUrl: `${server.url}/api/v4`,
      token: TOKEN,
      timeoutMs: 200,
      http: { backoffMs: 1 },
    });
    await expect(
      host.openPullRequest({ title: 'Revert abc', body: 'why', head: 'revert-1', base: 'dev' }),
    ).resolves.toEqual({ number: 12, url: docs.mr.web_url });
    expect(opened).toBe(1);
    const lookup = server.requests.find((r) => r.method === 'GET')!;
    expect(lookup.url).toBe(
      `${PROJECT}/merge_requests?state=opened&source_branch=revert-1&target_branch=dev&per_page=100`,
    );
  });
});
