import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import type { KubeClient } from '../../../controller/kube/kube-client';
import * as targets from '../../../controller/kube/targets';
import type { Manifest } from '../../../controller/kube/types';
import { silentLog } from '../../../controller/log';
import { MEMORY_IDENTITY, MEMORY_TARGET, MemoryKubeClient } from '../../helpers/memory-kube-client';

// Every body the applier builds goes through targetOf: counted here, the real one still builds it.
jest.mock('../../../controller/kube/targets', () => {
  const actual = jest.requireActual<typeof targets>('../../../controller/kube/targets');
  return { ...actual, targetOf: jest.fn(actual.targetOf) };
});
const built = targets.targetOf as jest.MockedFunction<typeof targets.targetOf>;

const configMap = (name: string, namespace: string): Manifest => ({
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { k: 'v' } },
  file: 'k8s-resources/cms.yaml',
  documentIndex: 0,
});

/** Lets whatever the applier left running in the background run: many turns of the event loop. */
async function drain(): Promise<void> {
  for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
}

// The bodies (owner marks, digests) are built in slices while the reads before the bounds check
// are on the wire. A tree the check refuses writes nothing, so the slices still to come are dropped.
describe('the bodies of a refused tree', () => {
  it('stop being built once the tree is refused', async () => {
    // given 1,000 ConfigMaps of the environment's namespace and one in kube-system, outside its bounds
    const tree = [
      ...Array.from({ length: 1000 }, (_, i) => configMap(`cm-${i}`, MEMORY_TARGET.namespace!)),
      configMap('intruder', 'kube-system'),
    ];
    const applier = createKubeApplier(MEMORY_IDENTITY, MEMORY_TARGET, silentLog(), {
      client: new MemoryKubeClient(),
    });
    built.mockClear();

    // when it is applied, and the event loop has run long after
    const result = await applier.apply(tree);
    await drain();

    // then it is refused, nothing is written, and at most one slice of bodies (128) was built
    expect(result.failure?.code).toBe('kube.out-of-bounds');
    expect(result.changes.every((c) => c.action === 'skipped')).toBe(true);
    expect(built.mock.calls.length).toBeLessThanOrEqual(128);
  });

  it('are built wave by wave: the first wave is written before the later waves are built', async () => {
    // given a tree that makes its Namespace and holds 1,000 ConfigMaps in it
    const namespace: Manifest = {
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: MEMORY_TARGET.namespace! } },
      file: 'k8s-resources/ns.yaml',
      documentIndex: 0,
    };
    const tree = [
      namespace,
      ...Array.from({ length: 1000 }, (_, i) => configMap(`cm-${i}`, MEMORY_TARGET.namespace!)),
    ];
    const memory = new MemoryKubeClient();
    let builtWhenNamespaceSent: number | undefined;
    const client: KubeClient = {
      server: memory.server,
      close: () => memory.close(),
      request(req) {
        if (req.method === 'PATCH' && req.path === `/api/v1/namespaces/${MEMORY_TARGET.namespace!}`)
          builtWhenNamespaceSent ??= built.mock.calls.length;
        return memory.request(req);
      },
    };
    const applier = createKubeApplier(MEMORY_IDENTITY, MEMORY_TARGET, silentLog(), { client });
    built.mockClear();

    // when it is applied
    const result = await applier.apply(tree);

    // then the Namespace went out with its own body built and most ConfigMaps' still to come
    // (before: all 1,001 bodies were built before the first write)
    expect(result.failure).toBeUndefined();
    expect(builtWhenNamespaceSent).toBeDefined();
    expect(builtWhenNamespaceSent!).toBeLessThan(500);
    expect(built.mock.calls.length).toBe(1001);
  });

  it('are all built for a tree that is applied', async () => {
    const tree = Array.from({ length: 300 }, (_, i) => configMap(`cm-${i}`, MEMORY_TARGET.namespace!));
    const applier = createKubeApplier(MEMORY_IDENTITY, MEMORY_TARGET, silentLog(), {
      client: new MemoryKubeClient(),
    });
    built.mockClear();
    const result = await applier.apply(tree);
    expect(result.failure).toBeUndefined();
    expect(built.mock.calls.length).toBe(300);
  });
});
