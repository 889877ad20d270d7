import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gitea } from '../../../controller/server/webhooks/gitea';
import { github } from '../../../controller/server/webhooks/github';
import { gitlab } from '../../../controller/server/webhooks/gitlab';
import type { WebhookProvider } from '../../../controller/server/webhooks/verdict';
import { sign } from '../../helpers/webhook-deliveries';

const SECRET = 'It is a secret to everybody';
// Documented payloads are varied field by field, at any depth.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Payload = Record<string, any>;

/** A payload from the hosts' documentation (trimmed to fewer fields, shapes unchanged), as an object to vary. */
function documented(name: string): Payload {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures/webhooks', `${name}.json`), 'utf8'));
}

type Host = 'gitea' | 'github' | 'gitlab';
const PROVIDER: Record<Host, WebhookProvider> = { gitea, github, gitlab };
const EVENT: Record<Host, string> = {
  gitea: 'pull_request',
  github: 'pull_request',
  gitlab: 'Merge Request Hook',
};
const FIXTURE: Record<Host, string> = {
  gitea: 'gitea-pull-request-opened',
  github: 'github-pull-request-synchronize',
  gitlab: 'gitlab-merge-request-update',
};

function deliver(host: Host, payload: unknown, options: { secret?: string; event?: string } = {}) {
  const { headers, body } = sign[host](JSON.stringify(payload), {
    secret: options.secret ?? SECRET,
    event: options.event ?? EVENT[host],
    delivery: 'd-7',
  });
  return PROVIDER[host](headers, Buffer.from(body), SECRET);
}

