import type { KubeClient } from '../../controller/kube/kube-client';

/**
 * name -> [data.value, resourceVersion] of every ConfigMap in `namespace` (cairn's inventory too):
 * what the fencing tests compare before and after a frozen replica is thawed.
 */
export async function configMapValues(
  kube: KubeClient,
  namespace: string,
): Promise<Map<string, [string, string]>> {
  const res = await kube.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps` });
  const items = (
    res.body as {
      items?: { metadata: { name: string; resourceVersion: string }; data?: { value?: string } }[];
    }
  ).items;
  return new Map(
    (items ?? []).map((i) => [i.metadata.name, [i.data?.value ?? '', i.metadata.resourceVersion]]),
  );
}
