import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import type { KubeClient, KubeRequest } from '../../../controller/kube/kube-client';
import type { Manifest } from '../../../controller/kube/types';
import { silentLog } from '../../../controller/log';
import { MEMORY_IDENTITY, MEMORY_TARGET, MemoryKubeClient } from '../../helpers/memory-kube-client';

const target = MEMORY_TARGET;
const identity = MEMORY_IDENTITY;

const manifests: Manifest[] = [
  {
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'extra' } },
    file: 'k8s-resources/ns.yaml',
    documentIndex: 0,
  },
  {
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'extra' }, data: {} },
    file: 'k8s-resources/cm.yaml',
    documentIndex: 0,
  },
];

// The reads before a fresh apply's first write are round trips the apply waits for: the inventory
// is read beside the declared Namespaces, not after them.
describe('the reads before the first write', () => {
  it('asks for the inventory while the declared Namespaces are still being read', async () => {
    const memory = new MemoryKubeClient();
    const events: string[] = [];
    const isNamespaceRead = (req: KubeRequest) =>
      req.method === 'GET' && req.path === '/api/v1/namespaces/extra';
    // Each read of the declared Namespace is answered only after a pause, so whatever is sent
    // meanwhile shows up before its answer.
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      async request(req) {
        if (req.method === 'GET' && req.path.includes('/configmaps/cairn-inventory-'))
          events.push('inventory asked');
        if (!isNamespaceRead(req)) return memory.request(req);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push('namespace answered');
        return memory.request(req);
      },
    };
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    const result = await applier.apply(manifests);
    expect(result.failure).toBeUndefined();
    expect(events[0]).toBe('inventory asked');
    expect(events).toContain('namespace answered');
    expect(memory.writes.at(-1)).toMatch(/configmaps\/cairn-inventory-/);
  });
});
