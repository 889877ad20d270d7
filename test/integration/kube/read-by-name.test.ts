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
});
