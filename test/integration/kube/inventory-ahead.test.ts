import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from './kube-kit';

const kit = kubeKit('ahead');
afterAll(() => kit.cleanup());

/**
 * The write-ahead inventory goes out beside the reads, before the tree's own Namespace exists; on
 * a loaded server it can be answered late, after the Namespace was made, and then succeed. Found
 * when a CI run's test deleted an applier's inventory and the late write put it back: an apply must
 * not return (nor write its final inventory) while that write is still in flight, or it lands over
 * the final inventory, or over the next reconcile's.
 */
describe('the write-ahead inventory', () => {
  it('is settled before the apply writes its final inventory and returns, however late its answer', async () => {
    // given a client whose first inventory write is answered 1.5 s late
    const real = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 4 });
    const events: string[] = [];
    let delayed = false;
    const client: KubeClient = {
      server: real.server,
      request: async (req) => {
        const inventory = req.method === 'PATCH' && req.path.includes('/configmaps/cairn-inventory-');
        if (inventory && !delayed) {
          delayed = true;
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          const res = await real.request(req);
          events.push(`late inventory write answered ${res.status}`);
          return res;
        }
        const res = await real.request(req);
        if (inventory) events.push(`inventory write answered ${res.status}`);
        return res;
      },
      close: () => real.close(),
    };
    const namespace = kit.name('ns');
    const applier = createKubeApplier(
      { env: 'ahead', repository: 'https://git.example.com/platform/ahead.git' },
      kit.target(namespace),
      silentLog(),
      { client },
    );
    // when a fresh environment whose tree makes its own namespace, and nothing after it, is applied
    const ws = await kit.workspace({
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
    });
    const result = await applier.apply(await applier.load(ws));
    events.push('apply returned');

    // then the late write was answered before the final one was sent, and before the apply returned
    expect(result.failure).toBeUndefined();
    expect(events[0]).toMatch(/^late inventory write answered/);
    expect(events.at(-1)).toBe('apply returned');
    await applier.close();
    client.close();
  });
});
