import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { appliersFor, type AppliersCache } from '../../../controller/cli/wire';
import { loadConfig } from '../../../controller/config/load-config';
import type { CommitStatus, GitHost } from '../../../controller/host/types';
import { silentLog } from '../../../controller/log';
import { EnvLock } from '../../../controller/reconcile/env-lock';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { PullRequestPlanner } from '../../../controller/reconcile/pull-request-planner';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { GitSource } from '../../../controller/source/types';
import { settings } from '../../helpers/e2e-platform';
import { FakeController } from '../../helpers/fake-controller';
import {
  GiteaClient,
  giteaWorkTree,
  waitFor,
  type GiteaComment,
  type GiteaWorkTree,
} from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { SECRET, startTestServer, type TestServer } from '../server/test-server';

jest.setTimeout(120_000);

/**
 * The smallest GitHost over Gitea's REST API, for this test only (the product's Gitea client is
 * the helper githost's): a status per commit, and one comment per marker, edited in place.
 */
function giteaHost(client: GiteaClient, owner: string, repo: string): GitHost {
  const base = `/repos/${owner}/${repo}`;
  return {
    type: 'gitea',
    async setCommitStatus(status: CommitStatus) {
      await client.request('POST', `${base}/statuses/${status.sha}`, {
        state: status.state,
        context: status.context,
        description: status.description,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      });
    },
    async upsertPullRequestComment(pr, marker, body) {
      const mine = (await client.comments(owner, repo, pr)).find((c) => c.body.includes(marker));
      if (mine) {
        await client.request('PATCH', `${base}/issues/comments/${mine.id}`, { body });
        return String(mine.id);
      }
      const made = await client.request<GiteaComment>('POST', `${base}/issues/${pr}/comments`, { body });
      return String(made.id);
    },
    openPullRequest: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
}

/**
 * Real deliveries end to end: the sandbox's Gitea sends its own `pull_request` webhooks to cairn's
 * route; cairn fetches the head from Gitea's `refs/pull/<n>/head`, plans it with a server-side dry
 * run against the sandbox's kube-apiserver, and the comment and status land on the real PR.
 */
describe("Gitea's real pull_request webhooks, planned and commented on the real pull request", () => {
  const gitea = GiteaClient.sandbox();
  const owner = gitea.options.user;
  const name = `prplan-${Math.random().toString(36).slice(2, 8)}`;
  const namespace = `${name}-dev`;
  const kc = new KubeConfig();
  let dir: string;
  let tree: GiteaWorkTree;
  let source: GitSource;
  let appliers: AppliersCache;
  let planner: PullRequestPlanner;
  let t: TestServer;

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    dir = mkdtempSync(join(tmpdir(), 'cairn-prplan-gitea-'));
    await gitea.createRepo(name);
    const configFile = join(dir, 'cairn.yaml');
    writeFileSync(
      configFile,
      stringify({
        repository: { url: gitea.authenticatedCloneUrl(owner, name) },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
          },
        ],
        audit: { dir: join(dir, 'audit'), unkeyed: true },
        workspaces: { dir: join(dir, 'ws') },
        server: { port: 0 },
      }),
    );
    const config = loadConfig(configFile);
    source = createGitSource(config.repository, config.workspaces, silentLog());
    appliers = appliersFor(silentLog(), config.repository.url);
    planner = new PullRequestPlanner({
      environments: config.environments,
      source,
      appliers,
      host: giteaHost(gitea, owner, name),
      lock: new EnvLock(),
      log: silentLog(),
      planForks: false,
    });
    const controller = Object.assign(new FakeController({ dev: 'dev' }), {
      planPullRequest: planner.plan.bind(planner),
    });
    t = await startTestServer({ controller });
    await gitea.addWebhook(owner, name, { url: `${t.server.url}/hooks/gitea`, secret: SECRET });
    tree = giteaWorkTree(gitea, owner, name);
    tree.commit('dev', 'dev: first', { 'k8s-resources/settings.yaml': settings(namespace, 'blue') });
    await source.fetch([{ env: 'dev', branch: 'dev' }]);
  });

  afterAll(async () => {
    await t?.server.close();
    await planner?.stop();
    await appliers?.close();
    await source?.close();
    tree?.remove();
    await gitea.deleteRepo(owner, name);
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const planComments = async (pr: number) =>
    (await gitea.comments(owner, name, pr)).filter((c) => c.body.includes(planMarker('dev')));
  const commentAt = (pr: number, sha: string) =>
    waitFor(
      `the plan comment for ${sha.slice(0, 12)}`,
      async () => {
        const found = await planComments(pr);
        return found.some((c) => c.body.includes(sha.slice(0, 12))) ? found : undefined;
      },
      60_000,
      200,
    );
  const finalStatus = (sha: string) =>
    waitFor(
      `the final cairn/plan/dev status of ${sha.slice(0, 12)}`,
      async () => {
        const status = await gitea.latestStatus(owner, name, sha, 'cairn/plan/dev');
        return status && status.status !== 'pending' ? status : undefined;
      },
      60_000,
      200,
    );

  it('opening, then pushing to, a pull request into dev posts one plan comment and updates it', async () => {
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
    expect(comments[0]!.body).toContain(`created <code>ConfigMap/${namespace}/settings</code>`);
    expect(await finalStatus(first)).toMatchObject({
      status: 'success',
      description: '1 to create, 0 to change, 0 to delete',
    });
    expect(
      await t.sample('cairn_webhook_requests_total{provider="gitea",result="planned"}'),
    ).toBeGreaterThanOrEqual(1);

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
    // and nothing was applied: the namespace holds no ConfigMap named settings
    const live = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'settings', namespace })
      .then(
        () => 'exists',
        () => 'absent',
      );
    expect(live).toBe('absent');
  });
});
