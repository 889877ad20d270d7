import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RetiredKeySource } from '../config/types';
import { CairnError } from '../model/errors';

/**
 * What a record's hash is computed with. A keyed log hashes each line with HMAC-SHA256 under a key
 * kept outside the audit folder, so someone who can write the folder but not read the key cannot
 * make a rewritten chain consistent. An unkeyed log uses plain SHA-256 and only detects accidents
 * and edits that leave the chain inconsistent (the witness still catches truncation and rewrites).
 */
export interface ChainKey {
  /**
   * The key id written into each record (`none` for an unkeyed log): an HMAC of a fixed label under
   * the key, so it names the key without revealing anything about it.
   */
  readonly id: string;
  /** Ids earlier versions wrote for the same key (records carrying them verify the same). */
  readonly formerIds: readonly string[];
  readonly keyed: boolean;
  /** The lowercase hex digest of `body`. */
  digest(body: Buffer): string;
  /**
   * Keys this one replaced (`audit.retiredKeys`), by every id they wrote: each verifies the records
   * written under it and never signs a new one.
   */
  readonly retired: ReadonlyMap<string, ChainKey>;
}

/** Where the key comes from, as configured in `audit`. */
export interface KeySource {
  readonly keyFile?: string;
  readonly keyEnv?: string;
  readonly retiredKeys?: readonly RetiredKeySource[];
  /** Explicitly accepts a log without a key. */
  readonly unkeyed?: boolean;
}

/** The least key size accepted: an HMAC key shorter than its hash's output weakens it. */
const MIN_KEY_BYTES = 32;

/** The unkeyed hasher: plain SHA-256. */
export const UNKEYED: ChainKey = {
  id: 'none',
  formerIds: [],
  keyed: false,
  digest: (body) => createHash('sha256').update(body).digest('hex'),
  retired: new Map(),
};

/**
 * The key id: 64 bits of HMAC(key, "cairn-key-id"). Unlike a hash of the key, it tells nothing
 * about the key (no offline guess of a weak key can be checked against it) yet changes with it.
 */
export function keyId(secret: Buffer): string {
  return `hmac-v2-${createHmac('sha256', secret).update('cairn-key-id').digest('hex').slice(0, 16)}`;
}

/** The id records written before `keyId` carry: 48 bits of a hash of the key (read, never written). */
function formerKeyId(secret: Buffer): string {
  return `hmac-${createHash('sha256').update('cairn-audit-key-id\0').update(secret).digest('hex').slice(0, 12)}`;
}

/** An HMAC-SHA256 key; its id (`keyId`) changes with the key, so rotating it shows in every record. */
export function hmacKey(secret: Buffer): ChainKey {
  if (secret.length < MIN_KEY_BYTES) {
    throw new CairnError(`the audit key has ${secret.length} bytes; at least ${MIN_KEY_BYTES} are needed`, {
      code: 'audit.key-too-short',
      phase: 'config',
      subject: 'audit key',
      hint: 'make one with `head -c 32 /dev/urandom | base64 > audit.key`',
    });
  }
  return {
    id: keyId(secret),
    formerIds: [formerKeyId(secret)],
    keyed: true,
    digest: (body) => createHmac('sha256', secret).update(body).digest('hex'),
    retired: new Map(),
  };
}

/**
 * `current`, able to verify what `retired` keys wrote before a rotation. A retired key equal to
 * the current one is left out: its records are the current key's.
 */
export function withRetiredKeys(current: ChainKey, retired: readonly ChainKey[]): ChainKey {
  const byId = new Map<string, ChainKey>();
  for (const key of retired) {
    if (key.id === current.id) continue;
    for (const id of [key.id, ...key.formerIds]) byId.set(id, key);
  }
  return { ...current, retired: byId };
}

/**
 * Reads the configured key (a file, or an environment variable such as one filled from a Secret),
 * trimmed of surrounding white space. Without one, refuses unless `unkeyed` is set: a log anyone
 * with write access to the folder can rewrite consistently must be a conscious choice.
 */
