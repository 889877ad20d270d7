import { settings } from '../../helpers/e2e-platform';
import { waitFor } from '../../helpers/gitea';
import { giteaControllerSuite, giteaPlanReadback } from '../../helpers/gitea-controller-platform';
import { sign } from '../../helpers/webhook-deliveries';

jest.setTimeout(120_000);

const SECRET = 'stale-event-webhook-secret';

/**
 * Found in review: a pull request's plan took any commit the event named that the Git cache held,
 * not only the head its ref has now. A pull request event replayed later (GitHub, Gitea and GitLab
 * sign no timestamp, and the delivery id travels outside the signature, so after the five-minute
 * body window a captured delivery is taken again) planned the older head and put its plan over
 * the comment of the newer one. On the sandbox's Gitea, with its own deliveries for the real pushes.
 */
describe('a pull request event naming a head its pull request has moved past', () => {
  const suite = giteaControllerSuite({ prefix: 'stale', secret: SECRET });
  const { gitea, owner, repo: configured, namespace } = suite;
  const { planComments, commentAt } = giteaPlanReadback(gitea, owner, configured);
  // Every line the controller and its server log, to tell when a delivery was taken.
  const requested = () =>
    suite.platform().lines.filter((l) => l.msg === 'pull request plan requested').length;

  it("is not planned over the newer head's comment", async () => {
    const { tree, wired, server } = suite.platform();
    // given a pull request into dev planned at its first head, then at its second
    const first = tree.commit(
      'feature',
      'green',
      { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
      { from: 'dev' },
    );
    const pr = await gitea.openPullRequest(owner, configured, {
      head: 'feature',
      base: 'dev',
      title: 'green',
    });
    await commentAt(pr.number, first);
    const second = tree.commit('feature', 'red', {
      'k8s-resources/settings.yaml': settings(namespace, 'red'),
    });
    await commentAt(pr.number, second);
    await wired.pullRequests!.idle();
    // when the delivery of the first head comes again (a replay: signed, with a new delivery id)
    const before = requested();
    const body = JSON.stringify({
      action: 'synchronized',
      number: pr.number,
      pull_request: {
        number: pr.number,
        html_url: `${gitea.options.url}/${owner}/${configured}/pulls/${pr.number}`,
        base: { ref: 'dev', repo: { full_name: `${owner}/${configured}` } },
        head: {
          ref: 'feature',
          sha: first,
          repo: { full_name: `${owner}/${configured}`, clone_url: gitea.cloneUrl(owner, configured) },
        },
      },
      repository: { full_name: `${owner}/${configured}`, clone_url: gitea.cloneUrl(owner, configured) },
    });
    const replay = sign.gitea(body, { secret: SECRET, event: 'pull_request', delivery: 'replayed-1' });
    const answer = await fetch(`${server.url}/hooks/gitea`, {
      method: 'POST',
      headers: replay.headers,
      body,
    });
    expect(answer.status).toBe(202);
    await waitFor('the replayed event', async () => (requested() > before ? true : undefined), 30_000, 100);
    await wired.pullRequests!.idle();
    // then the one comment still shows the second head's plan, whose status stays success
    const comments = await planComments(pr.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`at \`${second.slice(0, 12)}\``);
    expect(comments[0]!.body).toMatch(/\+\s+color: red/);
    expect(await gitea.latestStatus(owner, configured, second, 'cairn/plan/dev')).toMatchObject({
      status: 'success',
    });
  });
});
