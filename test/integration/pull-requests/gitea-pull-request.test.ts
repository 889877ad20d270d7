import { CoreV1Api } from '@kubernetes/client-node';
import { settings } from '../../helpers/e2e-platform';
import { giteaControllerSuite, giteaPlanReadback } from '../../helpers/gitea-controller-platform';

jest.setTimeout(120_000);

const SECRET = 'prplan-gitea-webhook-secret';

/**
 * Real deliveries end to end, through `wire` as `cairn run` builds it (the product's Gitea client,
 * the controller and the planner sharing one lock per environment): the sandbox's Gitea sends its
 * own `pull_request` webhooks to cairn's route; cairn fetches the head from Gitea's
 * `refs/pull/<n>/head`, plans it with a server-side dry run against the sandbox's kube-apiserver,
 * and the comment and status land on the real pull request.
 */
describe("Gitea's real pull_request webhooks, planned and commented on the real pull request", () => {
  const {
    gitea,
    owner,
    repo: name,
    namespace,
    platform,
  } = giteaControllerSuite({
    prefix: 'prplan',
    secret: SECRET,
    silent: true,
    // dev is applied first, as a running controller does: the ConfigMap exists, blue
    seed: (t) => {
      t.commit('dev', 'dev: first', { 'k8s-resources/settings.yaml': settings(namespace, 'blue') });
    },
  });
  const { commentAt, finalStatus } = giteaPlanReadback(gitea, owner, name);

  const configMap = async () => {
    const cm = await platform()
      .kc.makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'settings', namespace });
    return { resourceVersion: cm.metadata?.resourceVersion, color: cm.data?.color };
  };

  it('opening, then pushing to, a pull request into dev posts one plan comment and updates it', async () => {
    const { tree, wired } = platform();
    const before = await configMap();
    expect(before.color).toBe('blue');
    // when a pull request into dev changes the ConfigMap
    const first = tree.commit(
      'change',
      'green',
      { 'k8s-resources/settings.yaml': settings(namespace, 'green') },
      { from: 'dev' },
    );
    const opened = Date.now();
    const pr = await gitea.openPullRequest(owner, name, { head: 'change', base: 'dev', title: 'green' });
    // then Gitea's own delivery is planned, and the comment on the real PR shows the ConfigMap
    const comments = await commentAt(pr.number, first);
    process.stderr.write(`gitea pull request opened → plan comment on it: ${Date.now() - opened} ms\n`);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`configured <code>ConfigMap/${namespace}/settings</code>`);
    expect(comments[0]!.body).toMatch(/-\s+color: blue[\s\S]*\+\s+color: green/);
    expect(await finalStatus(first)).toMatchObject({
      status: 'success',
      description: '0 to create, 1 to change, 0 to delete',
    });

    // when a second commit is pushed to the pull request (Gitea's "synchronized")
    const second = tree.commit('change', 'broken', {
      'k8s-resources/broken.yaml': 'kind: ConfigMap\nmetadata: [unclosed\n',
    });
    // then the same comment is updated, now naming the broken file, and the new head fails
    const pushed = Date.now();
    const updated = await commentAt(pr.number, second);
    process.stderr.write(`gitea push to the pull request → comment updated: ${Date.now() - pushed} ms\n`);
    expect(updated).toHaveLength(1);
    expect(updated[0]!.id).toBe(comments[0]!.id);
    expect(updated[0]!.body).toContain('**The Kubernetes plan failed** in `k8s-resources/broken.yaml`');
    expect(await finalStatus(second)).toMatchObject({
      status: 'failure',
      description: 'plan failed: k8s-resources/broken.yaml',
    });
    // and nothing was applied: the ConfigMap is as dev's own apply left it, and dev's audit trail
    // holds that one apply and no entry for either plan
    expect(await configMap()).toEqual(before);
    const entries = await wired.audit.list({ env: 'dev' });
    expect(entries.map((e) => e.toSha)).toEqual([tree.git('rev-parse', 'dev')]);
  });
});
