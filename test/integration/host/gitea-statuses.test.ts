import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { wire } from '../../../controller/cli/wire';
import { loadConfig } from '../../../controller/config/load-config';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import type { GitHost } from '../../../controller/host/types';
import { createLog } from '../../../controller/log';
import type { AuditEntry } from '../../../controller/model';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { GiteaClient, giteaWorkTree, waitFor, type GiteaWorkTree } from '../../helpers/gitea';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(180_000);

/**
 * Commit statuses and PR comments against the sandbox's real Gitea: a repository on Gitea, cloned
 * by cairn over Gitea's HTTP with a token, reconciled into the sandbox's kube-apiserver; Gitea's
 * own API is the witness of what cairn posted.
 */
describe('cairn and a real Gitea', () => {
  const gitea = GiteaClient.sandbox();
  const g = sandboxEnv().gitea;
  const name = `cairn-status-${randomBytes(3).toString('hex')}`;
  const repo = `${g.adminUser}/${name}`;
  const namespace = `host-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-gitea-'));
  const configFile = join(dir, 'cairn.yaml');
  const env = { GITEA_TOKEN: g.adminToken };
  let host: GitHost;
  let work: GiteaWorkTree;

  /** Every status on `sha` with context cairn/dev, oldest first. */
  const statuses = async (sha: string) =>
    [...(await gitea.commitStatuses(g.adminUser, name, sha))]
      .filter((s) => s.context === 'cairn/dev')
      .sort((a, b) => a.id - b.id);
  const commit = (branch: string, message: string, files: Record<string, string>): string =>
    work.commit(branch, message, files);
  /** A second Gitea user with a token of its own. */
  const otherUser = async () => {
    const login = `mallory${randomBytes(3).toString('hex')}`;
    const password = `Pw-${randomBytes(12).toString('hex')}`;
    await gitea.request('POST', '/admin/users', {
      username: login,
      email: `${login}@example.com`,
      password,
      must_change_password: false,
    });
    const response = await fetch(`${g.url}/api/v1/users/${login}/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 't', scopes: ['write:issue', 'write:repository'] }),
    });
    return { login, token: ((await response.json()) as { sha1: string }).sha1 };
  };
  const configMap = (color: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace },
      data: { color },
    });
  const sync = async () => {
    const result = await runCli(['sync', '--config', configFile, '--env', 'dev', '--json'], env);
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stderr: result.stderr };
  };

  beforeAll(async () => {
    await gitea.createRepo(name, { private: true });
    work = giteaWorkTree(gitea, g.adminUser, name);
    writeFileSync(
      configFile,
      stringify({
        repository: {
          url: `${g.url}/${repo}.git`,
          pollInterval: '1s',
          auth: { tokenEnv: 'GITEA_TOKEN', username: g.adminUser },
          host: { type: 'gitea', tokenEnv: 'GITEA_TOKEN' },
        },
        environments: [
          {
            name: 'dev',
            driftInterval: '0s',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace, healthTimeout: '20s' },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { publicUrl: 'https://cairn.example/' },
      }),
    );
    host = createGiteaHost({ repo, apiUrl: `${g.url}/api/v1`, token: g.adminToken });
  });

  afterAll(async () => {
    await host?.close();
    await gitea.deleteRepo(g.adminUser, name);
    work?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('derives the API and the repository from repository.url', () => {
    expect(loadConfig(configFile).repository.host).toEqual({
      type: 'gitea',
      apiUrl: `${g.url}/api/v1`,
      tokenEnv: 'GITEA_TOKEN',
      repo,
      planForks: false,
      planTimeoutMs: 900_000,
    });
  });

  let applied: string;
  it('cairn sync posts cairn/dev pending, then success linking to the audit entry', async () => {
    applied = commit('dev', 'a namespace and a ConfigMap', {
      'k8s-resources/namespace.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace },
      }),
      'k8s-resources/settings.yaml': configMap('blue'),
    });
    const { code, entry, stderr } = await sync();
    expect({ code, outcome: entry.outcome }).toEqual({ code: 0, outcome: 'succeeded' });
    expect(stderr).not.toContain(g.adminToken);
    const posted = await statuses(applied);
    expect(posted.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(posted[0]).toMatchObject({
      description: `cairn is applying ${applied.slice(0, 7)} (manual)`,
      target_url: 'https://cairn.example/api/environments/dev',
    });
    expect(posted[1]).toMatchObject({
      description: expect.stringMatching(/^applied in [\d.]+m?s$/),
      target_url: `https://cairn.example/api/audit/${entry.id}`,
    });
  });

  it('a failing reconcile posts failure, naming the phase and the file', async () => {
    const broken = commit('dev', 'a broken manifest', { 'k8s-resources/broken.yaml': 'kind: [unclosed\n' });
    const { code, entry } = await sync();
    expect({ code, outcome: entry.outcome }).toEqual({ code: 1, outcome: 'failed' });
    const posted = await statuses(broken);
    expect(posted.map((s) => s.status)).toEqual(['pending', 'failure']);
    expect(posted[1]!.description).toMatch(/^failed in plan after .*broken\.yaml/);
    expect(posted[1]!.target_url).toBe(`https://cairn.example/api/audit/${entry.id}`);
    // The commit before keeps its own green status.
    expect((await statuses(applied)).at(-1)!.status).toBe('success');
  });

  it('the running controller posts pending then success on the commit it applies', async () => {
    const fixed = commit('dev', 'fix the manifest', {
      'k8s-resources/broken.yaml': configMap('green').replace('settings', 'other'),
    });
    const wired = await wire(loadConfigWithEnv(configFile, env), createLog({ level: 'warn' }));
    try {
      await wired.controller.start();
      await waitFor(
        `cairn/dev success on ${fixed.slice(0, 7)}`,
        async () => ((await statuses(fixed)).at(-1)?.status === 'success' ? true : undefined),
        60_000,
        250,
      );
    } finally {
      await wired.close();
    }
    const posted = await statuses(fixed);
    expect(posted.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(posted[0]!.description).toMatch(/^cairn is applying [0-9a-f]{7} \((startup|poll)\)$/);
  });

  it("opens a pull request, then creates one marked comment and edits that same comment, leaving another user's marked comment alone", async () => {
    work.commit(
      'feature',
      'blue to red',
      { 'k8s-resources/settings.yaml': configMap('red') },
      { from: 'dev' },
    );
    const pr = await host.openPullRequest({
      title: 'Red',
      body: 'Makes it red',
      head: 'feature',
      base: 'dev',
    });
    expect(pr.url).toBe(`${g.url}/${repo}/pulls/${pr.number}`);
    const marker = '<!-- cairn:plan:dev -->';
    // Another user quoting the marker first: cairn must not take over (and so vouch for) their comment.
    const other = await otherUser();
    await gitea.request('PUT', `/repos/${repo}/collaborators/${other.login}`, { permission: 'write' });
    await fetch(`${g.url}/api/v1/repos/${repo}/issues/${pr.number}/comments`, {
      method: 'POST',
      headers: { Authorization: `token ${other.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body: `fake plan ${marker}` }),
    }).then((r) => expect(r.status).toBe(201));
    await gitea.request('POST', `/repos/${repo}/issues/${pr.number}/comments`, { body: 'looks good' });
    const first = await host.upsertPullRequestComment(pr.number, marker, `${marker}\nplan 1`);
    const second = await host.upsertPullRequestComment(pr.number, marker, `${marker}\nplan 2`);
    expect(second).toBe(first);
    const comments = await gitea.comments(g.adminUser, name, pr.number);
    expect(comments.map((c) => c.body)).toEqual([`fake plan ${marker}`, 'looks good', `${marker}\nplan 2`]);
    expect(String(comments[2]!.id)).toBe(first);
  });
});

/** The config as `cairn run` loads it, with the token variable set for the wiring. */
function loadConfigWithEnv(file: string, env: Record<string, string>) {
  Object.assign(process.env, env);
  return loadConfig(file);
}
