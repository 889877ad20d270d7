import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { silentLog } from '../../../controller/log';
import { kubeKit, recordingSandboxClient } from './kube-kit';

jest.setTimeout(60_000);

/**
 * An environment's own Namespace is read by name, not by a LIST of every namespace in the cluster
 * (with a thousand environments, each reconcile listed a thousand namespaces); drift on it is
 * still found, against the real kube-apiserver.
 */
describe('a collection of which an environment wants a few objects', () => {
  const kit = kubeKit('byname');
  afterAll(() => kit.cleanup());

  it('is read by name, and a hand edit of it is still found as drift', async () => {
    // Given an applier whose requests are recorded
    const { client, requests } = recordingSandboxClient();
    const namespace = kit.name('ns');
    const applier = createKubeApplier(
      { env: 'byname', repository: 'https://git.example.com/platform/byname.git' },
      kit.target(namespace),
      silentLog(),
      { client },
    );
    const ws = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}',
    });

    // When it applies, and checks for drift
    const applied = await applier.apply(await applier.load(ws));
    expect(applied.failure).toBeUndefined();
    expect(await applier.drifted()).toEqual([]);

    // Then the namespace was read by name, and the namespaces of the cluster never listed
    const reads = requests.filter((r) => r.method === 'GET').map((r) => r.path);
    expect(reads).toContain(`/api/v1/namespaces/${namespace}`);
    expect(reads).not.toContain('/api/v1/namespaces');

    // And when someone edits the namespace, the drift check finds it
    await kit.edit(`/api/v1/namespaces/${namespace}`, { metadata: { labels: { edited: 'by-hand' } } });
    expect(await applier.drifted()).toEqual([`Namespace/${namespace}`]);
    await applier.close();
    client.close();
  });

  it('sends no read of the default namespace on a no-change pass whose inventory stands', async () => {
    // Given an environment whose objects are defaulted into a namespace its tree does not declare,
    // applied once, and an applier whose requests are recorded
    const { client, requests } = recordingSandboxClient();
    const namespace = kit.name('dflt');
    const applier = createKubeApplier(
      { env: 'byname-default', repository: 'https://git.example.com/platform/byname.git' },
      kit.target(namespace),
      silentLog(),
      { client },
    );
    const manifests = await applier.load(
      await kit.workspace({
        'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}',
      }),
    );
    expect((await applier.apply(manifests)).failure).toBeUndefined();

    // When a drift pass finds nothing changed
    const from = requests.length;
    const pass = await applier.apply(manifests, { drift: true });

    // Then it wrote nothing, and read the inventory and the ConfigMap but not the namespace:
    // the inventory's answer says it stands (one GET fewer per environment and drift interval)
    expect(pass.failure).toBeUndefined();
    expect(pass.changes.map((c) => c.action)).toEqual(['unchanged']);
    const sent = requests.slice(from).map((r) => `${r.method} ${r.path.split('?')[0]}`);
    expect(sent.filter((r) => !r.startsWith('GET'))).toEqual([]);
    expect(sent).toContain(`GET /api/v1/namespaces/${namespace}/configmaps/settings`);
    expect(sent.some((r) => r.includes('/configmaps/cairn-inventory-'))).toBe(true);
    expect(sent).not.toContain(`GET /api/v1/namespaces/${namespace}`);
    await applier.close();
    client.close();
  });
});
