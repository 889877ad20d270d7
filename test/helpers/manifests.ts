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

/**
 * A Deployment `web` of one replica running `image`; `stuck` pins its pods to a node that does not
 * exist, with a 2 s progress deadline, so its rollout fails (`kube.rollout-failed`).
 */
export function webDeployment(namespace: string, image: string, stuck: boolean): string {
  const pod = `{containers: [{name: c, image: "${image}"}]${stuck ? ', nodeSelector: {pool: gpu}' : ''}}`;
  return (
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ${namespace}}\nspec:\n  replicas: 1\n` +
    (stuck ? '  progressDeadlineSeconds: 2\n' : '') +
    `  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: ${pod}\n`
  );
}
