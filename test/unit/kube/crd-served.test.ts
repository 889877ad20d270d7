import { servedKindsOf, waitUntilServed } from '../../../controller/kube/crd-served';
import type { Discovery } from '../../../controller/kube/discovery';
import type { KubeObject } from '../../../controller/kube/types';

const crd = (versions: { name: string; served?: boolean }[]): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { group: 'example.com', names: { kind: 'Widget' }, scope: 'Namespaced', versions },
  }) as KubeObject;

describe('servedKindsOf', () => {
  it('lists every served version of every CRD, and no version marked served: false', () => {
    const objects = [crd([{ name: 'v1' }, { name: 'v2', served: true }, { name: 'v0', served: false }])];
    expect([...servedKindsOf(objects)].sort()).toEqual(['example.com/v1|Widget', 'example.com/v2|Widget']);
  });

  it('ignores objects that are not CRDs', () => {
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as KubeObject;
    expect([...servedKindsOf([other])]).toEqual([]);
  });
});

/** A discovery that lists `apiVersion|kind` only from its `listedAfter`-th lookup of it on. */
function lateDiscovery(listedAfter: number): Discovery & { lookups: number; invalidated: number } {
  const d = {
    lookups: 0,
    invalidated: 0,
    lookup: async () => {
      d.lookups += 1;
      return d.lookups > listedAfter ? { plural: 'widgets', namespaced: true } : undefined;
    },
    invalidate: () => {
      d.invalidated += 1;
    },
  };
  return d;
}

describe('waitUntilServed', () => {
  it('asks again, discovery forgotten each time, until the kind is listed', async () => {
    const discovery = lateDiscovery(3);
    const left = await waitUntilServed(discovery, ['example.com/v1|Widget'], 10_000, async () => undefined);
    expect(left).toEqual([]);
    expect(discovery.lookups).toBe(4);
    expect(discovery.invalidated).toBe(3);
  });

  it('gives up at its deadline and answers what is still not listed', async () => {
    const discovery = lateDiscovery(Number.POSITIVE_INFINITY);
    const left = await waitUntilServed(
      discovery,
      ['example.com/v1|Widget'],
      50,
      () => new Promise((r) => setTimeout(r, 20)),
    );
    expect(left).toEqual(['example.com/v1|Widget']);
  });

  it('asks nothing for no kinds', async () => {
    const discovery = lateDiscovery(0);
    expect(await waitUntilServed(discovery, [], 1_000)).toEqual([]);
    expect(discovery.lookups).toBe(0);
  });
});
