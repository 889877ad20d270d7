import { execFileSync } from 'node:child_process';
import type { AuditEntry } from '../../controller/model';
import { greetingManifest } from '../helpers/manifests';
import { KUBECTL } from '../helpers/install-identities';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

const kubectl = (...args: string[]): string =>
  execFileSync(KUBECTL, ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args]).toString();

/**
 * `cairn run` against the real kube-apiserver: a drift pass that fails retryably is retried at the
 * backoff (5 s, doubling), as its log line says, not left to the next drift interval. Found in
 * review: the retry was queued as a plain `retry`, which finds the head already applied and does
 * nothing, so a Namespace being deleted out of band stayed gone for a whole `driftInterval`.
 */
describe('cairn run retries a failed drift pass with backoff', () => {
  const namespace = `e2e-drift-retry-${Math.random().toString(36).slice(2, 7)}`;
  let run: OneEnvController;

  beforeAll(async () => {
    run = await startOneEnvController({
      name: 'drift-retry',
      namespace,
      files: { 'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hello') },
      environment: { driftInterval: '40s' },
    });
  });

  afterAll(async () => {
    kubectl('patch', 'namespace', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false');
    await run?.stop();
  });

  /** Waits until the newest entry satisfies `check`; returns it. */
  async function newest(
    what: string,
    check: (e: AuditEntry) => boolean,
    seconds: number,
  ): Promise<AuditEntry> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const [entry] = await run.entries(1);
      if (entry && check(entry)) return entry;
      if (Date.now() > deadline)
        throw new Error(`${what} not within ${seconds} s (newest entry ${JSON.stringify(entry)})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('retries the drift pass at the backoff while the Namespace is Terminating, and makes it again once it is gone', async () => {
    await run.until('synced', (s) => s?.lastAppliedSha === run.repo.sha('dev'));

    // Given the tree's Namespace deleted out of band and held Terminating by a finalizer
    kubectl(
      'patch',
      'namespace',
      namespace,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["cairn.test/hold"]}}',
    );
    kubectl('delete', 'namespace', namespace, '--wait=false');

    // when the next drift pass meets it
    const failed = await newest(
      'a failed drift pass',
      (e) => e.trigger === 'drift' && e.failure?.code === 'kube.namespace-terminating',
      60,
    );
    expect(failed.failure?.retryable).toBe(true);

    // then it is tried again at the first backoff (2.5 to 5 s), long before the next drift pass (36 s or more)
    const retried = await newest('the retry of the drift pass', (e) => e.id !== failed.id, 12);
    expect(Date.parse(retried.startedAt) - Date.parse(failed.finishedAt)).toBeLessThan(11_000);
    expect(retried).toMatchObject({ toSha: failed.toSha, outcome: 'failed' });

    // and once the Namespace is gone, a retry makes it again from Git
    kubectl('patch', 'namespace', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    await newest('a successful retry', (e) => e.outcome === 'succeeded', 30);
    expect(kubectl('get', 'configmap', 'greeting', '-n', namespace, '-o', 'jsonpath={.data.value}')).toBe(
      'hello',
    );
    await run.until('synced', (s) => s?.status === 'synced');
  });
});
