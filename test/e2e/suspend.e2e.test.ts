import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { stringify } from 'yaml';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import type { AuditEntry } from '../../controller/model';
import type { EnvironmentStatus } from '../../controller/server/types';
import { runCli, startCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { serveGitHttp, type GitHttpServer } from '../helpers/git-http-server';
import { greetingManifest } from '../helpers/manifests';
import { freePort } from '../helpers/net';
import { kubeKit } from '../integration/kube/kube-kit';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(150_000);

const SECRET = 'e2e-suspend-secret';
const TOKEN = 'e2e-suspend-git-token';
const API_TOKEN = 'e2e-suspend-api-token';

/** A second ConfigMap the commit never touches: only a hand edit changes it. */
function settings(namespace: string, mode: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace },
    data: { mode },
  });
}

/**
 * `cairn run` against a real kube-apiserver and a Git repository over HTTP: `cairn suspend`
 * (recorded in the ledger) stops every reconcile of the environment, so a new commit and a hand
 * edit both wait (drift passes every second included); `cairn resume` applies the commit and puts
 * the hand edit back, and both requests are records in the ledger.
 */
describe('cairn suspend and resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-suspend-'));
  const kit = kubeKit('e2e-suspend');
  const namespace = kit.name('suspend');
  const configFile = join(dir, 'cairn.yaml');
  const cm = (name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  let repo: TestRepo;
  let http: GitHttpServer;
  let controller: ChildProcess | undefined;
  let api: string;

  beforeAll(async () => {
    repo = createTestRepo('platform', {
      dev: {
        'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello'),
        'k8s-resources/settings.yaml': settings(namespace, 'from-git'),
      },
    });
    kit.track(`/api/v1/namespaces/${namespace}`);
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
            // Drift passes often, so that "not even drift" is put to the test while suspended.
            driftInterval: '1s',
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
    await kit.cleanup();
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
      await fetch(`${api}/api/environments/dev/audit?limit=100`, { headers: auth() })
    ).json()) as AuditEntry[];
  const suspendedMetric = async () => {
    const text = await (await fetch(`${api}/metrics`)).text();
    return /^cairn_environment_suspended\{env="dev"\} (\d+)$/m.exec(text)?.[1];
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
  const cli = (action: string, ...args: string[]) =>
    runCli([action, 'dev', '--config', configFile, ...args], { E2E_API_TOKEN: API_TOKEN });

  let first: string;
  let second: string;

  it('ignores a new commit and a hand edit while suspended', async () => {
    first = repo.sha('dev');
    await until('synced', (s) => s?.lastAppliedSha === first && s.status !== 'progressing');

    // when the environment is suspended from the command line
    const suspended = await cli('suspend', '--reason', 'incident 42: hold deploys');
    expect(suspended).toMatchObject({ code: 0 });
    expect(suspended.stdout).toContain('environment dev suspended');
    await until('suspended', (s) => s?.status === 'suspended');
    expect((await status())?.suspended).toMatchObject({ reason: 'incident 42: hold deploys' });
    expect(await suspendedMetric()).toBe('1');
    const before = (await entries()).length;

    // and a commit is pushed and an object is edited by hand
    second = repo.commit('dev', 'Say hi', {
      'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hi'),
    });
    await push(second);
    await kit.edit(cm('settings'), { data: { mode: 'hand-edited' } });

    // then the head is seen, but for several drift intervals nothing is applied or recorded
    await until('head seen', (s) => s?.headSha === second);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await status()).toMatchObject({ status: 'suspended', lastAppliedSha: first, headSha: second });
    expect((await kit.get(cm('greeting')))?.data).toEqual({ value: 'hello' });
    expect((await kit.get(cm('settings')))?.data).toEqual({ mode: 'hand-edited' });
    expect((await entries()).length).toBe(before);

    // and a manual sync is refused with the reason
    const sync = await fetch(`${api}/api/environments/dev/sync`, { method: 'POST', headers: auth() });
    expect(sync.status).toBe(409);
    expect(((await sync.json()) as { message: string }).message).toContain('is suspended');
  });

  it('applies the commit and puts the hand edit back on resume, with both requests in the ledger', async () => {
    // when it is resumed
    const resumed = await cli('resume', '--reason', 'incident closed');
    expect(resumed).toMatchObject({ code: 0 });

    // then the new commit is applied and the hand edit is undone
    await until('synced on the new commit', (s) => s?.lastAppliedSha === second && s.status === 'synced');
    expect((await kit.get(cm('greeting')))?.data).toEqual({ value: 'hi' });
    expect((await kit.get(cm('settings')))?.data).toEqual({ mode: 'from-git' });
    expect(await suspendedMetric()).toBe('0');
    expect((await status())?.suspended).toBeUndefined();

    // and the ledger holds the suspend and the resume, with who and why, and the entry that applied
    const ledger = await AuditLog.reader(loadConfig(configFile).audit);
    try {
      expect(ledger.controls('dev')).toMatchObject([
        { action: 'suspend', reason: 'incident 42: hold deploys', by: expect.stringContaining('@') },
        { action: 'resume', reason: 'incident closed', by: expect.stringContaining('@') },
      ]);
      const [suspend, resume] = ledger.controls('dev');
      const applied = (await ledger.list({ env: 'dev' })).find((e) => e.toSha === second);
      expect(applied).toMatchObject({ fromSha: first, outcome: 'succeeded' });
      expect(Date.parse(applied!.startedAt)).toBeGreaterThanOrEqual(Date.parse(resume!.at));
      expect(Date.parse(suspend!.at)).toBeLessThan(Date.parse(resume!.at));
    } finally {
      await ledger.close();
    }
  });

  it('refuses to resume an environment that is not suspended', async () => {
    const again = await cli('resume');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not suspended');
  });
});
