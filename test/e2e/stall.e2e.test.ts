import { createHmac } from 'node:crypto';
import { freePort } from '../helpers/net';
import { greetingManifest as configMap } from '../helpers/manifests';
import { auditKeyFile } from '../helpers/e2e-platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import type { EnvironmentStatus } from '../../controller/server/types';
import { runCli, startCli } from '../helpers/cli';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { serveGitHttp, type GitHttpServer } from '../helpers/git-http-server';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

const SECRET = 'e2e-stall-secret';
const TOKEN = 'e2e-stall-git-token';
const API_TOKEN = 'e2e-stall-api-token';

/**
 * `cairn run` against a real kube-apiserver and a Git repository over HTTP: a commit with a broken
 * manifest stalls the environment (no retries), visible in the API, the metrics and `cairn audit
 * list`; a manual sync tries the same commit again, and the fix clears the stall.
 */
describe('cairn run stalls an environment on a terminal failure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-stall-'));
  const namespace = `e2e-stall-${Math.random().toString(36).slice(2, 7)}`;
  const configFile = join(dir, 'cairn.yaml');
  let repo: TestRepo;
  let http: GitHttpServer;
  let controller: ChildProcess | undefined;
  let api: string;

  beforeAll(async () => {
    repo = createTestRepo('platform', {
      dev: { 'k8s-resources/greeting.yaml': configMap(namespace, 'hello') },
    });
    http = await serveGitHttp(repo.bare, { token: TOKEN });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      configFile,
      stringify({
        repository: { url: http.url, pollInterval: '5m', auth: { tokenEnv: 'E2E_GIT_TOKEN' } },
        environments: [
          {
            name: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
            driftInterval: '0s',
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port, webhookSecretEnv: 'E2E_WEBHOOK_SECRET', apiTokenEnv: 'E2E_API_TOKEN' },
      }),
    );
    controller = startCli(['run', '--config', configFile], {
      E2E_GIT_TOKEN: TOKEN,
      E2E_WEBHOOK_SECRET: SECRET,
      E2E_API_TOKEN: API_TOKEN,
    });
  });

  afterAll(async () => {
    controller?.kill('SIGTERM');
    await http?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = () => ({ authorization: `Bearer ${API_TOKEN}` });
  const status = async (): Promise<EnvironmentStatus | undefined> => {
    const r = await fetch(`${api}/api/environments`, { headers: auth() }).catch(() => undefined);
    if (!r?.ok) return undefined;
    return ((await r.json()) as { environments: EnvironmentStatus[] }).environments[0];
  };
  const until = async (what: string, check: (s: EnvironmentStatus | undefined) => boolean) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (check(await status())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ${what} within 60 s (status ${JSON.stringify(await status())})`);
  };
  const entries = async () =>
    (await (
      await fetch(`${api}/api/environments/dev/audit?limit=20`, { headers: auth() })
    ).json()) as AuditEntry[];
  const stalledMetric = async () => {
    const text = await (await fetch(`${api}/metrics`)).text();
    return /^cairn_environment_stalled\{env="dev"\} (\d+)$/m.exec(text)?.[1];
  };
  const push = async (sha: string) => {
    const body = JSON.stringify({ ref: 'refs/heads/dev', after: sha });
    const response = await fetch(`${api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `${sha}-${Date.now()}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(response.status).toBe(202);
  };

  let broken: string;

  it('stalls on a broken manifest instead of retrying, and says so in the API, the metrics and the audit list', async () => {
    await until('synced', (s) => s?.lastAppliedSha === repo.sha('dev'));
    expect(await stalledMetric()).toBe('0');

    // when a commit with a manifest that does not parse is pushed
    broken = repo.commit('dev', 'Break the greeting', {
      'k8s-resources/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: bad\n',
    });
    await push(broken);

    // then the environment is stalled on that commit with the failure that stalled it
    await until('stalled', (s) => s?.status === 'stalled');
    const stalled = await status();
    expect(stalled).toMatchObject({
      headSha: broken,
      lastOutcome: 'failed',
      failure: { code: 'kube.yaml', phase: 'plan', retryable: false, subject: 'k8s-resources/broken.yaml' },
    });
    expect(await stalledMetric()).toBe('1');
    const [latest] = await entries();
    expect(latest).toMatchObject({ toSha: broken, outcome: 'failed', failure: { retryable: false } });

    // and no retry follows (the first backoff would be 5 s)
    const count = (await entries()).length;
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await entries()).length).toBe(count);
    expect((await status())?.status).toBe('stalled');

    // and `cairn audit list` marks the entry that stalled
    const list = await runCli(['audit', 'list', '--config', configFile, '--env', 'dev']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[1]).toContain('failed (stalled)');
  });

  it('tries the same commit again on a manual sync', async () => {
    const count = (await entries()).length;
    const response = await fetch(`${api}/api/environments/dev/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(response.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while ((await entries()).length === count && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const [latest] = await entries();
    expect(latest).toMatchObject({ toSha: broken, trigger: 'manual', outcome: 'failed' });
    await until('stalled again', (s) => s?.status === 'stalled');
  });

  it('clears the stall when the fix is pushed', async () => {
    const fixed = repo.commit('dev', 'Fix the greeting', {
      'k8s-resources/broken.yaml': null,
      'k8s-resources/greeting.yaml': configMap(namespace, 'fixed'),
    });
    await push(fixed);
    await until('synced on the fix', (s) => s?.lastAppliedSha === fixed && s.status === 'synced');
    expect((await status())?.failure).toBeNull();
    expect(await stalledMetric()).toBe('0');
  });
});
