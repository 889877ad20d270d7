import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CairnError } from '../errors';

/**
 * What a record's hash is computed with. A keyed log hashes each line with HMAC-SHA256 under a key
 * kept outside the audit folder, so someone who can write the folder but not read the key cannot
 * make a rewritten chain consistent. An unkeyed log uses plain SHA-256 and only detects accidents
 * and edits that leave the chain inconsistent (the witness still catches truncation and rewrites).
 */
export interface ChainKey {
  /** The key id written into each record (`none` for an unkeyed log); never the key itself. */
  readonly id: string;
  readonly keyed: boolean;
  /** The lowercase hex digest of `body`. */
  digest(body: Buffer): string;
}

/** Where the key comes from, as configured in `audit`. */
export interface KeySource {
  readonly keyFile?: string;
  readonly keyEnv?: string;
  /** Explicitly accepts a log without a key. */
  readonly unkeyed?: boolean;
}

/** The least key size accepted: an HMAC key shorter than its hash's output weakens it. */
const MIN_KEY_BYTES = 32;

/** The unkeyed hasher: plain SHA-256. */
export const UNKEYED: ChainKey = {
  id: 'none',
  keyed: false,
  digest: (body) => createHash('sha256').update(body).digest('hex'),
};

/** An HMAC-SHA256 key; its id is a short hash of the key, so rotating it shows in every record. */
export function hmacKey(secret: Buffer): ChainKey {
  if (secret.length < MIN_KEY_BYTES) {
    throw new CairnError(`the audit key has ${secret.length} bytes; at least ${MIN_KEY_BYTES} are needed`, {
      code: 'audit.key-too-short',
      phase: 'config',
      subject: 'audit key',
      hint: 'make one with `head -c 32 /dev/urandom | base64 > audit.key`',
    });
  }
  const id = `hmac-${createHash('sha256').update('cairn-audit-key-id\0').update(secret).digest('hex').slice(0, 12)}`;
  return { id, keyed: true, digest: (body) => createHmac('sha256', secret).update(body).digest('hex') };
}

/**
 * Reads the configured key (a file, or an environment variable such as one filled from a Secret),
 * trimmed of surrounding white space. Without one, refuses unless `unkeyed` is set: a log anyone
 * with write access to the folder can rewrite consistently must be a conscious choice.
 */
export function loadChainKey(source: KeySource, env: NodeJS.ProcessEnv = process.env): ChainKey {
  if (source.keyFile) {
    let text: string;
    try {
      text = readFileSync(source.keyFile, 'utf8');
    } catch (error) {
      throw new CairnError(`cannot read the audit key: ${(error as Error).message}`, {
        code: 'audit.key-unreadable',
        phase: 'config',
        subject: source.keyFile,
        hint: 'check audit.keyFile (the key must live outside audit.dir)',
      });
    }
    return hmacKey(Buffer.from(text.trim(), 'utf8'));
  }
  if (source.keyEnv) {
    const value = env[source.keyEnv];
    if (!value) {
      throw new CairnError(
        `the environment variable ${source.keyEnv} that holds the audit key is empty or unset`,
        {
          code: 'audit.key-missing',
          phase: 'config',
          subject: 'audit.keyEnv',
          hint: `set ${source.keyEnv} (for example from a Kubernetes Secret)`,
        },
      );
    }
    return hmacKey(Buffer.from(value.trim(), 'utf8'));
  }
  if (source.unkeyed) return UNKEYED;
  throw new CairnError('no audit key is configured', {
    code: 'audit.key-missing',
    phase: 'config',
    subject: 'audit',
    hint: 'set audit.keyFile or audit.keyEnv (an HMAC key of 32+ bytes kept outside audit.dir), or audit.unkeyed: true to accept a log that someone with write access to it can rewrite',
  });
}
