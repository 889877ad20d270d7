import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli';
import { greetingManifest } from '../helpers/manifests';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';
import { kubeKit } from '../integration/kube/kube-kit';

jest.setTimeout(150_000);

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
  const kit = kubeKit('e2e-suspend');
  const namespace = kit.name('suspend');
  const cm = (name: string) => `/api/v1/namespaces/${namespace}/configmaps/${name}`;
  let run: OneEnvController;

  beforeAll(async () => {
    kit.track(`/api/v1/namespaces/${namespace}`);
    run = await startOneEnvController({
      name: 'suspend',
      namespace,
      files: {
        'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello'),
        'k8s-resources/settings.yaml': settings(namespace, 'from-git'),
      },
      // Drift passes often, so that "not even drift" is put to the test while suspended.
      environment: { driftInterval: '1s' },
    });
  });

  afterAll(async () => {
    await run?.stop();
    await kit.cleanup();
  });

  const status = () => run.status();
  const until = (what: string, check: Parameters<OneEnvController['until']>[1]) => run.until(what, check);
  const entries = () => run.entries(100);
  const suspendedMetric = () => run.metric('cairn_environment_suspended');
  const push = async (sha: string) => expect(await run.push(sha)).toBe(202);
  const cli = (action: string, ...args: string[]) =>
    runCli([action, 'dev', '--config', run.configFile, ...args], run.cliEnv);

  let first: string;
  let second: string;

  it('ignores a new commit and a hand edit while suspended', async () => {
    first = run.repo.sha('dev');
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
    second = run.repo.commit('dev', 'Say hi', {
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
    const sync = await fetch(`${run.api}/api/environments/dev/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.cliEnv.E2E_API_TOKEN}` },
    });
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
    const ledger = await AuditLog.reader(loadConfig(run.configFile).audit);
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

    // and `cairn audit list` shows both, newest first, beside the entries
    const listed = await runCli(['audit', 'list', '--env', 'dev', '--config', run.configFile], run.cliEnv);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const controls = listed.stdout.slice(listed.stdout.indexOf('Control records'));
    expect(controls.split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(/^ {2}AT +ENV +ACTION +BY +WHY$/),
      expect.stringMatching(/^ {2}\S+ \S+Z +dev +resume +\S+@\S+ +incident closed$/),
      expect.stringMatching(/^ {2}\S+ \S+Z +dev +suspend +\S+@\S+ +incident 42: hold deploys$/),
    ]);
  });

  it('refuses to resume an environment that is not suspended', async () => {
    const again = await cli('resume');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not suspended');
  });
});
