import { execFileSync } from 'node:child_process';
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
import { freePort } from '../helpers/net';
import { kubeKit } from '../integration/kube/kube-kit';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

const API_TOKEN = 'e2e-promotion-api-token';
const HEALTHY_FOR_MS = 8_000;

/**
 * `cairn run` with prod gated on staging (`promotion: { after: staging, healthyFor: 8s }`), against
 * the sandbox's kube-apiserver and a local repository polled every second: a commit whose trees
 * staging applied waits on prod until staging has been healthy with them for 8 s, then applies;
 * trees staging never had wait until `cairn promote prod --force`, which the ledger records.
 */
describe('promotion gates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-promotion-'));
  const kit = kubeKit('e2e-promo');
  const ns = { staging: kit.name('staging'), prod: kit.name('prod') };
  const configFile = join(dir, 'cairn.yaml');
  const cm = (env: 'staging' | 'prod') => `/api/v1/namespaces/${ns[env]}/configmaps/greeting`;
  // The same file on both branches (so the trees can be equal): the ConfigMap names no namespace,
  // each environment gives it its own, made beforehand.
  const greeting = (value: string) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greeting' }, data: { value } });
  let repo: TestRepo;
  let controller: ChildProcess | undefined;
  let api: string;

  beforeAll(async () => {
    repo = createTestRepo('promotion', {
      staging: { 'k8s-resources/greeting.yaml': greeting('hello') },
      prod: { 'k8s-resources/greeting.yaml': greeting('hello') },
    });
    const kubeconfig = sandboxEnv().kubernetes.kubeconfig;
    for (const namespace of [ns.staging, ns.prod]) {
      execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'create', 'namespace', namespace]);
      kit.track(`/api/v1/namespaces/${namespace}`);
    }
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    writeFileSync(
      configFile,
      stringify({
        repository: { url: repo.bare, pollInterval: '1s' },
        environments: [
          { name: 'staging', kubernetes: { kubeconfig, namespace: ns.staging }, driftInterval: '0s' },
          {
            name: 'prod',
            kubernetes: { kubeconfig, namespace: ns.prod },
            driftInterval: '0s',
            promotion: { after: 'staging', healthyFor: `${HEALTHY_FOR_MS / 1000}s` },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port, apiTokenEnv: 'E2E_API_TOKEN' },
      }),
    );
    controller = startCli(['run', '--config', configFile], { E2E_API_TOKEN: API_TOKEN });
  });

  afterAll(async () => {
    controller?.kill('SIGTERM');
    repo?.remove();
    await kit.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const auth = { authorization: `Bearer ${API_TOKEN}` };
  const status = async (env: string): Promise<EnvironmentStatus | undefined> => {
    const r = await fetch(`${api}/api/environments`, { headers: auth }).catch(() => undefined);
    if (!r?.ok) return undefined;
    return ((await r.json()) as { environments: EnvironmentStatus[] }).environments.find(
      (e) => e.name === env,
    );
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ${what} within ${timeoutMs} ms (prod: ${JSON.stringify(await status('prod'))})`);
  };
  const applied = (env: string, sha: string) => async () => (await status(env))?.lastAppliedSha === sha;
  const entries = async (env: string) =>
    (await (
      await fetch(`${api}/api/environments/${env}/audit?limit=50`, { headers: auth })
    ).json()) as AuditEntry[];

  it('applies the first commit on prod only once staging has been healthy with the same trees', async () => {
    await until('staging applied', applied('staging', repo.sha('staging')));
    await until('prod applied', applied('prod', repo.sha('prod')));
    const [stagingEntry] = await entries('staging');
    const [prodEntry] = await entries('prod');
    expect(Date.parse(prodEntry!.startedAt) - Date.parse(stagingEntry!.finishedAt)).toBeGreaterThanOrEqual(
      HEALTHY_FOR_MS,
    );
  });

  let promoted: string;

  it('holds a commit of the same trees on prod (another sha) until staging has been healthy with them for healthyFor', async () => {
    // given a change applied on staging, and the same change committed on prod a moment later
    const onStaging = repo.commit('staging', 'Say hi', { 'k8s-resources/greeting.yaml': greeting('hi') });
    await until('staging applied the change', applied('staging', onStaging));
    promoted = repo.commit('prod', 'Say hi (promoted)', { 'k8s-resources/greeting.yaml': greeting('hi') });
    expect(promoted).not.toBe(onStaging);

    // then prod shows it waiting for staging, with the reason, and does not apply it yet
    await until('prod waiting', async () => (await status('prod'))?.status === 'waiting', 20_000);
    const waiting = await status('prod');
    expect(waiting).toMatchObject({ headSha: promoted, waiting: { after: 'staging' } });
    expect(waiting!.waiting!.reason).toMatch(
      /^waiting for staging: the trees \(k8s [0-9a-f]{7}\) of [0-9a-f]{7} applied there .* ago, needs 8\.0s healthy$/,
    );
    expect((await kit.get(cm('prod')))?.data).toEqual({ value: 'hello' });

    // and applies it once staging has been healthy with those trees for 8 s
    await until('prod applied the promoted commit', applied('prod', promoted), 30_000);
    expect((await kit.get(cm('prod')))?.data).toEqual({ value: 'hi' });
    const [stagingEntry] = await entries('staging');
    const [prodEntry] = await entries('prod');
    expect(stagingEntry!.toSha).toBe(onStaging);
    expect(prodEntry).toMatchObject({ toSha: promoted, outcome: 'succeeded' });
    expect(Date.parse(prodEntry!.startedAt) - Date.parse(stagingEntry!.finishedAt)).toBeGreaterThanOrEqual(
      HEALTHY_FOR_MS,
    );
  });

  it('holds trees staging never had, and lets them through on `cairn promote --force`, recorded in the ledger', async () => {
    // given a hotfix committed on prod alone
    const hotfix = repo.commit('prod', 'Hotfix', { 'k8s-resources/greeting.yaml': greeting('fixed') });
    await until(
      'prod waiting',
      async () => (await status('prod'))?.headSha === hotfix && (await status('prod'))?.status === 'waiting',
      20_000,
    );
    expect((await status('prod'))!.waiting!.reason).toContain('are not applied there yet');

    // when it has waited longer than healthyFor, it still waits (nothing on staging will open it)
    await new Promise((r) => setTimeout(r, HEALTHY_FOR_MS + 1_000));
    expect(await status('prod')).toMatchObject({ status: 'waiting', lastAppliedSha: promoted });

    // and promote without --force is a usage error that changes nothing
    const bare = await runCli(['promote', 'prod', '--config', configFile], { E2E_API_TOKEN: API_TOKEN });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--force');

    // when a person forces it
    const forced = await runCli(
      ['promote', 'prod', '--force', '--reason', 'incident 7 hotfix', '--config', configFile],
      {
        E2E_API_TOKEN: API_TOKEN,
      },
    );
    expect(forced.stderr).toBe('');
    expect(forced).toMatchObject({ code: 0 });
    expect(forced.stdout).toContain(`${hotfix.slice(0, 12)} promoted past its gate`);

    // then it is applied, and the ledger holds the wait and the promotion, with who, why and which head
    await until('prod applied the hotfix', applied('prod', hotfix), 30_000);
    expect((await kit.get(cm('prod')))?.data).toEqual({ value: 'fixed' });
    const ledger = await AuditLog.reader(loadConfig(configFile).audit);
    try {
      const controls = ledger.controls('prod');
      expect(controls.filter((c) => c.sha === hotfix)).toMatchObject([
        { action: 'wait', by: 'cairn', reason: expect.stringContaining('waiting for staging') },
        { action: 'promote', by: expect.stringContaining('@'), reason: 'incident 7 hotfix' },
      ]);
      // one wait record per held head, however many polls looked at it
      expect(controls.filter((c) => c.action === 'wait' && c.sha === promoted)).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });

  it('never holds a rollback: reverting to trees prod already ran applies at once, though staging never ran them', async () => {
    // given prod on the hotfix (trees staging never had), then on a change staging has run for long
    const hotfix = repo.sha('prod');
    const again = repo.commit('prod', 'Say hi again', { 'k8s-resources/greeting.yaml': greeting('hi') });
    await until('prod applied the change staging ran', applied('prod', again), 30_000);
    // when that change is reverted: prod goes back to the hotfix's trees
    const back = repo.revert('prod');
    // then it is applied without waiting, and no wait is recorded for it
    await until('prod applied the rollback', applied('prod', back), 15_000);
    expect((await kit.get(cm('prod')))?.data).toEqual({ value: 'fixed' });
    const [entry] = await entries('prod');
    expect(entry).toMatchObject({ toSha: back, outcome: 'succeeded', fromSha: again });
    const ledger = await AuditLog.reader(loadConfig(configFile).audit);
    try {
      expect(ledger.controls('prod').filter((c) => c.action === 'wait' && c.sha === back)).toEqual([]);
    } finally {
      await ledger.close();
    }
    expect(hotfix).not.toBe(back);
  });

  it('refuses to promote an environment that is not waiting', async () => {
    const again = await runCli(['promote', 'prod', '--force', '--config', configFile], {
      E2E_API_TOKEN: API_TOKEN,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not waiting for a promotion gate');
  });
});
