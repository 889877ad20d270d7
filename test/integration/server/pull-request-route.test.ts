import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PullRequest } from '../../../controller/host/types';
import { FakeController } from '../../helpers/fake-controller';
import { sign } from '../../helpers/webhook-deliveries';
import { SECRET, startTestServer, type TestServer } from './test-server';

const documented = (name: string) =>
  readFileSync(join(__dirname, '../../fixtures/webhooks', `${name}.json`), 'utf8');

/** A FakeController that records plan requests; `branches` maps environment to branch. */
function planning(branches: Record<string, string>) {
  const asked: [PullRequest, string][] = [];
  const controller = Object.assign(new FakeController(branches), {
    planPullRequest(pr: PullRequest, ref: string): readonly string[] {
      asked.push([pr, ref]);
      return Object.entries(branches)
        .filter(([, b]) => b === pr.base)
        .map(([env]) => env);
    },
  });
  return { controller, asked };
}

describe('pull request deliveries at the webhook route', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.server.close();
    t = undefined;
  });

  it('a signed pull request into an environment branch is answered 202 at once, naming the environments', async () => {
    const { controller, asked } = planning({ dev: 'dev', 'dev-eu': 'dev', prod: 'main' });
    t = await startTestServer({ controller });
    const response = await t.post(
      '/hooks/gitea',
      sign.gitea(documented('gitea-pull-request-opened'), { secret: SECRET, event: 'pull_request' }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ message: 'plan queued', environments: ['dev', 'dev-eu'] });
    expect(asked.map(([pr, ref]) => `${pr.number} ${pr.base} ${ref}`)).toEqual(['1 dev refs/pull/1/head']);
    expect(await t.sample('cairn_webhook_requests_total{provider="gitea",result="planned"}')).toBe(1);
    expect(controller.triggers).toEqual([]);
  });

  it('a pull request whose base no environment tracks is acknowledged and ignored', async () => {
    const { controller } = planning({ dev: 'dev' });
    t = await startTestServer({ controller });
    const response = await t.post(
      '/hooks/github',
      sign.github(documented('github-pull-request-synchronize'), { secret: SECRET, event: 'pull_request' }),
    );
    expect(response.status).toBe(202);
    expect((await response.json()) as { message: string }).toMatchObject({
      message: 'ignored: no environment tracks branch master, the base of pull request 2',
    });
    expect(await t.sample('cairn_webhook_requests_total{provider="github",result="no-environment"}')).toBe(1);
  });

  it('without a Git host (no planPullRequest) a pull request is acknowledged and ignored, saying why', async () => {
    t = await startTestServer({ controller: new FakeController({ dev: 'master' }) });
    const response = await t.post(
      '/hooks/gitlab',
      sign.gitlab(documented('gitlab-merge-request-update'), { secret: SECRET, event: 'Merge Request Hook' }),
    );
    expect(response.status).toBe(202);
    expect(((await response.json()) as { message: string }).message).toMatch(/need repository\.host/);
  });

  it('a pull request event with a bad signature is refused before anything is planned', async () => {
    const { controller, asked } = planning({ dev: 'dev' });
    t = await startTestServer({ controller });
    const response = await t.post(
      '/hooks/gitea',
      sign.gitea(documented('gitea-pull-request-opened'), { secret: 'guess', event: 'pull_request' }),
    );
    expect(response.status).toBe(401);
    expect(asked).toEqual([]);
  });
});
