import { decodeRecord, encodeRecord, GENESIS_HASH, sha256 } from '../../../controller/audit/record-codec';

const start = {
  type: 'start' as const,
  id: 'e1',
  env: 'dev',
  trigger: 'poll' as const,
  fromSha: null,
  toSha: 'a'.repeat(40),
  startedAt: '2025-06-01T10:00:00.000Z',
};

describe('record codec', () => {
  it('writes seq and prevHash first and its own hash last, and reads the record back', () => {
    const { line, hash } = encodeRecord(start, 1, GENESIS_HASH);
    const text = line.toString();
    expect(text.startsWith(`{"seq":1,"prevHash":"${GENESIS_HASH}","type":"start"`)).toBe(true);
    expect(text.endsWith(`,"hash":"${hash}"}`)).toBe(true);
    expect(hash).toBe(sha256(`${text.slice(0, text.indexOf(',"hash":'))}}`));
    expect(decodeRecord(line)).toEqual({
      ok: true,
      hash,
      record: { seq: 1, prevHash: GENESIS_HASH, ...start },
    });
  });

  it('keeps non-ASCII text byte for byte', () => {
    const { line } = encodeRecord({ ...start, message: 'größer – 🚀' }, 2, 'f'.repeat(64));
    const decoded = decodeRecord(line);
    expect(decoded.ok && decoded.record.type === 'start' && decoded.record.message).toBe('größer – 🚀');
  });

  it.each([
    ['every byte position of the body', (l: Buffer, i: number) => i < l.length - 75],
    ['every byte position of the hash field', (l: Buffer, i: number) => i >= l.length - 75],
  ])('rejects a one-byte change at %s', (_name, where) => {
    const { line } = encodeRecord(start, 1, GENESIS_HASH);
    let checked = 0;
    for (let i = 0; i < line.length; i += 1) {
      if (!where(line, i)) continue;
      const copy = Buffer.from(line);
      copy[i] = copy[i]! ^ 0x01;
      expect(decodeRecord(copy).ok).toBe(false);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(60);
  });

  it.each([
    ['an empty line', ''],
    ['plain JSON without a hash', '{"seq":1,"prevHash":"x","type":"start"}'],
  ])('rejects %s', (_name, text) => {
    expect(decodeRecord(Buffer.from(text)).ok).toBe(false);
  });
});
