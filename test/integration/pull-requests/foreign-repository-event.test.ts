import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { wire, type Wired } from '../../../controller/cli/wire';
import { loadConfig } from '../../../controller/config/load-config';
import { createLog } from '../../../controller/log';
import { planMarker } from '../../../controller/reconcile/plan-comment';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { settings } from '../../helpers/e2e-platform';
import { GiteaClient, giteaWorkTree, waitFor, type GiteaWorkTree } from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';

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
  const gitea = GiteaClient.sandbox();
  const owner = gitea.options.user;
  const id = Math.random().toString(36).slice(2, 8);
  const configured = `foreign-a-${id}`;
  const foreign = `foreign-b-${id}`;
  const namespace = `foreign-${id}-dev`;
  const kc = new KubeConfig();
  // Every line the controller and its server log, to tell when the other repository's event was taken.
  const lines: { readonly msg?: string; readonly pr?: number }[] = [];
  const log = createLog({
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as { msg?: string });
        done();
      },
    }),
  });
  let dir: string;
  let tree: GiteaWorkTree;
  let wired: Wired;
  let server: RunningServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    dir = mkdtempSync(join(tmpdir(), 'cairn-foreign-repo-'));
    await gitea.createRepo(configured);
    await gitea.createRepo(foreign);
    process.env.FOREIGN_GITEA_TOKEN = gitea.options.token;
    process.env.FOREIGN_WEBHOOK_SECRET = SECRET;
    const configFile = join(dir, 'cairn.yaml');
    writeFileSync(
      configFile,
      stringify({
        repository: {
          url: gitea.cloneUrl(owner, configured),
          auth: { tokenEnv: 'FOREIGN_GITEA_TOKEN', username: owner },
          pollInterval: '1h',
          host: { type: 'gitea', tokenEnv: 'FOREIGN_GITEA_TOKEN' },
        },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
          },
        ],
        audit: { dir: join(dir, 'audit'), unkeyed: true },
        workspaces: { dir: join(dir, 'ws') },
        server: { port: 0, webhookSecretEnv: 'FOREIGN_WEBHOOK_SECRET' },
      }),
    );
    wired = await wire(loadConfig(configFile), log);
    server = await createServer({
      controller: wired.controller,
      config: loadConfig(configFile).server,
      metrics: new Metrics(),
      log,
    });
    // Both repositories deliver to cairn with the one secret, as an organization hook does.
    await gitea.addWebhook(owner, configured, { url: `${server.url}/hooks/gitea`, secret: SECRET });
    await gitea.addWebhook(owner, foreign, { url: `${server.url}/hooks/gitea`, secret: SECRET });
    tree = giteaWorkTree(gitea, owner, configured);
    tree.commit('main', 'main: first', { 'README.md': 'a\n' });
    tree.commit(
      'dev',
      'dev: first',
      { 'k8s-resources/settings.yaml': settings(namespace, 'blue') },
      { from: 'main' },
    );
    await wired.controller.start();
    await wired.controller.idle();
  });

  afterAll(async () => {
    await server?.close();
    await wired?.close();
    tree?.remove();
    await gitea.deleteRepo(owner, configured);
    await gitea.deleteRepo(owner, foreign);
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it("is not planned as the configured repository's pull request of the same number", async () => {
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
