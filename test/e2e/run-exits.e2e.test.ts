import type { ChildProcess } from 'node:child_process';
import { auditLines } from '../helpers/audit-lines';
import { runCli, startCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';

jest.setTimeout(240_000);

/**
 * `cairn run` never calls process.exit: once SIGTERM has stopped it, the process ends only if
 * everything it opened (HTTP server, repository watcher, timers, the Kubernetes client's
 * keep-alive agent, the AWS SDK clients, the audit file and lock) was closed.
 */
describe('cairn run, once stopped', () => {
  let platform: E2ePlatform;
  let controller: ChildProcess | undefined;

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    // No Deployment: the reconcile should not wait for a rollout, only use both clients.
    platform.commit('dev', 'Only the namespace and the settings', { 'k8s-resources/web.yaml': null });
    expect(
      (await runCli(['bootstrap', '--config', platform.configFile, '--env', 'dev'], awsTestCredentials()))
        .code,
    ).toBe(0);
  });

  afterAll(() => {
    controller?.kill('SIGKILL');
    platform?.cleanup();
  });

  it('exits 0 by itself within a few seconds of SIGTERM after applying to both clouds', async () => {
    // Given a controller that has applied the head of dev to moto and the kube-apiserver
    let stdout = '';
    controller = startCli(['run', '--config', platform.configFile], awsTestCredentials());
    controller.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
      (resolve) => controller!.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    const head = platform.git('rev-parse', 'dev');
    const deadline = Date.now() + 180_000;
    const applied = () =>
      auditLines(platform.auditDir).some(
        (l) => l.includes('"type":"end"') && l.includes(`"toSha":"${head}"`) && l.includes('"succeeded"'),
      );
    while (!applied()) {
      if (Date.now() > deadline) throw new Error(`dev was not applied in time:\n${stdout}`);
      if (controller.exitCode !== null) throw new Error(`cairn run exited early:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    // When it gets SIGTERM
    const stoppedAt = Date.now();
    controller.kill('SIGTERM');

    // Then it exits 0 by itself, soon, having logged that it stopped
    const timeout = new Promise<'still running'>((r) => setTimeout(() => r('still running'), 10_000).unref());
    const result = await Promise.race([exited, timeout]);
    expect(result).not.toBe('still running');
    const { code, signal, at } = result as Awaited<typeof exited>;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(at - stoppedAt).toBeLessThan(5_000);
    expect(stdout).toContain('"msg":"stopped"');
  });
});
