import { stringify } from 'yaml';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { settings } from '../../helpers/e2e-platform';
import { giteaControllerSuite, giteaPlanReadback } from '../../helpers/gitea-controller-platform';

jest.setTimeout(240_000);

const SECRET = 'plan-deadline-gitea-webhook-secret';
const DEADLINE_MS = 3_000;
/** ConfigMaps in the huge pull request: each gets its own server-side dry run, far past the deadline. */
const OBJECTS = 8_000;

/**
 * A pull request's plan holds its environment's lock. With `pullRequests.planTimeout: 3s` on dev,
 * a pull request of thousands of objects (each dry-run against the sandbox's kube-apiserver) is
 * abandoned at its deadline: a commit pushed to dev meanwhile is applied without waiting for the
 * rest of that plan, and the pull request's comment and status say the plan timed out, naming the
 * field to raise.
 */
describe('a pull request plan past its deadline', () => {
  const suite = giteaControllerSuite({
    prefix: 'deadline',
    secret: SECRET,
    silent: true,
    config: (config) => {
      config.environments[0]!.pullRequests = { planTimeout: `${DEADLINE_MS / 1000}s` };
    },
  });
  const { gitea, owner, repo: name, namespace } = suite;
  const { statusWhen } = giteaPlanReadback(gitea, owner, name);
  const status = (sha: string, context: string, done: (state: string) => boolean, timeoutMs = 120_000) =>
    statusWhen(sha, context, done, timeoutMs, 100);

  it("gives dev's lock back at the deadline: a merged commit is applied without waiting for the rest of the plan", async () => {
    const { tree } = suite.platform();
    const huge = Array.from({ length: OBJECTS }, (_, i) =>
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `bulk-${i}`, namespace },
        data: { i: `${i}` },
      }),
    ).join('---\n');
    const head = tree.commit('huge', 'huge', { 'k8s-resources/bulk.yaml': huge }, { from: 'dev' });
    await gitea.openPullRequest(owner, name, { head: 'huge', base: 'dev', title: 'huge' });
    // the plan holds dev's lock
    await status(head, 'cairn/plan/dev', (s) => s === 'pending');
    await new Promise((resolve) => setTimeout(resolve, 500));

    // when a commit is merged into dev meanwhile
    const pushed = Date.now();
    const merged = tree.commit(
      'dev',
      'green',
      { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
      { from: 'dev' },
    );
    // then dev applies it once the plan is abandoned, not once the plan would have ended
    expect(await status(merged, 'cairn/dev', (s) => s !== 'pending')).toMatchObject({ status: 'success' });
    const waited = Date.now() - pushed;
    process.stderr.write(
      `merged commit applied ${waited} ms after its push (plan deadline ${DEADLINE_MS} ms)\n`,
    );
    expect(waited).toBeLessThan(DEADLINE_MS + 5_000);

    // and the pull request says its plan timed out, naming the field to raise
    expect(await status(head, 'cairn/plan/dev', (s) => s !== 'pending', 5_000)).toMatchObject({
      status: 'failure',
      description: 'plan timed out after 3.0s; raise environments[dev].pullRequests.planTimeout',
    });
    const comment = (await gitea.comments(owner, name, 1)).find((c) => c.body.startsWith(planMarker('dev')));
    expect(comment?.body).toContain('**Timed out**: the plan of pull request #1');
    expect(comment?.body).toContain('Raise `environments[dev].pullRequests.planTimeout`');
  });
});
