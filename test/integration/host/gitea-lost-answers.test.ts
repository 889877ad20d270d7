import { randomBytes } from 'node:crypto';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import type { GitHost } from '../../../controller/host/types';
import { startAnswerDroppingProxy, type AnswerDroppingProxy } from '../../helpers/answer-dropping-proxy';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * Writes to the sandbox's real Gitea whose answers a proxy drops after Gitea carried them out: the
 * client's retry must find what the first attempt created instead of creating it again.
 */
describe('Git host writes that a retry cannot duplicate (real Gitea)', () => {
  const gitea = GiteaClient.sandbox();
  const g = sandboxEnv().gitea;
  const name = `cairn-lost-${randomBytes(3).toString('hex')}`;
  const repo = `${g.adminUser}/${name}`;
  let proxy: AnswerDroppingProxy;
  let host: GitHost;
  let work: GiteaWorkTree;

  beforeAll(async () => {
    await gitea.createRepo(name, { private: true });
    work = giteaWorkTree(gitea, g.adminUser, name);
    work.commit('dev', 'first', { 'README.md': 'one\n' });
    work.commit('feature', 'second', { 'README.md': 'two\n' }, { from: 'dev' });
    proxy = await startAnswerDroppingProxy(g.url);
    host = createGiteaHost({
      repo,
      apiUrl: `${proxy.url}/api/v1`,
      token: g.adminToken,
      http: { backoffMs: 10 },
    });
  });
  afterAll(async () => {
    await host?.close();
    await proxy?.close();
    work?.remove();
    await gitea.deleteRepo(g.adminUser, name).catch(() => undefined);
  });

  it('a pull request whose POST answer was lost is opened once, and the retry answers that one', async () => {
    // Given Gitea opens the pull request but its answer never reaches cairn
    proxy.drop('POST', /\/pulls$/);

    // When cairn opens it (and retries the lost attempt)
    const pr = await host.openPullRequest({ title: 'Two', body: 'second', head: 'feature', base: 'dev' });

    // Then exactly one pull request exists, and cairn answered with it
    expect(proxy.dropped()).toBe(1);
    const pulls = await gitea.pullRequests(g.adminUser, name);
    expect(pulls.map((p) => p.number)).toEqual([pr.number]);
  });

  it('a comment whose POST answer was lost exists exactly once after the retry', async () => {
    // Given a pull request, and Gitea creating the comment but its answer never reaching cairn
    const pr = (await gitea.pullRequests(g.adminUser, name))[0]!;
    const marker = '<!-- cairn:plan:dev -->';
    proxy.drop('POST', /\/issues\/\d+\/comments$/);

    // When cairn posts its plan comment (and retries the lost attempt)
    const id = await host.upsertPullRequestComment(pr.number, marker, `${marker}\nplan 1`);

    // Then there is exactly one comment, the one cairn answered with
    expect(proxy.dropped()).toBe(2);
    const comments = await gitea.comments(g.adminUser, name, pr.number);
    expect(comments.map((c) => c.body)).toEqual([`${marker}\nplan 1`]);
    expect(String(comments[0]!.id)).toBe(id);
    expect(proxy.seen.filter((s) => /^POST .*\/comments$/.test(s))).toHaveLength(1);
  });
});
