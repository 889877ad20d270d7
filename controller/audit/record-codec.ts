import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChainKey } from './chain-key';
import type { AuditRecord } from './types';

/** The `prevHash` of the first record of a log. */
export const GENESIS_HASH = '0'.repeat(64);

/** A record as it stands before it is chained: `seq` and `prevHash` are filled in by the writer. */
export type UnchainedRecord = Unchain<AuditRecord>;
type Unchain<R> = R extends unknown ? Omit<R, 'seq' | 'prevHash' | 'kid'> : never;

// Every line ends with exactly these bytes around the hex digest, so the hashed body can be cut
// back out of the line byte for byte, without re-serializing (which could hide an edit).
const HASH_PREFIX = Buffer.from(',"hash":"');
const HASH_SUFFIX = Buffer.from('"}');
const TRAILER_BYTES = HASH_PREFIX.length + 64 + HASH_SUFFIX.length;
const HEX64 = /^[0-9a-f]{64}$/;

/** SHA-256 of some bytes, as lowercase hex. */
export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The bytes of one log line (without the newline): the record's JSON with a last field `hash`,
 * the digest (HMAC under `key`, see `chain-key.ts`) of that JSON without the field. `prevHash` is
 * the previous line's `hash`; `kid` names the key.
 */
export function encodeRecord(
  record: UnchainedRecord,
  seq: number,
  prevHash: string,
  key: ChainKey,
): { line: Buffer; hash: string } {
  const { type, ...rest } = record;
  const body = Buffer.from(JSON.stringify({ seq, prevHash, kid: key.id, type, ...rest }));
  const hash = key.digest(body);
  const line = Buffer.concat([
    body.subarray(0, body.length - 1),
    HASH_PREFIX,
    Buffer.from(hash),
    HASH_SUFFIX,
  ]);
  return { line, hash };
}

/** A decoded line, or why it cannot be trusted. */
export type DecodedLine =
  | {
      readonly ok: true;
      readonly record: AuditRecord;
      readonly hash: string;
      /** The id of the retired key (`audit.retiredKeys`) the record verified under, if not the current one. */
      readonly retiredKey?: string;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a line's own hash and shape; the chain (seq, prevHash) is the caller's to check. The hash
 * is checked under `key`, or under the retired key whose id the record names.
 */
export function decodeRecord(line: Buffer, key: ChainKey): DecodedLine {
  if (line.length <= TRAILER_BYTES) return { ok: false, reason: 'line too short to be a record' };
  const trailer = line.subarray(line.length - TRAILER_BYTES);
  const hash = trailer.subarray(HASH_PREFIX.length, HASH_PREFIX.length + 64).toString('latin1');
  if (
    !trailer.subarray(0, HASH_PREFIX.length).equals(HASH_PREFIX) ||
    !trailer.subarray(TRAILER_BYTES - HASH_SUFFIX.length).equals(HASH_SUFFIX) ||
    !HEX64.test(hash)
  ) {
    return { ok: false, reason: 'the line does not end with its hash field' };
  }
  const body = Buffer.concat([line.subarray(0, line.length - TRAILER_BYTES), Buffer.from('}')]);
  const kid = /"kid":"([^"]{1,64})"/.exec(body.subarray(0, 400).toString('latin1'))?.[1];
  const retired = kid === undefined ? undefined : key.retired.get(kid);
  if (!sameHash((retired ?? key).digest(body), hash)) {
    return {
      ok: false,
      reason:
        kid !== undefined && !retired && kid !== key.id && !key.formerIds.includes(kid)
          ? `the record is hashed with key ${kid}, not the configured key ${key.id} nor a retired one (after a rotation, list the former key in audit.retiredKeys)`
          : 'the record was changed: its content does not match its hash',
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the record is not valid JSON' };
  }
  if (!isRecordShape(parsed)) return { ok: false, reason: 'the record lacks seq, prevHash, env or type' };
  return { ok: true, record: parsed, hash, ...(retired ? { retiredKey: kid } : {}) };
}

/** Constant-time comparison of two hex digests, so a forger learns nothing from timing. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

function isRecordShape(value: unknown): value is AuditRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const typed =
    ((r.type === 'start' || r.type === 'check') && typeof r.id === 'string') ||
    (r.type === 'end' && typeof r.entry === 'object' && r.entry !== null) ||
    (r.type === 'repair' && typeof r.reason === 'string') ||
    (r.type === 'control' && typeof r.action === 'string' && typeof r.by === 'string');
  return typed && typeof r.env === 'string' && Number.isSafeInteger(r.seq) && typeof r.prevHash === 'string';
}