export function loadChainKey(source: KeySource, env: NodeJS.ProcessEnv = process.env): ChainKey {
  const current = loadCurrentKey(source, env);
  if (!source.retiredKeys?.length) return current;
  if (!current.keyed) {
    throw new CairnError('audit.retiredKeys is set but no current audit key is configured', {
      code: 'config.invalid',
      phase: 'config',
      subject: 'audit.retiredKeys',
      hint: 'set audit.keyFile or audit.keyEnv to the new key; the retired keys only verify older records',
    });
  }
  return withRetiredKeys(
    current,
    source.retiredKeys.map((retired, i) => loadRetiredKey(retired, `audit.retiredKeys[${i}]`, env)),
  );
}

/** One retired key, read and checked as the current one is, named after the field that lists it. */
function loadRetiredKey(source: RetiredKeySource, field: string, env: NodeJS.ProcessEnv): ChainKey {
  return 'file' in source ? keyFromFile(source.file, field) : keyFromEnv(source.env, field, env);
}

function loadCurrentKey(source: KeySource, env: NodeJS.ProcessEnv): ChainKey {
  if (source.keyFile) return keyFromFile(source.keyFile, 'audit.keyFile');
  if (source.keyEnv) return keyFromEnv(source.keyEnv, 'audit.keyEnv', env);
  if (source.unkeyed) return UNKEYED;
  throw new CairnError('no audit key is configured', {
    code: 'audit.key-missing',
    phase: 'config',
    subject: 'audit',
    hint: 'set audit.keyFile or audit.keyEnv (an HMAC key of 32+ bytes kept outside audit.dir), or audit.unkeyed: true to accept a log that someone with write access to it can rewrite',
  });
}

function keyFromFile(file: string, field: string): ChainKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CairnError(`cannot read the audit key: ${(error as Error).message}`, {
      code: 'audit.key-unreadable',
      phase: 'config',
      subject: file,
      hint: `check ${field} (the key must live outside audit.dir)`,
    });
  }
  return hmacKey(strongKey(text.trim(), `the audit key file ${file} (${field})`));
}

function keyFromEnv(name: string, field: string, env: NodeJS.ProcessEnv): ChainKey {
  const value = env[name];
  if (!value) {
    throw new CairnError(`the environment variable ${name} that holds the audit key is empty or unset`, {
      code: 'audit.key-missing',
      phase: 'config',
      subject: field,
      hint: `set ${name} (for example from a Kubernetes Secret)`,
    });
  }
  return hmacKey(strongKey(value.trim(), `the audit key in ${name} (${field})`));
}

// At least this many distinct byte values among the key's bytes: 32 random bytes have about 30.
const MIN_DISTINCT_BYTES = 16;

/**
 * The bytes of a key text as it is written: hex and base64 (standard or URL-safe) texts are
 * decoded, so that a 64-character hex text counts as the 32 bytes it holds, not as 64.
 */
export function keyMaterial(text: string): Buffer {
  if (/^(?:[0-9a-f]{2})+$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(text) && text.length % 4 === 0) return Buffer.from(text, 'base64');
  if (/^[A-Za-z0-9_-]+$/.test(text) && text.length % 4 !== 1) return Buffer.from(text, 'base64url');
  return Buffer.from(text, 'utf8');
}

/**
 * The key's bytes as HMAC uses them (the text, as it always was, so existing logs still verify),
 * once its strength is checked: refused (`audit.key-weak`, naming `where`) when what it encodes is
 * under 32 bytes or has fewer than 16 distinct byte values (all one byte, a short pattern repeated).
 */
export function strongKey(text: string, where: string): Buffer {
  const material = keyMaterial(text);
  const distinct = new Set(material).size;
  const problem =
    material.length < MIN_KEY_BYTES
      ? `holds ${material.length} bytes${material.length !== Buffer.byteLength(text) ? ' once decoded' : ''}; at least ${MIN_KEY_BYTES} are needed`
      : distinct < MIN_DISTINCT_BYTES
        ? `has only ${distinct} distinct byte values (at least ${MIN_DISTINCT_BYTES}): it is not random`
        : undefined;
  if (problem === undefined) return Buffer.from(text, 'utf8');
  throw new CairnError(`${where} ${problem}`, {
    code: 'audit.key-weak',
    phase: 'config',
    subject: where,
    hint: 'make a random key with `head -c 32 /dev/urandom | base64 > audit.key` (existing entries need the old key to verify: keep it until you have migrated)',
  });
}