describe('pull request webhooks', () => {
  it('gitea: a documented pull_request "opened" is a plan of its head from refs/pull/<n>/head', () => {
    expect(deliver('gitea', documented(FIXTURE.gitea))).toEqual({
      kind: 'pull-request',
      pr: {
        number: 1,
        base: 'dev',
        headRef: 'feature',
        headSha: '2d3d2f7f1d1c6a0e0b1dbbd6f5a1a4bb5a1e26c1',
        fromFork: false,
        headCloneUrl: 'http://localhost:3000/gitea/webhooks.git',
        repository: 'gitea/webhooks',
        url: 'http://localhost:3000/gitea/webhooks/pulls/1',
      },
      ref: 'refs/pull/1/head',
      delivery: 'd-7',
    });
  });

  it('github: a documented pull_request "synchronize" is a plan of its new head', () => {
    expect(deliver('github', documented(FIXTURE.github))).toEqual({
      kind: 'pull-request',
      pr: {
        number: 2,
        base: 'master',
        headRef: 'changes',
        headSha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
        fromFork: false,
        headCloneUrl: 'https://github.com/Codertocat/Hello-World.git',
        repository: 'Codertocat/Hello-World',
        url: 'https://github.com/Codertocat/Hello-World/pull/2',
      },
      ref: 'refs/pull/2/head',
      delivery: 'd-7',
    });
  });

  it('gitlab: a documented Merge Request Hook "update" is a plan of refs/merge-requests/<iid>/head', () => {
    expect(deliver('gitlab', documented(FIXTURE.gitlab))).toEqual({
      kind: 'pull-request',
      pr: {
        number: 1,
        base: 'master',
        headRef: 'ms-viewport',
        headSha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        fromFork: false,
        headCloneUrl: 'http://example.com/awesome_space/awesome_project.git',
        repository: 'gitlabhq/gitlab-test',
        url: 'http://example.com/diaspora/merge_requests/1',
      },
      ref: 'refs/merge-requests/1/head',
      delivery: 'd-7',
    });
  });

  it.each([
    ['gitea', 'opened'],
    ['gitea', 'synchronized'],
    ['gitea', 'reopened'],
    ['github', 'opened'],
    ['github', 'synchronize'],
    ['github', 'reopened'],
  ] as const)('%s: action %s asks for a plan', (host, action) => {
    expect(deliver(host, { ...documented(FIXTURE[host]), action }).kind).toBe('pull-request');
  });

  it.each(['open', 'update', 'reopen'])('gitlab: action %s asks for a plan', (action) => {
    const payload = documented(FIXTURE.gitlab);
    payload.object_attributes.action = action;
    expect(deliver('gitlab', payload).kind).toBe('pull-request');
  });

  it.each([
    ['gitea', 'closed'],
    ['gitea', 'label_updated'],
    ['github', 'closed'],
    ['github', 'labeled'],
    ['github', 'edited'],
  ] as const)('%s: action %s is acknowledged and ignored', (host, action) => {
    expect(deliver(host, { ...documented(FIXTURE[host]), action })).toEqual({
      kind: 'ignored',
      reason: `pull request action ${action}`,
      delivery: 'd-7',
    });
  });

  it.each(['close', 'merge', 'approved'])('gitlab: action %s is acknowledged and ignored', (action) => {
    const payload = documented(FIXTURE.gitlab);
    payload.object_attributes.action = action;
    expect(deliver('gitlab', payload).kind).toBe('ignored');
  });

  it('github and gitea: a head in another repository is a fork; a deleted fork (head.repo null) too', () => {
    for (const host of ['github', 'gitea'] as const) {
      const payload = documented(FIXTURE[host]);
      payload.pull_request.head.repo.full_name = 'mallory/fork';
      payload.pull_request.head.repo.clone_url = 'https://example.com/mallory/fork.git';
      const verdict = deliver(host, payload);
      expect(verdict.kind === 'pull-request' && verdict.pr).toMatchObject({
        fromFork: true,
        headCloneUrl: 'https://example.com/mallory/fork.git',
      });
      payload.pull_request.head.repo = null;
      const gone = deliver(host, payload);
      expect(gone.kind === 'pull-request' && gone.pr.fromFork).toBe(true);
    }
  });

  it('gitlab: a source project other than the target project is a fork', () => {
    const payload = documented(FIXTURE.gitlab);
    payload.object_attributes.source_project_id = 15;
    const verdict = deliver('gitlab', payload);
    expect(verdict.kind === 'pull-request' && verdict.pr.fromFork).toBe(true);
  });

  it.each([
    ['gitea', (p: Payload): unknown => delete p.pull_request.base.ref, 'pull_request.base.ref'],
    ['github', (p: Payload): unknown => delete p.pull_request.head.sha, 'pull_request.head.sha'],
    ['github', (p: Payload): unknown => (p.pull_request.head.sha = '../../etc'), 'pull_request.head.sha'],
    ['gitea', (p: Payload): unknown => (p.number = '1; rm -rf'), 'number'],
    [
      'gitlab',
      (p: Payload): unknown => delete p.object_attributes.last_commit,
      'object_attributes.last_commit.id',
    ],
    ['gitlab', (p: Payload): unknown => (p.object_attributes.iid = -3), 'object_attributes.iid'],
    ['gitlab', (p: Payload): unknown => delete p.project, 'project.path_with_namespace'],
  ] as const)('%s: a missing or bad field is malformed and named (%#)', (host, spoil, field) => {
    const payload = documented(FIXTURE[host]);
    spoil(payload);
    const verdict = deliver(host, payload);
    expect(verdict).toEqual({ kind: 'malformed', reason: expect.stringContaining(field), delivery: 'd-7' });
  });

  it.each(['gitea', 'github', 'gitlab'] as const)(
    '%s: a pull request event with the wrong secret is unauthorized before it is parsed',
    (host) => {
      // The body is not even JSON: were it parsed first, the verdict would be "malformed".
      const { headers } = sign[host](JSON.stringify(documented(FIXTURE[host])), {
        secret: 'guess',
        event: EVENT[host],
      });
      expect(PROVIDER[host](headers, Buffer.from('{not json'), SECRET).kind).toBe('unauthorized');
    },
  );

  it('gitea: the pull_request_sync event name is read like pull_request', () => {
    const verdict = deliver(
      'gitea',
      { ...documented(FIXTURE.gitea), action: 'synchronized' },
      { event: 'pull_request_sync' },
    );
    expect(verdict.kind).toBe('pull-request');
  });
});
