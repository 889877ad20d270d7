import { stringify } from 'yaml';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { awsTestCredentials, settings } from '../../helpers/e2e-platform';
import { giteaControllerSuite, giteaPlanReadback } from '../../helpers/gitea-controller-platform';
import { waitFor, type GiteaClient, type GiteaWorkTree } from '../../helpers/gitea';
import { processesWithArgument } from '../../helpers/processes';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(240_000);

const SECRET = 'plan-deadline-gitea-webhook-secret';
const DEADLINE_MS = 3_000;
/** ConfigMaps in the huge pull request: each gets its own server-side dry run, far past the deadline. */
const OBJECTS = 8_000;

/** A commit status of the pull request's repository once `done` says so, read every 100 ms (a deadline is seconds). */
function settledStatus(gitea: GiteaClient, owner: string, repo: string) {
  const { statusWhen } = giteaPlanReadback(gitea, owner, repo);
  return (sha: string, context: string, done: (state: string) => boolean, timeoutMs = 120_000) =>
    statusWhen(sha, context, done, timeoutMs, 100);
}

/** A commit merged into dev while a plan holds its lock: one ConfigMap's value changed. */
function mergeGreen(tree: GiteaWorkTree, namespace: string): string {
  return tree.commit(
    'dev',
    'green',
    { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
    { from: 'dev' },
  );
}

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
  const status = settledStatus(gitea, owner, name);

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
    const merged = mergeGreen(tree, namespace);
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

    // and the abandoned plan sent no more dry runs: the next push's plan gets dev's turn at once,
    // not once the thousands of dry runs still to go would have ended
    const abandoned = Date.now();
    const small = tree.commit('huge', 'small', { 'k8s-resources/bulk.yaml': null });
    expect(await status(small, 'cairn/plan/dev', (s) => s !== 'pending', 60_000)).toMatchObject({
      status: 'success',
    });
    const next = Date.now() - abandoned;
    process.stderr.write(`the next push's plan finished ${next} ms after the abandoned plan's status\n`);
    expect(next).toBeLessThan(10_000);
  });
});

/**
 * The same deadline over a synth: a pull request whose CDK app busy-waits is abandoned at its 3 s
 * deadline, and its sandboxed process tree is killed then, not left running beside dev's
 * reconciles until the synth's own timeout.
 */
describe('a pull request plan past its deadline in the synth', () => {
  const suite = giteaControllerSuite({
    prefix: 'deadline-synth',
    secret: SECRET,
    silent: true,
    config: (config) => {
      Object.assign(process.env, awsTestCredentials());
      const { aws } = sandboxEnv();
      const dev = config.environments[0]!;
      dev.pullRequests = { planTimeout: `${DEADLINE_MS / 1000}s` };
      // The synth's own timeout is far past the plan's deadline.
      dev.aws = { region: aws.region, account: aws.account, endpoint: aws.endpoint, synthTimeout: '90s' };
    },
  });
  const { gitea, owner, repo: name, namespace } = suite;
  /** In the app's argv, so its process is found in the process table (bubblewrap gives it its own environment). */
  const spinner = `cairn-test-spin-${name}`;
  const status = settledStatus(gitea, owner, name);

  afterAll(() => {
    for (const pid of processesWithArgument(spinner)) process.kill(pid, 'SIGKILL');
  });

  it('kills the synth at the deadline; the merged commit applies and the comment says Timed out', async () => {
    const { tree } = suite.platform();
    const head = tree.commit(
      'spin',
      'spin',
      {
        'aws-resources/cdk.json': JSON.stringify({ app: `node spin.js ${spinner}` }),
        'aws-resources/spin.js': 'for (;;) {}\n',
      },
      { from: 'dev' },
    );
    await gitea.openPullRequest(owner, name, { head: 'spin', base: 'dev', title: 'spin' });
    // the plan's synth is running
    await waitFor(
      'the spinning CDK app',
      async () => (processesWithArgument(spinner).length > 0 ? true : undefined),
      60_000,
    );

    // a commit merged into dev meanwhile is applied once the plan is abandoned
    const merged = mergeGreen(tree, namespace);
    expect(await status(merged, 'cairn/dev', (s) => s !== 'pending')).toMatchObject({ status: 'success' });
    expect(await status(head, 'cairn/plan/dev', (s) => s !== 'pending', 10_000)).toMatchObject({
      status: 'failure',
      description: 'plan timed out after 3.0s; raise environments[dev].pullRequests.planTimeout',
    });
    const comment = (await gitea.comments(owner, name, 1)).find((c) => c.body.startsWith(planMarker('dev')));
    expect(comment?.body).toContain('**Timed out**: the plan of pull request #1');

    // and the app's process tree is gone by then, or within a moment (the status follows the deadline)
    const told = Date.now();
    const gone = await waitFor(
      'the spinning CDK app to be killed',
      async () => (processesWithArgument(spinner).length === 0 ? Date.now() - told : undefined),
      30_000,
      50,
    ).catch(() => undefined);
    process.stderr.write(`synth processes gone ${gone ?? 'not'} ms after the timed-out status\n`);
    expect(gone).toBeLessThan(2_000);
  });
});
