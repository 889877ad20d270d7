import { planMarker } from '../../../controller/reconcile/plan-comment';
import { settings } from '../../helpers/e2e-platform';
import { waitFor } from '../../helpers/gitea';
import { giteaControllerSuite } from '../../helpers/gitea-controller-platform';

jest.setTimeout(120_000);

const SECRET = 'foreign-repo-webhook-secret';

/**
 * Found in review: one webhook secret often signs the events of many repositories (a Gitea or
 * GitHub organization hook, a GitLab group hook, or the same secret set on two repositories). A
 * pull request event names its repository, but cairn did not look: an event of another
 * repository B was planned as the configured repository A's pull request of the same number,
 * with B's base and B's fork flag. Whoever may open a pull request in B (their own repository in
 * the organization) could so have cairn plan A's pull request #n against any environment, under
 * that environment's credentials (bypassing `planForks` when A's #n comes from a fork), and post
 * that plan into A's #n. Reproduced on the sandbox's Gitea with both repositories' own deliveries.
 */
describe('a pull request event of another repository signed with the same secret', () => {
  const suite = giteaControllerSuite({
    prefix: 'foreign',
    secret: SECRET,
    // Both repositories deliver to cairn with the one secret, as an organization hook does.
    otherRepoSuffixes: ['other'],
  });
  const { gitea, owner, repo: configured, namespace } = suite;
  const foreign = suite.otherRepos[0]!;

  it("is not planned as the configured repository's pull request of the same number", async () => {
    // (lines: every line the controller and its server log, to tell when the other repository's event was taken)
    const { lines, tree, wired } = suite.platform();
    // given the configured repository's pull request #1, into main (no environment tracks it)
    const head = tree.commit(
      'feature',
      'green',
      { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
      { from: 'dev' },
    );
    const victim = await gitea.openPullRequest(owner, configured, {
      head: 'feature',
      base: 'main',
      title: 'docs',
    });
    // when another repository holding the same commits (anyone's own repository in the
    // organization) opens its own pull request #1, into dev
    tree.git('remote', 'add', 'foreign', gitea.authenticatedCloneUrl(owner, foreign));
    tree.git(
      'push',
      '-q',
      'foreign',
      'refs/heads/dev:refs/heads/dev',
      'refs/heads/feature:refs/heads/feature',
    );
    // (Gitea indexes a pushed repository's branches in the background: retried until it has)
    const attack = await waitFor(
      'the pull request in the other repository',
      () =>
        gitea
          .openPullRequest(owner, foreign, { head: 'feature', base: 'dev', title: 'x' })
          .catch(() => undefined),
      30_000,
      200,
    );
    expect(attack.number).toBe(victim.number);
    // (its delivery was taken: planned, or refused as another repository's)
    await waitFor(
      "the other repository's pull request event",
      async () =>
        lines.some(
          (l) =>
            l.msg === 'pull request plan requested' ||
            l.msg === 'pull request of another repository not planned',
        )
          ? true
          : undefined,
      30_000,
      100,
    );
    await wired.pullRequests!.idle();
    // then the configured repository's pull request got no plan for dev, in comment or status
    const comments = await gitea.comments(owner, configured, victim.number);
    expect(comments.filter((c) => c.body.includes(planMarker('dev'))).map((c) => c.body)).toEqual([]);
    expect(await gitea.latestStatus(owner, configured, head, 'cairn/plan/dev')).toBeUndefined();
  });
});
