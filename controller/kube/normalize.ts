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
export function normalize(object: KubeObject, keepDigest = false): KubeObject {
  const { status: _status, ...rest } = object;
  void _status;
  const metadata: Record<string, unknown> = { ...object.metadata };
  for (const field of SERVER_METADATA) delete metadata[field];
  const annotations = { ...(object.metadata.annotations ?? {}) };
  if (!keepDigest) delete annotations[DIGEST_ANNOTATION];
  delete annotations['deployment.kubernetes.io/revision'];
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...rest, metadata } as KubeObject;
}

/**
 * True when two objects are the same once server-managed fields are ignored. cairn's digest
 * annotation counts: an apply that only moves it still changes the object on the server.
 */
export function sameObject(a: KubeObject, b: KubeObject): boolean {
  return isDeepStrictEqual(normalize(a, true), normalize(b, true));
}

/** kubectl's copy of the whole object it last applied: for a Secret, its values in clear. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

const REDACTED = '[redacted]';
const REDACTED_CHANGED = '[redacted, changed]';

/**
 * Replaces the values of a Secret's `data` and `stringData` (and kubectl's last-applied annotation,
 * which repeats them) in both versions of an object, marking the keys whose value differs so that a
 * diff still shows which keys change, never their values. Other kinds pass through.
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
    const annotations = o.metadata.annotations;
    if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
      const same =
        other?.metadata.annotations?.[LAST_APPLIED_ANNOTATION] === annotations[LAST_APPLIED_ANNOTATION];
      copy.metadata = {
        ...o.metadata,
        annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: same ? REDACTED : changed },
      };
    }
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
