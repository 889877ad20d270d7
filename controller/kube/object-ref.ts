import type { KubeObject, Manifest, ObjectRef } from './types';

/** The reference of an object (apiVersion, kind, namespace, name). */
export function refOf(object: KubeObject): ObjectRef {
  const { apiVersion, kind } = object;
  const { name, namespace } = object.metadata;
  return namespace ? { apiVersion, kind, namespace, name } : { apiVersion, kind, name };
}

/** `Kind/namespace/name` or `Kind/name`: how every message names an object. */
export function subjectOf(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** The API group of an apiVersion (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The identity of an object: group, kind, namespace and name. The version is left out because
 * `apps/v1` and `apps/v1beta1` of the same Deployment are one object on the server.
 */
export function keyOf(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

/** The identity of the Namespace `name` (keyOf of its reference). */
export function namespaceKey(name: string): string {
  return keyOf({ apiVersion: 'v1', kind: 'Namespace', name });
}

/** The names of the (core) Namespaces a tree declares, in its order. */
export function declaredNamespaceNames(manifests: readonly Manifest[]): readonly string[] {
  return manifests
    .filter((m) => m.object.kind === 'Namespace' && groupOf(m.object.apiVersion) === '')
    .map((m) => m.object.metadata.name);
}
