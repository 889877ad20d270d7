import { randomBytes } from 'node:crypto';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import type { GitHost } from '../../../controller/host/types';
import { planMarker, renderPlanComment } from '../../../controller/reconcile/plan-comment';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(60_000);

/**
 * Found in review: cairn took as its plan comment for an environment the first of its own comments
 * that held the marker anywhere, and its own plan comments quote repository text verbatim in
 * fenced diffs. A pull request into dev whose ConfigMap holds `<!-- cairn:plan:prod -->` got a
 * dev plan comment carrying prod's marker; retargeted to prod, the next plan overwrote the dev
 * plan comment instead of posting prod's own. On the sandbox's Gitea, with the product's client.
 */
describe("cairn's plan comment is the one that starts with its marker", () => {
  const gitea = GiteaClient.sandbox();
  const g = sandboxEnv().gitea;
  const name = `cairn-marker-${randomBytes(3).toString('hex')}`;
  const repo = `${g.adminUser}/${name}`;
  let host: GitHost;
  let work: GiteaWorkTree;

  beforeAll(async () => {
    await gitea.createRepo(name);
    work = giteaWorkTree(gitea, g.adminUser, name);
    work.commit('dev', 'first', { 'README.md': 'a\n' });
    work.commit('feature', 'change', { 'README.md': 'b\n' }, { from: 'dev' });
    host = createGiteaHost({ repo, apiUrl: `${g.url}/api/v1`, token: g.adminToken });
  });

  afterAll(async () => {
    await host?.close();
    await gitea.deleteRepo(g.adminUser, name);
    work?.remove();
  });

  it("a plan comment of another environment quoting the marker in a diff is not taken for this one's", async () => {
    // given cairn's dev plan of a pull request whose ConfigMap quotes prod's marker
    const pr = await host.openPullRequest({ title: 'x', body: '', head: 'feature', base: 'dev' });
    const devPlan = renderPlanComment({
      env: 'dev',
      base: 'dev',
      number: pr.number,
      sha: 'a'.repeat(40),
      aws: null,
      kubernetes: {
        changes: [
          {
            target: 'kubernetes',
            subject: 'ConfigMap/apps/settings',
            action: 'configured',
            diff: `-  note: a\n+  note: ${planMarker('prod')}`,
          },
        ],
      },
      skipped: { aws: 'no aws target for this environment' },
      durationMs: 10,
    });
    expect(devPlan).toContain(planMarker('prod'));
    const dev = await host.upsertPullRequestComment(pr.number, planMarker('dev'), devPlan);
    // when the pull request, retargeted to prod, gets prod's plan
    const prodPlan = `${planMarker('prod')}\n### cairn plan for \`prod\`\n`;
    const prod = await host.upsertPullRequestComment(pr.number, planMarker('prod'), prodPlan);
    // then prod's plan is a comment of its own, and dev's plan is as it was
    expect(prod).not.toBe(dev);
    const comments = await gitea.comments(g.adminUser, name, pr.number);
    expect(comments.map((c) => c.body.trim())).toEqual([devPlan.trim(), prodPlan.trim()]);
  });
});
