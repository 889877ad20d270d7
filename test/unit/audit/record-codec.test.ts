import { hmacKey, UNKEYED } from '../../../controller/audit/chain-key';
import { decodeRecord, encodeRecord, GENESIS_HASH, sha256 } from '../../../controller/audit/record-codec';
import { startRecord as start } from '../../helpers/audit-lines';

const key = hmacKey(Buffer.from('k'.repeat(32)));
const otherKey = hmacKey(Buffer.from('o'.repeat(32)));

describe('record codec', () => {
  it('writes seq, prevHash and the key id first and its own hash last, and reads the record back', () => {
    const { line, hash } = encodeRecord(start, 1, GENESIS_HASH, UNKEYED);
    const text = line.toString();
    expect(text.startsWith(`{"seq":1,"prevHash":"${GENESIS_HASH}","kid":"none","type":"start"`)).toBe(true);
    expect(text.endsWith(`,"hash":"${hash}"}`)).toBe(true);
    expect(hash).toBe(sha256(`${text.slice(0, text.indexOf(',"hash":'))}}`));
    expect(decodeRecord(line, UNKEYED)).toEqual({
      ok: true,
      hash,
      record: { seq: 1, prevHash: GENESIS_HASH, kid: 'none', ...start },
    });
  });

  it('hashes with HMAC under the key: a record recomputed without the key, or under another, is refused', () => {
    // given a keyed record, and the same record with a plain SHA-256 hash recomputed by someone without the key
    const { line } = encodeRecord(start, 1, GENESIS_HASH, key);
    const forged = encodeRecord(start, 1, GENESIS_HASH, { ...UNKEYED, id: key.id }).line;

    // then only the real one reads back under the key, and another key names both ids
    expect(decodeRecord(line, key).ok).toBe(true);
    expect(decodeRecord(forged, key)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not match its hash/),
    });
    expect(decodeRecord(line, otherKey)).toEqual({
      ok: false,
      reason: `the record is hashed with key ${key.id}, not the configured key ${otherKey.id} nor a retired one (after a rotation, list the former key in audit.retiredKeys)`,
    });
  });

  it('keeps non-ASCII text byte for byte', () => {
    const { line } = encodeRecord({ ...start, message: 'größer – 🚀' }, 2, 'f'.repeat(64), key);
    const decoded = decodeRecord(line, key);
    expect(decoded.ok && decoded.record.type === 'start' && decoded.record.message).toBe('größer – 🚀');
  });

  it.each([
    ['every byte position of the body', (l: Buffer, i: number) => i < l.length - 75],
    ['every byte position of the hash field', (l: Buffer, i: number) => i >= l.length - 75],
  ])('rejects a one-byte change at %s', (_name, where) => {
    const { line } = encodeRecord(start, 1, GENESIS_HASH, key);
    let checked = 0;
    for (let i = 0; i < line.length; i += 1) {
      if (!where(line, i)) continue;
      const copy = Buffer.from(line);
      copy[i] = copy[i]! ^ 0x01;
      expect(decodeRecord(copy, key).ok).toBe(false);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it.each([
    ['an empty line', ''],
    ['plain JSON without a hash', '{"seq":1,"prevHash":"x","type":"start"}'],
  ])('rejects %s', (_name, text) => {
    expect(decodeRecord(Buffer.from(text), key).ok).toBe(false);
  });
  it('carries the Lease of a sharded reconcile inside the keyed hash: changing its holder breaks the record', () => {
    const entry = {
      id: 'e1',
      env: 'dev',
      trigger: 'webhook' as const,
      fromSha: null,
      toSha: 'b'.repeat(40),
      author: 'A <a@example.com>',
      message: 'm',
      committedAt: '2025-06-01T10:00:00.000Z',
      startedAt: '2025-06-01T10:00:00.000Z',
      finishedAt: '2025-06-01T10:00:01.000Z',
      outcome: 'succeeded' as const,
      phases: [],
      changes: [],
      lease: { holder: 'cairn-0_1a2b3c4d', resourceVersion: '4711' },
    };
    const { line } = encodeRecord({ type: 'end', env: 'dev', entry }, 2, GENESIS_HASH, key);
    const decoded = decodeRecord(line, key);
    expect(decoded.ok && decoded.record.type === 'end' && decoded.record.entry.lease).toEqual(entry.lease);
    const edited = Buffer.from(line.toString().replace('cairn-0_1a2b3c4d', 'cairn-1_1a2b3c4d'));
    expect(decodeRecord(edited, key)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not match its hash/),
    });
  });
});
