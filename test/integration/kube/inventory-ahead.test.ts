import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from './kube-kit';

const kit = kubeKit('ahead');
afterAll(() => kit.cleanup());

/**
 * An applier of environment `ahead` into `namespace` whose client records, in order, the
 * inventory's writes and the tree's applies as they are sent and answered, and holds the first
 * inventory write `delayMs` before sending it.
 */
function recordedApplier(namespace: string, delayMs = 0) {
  const real = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 4 });
  const events: string[] = [];
  let delayed = false;
  const client: KubeClient = {
    server: real.server,
    request: async (req) => {
      const inventory =
        (req.method === 'PATCH' && req.path.includes('/configmaps/cairn-inventory-')) ||
        (req.method === 'POST' && req.body?.includes('"cairn-inventory-') === true);
      const what = inventory ? 'inventory write' : `${req.method} ${req.path.split('/').slice(-2).join('/')}`;
      if (req.method === 'GET') return real.request(req);
      if (inventory && !delayed && delayMs > 0) {
        delayed = true;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        const res = await real.request(req);
        events.push(`late ${what} answered ${res.status}`);
        return res;
      }
      events.push(`${what} sent`);
      const res = await real.request(req);
      events.push(`${what} answered ${res.status}`);
      return res;
    },
    close: () => real.close(),
  };
  const applier = createKubeApplier(
    { env: 'ahead', repository: 'https://git.example.com/platform/ahead.git' },
    kit.target(namespace),
    silentLog(),
    { client },
  );
  return { applier, client, events };
}

describe('the write-ahead inventory', () => {
  /**
   * Where the default namespace exists, the write-ahead goes out beside the reads; on a loaded
   * server it can be answered late. Found when a CI run's test deleted an applier's inventory and
   * the late write put it back: an apply must not send an object, write its final inventory or
   * return while that write is still in flight, or it lands over the final inventory, or over the
   * next reconcile's.
   */
  it('is settled before the tree is applied, the final inventory written and the apply returned, however late its answer', async () => {
    // given a namespace that exists, and a client whose first inventory write is answered 1.5 s late
    const namespace = kit.name('ns');
    const made = await kit.client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }),
    });
    expect(made.status).toBe(201);
    kit.track(`/api/v1/namespaces/${namespace}`);
    const { applier, client, events } = recordedApplier(namespace, 1_500);
    // when a fresh environment whose tree holds one ConfigMap there is applied
    const ws = await kit.workspace({
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: ${namespace}}\ndata: {a: "1"}`,
    });
    const result = await applier.apply(await applier.load(ws));
    events.push('apply returned');

    // then the late write-ahead was answered before the ConfigMap was sent, the final write after it
    expect(result.failure).toBeUndefined();
    expect(events).toEqual([
      'late inventory write answered 201',
      'PATCH configmaps/one sent',
      'PATCH configmaps/one answered 201',
      'inventory write sent',
      'inventory write answered 200',
      'apply returned',
    ]);
    await applier.close();
    client.close();
  });

  /**
   * Where the tree makes its default namespace, the first inventory write is a create in it:
   * sent beside the reads, before the Namespace existed, it waited out the API server's
   * NamespaceLifecycle admission (50 ms, or a 404 to send again), and every later wave waited on it.
   */
  it("of a tree that makes its default namespace goes out once that Namespace is made, and before the tree's other objects", async () => {
    const namespace = kit.name('home');
    kit.track(`/api/v1/namespaces/${namespace}`);
    const { applier, client, events } = recordedApplier(namespace);
    const ws = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one, namespace: ${namespace}}\ndata: {a: "1"}`,
    });
    const result = await applier.apply(await applier.load(ws));

    expect(result.failure).toBeUndefined();
    expect(events).toEqual([
      `PATCH namespaces/${namespace} sent`,
      `PATCH namespaces/${namespace} answered 201`,
      'inventory write sent',
      'inventory write answered 201',
      'PATCH configmaps/one sent',
      'PATCH configmaps/one answered 201',
      'inventory write sent',
      'inventory write answered 200',
    ]);
    await applier.close();
    client.close();
  });
});
