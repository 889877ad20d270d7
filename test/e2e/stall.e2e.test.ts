import { greetingManifest as configMap } from '../helpers/manifests';
import { runCli } from '../helpers/cli';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';

jest.setTimeout(120_000);

/**
 * `cairn run` against a real kube-apiserver and a Git repository over HTTP: a commit with a broken
 * manifest stalls the environment (no retries), visible in the API, the metrics and `cairn audit
 * list`; a manual sync tries the same commit again, and the fix clears the stall.
 */
describe('cairn run stalls an environment on a terminal failure', () => {
  const namespace = `e2e-stall-${Math.random().toString(36).slice(2, 7)}`;
  let run: OneEnvController;

  beforeAll(async () => {
    run = await startOneEnvController({
      name: 'stall',
      namespace,
      files: { 'k8s-resources/greeting.yaml': configMap(namespace, 'hello') },
    });
  });

  afterAll(() => run?.stop());

  const status = () => run.status();
  const until = (what: string, check: Parameters<OneEnvController['until']>[1]) => run.until(what, check);
  const entries = () => run.entries(20);
  const stalledMetric = () => run.metric('cairn_environment_stalled');
  const push = async (sha: string) => expect(await run.push(sha)).toBe(202);

  let broken: string;

  it('stalls on a broken manifest instead of retrying, and says so in the API, the metrics and the audit list', async () => {
    await until('synced', (s) => s?.lastAppliedSha === run.repo.sha('dev'));
    expect(await stalledMetric()).toBe('0');

    // when a commit with a manifest that does not parse is pushed
    broken = run.repo.commit('dev', 'Break the greeting', {
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
    const list = await runCli(['audit', 'list', '--config', run.configFile, '--env', 'dev']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[1]).toContain('failed (stalled)');
  });

  it('tries the same commit again on a manual sync', async () => {
    const count = (await entries()).length;
    const response = await fetch(`${run.api}/api/environments/dev/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.cliEnv.E2E_API_TOKEN}` },
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
    const fixed = run.repo.commit('dev', 'Fix the greeting', {
      'k8s-resources/broken.yaml': null,
      'k8s-resources/greeting.yaml': configMap(namespace, 'fixed'),
    });
    await push(fixed);
    await until('synced on the fix', (s) => s?.lastAppliedSha === fixed && s.status === 'synced');
    expect((await status())?.failure).toBeNull();
    expect(await stalledMetric()).toBe('0');
  });
});
