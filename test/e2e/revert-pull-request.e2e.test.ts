import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import { runCli, type CliResult } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../helpers/gitea';
import { greetingManifest } from '../helpers/manifests';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * `cairn revert` against the sandbox's real Gitea: the repository is fetched and pushed over
 * Gitea's HTTP with an API token, `--pr` opens a real pull request through the Gitea host client,
 * and once it is merged through Gitea's API the next sync applies the delta back.
 */
describe('cairn revert on Gitea', () => {
  const client = GiteaClient.sandbox();
  const owner = client.options.user;
  const token = client.options.token;
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `revert-${suffix}`;
  const namespace = `e2e-revert-pr-${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-revert-pr-'));
  const configFile = join(dir, 'cairn.yaml');
  const kc = new KubeConfig();
  const outputs: CliResult[] = [];
  let work: GiteaWorkTree;
  let second: AuditEntry;

  const cairn = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { E2E_GITEA_TOKEN: token });
    outputs.push(result);
    return result;
  };
  const sync = async (): Promise<AuditEntry> => {
    const r = await cairn('sync', '--config', configFile, '--env', 'dev', '--json');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as AuditEntry;
  };
  const greeting = async () =>
    (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'greeting', namespace })).data?.value;

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    await client.createRepo(name);
    work = giteaWorkTree(client, owner, name);
    work.commit('dev', 'greeting: hello', {
      'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello'),
    });
    writeFileSync(
      configFile,
      stringify({
        repository: {
          url: client.cloneUrl(owner, name),
          pollInterval: '5m',
          auth: { tokenEnv: 'E2E_GITEA_TOKEN' },
          host: { type: 'gitea', tokenEnv: 'E2E_GITEA_TOKEN' },
        },
        environments: [
          { name: 'dev', kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace } },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        workspaces: { dir: join(dir, 'workspaces') },
        server: { port: 0 },
      }),
    );
    await sync();
    work.commit('dev', 'greeting: say hi', {
      'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hi'),
    });
    second = await sync();
  });

  afterAll(async () => {
    await client.deleteRepo(owner, name).catch(() => undefined);
    work?.remove();
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--pr opens a pull request into dev on Gitea; merged there, the next sync applies the delta back', async () => {
    // Given
    expect(await greeting()).toBe('hi');

    // When
    const r = await cairn('revert', second.id, '--config', configFile, '--pr', '--json');

    // Then a real pull request from cairn/revert-<id> into dev, and dev itself untouched
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      commit: string;
      pushedTo: string;
      pullRequest: { number: number; url: string };
    };
    const branch = `cairn/revert-${second.id.slice(0, 8)}`;
    expect(summary.pushedTo).toBe(branch);
    expect(await client.branchSha(owner, name, 'dev')).toBe(second.toSha);
    const pr = await client.request<{
      title: string;
      body: string;
      state: string;
      html_url: string;
      head: { ref: string; sha: string };
      base: { ref: string };
    }>('GET', `/repos/${owner}/${name}/pulls/${summary.pullRequest.number}`);
    expect(pr).toMatchObject({
      title: 'Revert "greeting: say hi"',
      state: 'open',
      head: { ref: branch, sha: summary.commit },
      base: { ref: 'dev' },
    });
    expect(pr.body).toContain(`Cairn-Revert-Of: ${second.id}`);
    expect(summary.pullRequest.url).toBe(pr.html_url);

    // When the pull request is merged on Gitea and cairn applies dev
    const merged = await client.mergePullRequest(owner, name, summary.pullRequest.number);
    const back = await sync();

    // Then the audit entry shows the delta back
    expect(back).toMatchObject({ outcome: 'succeeded', fromSha: second.toSha, toSha: merged.sha });
    expect(back.changes).toContainEqual(
      expect.objectContaining({ subject: `ConfigMap/${namespace}/greeting`, action: 'configured' }),
    );
    expect(await greeting()).toBe('hello');

    // When that entry (a range holding Gitea's merge commit) is reverted straight onto dev
    const again = await cairn('revert', back.id, '--config', configFile);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const forward = await sync();

    // Then the push went to Gitea with the token, and the value is forward again
    expect(forward).toMatchObject({ outcome: 'succeeded', fromSha: merged.sha });
    expect(await greeting()).toBe('hi');
  });

  it('never prints the token', () => {
    expect(outputs.length).toBeGreaterThan(4);
    for (const o of outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(token);
  });
});
