import { stringify } from 'yaml';

/** A Namespace and a ConfigMap `greeting` in it holding `value`: the smallest change a commit can make. */
export function greetingManifest(namespace: string, value: string): string {
  return (
    stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }) +
    '---\n' +
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'greeting', namespace },
      data: { value },
    })
  );
}
