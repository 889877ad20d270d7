/**
 * CustomResourceDefinitions like real operators' (deep OpenAPI schemas, long descriptions) of a
 * chosen size, for the large-objects benchmark and tests.
 */

const WORDS = 'the of field value when set this is a an to in for and which resource object spec'.split(' ');

function description(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 13) % WORDS.length]!);
  return `${out.join(' ')}.`;
}

/** A deep OpenAPI schema node like those of real CRDs (nested objects, arrays, long descriptions). */
function schemaNode(depth: number, seed: number): Record<string, unknown> {
  if (depth === 0) {
    const leaf = seed % 3;
    return leaf === 0
      ? { type: 'string', description: description(seed, 90) }
      : leaf === 1
        ? { type: 'integer', format: 'int32', description: description(seed, 60) }
        : { type: 'array', items: { type: 'string' }, description: description(seed, 75) };
  }
  const properties: Record<string, unknown> = {};
  for (let i = 0; i < 4; i++) properties[`field${depth}x${i}`] = schemaNode(depth - 1, seed * 4 + i);
  const object = { type: 'object', description: description(seed, 120), properties };
  return seed % 5 === 0 ? { type: 'array', description: description(seed, 12), items: object } : object;
}

/** A CRD of kind `kind` in `group` whose schema weighs about `targetBytes` as YAML. */
export function crd(group: string, kind: string, targetBytes: number): Record<string, unknown> {
  const spec: Record<string, unknown> = {};
  const schema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', description: description(1, 60), properties: spec },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const node = schemaNode(3, i + 1);
    spec[`section${i}`] = node;
    size += JSON.stringify(node).length * 1.25; // YAML's indentation weighs about a quarter more
  }
  return crdOf(group, kind, schema);
}

/** A small CRD of `kind` in `group` (plural: the kind in lower case plus `s`), one version, any fields. */
export function plainCrd(
  group: string,
  kind: string,
  options: { readonly version?: string; readonly scope?: 'Namespaced' | 'Cluster' } = {},
): Record<string, unknown> {
  return crdOf(group, kind, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, options);
}

/** The CRD around a schema: plural `<kind in lower case>s`, one served and stored version. */
function crdOf(
  group: string,
  kind: string,
  schema: Record<string, unknown>,
  options: { readonly version?: string; readonly scope?: 'Namespaced' | 'Cluster' } = {},
): Record<string, unknown> {
  const plural = `${kind.toLowerCase()}s`;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: options.scope ?? 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [
        { name: options.version ?? 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } },
      ],
    },
  };
}
