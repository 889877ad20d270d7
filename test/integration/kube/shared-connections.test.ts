import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliersFor } from '../../../controller/cli/wire-environments';
import type { EnvironmentConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { proxiedSandboxKubeconfig, type CountingProxy } from '../../helpers/counting-proxy';
import { kubeKit } from './kube-kit';

jest.setTimeout(60_000);

const ENVIRONMENTS = 6;
const CONFIGMAPS = 5;

/**
 * Environments on one cluster share one client: a counting proxy in front of the real
 * kube-apiserver shows that six environments applying at once open no more connections than one
 * client's pool (before, each environment opened its own pool and read its own kubeconfig), that
 * every object still lands, and that closing the appliers closes the shared connections.
 */
describe('environments on one cluster', () => {
  const kit = kubeKit('shared');
  const dir = mkdtempSync(join(tmpdir(), 'cairn-shared-'));
  let proxy: CountingProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
    await kit.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('share one pool of connections and one discovery, and still apply every object', async () => {
    // Given six environments whose kubeconfig reaches the kube-apiserver through the proxy
    const through = await proxiedSandboxKubeconfig(dir);
    proxy = through.proxy;
    const { kubeconfig } = through;
    const appliers = appliersFor(silentLog(), 'https://git.example.com/platform/shared.git');
    const envs: EnvironmentConfig[] = Array.from({ length: ENVIRONMENTS }, (_, i) => ({
      name: `shared-${i}`,
      branch: `shared-${i}`,
      order: 'aws-first',
      driftIntervalMs: 0,
      kubernetes: kit.target(kit.name(`ns${i}`), { kubeconfig, concurrency: 1 }),
    }));
    const workspaces = await Promise.all(
      envs.map((env) =>
        kit.workspace({
          'all.yaml': [
            `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${env.kubernetes!.namespace}}`,
            ...Array.from(
              { length: CONFIGMAPS },
              (_, c) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${c}}\ndata: {c: "${c}"}`,
            ),
          ].join('\n---\n'),
        }),
      ),
    );

    // When they all apply at once
    const results = await Promise.all(
      envs.map(async (env, i) => {
        const kube = appliers(env).kube!;
        return kube.apply(await kube.load(workspaces[i]!));
      }),
    );

    // Then every object is applied
    for (const result of results) {
      expect(result.failure).toBeUndefined();
      expect(result.changes.filter((c) => c.action === 'created')).toHaveLength(1 + CONFIGMAPS);
    }
    const live = await kit.get(`/api/v1/namespaces/${envs[5]!.kubernetes!.namespace}/configmaps/cm-4`);
    expect(live?.data).toEqual({ c: '4' });
    // and no more connections were opened than one client's pool (4 for concurrency 1), where
    // one pool per environment would have opened at least one per environment
    expect(proxy.accepted()).toBeLessThanOrEqual(4);
    expect(proxy.open()).toBeGreaterThan(0);

    // When the appliers are closed, so are the shared connections
    await appliers.close();
    const deadline = Date.now() + 3_000;
    while (proxy.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(proxy.open()).toBe(0);
  });
});
