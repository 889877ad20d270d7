import type { Discovery, ResourceInfo } from '../../../controller/kube/discovery';
import { findResources } from '../../../controller/kube/targets';
import type { Manifest } from '../../../controller/kube/types';

/** Discovery as a server serving these kinds (`apiVersion kind` → resource). */
function discoveryOf(served: Record<string, ResourceInfo>): Discovery {
  return {
    lookup: async (apiVersion, kind) => served[`${apiVersion} ${kind}`],
    invalidate: () => undefined,
  };
}

const manifest = (apiVersion: string, kind: string, name: string, namespace?: string): Manifest => ({
  object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
  file: 'k8s-resources/objects.yaml',
  documentIndex: 0,
});

describe('findResources', () => {
  const discovery = discoveryOf({
    'v1 ConfigMap': { plural: 'configmaps', namespaced: true },
    'rbac.authorization.k8s.io/v1 ClusterRole': { plural: 'clusterroles', namespaced: false },
  });

  it('sets apart an object whose scope the server contradicts, in either direction, naming it and its file', async () => {
    // given a ClusterRole read as namespaced and a ConfigMap read as cluster-scoped (the bounds were
    // checked on that reading: a CRD replaced between the tree's resolution and the apply)
    const { found, unserved, misscoped } = await findResources(
      [
        manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'admin', 'team-a'),
        manifest('v1', 'ConfigMap', 'settings'),
        manifest('v1', 'ConfigMap', 'ok', 'team-a'),
        manifest('rbac.authorization.k8s.io/v1', 'ClusterRole', 'fine'),
      ],
      discovery,
    );

    // then neither is found (so neither is read, decided or sent), and each says why
    expect(found.map((f) => f.ref.name)).toEqual(['ok', 'fine']);
    expect(unserved).toEqual([]);
    expect(misscoped.map((m) => m.message)).toEqual([
      'ClusterRole/team-a/admin (k8s-resources/objects.yaml): the server serves ClusterRole cluster-wide, but it was read as namespaced (a CustomResourceDefinition changed meanwhile?); nothing of it was sent, and the next reconcile reads it again',
      'ConfigMap/settings (k8s-resources/objects.yaml): the server serves ConfigMap in namespaces, but it was read as cluster-scoped (a CustomResourceDefinition changed meanwhile?); nothing of it was sent, and the next reconcile reads it again',
    ]);
  });
});
