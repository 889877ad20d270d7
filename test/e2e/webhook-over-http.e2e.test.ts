import { greetingManifest as configMap } from '../helpers/manifests';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';

jest.setTimeout(120_000);

/**
 * `cairn run` against a repository served over smart HTTP with a token, polling only every 5
 * minutes: a commit plus a signed push webhook is applied at once and shows in the API and audit.
 */
describe('cairn run with a webhook and a repository over HTTP', () => {
  const namespace = `e2e-http-${Math.random().toString(36).slice(2, 7)}`;
  let run: OneEnvController;

  beforeAll(async () => {
    run = await startOneEnvController({
      name: 'http',
      namespace,
      files: { 'k8s-resources/greeting.yaml': configMap(namespace, 'hello') },
      keyed: false,
      apiToken: false,
    });
  });

  afterAll(() => run?.stop());

  const until = (sha: string, timeoutMs: number) =>
    run.until(`${sha} applied`, (s) => s?.lastAppliedSha === sha, timeoutMs);

  it('applies a pushed commit within seconds of its signed webhook, long before the next poll', async () => {
    await until(run.repo.sha('dev'), 60_000);
    const sha = run.repo.commit('dev', 'Say hi', {
      'k8s-resources/greeting.yaml': configMap(namespace, 'hi'),
    });
    const started = Date.now();
    expect(await run.push(sha, sha)).toBe(202);
    await until(sha, 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);

    const entries = await run.entries(5);
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
