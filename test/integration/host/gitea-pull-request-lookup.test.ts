import { randomBytes } from 'node:crypto';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import type { GitHost } from '../../../controller/host/types';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * `GitHost.pullRequestFrom` on the sandbox's Gitea: the holder of an automatic revert asks it
 * whether the revert branch has its pull request before opening one. Found in review: Gitea ignores
 * the list's `head` filter, so cairn read every pull request of the repository, at most 2,500
 * (past them it answered "none" and a second pull request followed), and took any pull request
 * whose head branch had the name, a fork's included: whoever can fork could open one from a branch
 * named after the revert and have cairn take it for its own. Gitea answers the lookup directly
 * (`GET /repos/{owner}/{repo}/pulls/{base}/{head}`), for a branch of this repository only.
 */
describe('the pull request of a branch, on a real Gitea', () => {
  const gitea = GiteaClient.sandbox();
  const g = sandboxEnv().gitea;
  const owner = g.adminUser;
  const name = `cairn-pr-lookup-${randomBytes(3).toString('hex')}`;
  const fork = `${name}-fork`;
  let work: GiteaWorkTree;
  let host: GitHost;

  beforeAll(async () => {
    await gitea.createRepo(name, { private: true });
    work = giteaWorkTree(gitea, owner, name);
    work.commit('dev', 'dev: first', { 'k8s-resources/web.yaml': 'image: nginx:1.27\n' });
    work.commit(
      'env/prod',
      'prod: first',
      { 'k8s-resources/web.yaml': 'image: nginx:1.27\n' },
      { from: 'dev' },
    );
    await gitea.request('POST', `/repos/${owner}/${name}/forks`, { name: fork });
    host = createGiteaHost({ repo: `${owner}/${name}`, apiUrl: `${g.url}/api/v1`, token: g.adminToken });
  });
  afterAll(async () => {
    await host?.close();
    work?.remove();
    await gitea.deleteRepo(owner, fork).catch(() => undefined);
    await gitea.deleteRepo(owner, name).catch(() => undefined);
  });

  /** A branch `branch` off `base` with a change, pushed to `repo` (this one, or the fork). */
  const branchOff = (branch: string, base: string, repo = name) => {
    work.commit(
      branch,
      branch,
      { 'k8s-resources/web.yaml': `image: ${branch}\n` },
      { from: base, push: false },
    );
    work.git('push', '-q', gitea.authenticatedCloneUrl(owner, repo), `${branch}:${branch}`);
  };

  it('finds a closed pull request from a branch with a slash in its name, and none for another base', async () => {
    // given a revert branch whose pull request into dev was closed by a person
    const branch = 'cairn/revert-failed-0123456789ab';
    branchOff(branch, 'dev');
    const pr = await gitea.openPullRequest(owner, name, { head: branch, base: 'dev', title: 'Revert' });
    await gitea.request('PATCH', `/repos/${owner}/${name}/pulls/${pr.number}`, { state: 'closed' });

    // when its pull request is looked up, then it is found, closed as it is; into prod there is none
    await expect(host.pullRequestFrom(branch, 'dev')).resolves.toEqual({
      number: pr.number,
      url: expect.stringContaining(`/pulls/${pr.number}`),
    });
    await expect(host.pullRequestFrom(branch, 'env/prod')).resolves.toBeUndefined();
    await expect(host.pullRequestFrom('cairn/revert-failed-ffffffffffff', 'dev')).resolves.toBeUndefined();
  });

  it('finds the pull request into a base with a slash in its name', async () => {
    const branch = 'cairn/revert-failed-abcdefabcdef';
    branchOff(branch, 'env/prod');
    const pr = await gitea.openPullRequest(owner, name, { head: branch, base: 'env/prod', title: 'Revert' });
    await expect(host.pullRequestFrom(branch, 'env/prod')).resolves.toEqual({
      number: pr.number,
      url: expect.stringContaining(`/pulls/${pr.number}`),
    });
  });

  it("does not take a fork's pull request from a branch of the same name for the repository's own", async () => {
    // given a fork whose owner opened a pull request into dev from a branch named as cairn's revert
    const branch = 'cairn/revert-failed-badbadbadbad';
    branchOff(branch, 'dev', fork);
    await gitea.openPullRequest(owner, name, {
      head: `${owner}/${fork}:${branch}`,
      base: 'dev',
      title: 'Revert',
    });

    // when the revert branch's pull request is looked up, then there is none of this repository
    await expect(host.pullRequestFrom(branch, 'dev')).resolves.toBeUndefined();
  });
});
