import { createHash } from 'node:crypto';
import type { KubeObject } from './types';
import { DIGEST_ANNOTATION } from './normalize';

/**
 * Canonical JSON: object keys sorted, so equal objects give equal text whatever their key order.
 * Written as loops over one string: every object of a fresh apply is hashed through it, and the
 * arrays of parts a map/join version builds cost a third more in a short-lived process.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    let comma = '';
    for (const item of value) {
      out += comma + canonicalJson(item);
      comma = ',';
    }
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let out = '{';
    let comma = '';
    for (const key of Object.keys(record).sort()) {
      const item = record[key];
      if (item === undefined) continue;
      out += `${comma}${JSON.stringify(key)}:${canonicalJson(item)}`;
      comma = ',';
    }
    return `${out}}`;
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
