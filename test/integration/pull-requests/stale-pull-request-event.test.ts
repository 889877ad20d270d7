import type { Wired } from '../../../controller/cli/wire';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import type { RunningServer } from '../../../controller/server/create-server';
import { settings } from '../../helpers/e2e-platform';
import {
  giteaControllerPlatform,
  type GiteaControllerPlatform,
} from '../../helpers/gitea-controller-platform';
import { GiteaClient, waitFor, type GiteaWorkTree } from '../../helpers/gitea';
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
  const gitea = GiteaClient.sandbox();
  const owner = gitea.options.user;
  const id = Math.random().toString(36).slice(2, 8);
  const configured = `stale-${id}`;
  const namespace = `stale-${id}-dev`;
  // Every line the controller and its server log, to tell when a delivery was taken.
  let lines: GiteaControllerPlatform['lines'];
  let tree: GiteaWorkTree;
  let wired: Wired;
  let server: RunningServer;
  let p: GiteaControllerPlatform;

  beforeAll(async () => {
    p = await giteaControllerPlatform({
      gitea,
      repo: configured,
      namespace,
      secret: SECRET,
    });
    ({ lines, tree, wired, server } = p);
  });

  afterAll(async () => {
    await p?.close();
  });

  const planComments = async (pr: number) =>
    (await gitea.comments(owner, configured, pr)).filter((c) => c.body.includes(planMarker('dev')));
  const commentAt = (pr: number, sha: string) =>
    waitFor(
      `the plan comment for ${sha.slice(0, 12)}`,
      async () =>
        (await planComments(pr)).some((c) => c.body.includes(sha.slice(0, 12))) ? true : undefined,
      60_000,
      200,
    );
  const requested = () => lines.filter((l) => l.msg === 'pull request plan requested').length;

  it("is not planned over the newer head's comment", async () => {
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
