import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './types';

/** The annotation carrying the digest of what cairn last applied, for the no-request fast path. */
export const DIGEST_ANNOTATION = 'cairn.dev/digest';
/** The annotation that protects an object from pruning. */
export const PRUNE_ANNOTATION = 'cairn.dev/prune';

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
];

/**
 * The object without the fields the server manages (managedFields, resourceVersion, generation, uid,
 * timestamps, status) and without cairn's digest annotation: what two objects are compared on.
 */
export function normalize(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  void _status;
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  const annotations = { ...(object.metadata.annotations ?? {}) };
  delete annotations[DIGEST_ANNOTATION];
  delete annotations['deployment.kubernetes.io/revision'];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...rest, metadata } as KubeObject;
}

/** True when two objects are the same once server-managed fields are ignored. */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return isDeepStrictEqual(normalize(a), normalize(b));
}

const REDACTED = '[redacted]';
const REDACTED_CHANGED = '[redacted, changed]';

/**
 * Replaces the values of a Secret's `data` and `stringData` in both versions of an object, marking
 * the keys whose value differs so that a diff still shows which keys change, never their values.
 * Other kinds pass through.
 */
export function redactPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): { readonly before: KubeObject | undefined; readonly after: KubeObject | undefined } {
  const kind = after?.kind ?? before?.kind;
  if (kind !== 'Secret') return { before, after };
  const fields = ['data', 'stringData'] as const;
  const redactOne = (
    o: KubeObject | undefined,
    other: KubeObject | undefined,
    changed: string,
  ): KubeObject | undefined => {
    if (!o) return o;
    const copy: Record<string, unknown> = { ...o };
    for (const field of fields) {
      const values = o[field] as Record<string, unknown> | undefined;
      if (!values || typeof values !== 'object') continue;
      const theirs = (other?.[field] ?? {}) as Record<string, unknown>;
      copy[field] = Object.fromEntries(
        Object.keys(values).map((k) => [k, theirs[k] === values[k] ? REDACTED : changed]),
      );
    }
    return copy as KubeObject;
  };
  return { before: redactOne(before, after, REDACTED), after: redactOne(after, before, REDACTED_CHANGED) };
}

/** A copy of an object with a Secret's values replaced, for anything that leaves the process. */
export function redact(object: KubeObject): KubeObject {
  return redactPair(object, object).before ?? object;
}
