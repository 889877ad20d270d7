import { scrubRecord } from '../../../controller/audit/secret-guard';

describe('scrubRecord', () => {
  it.each([
    [
      'data under an object',
      { kubernetes: { objects: [{ kind: 'Secret', data: { k: 'dg==' } }] } },
      'kubernetes.objects[0].data',
    ],
    ['stringData at the top', { stringData: { password: 'x' } }, 'stringData'],
  ])('refuses %s and names where', (_name, record, path) => {
    expect(() => scrubRecord(record)).toThrow(
      expect.objectContaining({ code: 'audit.secret-value', message: expect.stringContaining(path) }),
    );
  });

  it('replaces a PEM private key inside a message and leaves the rest alone', () => {
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----';
    const scrubbed = scrubRecord({
      error: { message: `bad file: ${key} end`, phase: 'plan' },
      n: 3,
      ok: true,
      none: null,
    });
    expect(scrubbed).toEqual({
      error: { message: 'bad file: [redacted private key] end', phase: 'plan' },
      n: 3,
      ok: true,
      none: null,
    });
  });

  it('leaves an ordinary entry as it was', () => {
    const entry = {
      id: 'e',
      kubernetes: { objects: [{ apiVersion: 'v1', kind: 'Secret', name: 'db', action: 'updated' }] },
    };
    expect(scrubRecord(entry)).toEqual(entry);
  });
});
