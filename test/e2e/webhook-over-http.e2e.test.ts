import { createHmac } from 'node:crypto';
import { freePort } from '../helpers/net';
import { greetingManifest as configMap } from '../helpers/manifests';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/audit/types';
import type { EnvironmentStatus } from '../../controller/server/types';
import { startCli } from '../helpers/cli';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { serveGitHttp, type GitHttpServer } from '../helpers/git-http-server';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

const SECRET = 'e2e-webhook-secret';
const TOKEN = 'e2e-git-token';

/**
 * `cairn run` against a repository served over smart HTTP with a token, polling only every 5
 * minutes: a commit plus a signed push webhook is applied at once and shows in the API and audit.
 */
describe('cairn run with a webhook and a repository over HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-http-'));
  const namespace = `e2e-http-${Math.random().toString(36).slice(2, 7)}`;
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
    const config = join(dir, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: http.url, pollInterval: '5m', auth: { tokenEnv: 'E2E_GIT_TOKEN' } },
        environments: [
          {
            name: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
            driftInterval: '0s',
          },
        ],
        audit: { dir: join(dir, 'audit'), unkeyed: true },
        server: { port, webhookSecretEnv: 'E2E_WEBHOOK_SECRET' },
      }),
    );
    controller = startCli(['run', '--config', config], { E2E_GIT_TOKEN: TOKEN, E2E_WEBHOOK_SECRET: SECRET });
  });

  afterAll(async () => {
    controller?.kill('SIGTERM');
    await http?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (): Promise<EnvironmentStatus | undefined> => {
    const r = await fetch(`${api}/api/environments`).catch(() => undefined);
    if (!r?.ok) return undefined;
    return ((await r.json()) as { environments: EnvironmentStatus[] }).environments[0];
  };
  const until = async (sha: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await status())?.lastAppliedSha === sha) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `${sha} was not applied within ${timeoutMs} ms (status ${JSON.stringify(await status())})`,
    );
  };

  it('applies a pushed commit within seconds of its signed webhook, long before the next poll', async () => {
    await until(repo.sha('dev'), 60_000);
    const sha = repo.commit('dev', 'Say hi', { 'k8s-resources/greeting.yaml': configMap(namespace, 'hi') });
    const body = JSON.stringify({ ref: 'refs/heads/dev', after: sha });
    const started = Date.now();
    const response = await fetch(`${api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': sha,
        'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(response.status).toBe(202);
    await until(sha, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);

    const entries = (await (await fetch(`${api}/api/environments/dev/audit?limit=5`)).json()) as AuditEntry[];
    expect(entries[0]).toMatchObject({
      toSha: sha,
      trigger: 'webhook',
      outcome: 'succeeded',
      message: 'Say hi',
    });
    expect(entries[0]!.changes).toContainEqual(
      expect.objectContaining({
        subject: expect.stringMatching(/^ConfigMap\/.*\/greeting$/),
        action: 'configured',
      }),
    );
  });
});
