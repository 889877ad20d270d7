import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { silentLog } from '../../controller/log';
import type { AuditEntry } from '../../controller/model';
import { autoRevertBranch, failureReverter } from '../../controller/reconcile/failure-revert';
import { auditLines } from '../helpers/audit-lines';
import { runCli, type CliResult } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from '../helpers/gitea';
import { greetingManifest, webDeployment as web } from '../helpers/manifests';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(240_000);

interface Pull {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly state: string;
  readonly html_url: string;
  readonly head: { readonly ref: string };
}

/**
 * failure-revert against the real parts: a repository on the sandbox's Gitea, `cairn sync` applying
 * to the sandbox's kube-apiserver, whose Deployment controller (pods on kwok) fails a rollout at its
 * progress deadline (`kube.rollout-failed`, terminal, in verify, after changing the Deployment).
 */
describe('a failed release proposes its revert (onFailure.revert)', () => {
  const client = GiteaClient.sandbox();
  const owner = client.options.user;
  const token = client.options.token;
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `failure-revert-${suffix}`;
  const namespace = `e2e-failure-revert-${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-failure-revert-'));
  const configFile = join(dir, 'cairn.yaml');
  const kc = new KubeConfig();
  const outputs: CliResult[] = [];
  let work: GiteaWorkTree;
  let first: AuditEntry;

  const cairn = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { E2E_GITEA_TOKEN: token });
    outputs.push(result);
    return result;
  };
  const sync = async (code = 0): Promise<AuditEntry> => {
    const r = await cairn('sync', '--config', configFile, '--env', 'dev', '--json');
    expect({ code: r.code, stderr: r.code === code ? '' : r.stderr }).toEqual({ code, stderr: '' });
    return JSON.parse(r.stdout) as AuditEntry;
  };
  const files = (greeting: string, image: string, stuck: boolean) => ({
    'k8s-resources/greeting.yaml': greetingManifest(namespace, greeting),
    'k8s-resources/web.yaml': web(namespace, image, stuck),
  });
  const pulls = () => client.request<Pull[]>('GET', `/repos/${owner}/${name}/pulls?state=all&limit=50`);
  const greeting = async () =>
    (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'greeting', namespace })).data?.value;
  const image = async () =>
    (await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace })).spec?.template
      .spec?.containers[0]?.image;
  const proposals = () =>
    auditLines(join(dir, 'audit'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((r) => r.type === 'control' && r.action === 'revert-proposed');
  const setMode = (revert: 'pr' | 'commit') => {
    const config = parse(readFileSync(configFile, 'utf8')) as { environments: Record<string, unknown>[] };
    config.environments[0]!.onFailure = { revert };
    writeFileSync(configFile, stringify(config));
  };

  beforeAll(async () => {
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    await client.createRepo(name);
    work = giteaWorkTree(client, owner, name);
    work.commit('dev', 'web: nginx 1.27', files('hello', 'nginx:1.27', false));
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
          {
            name: 'dev',
            onFailure: { revert: 'pr' },
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace, healthTimeout: '90s' },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        workspaces: { dir: join(dir, 'workspaces') },
        server: { port: 0 },
      }),
    );
    first = await sync();
    expect(first.outcome).toBe('succeeded');
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

  it('pr: one revert pull request naming the failed entry, never a second; merged, dev is back at its last good state', async () => {
    // Given a commit whose Deployment cannot roll out
    const bad = work.commit('dev', 'web: nginx 1.28 on the gpu pool', files('hi', 'nginx:1.28', true));

    // When cairn syncs it
    const failed = await sync(1);

    // Then the release failed terminally in verify after changing the Deployment...
    expect(failed).toMatchObject({
      outcome: 'failed',
      fromSha: first.toSha,
      toSha: bad,
      failure: { code: 'kube.rollout-failed', phase: 'verify', retryable: false },
    });
    // ...and exactly one pull request on Gitea reverts it, naming the entry in its trailers
    const [pr, ...more] = await pulls();
    expect(more).toEqual([]);
    expect(pr).toMatchObject({
      title: 'Revert "web: nginx 1.28 on the gpu pool"',
      state: 'open',
      head: { ref: autoRevertBranch(bad) },
    });
    expect(pr!.body).toContain(`Cairn-Revert-Of: ${failed.id}`);
    expect(pr!.body).toContain('Cairn-Revert-Reason: kube.rollout-failed');
    expect(await client.branchSha(owner, name, 'dev')).toBe(bad);
    // ...and the ledger records it once
    expect(proposals()).toEqual([
      expect.objectContaining({ by: 'cairn', entry: failed.id, url: pr!.html_url }),
    ]);

    // When the same commit fails again (a manual sync) and a second replica handles the same entry
    const again = await sync(1);
    expect(again).toMatchObject({ outcome: 'failed', toSha: bad, failure: { code: 'kube.rollout-failed' } });
    const audit = await AuditLog.open(loadConfig(configFile).audit, silentLog());
    try {
      const replica = failureReverter(loadConfig(configFile), audit, silentLog(), undefined, {
        ...process.env,
        E2E_GITEA_TOKEN: token,
      });
      expect(await replica(failed)).toEqual({
        kind: 'skipped',
        why: expect.stringMatching(/ledger records/),
      });
    } finally {
      await audit.close();
    }

    // Then there is still one pull request and one record
    expect(await pulls()).toHaveLength(1);
    expect(proposals()).toHaveLength(1);

    // When the pull request is merged on Gitea and cairn applies dev
    const merged = await client.mergePullRequest(owner, name, pr!.number);
    const back = await sync();

    // Then the ledger shows dev back on the last good trees, and the cluster with it
    expect(back).toMatchObject({
      outcome: 'succeeded',
      fromSha: first.toSha,
      toSha: merged.sha,
      applied: { k8s: first.applied?.k8s },
    });
    expect(await greeting()).toBe('hello');
    expect(await image()).toBe('nginx:1.27');
  });

  it('commit: the revert is pushed onto the branch, and the next sync applies it', async () => {
    // Given onFailure.revert commit and another commit that cannot roll out
    setMode('commit');
    const good = await sync();
    work.pull('dev');
    const bad = work.commit('dev', 'web: nginx 1.29 on the gpu pool', files('bye', 'nginx:1.29', true));

    // When cairn syncs it
    const failed = await sync(1);

    // Then a revert commit naming the entry is dev's new head, and no pull request was opened
    expect(failed).toMatchObject({ outcome: 'failed', toSha: bad, failure: { code: 'kube.rollout-failed' } });
    const head = await client.branchSha(owner, name, 'dev');
    expect(head).not.toBe(bad);
    const commit = await client.request<{ commit: { message: string } }>(
      'GET',
      `/repos/${owner}/${name}/git/commits/${head}`,
    );
    expect(commit.commit.message).toContain(`Cairn-Revert-Of: ${failed.id}`);
    expect(await pulls()).toHaveLength(1);
    expect(proposals()).toHaveLength(2);

    // When cairn syncs dev again
    const back = await sync();

    // Then the revert is applied: the good trees and values again
    expect(back).toMatchObject({ outcome: 'succeeded', toSha: head, applied: { k8s: good.applied?.k8s } });
    expect(await greeting()).toBe('hello');
    expect(await image()).toBe('nginx:1.27');
  });

  it('never prints the token', () => {
    for (const o of outputs) expect(`${o.stdout}${o.stderr}`).not.toContain(token);
  });
});
