import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { silentLog } from '../../../controller/log';
import {
  proxiedSandboxKubeconfig,
  startCountingHttpProxy,
  type CountingProxy,
} from '../../helpers/counting-proxy';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { sandboxCredentials, sandboxTarget } from '../cdk/cdk-fixture';

jest.setTimeout(60_000);

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
};

/**
 * The appliers hold keep-alive connections (that is what makes a reconcile fast); a counting proxy
 * in front of the real kube-apiserver and moto_server shows they stay open until `close()`, and
 * that `close()` ends them.
 */
describe('closing the appliers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-close-'));
  let proxy: CountingProxy | undefined;
  afterEach(async () => proxy?.close());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('closes the Kubernetes applier’s keep-alive connections to the kube-apiserver', async () => {
    // Given a kubeconfig that reaches the sandbox's kube-apiserver through the proxy
    const through = await proxiedSandboxKubeconfig(dir);
    proxy = through.proxy;
    const { kubeconfig } = through;
    const applier = createKubeApplier(
      { env: 'close-test', repository: 'https://git.example.com/platform/close.git' },
      {
        kubeconfig,
        namespace: 'default',
        forceConflicts: false,
        pruneMaxShare: 0.5,
        allowMassPrune: false,
        healthTimeoutMs: 10_000,
        concurrency: 2,
        adopt: false,
        maxManifestBytes: 64 * 1024 * 1024,
      },
      silentLog(),
    );
    // When it has planned (reading its inventory), its connection stays open for the next request
    await applier.plan([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.open()).toBeGreaterThan(0);
    // Then close() ends it
    await applier.close();
    await until('no connection is open', () => proxy!.open() === 0);
  });

  it('destroys the AWS applier’s SDK clients and their connections to moto_server', async () => {
    const sandbox = sandboxEnv();
    proxy = await startCountingHttpProxy(hostPort(sandbox.aws.endpoint));
    const applier = createAwsApplier(
      'close-test',
      sandboxTarget({ endpoint: `http://${proxy.address}` }),
      silentLog(),
      { credentials: sandboxCredentials() },
    );
    await applier.plan({ dir, stacks: [] }, '1'.repeat(40));
    await new Promise((r) => setTimeout(r, 500));
    expect(proxy.open()).toBeGreaterThan(0);
    await applier.close();
    await until('no connection is open', () => proxy!.open() === 0);
  });
});
