import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { wire } from '../../../controller/cli/wire';
import { loadConfig } from '../../../controller/config/load-config';
import { createGiteaHost } from '../../../controller/host/gitea-github';
import type { GitHost } from '../../../controller/host/types';
import { createLog } from '../../../controller/log';
import type { AuditEntry } from '../../../controller/model';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { runGit } from '../../helpers/git-repo';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(180_000);

interface Gitea {
  readonly url: string;
  readonly adminUser: string;
  readonly adminToken: string;
}

/** The sandbox's Gitea (`.sandbox/env.json`), or one started by hand and named by CAIRN_GITEA_ENV. */
function gitea(): Gitea {
  const fromSandbox = (sandboxEnv() as unknown as { gitea?: Gitea }).gitea;
  if (fromSandbox) return fromSandbox;
  const file = process.env.CAIRN_GITEA_ENV;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Gitea;
  throw new Error('the sandbox has no Gitea: run `npm run sandbox:up` with the Gitea binary built');
}

interface GiteaStatus {
  readonly context: string;
  readonly status: string;
  readonly description: string;
  readonly target_url: string;
}

/**
 * Commit statuses and PR comments against the sandbox's real Gitea: a repository on Gitea, cloned
 * by cairn over Gitea's HTTP with a token, reconciled into the sandbox's kube-apiserver; Gitea's
 * own API is the witness of what cairn posted.
 */
describe('cairn and a real Gitea', () => {
  const g = gitea();
  const name = `cairn-status-${randomBytes(3).toString('hex')}`;
  const repo = `${g.adminUser}/${name}`;
  const namespace = `host-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-gitea-'));
  const work = join(dir, 'work');
  const configFile = join(dir, 'cairn.yaml');
  const env = { GITEA_TOKEN: g.adminToken };
  let host: GitHost;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${g.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `token ${g.adminToken}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  /** Every status on `sha` with context cairn/dev, oldest first. */
  const statuses = async (sha: string) =>
    (await api<GiteaStatus[]>('GET', `/repos/${repo}/statuses/${sha}?sort=oldest`)).filter(
      (s) => s.context === 'cairn/dev',
    );
  const commit = (branch: string, message: string, files: Record<string, string>): string => {
    runGit(work, 'checkout', '-B', branch);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), text);
    }
    runGit(work, 'add', '-A');
    runGit(work, 'commit', '-m', message);
    runGit(work, 'push', '-q', 'origin', branch);
    return runGit(work, 'rev-parse', 'HEAD');
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
    await api('POST', '/user/repos', { name, private: true });
    mkdirSync(work);
    runGit(work, 'init', '-q', '-b', 'dev');
    const remote = new URL(`${g.url}/${repo}.git`);
    remote.username = g.adminUser;
    remote.password = g.adminToken;
    runGit(work, 'remote', 'add', 'origin', remote.href);
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
    await api('DELETE', `/repos/${repo}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('derives the API and the repository from repository.url', () => {
    expect(loadConfig(configFile).repository.host).toEqual({
      type: 'gitea',
      apiUrl: `${g.url}/api/v1`,
      tokenEnv: 'GITEA_TOKEN',
      repo,
      planForks: false,
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
      description: expect.stringMatching(/^applied in [\d.]+ m?s$/),
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
      const deadline = Date.now() + 60_000;
      while ((await statuses(fixed)).at(-1)?.status !== 'success' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await wired.close();
    }
    const posted = await statuses(fixed);
    expect(posted.map((s) => s.status)).toEqual(['pending', 'success']);
    expect(posted[0]!.description).toMatch(/^cairn is applying [0-9a-f]{7} \((startup|poll)\)$/);
  });

  it('opens a pull request, then creates one marked comment and edits that same comment', async () => {
    runGit(work, 'checkout', '-q', 'dev');
    commit('feature', 'blue to red', { 'k8s-resources/settings.yaml': configMap('red') });
    const pr = await host.openPullRequest({
      title: 'Red',
      body: 'Makes it red',
      head: 'feature',
      base: 'dev',
    });
    expect(pr.url).toBe(`${g.url}/${repo}/pulls/${pr.number}`);
    const marker = '<!-- cairn:plan:dev -->';
    await api('POST', `/repos/${repo}/issues/${pr.number}/comments`, { body: 'looks good' });
    const first = await host.upsertPullRequestComment(pr.number, marker, `${marker}\nplan 1`);
    const second = await host.upsertPullRequestComment(pr.number, marker, `${marker}\nplan 2`);
    expect(second).toBe(first);
    const comments = await api<Array<{ id: number; body: string }>>(
      'GET',
      `/repos/${repo}/issues/${pr.number}/comments`,
    );
    expect(comments.map((c) => c.body)).toEqual(['looks good', `${marker}\nplan 2`]);
    expect(String(comments[1]!.id)).toBe(first);
  });
});

/** The config as `cairn run` loads it, with the token variable set for the wiring. */
function loadConfigWithEnv(file: string, env: Record<string, string>) {
  Object.assign(process.env, env);
  return loadConfig(file);
}
