import { stringify } from 'yaml';

/**
 * One file of a release too large to apply in a moment: the Namespace `namespace` and ConfigMaps
 * `cm-0` … `cm-<objects - 1>` in it, each holding `value`. A fencing test freezes a writer part
 * way through it, and tells each release's objects apart by their value.
 */
export function bulkRelease(namespace: string, value: string, objects: number): string {
  const docs: object[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }];
  for (let i = 0; i < objects; i += 1)
    docs.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace },
      data: { value },
    });
  return docs.map((d) => stringify(d)).join('---\n');
}
