import { createHash } from 'node:crypto';
import type { KubeObject } from './types';
import { DIGEST_ANNOTATION } from './normalize';

/** Canonical JSON: object keys sorted, so equal objects give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A short digest of an object as written in Git (the digest annotation itself left out). */
export function digestOf(object: KubeObject): string {
  const annotations = { ...(object.metadata.annotations ?? {}) };
  delete annotations[DIGEST_ANNOTATION];
  const bare = { ...object, metadata: { ...object.metadata, annotations } };
  return createHash('sha256').update(canonicalJson(bare)).digest('hex').slice(0, 32);
}

/** The object as in Git plus the digest annotation that lets the next apply skip it when unchanged. */
export function withDigest(object: KubeObject, digest: string): KubeObject {
  const annotations = { ...(object.metadata.annotations ?? {}), [DIGEST_ANNOTATION]: digest };
  return { ...object, metadata: { ...object.metadata, annotations } };
}
