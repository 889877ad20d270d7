import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hmacKey, keyId, keyMaterial, loadChainKey } from '../../../controller/audit/chain-key';
import { decodeRecord, encodeRecord, GENESIS_HASH } from '../../../controller/audit/record-codec';
import { startRecord as start } from '../../helpers/audit-lines';

const random = randomBytes(32);

describe('the strength of the audit key, checked at start-up', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-chain-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fromFile = (text: string) => {
    const keyFile = join(dir, `key-${Math.random().toString(36).slice(2)}`);
    writeFileSync(keyFile, `${text}\n`);
    return { keyFile, load: () => loadChainKey({ keyFile }) };
  };

  it.each<[string, string, RegExp]>([
    ['a short text', 'short-key', /holds 9 bytes; at least 32/],
    ['one character repeated (read as base64: 3 byte values)', 'x'.repeat(64), /only 3 distinct byte values/],
    ['a short pattern repeated', 'abc!'.repeat(16), /only 4 distinct byte values/],
    ['hex of 16 bytes', randomBytes(16).toString('hex'), /holds 16 bytes once decoded; at least 32/],
    ['hex of one byte repeated', 'ab'.repeat(32), /only 1 distinct/],
    ['base64 of 24 bytes', randomBytes(24).toString('base64'), /holds 24 bytes once decoded/],
    ['URL-safe base64 of 20 bytes', randomBytes(20).toString('base64url'), /holds 20 bytes once decoded/],
  ])('refuses %s, naming the file and audit.keyFile', (_case, text, why) => {
    const { keyFile, load } = fromFile(text);
    expect(load).toThrow(why);
    expect(load).toThrow(
      expect.objectContaining({ code: 'audit.key-weak', subject: expect.stringContaining(keyFile) }),
    );
    expect(load).toThrow(/\(audit\.keyFile\)/);
  });

  it('refuses a weak key from a variable, naming the variable and audit.keyEnv', () => {
    expect(() => loadChainKey({ keyEnv: 'MY_AUDIT_KEY' }, { MY_AUDIT_KEY: '~'.repeat(40) })).toThrow(
      /the audit key in MY_AUDIT_KEY \(audit.keyEnv\) has only 1 distinct/,
    );
  });

  it.each([
    ['base64 of 32 random bytes', random.toString('base64')],
    ['hex of 32 random bytes', random.toString('hex')],
    ['URL-safe base64 without padding', random.toString('base64url')],
    ['a long random passphrase', 'Tr0ub4dor&3 correct horse battery staple 9!'],
  ])('accepts %s, and hashes with the text as written (existing logs still verify)', (_case, text) => {
    const key = loadChainKey({ keyEnv: 'K' }, { K: ` ${text}\n` });
    expect(key.id).toBe(keyId(Buffer.from(text)));
    expect(key.digest(Buffer.from('x'))).toBe(createHmac('sha256', text).update('x').digest('hex'));
  });

  it('decodes hex and base64 texts to count their bytes', () => {
    expect(keyMaterial(random.toString('hex'))).toEqual(random);
    expect(keyMaterial(random.toString('base64'))).toEqual(random);
    expect(keyMaterial('not base64!').toString()).toBe('not base64!');
  });
});

describe('the key id', () => {
  it('is HMAC(key, "cairn-key-id"), not a hash of the key, and differs per key', () => {
    const key = hmacKey(random);
    const mac = createHmac('sha256', random).update('cairn-key-id').digest('hex');
    expect(key.id).toBe(`hmac-v2-${mac.slice(0, 16)}`);
    // None of the key's own hash appears (the former id published 48 bits of it)
    const own = createHash('sha256').update('cairn-audit-key-id\0').update(random).digest('hex');
    expect(key.id).not.toContain(own.slice(0, 12));
    expect(hmacKey(randomBytes(32)).id).not.toBe(key.id);
  });

  it('still reads records written with the former id of the same key, and names a foreign one', () => {
    // Given a record as an earlier cairn wrote it (the same bytes, with the former key id)
    const key = hmacKey(random);
    const former = key.formerIds[0]!;
    expect(former).toMatch(/^hmac-[0-9a-f]{12}$/);
    const { line } = encodeRecord(start, 1, GENESIS_HASH, { ...key, id: former });
    expect(line.toString()).toContain(`"kid":"${former}"`);
    // Then the current key verifies it
    expect(decodeRecord(line, key)).toMatchObject({ ok: true, record: { kid: former } });
    // And a changed one is called changed, not hashed with another key (the former id is the same key)
    const changed = Buffer.from(line.toString().replace('"env":"dev"', '"env":"prd"'));
    expect(decodeRecord(changed, key)).toEqual({
      ok: false,
      reason: 'the record was changed: its content does not match its hash',
    });
    // And a new record carries the new id
    expect(encodeRecord(start, 1, GENESIS_HASH, key).line.toString()).toContain(`"kid":"${key.id}"`);
    // And another key's record is named as such
    const other = hmacKey(randomBytes(32));
    expect(decodeRecord(encodeRecord(start, 1, GENESIS_HASH, other).line, key)).toEqual({
      ok: false,
      reason: `the record is hashed with key ${other.id}, not the configured key ${key.id} nor a retired one (after a rotation, list the former key in audit.retiredKeys)`,
    });
  });
});
