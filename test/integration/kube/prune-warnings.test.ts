import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { localPlatform } from '../../helpers/local-platform';
import { kubeKit } from './kube-kit';

/**
 * The API server's `Warning` headers on a prune's delete, from the sandbox's kube-apiserver: it
 * warns on every request for v1 Endpoints (deprecated in Kubernetes 1.33+), its DELETE included.
 * The pruned object's change keeps them, as an applied one's does, and each is logged.
 */
jest.setTimeout(180_000);
const kit = kubeKit('prunewarn');
const root = mkdtempSync(join(tmpdir(), 'cairn-prune-warnings-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const ns = kit.name('prunewarn');
kit.track(`/api/v1/namespaces/${ns}`);
const DEPRECATED = 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice';

describe('API server warnings on prune', () => {
  const platform = localPlatform(join(root, 'repo'), { namespace: ns });

  it("keeps the delete's warnings on the pruned object's change, and logs each", async () => {
    // given dev synced with an Endpoints and a ConfigMap (so one prune is under the prune cap)
    platform.commit('objects', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/endpoints.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'legacy' },
      }),
      'k8s-resources/settings.yaml': stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { colour: 'blue' },
      }),
    });
    expect((await platform.sync()).code).toBe(0);

    // when a commit removes the Endpoints and dev is synced
    platform.commit('drop the endpoints', { 'k8s-resources/endpoints.yaml': null });
    const { code, entry, stderr } = await platform.sync();

    // then it is pruned, and its change carries what the server warned about the delete
    expect(code).toBe(0);
    const pruned = entry.changes.find((c) => c.subject === `Endpoints/${ns}/legacy`);
    expect(pruned?.action).toBe('deleted');
    expect(pruned?.warnings).toEqual([DEPRECATED]);
    // and the objects the sync did not send are not said to have warnings
    expect(entry.changes.filter((c) => c.warnings).map((c) => c.subject)).toEqual([`Endpoints/${ns}/legacy`]);
    // and the warning is one JSON line at warn level naming the object (no file: it left Git)
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'API server warning');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        env: 'dev',
        phase: 'apply-kubernetes',
        subject: `Endpoints/${ns}/legacy`,
        warning: DEPRECATED,
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('file');
  });
});
