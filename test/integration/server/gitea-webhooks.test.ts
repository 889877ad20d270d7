import { Writable } from 'node:stream';
import { createLog } from '../../../controller/log';
import { FakeController } from '../../helpers/fake-controller';
import { GiteaClient, giteaWorkTree, waitFor, type GiteaWorkTree } from '../../helpers/gitea';
import { SECRET, startTestServer, type TestServer } from './test-server';

jest.setTimeout(60_000);

const counted = (result: string) => `cairn_webhook_requests_total{provider="gitea",result="${result}"}`;

/**
 * Real deliveries: the sandbox's Gitea signs and sends its own push webhooks to cairn's
 * `/hooks/gitea` route over loopback. No payload or signature here is made by the test.
 */
describe("Gitea's real push webhooks at cairn's webhook route", () => {
  const gitea = GiteaClient.sandbox();
  const owner = gitea.options.user;
  let t: TestServer;
  let lines: Record<string, unknown>[];
  const repos: string[] = [];
  const trees: GiteaWorkTree[] = [];

  beforeEach(async () => {
    lines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    t = await startTestServer({
      controller: new FakeController({ dev: 'dev', prod: 'prod' }),
      log: createLog({ destination, level: 'info' }),
    });
  });

  afterEach(async () => {
    await t.server.close();
    for (const tree of trees.splice(0)) tree.remove();
    for (const repo of repos.splice(0)) await gitea.deleteRepo(owner, repo);
  });

  const newRepo = async (secret: string) => {
    const name = `hooks-${Math.random().toString(36).slice(2, 8)}`;
    await gitea.createRepo(name);
    repos.push(name);
    // The hook exists before the first push: Gitea delivers only events after its creation.
    await gitea.addWebhook(owner, name, { url: `${t.server.url}/hooks/gitea`, secret, events: ['push'] });
    const tree = giteaWorkTree(gitea, owner, name);
    trees.push(tree);
    return tree;
  };

  it('a signed push to dev triggers dev alone, with the pushed sha, within seconds of git push', async () => {
    // Given a Gitea repository whose push hook points at cairn with the shared secret
    const tree = await newRepo(SECRET);
    // When a commit is pushed to dev
    const sha = tree.commit('dev', 'first', { 'k8s-resources/a.yaml': 'kind: ConfigMap\n' });
    const pushed = Date.now();
    // Then Gitea's delivery passes the signature check and queues a reconcile of dev
    await waitFor(
      'the trigger from Gitea',
      async () => (t.controller.triggers.length ? true : undefined),
      20_000,
      20,
    );
    const latencyMs = Date.now() - pushed;
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'reconcile requested',
        env: 'dev',
        sha,
        provider: 'gitea',
        branch: 'dev',
      }),
    );
    expect(await t.sample(counted('triggered'))).toBe(1);
    expect(latencyMs).toBeLessThan(20_000);
    process.stderr.write(`gitea push → cairn trigger: ${latencyMs} ms after git push returned\n`);
  });

  it('a second push and a push to another branch each trigger their own environment once', async () => {
    const tree = await newRepo(SECRET);
    tree.commit('dev', 'first', { 'a.txt': '1' });
    await waitFor(
      'the first trigger',
      async () => (t.controller.triggers.length === 1 ? true : undefined),
      20_000,
      20,
    );
    tree.commit('dev', 'second', { 'a.txt': '2' });
    const prodSha = tree.commit('prod', 'prod first', { 'b.txt': '1' });
    await waitFor(
      'three triggers',
      async () => (t.controller.triggers.length === 3 ? true : undefined),
      20_000,
      20,
    );
    expect([...t.controller.triggers].sort()).toEqual([
      ['dev', 'webhook'],
      ['dev', 'webhook'],
      ['prod', 'webhook'],
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'reconcile requested', env: 'prod', sha: prodSha }),
    );
  });

  it('a hook signed with another secret is refused (401) and triggers nothing', async () => {
    // Given a hook whose secret is not cairn's
    const tree = await newRepo('not-the-shared-secret');
    // When a commit is pushed
    tree.commit('dev', 'first', { 'a.txt': '1' });
    // Then Gitea's delivery is counted as unauthorized and nothing is queued
    await waitFor(
      'the refused delivery',
      async () => ((await t.sample(counted('unauthorized'))) === 1 ? true : undefined),
      20_000,
      50,
    );
    expect(t.controller.triggers).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'webhook rejected',
        provider: 'gitea',
        reason: 'X-Gitea-Signature does not match the body',
      }),
    );
  });
});
