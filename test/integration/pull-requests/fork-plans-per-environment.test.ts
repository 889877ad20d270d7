import { planMarker } from '../../../controller/reconcile/plan-comment';
import { settings } from '../../helpers/e2e-platform';
import { giteaControllerSuite, giteaPlanReadback } from '../../helpers/gitea-controller-platform';

jest.setTimeout(120_000);

const SECRET = 'fork-plans-gitea-webhook-secret';

/**
 * `repository.host.planForks` on, `prod` opting out with `pullRequests.planForks: false`: a real
 * fork on the sandbox's Gitea opens one pull request into dev and one into prod. Gitea's own
 * webhooks say both heads are in a fork; dev's is planned (its dry run shows the live ConfigMap),
 * prod's is not, and its comment and status say so, naming the field that decided.
 */
describe("a fork's pull requests, planned per environment", () => {
  const suite = giteaControllerSuite({
    prefix: 'forkplan',
    secret: SECRET,
    silent: true,
    seed: (t) => {
      t.commit('main', 'main: first', { 'README.md': 'a\n' });
      t.commit(
        'dev',
        'dev: first',
        { 'k8s-resources/settings.yaml': settings(suite.namespace, 'blue') },
        { from: 'main' },
      );
      t.commit('prod', 'prod: first', { 'README.md': 'prod\n' }, { from: 'main' });
    },
    config: (config) => {
      config.repository.host!.planForks = true;
      config.environments.push({
        name: 'prod',
        branch: 'prod',
        kubernetes: { ...config.environments[0]!.kubernetes! },
        pullRequests: { planForks: false },
      });
    },
  });
  const { gitea, owner, repo: name, namespace } = suite;
  const fork = `${name}-fork`;
  const { finalStatus } = giteaPlanReadback(gitea, owner, name);

  beforeAll(async () => {
    await gitea.request('POST', `/repos/${owner}/${name}/forks`, { name: fork });
  });

  afterAll(async () => {
    await gitea.deleteRepo(owner, fork).catch(() => undefined);
  });

  /** Commits `files` on `branch` made from `from`, pushes it to the fork and opens its pull request into `from`. */
  const openFromFork = async (branch: string, from: string, files: Readonly<Record<string, string>>) => {
    const { tree } = suite.platform();
    const sha = tree.commit(branch, branch, files, { from, push: false });
    tree.git('push', '-q', gitea.authenticatedCloneUrl(owner, fork), `${branch}:${branch}`);
    const pr = await gitea.openPullRequest(owner, name, {
      head: `${owner}/${fork}:${branch}`,
      base: from,
      title: branch,
    });
    return { number: pr.number, sha };
  };
  const comment = async (pr: number, env: string) =>
    (await gitea.comments(owner, name, pr)).find((c) => c.body.startsWith(planMarker(env)))?.body;

  it('plans the fork for dev, which allows it, and says plainly that prod does not', async () => {
    const toDev = await openFromFork('green', 'dev', {
      'k8s-resources/settings.yaml': settings(namespace, 'green'),
    });
    const toProd = await openFromFork('prod-change', 'prod', {
      'k8s-resources/settings.yaml': settings(namespace, 'red'),
    });

    // dev inherits repository.host.planForks: its plan ran, and shows the live ConfigMap's diff
    expect(await finalStatus(toDev.sha, 'dev')).toMatchObject({
      status: 'success',
      description: '0 to create, 1 to change, 0 to delete',
    });
    expect(await comment(toDev.number, 'dev')).toMatch(/-\s+color: blue[\s\S]*\+\s+color: green/);

    // prod opted out: nothing ran, and the comment and status name the field that decided
    expect(await finalStatus(toProd.sha, 'prod')).toMatchObject({
      status: 'error',
      description:
        'not planned: pull requests from forks are off for prod (environments[prod].pullRequests.planForks)',
    });
    const body = (await comment(toProd.number, 'prod')) ?? '(no comment)';
    expect(body).toContain(`**Not planned**: pull request #${toProd.number}`);
    expect(body).toContain('environments[prod].pullRequests.planForks is off for `prod`');
    expect(body).not.toContain('color');
  });
});
