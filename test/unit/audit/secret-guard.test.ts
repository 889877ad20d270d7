import { scrubRecord } from '../../../controller/audit/secret-guard';
import { forgetSecrets, rememberSecrets } from '../../../controller/model';

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

  it('copies only where it masked: the record it was given is never changed', () => {
    // given a record with a key in one change's reason and nothing in the others
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----';
    const quiet: { subject: string; action: string; reason?: string } = {
      subject: 'ConfigMap/apps/a',
      action: 'created',
    };
    const loud = { subject: 'ConfigMap/apps/b', action: 'failed', reason: `read ${key}` };
    const entry = { id: 'e', changes: [quiet, loud], phases: [{ phase: 'fetch', durationMs: 3 }] };
    // when it is scrubbed
    const scrubbed = scrubRecord(entry);
    // then the masked path is a copy (the original still holds its text), the rest is shared
    expect(scrubbed.changes[1]!.reason).toBe('read [redacted private key]');
    expect(loud.reason).toBe(`read ${key}`);
    expect(scrubbed).not.toBe(entry);
    expect(scrubbed.changes[0]).toBe(quiet);
    expect(scrubbed.phases).toBe(entry.phases);
    // and a record with nothing to mask is given back as it is
    const clean = { id: 'f', changes: [quiet] };
    expect(scrubRecord(clean)).toBe(clean);
  });

  it("masks an API server warning that quotes a field's value, as any other text of a change", () => {
    // given a change whose admission webhook warning quotes a remembered secret and an access key id
    rememberSecrets(['webhook-saw-this-token-93']);
    try {
      const entry = {
        changes: [
          {
            target: 'kubernetes',
            subject: 'ConfigMap/apps/a',
            action: 'created',
            warnings: ['value "webhook-saw-this-token-93" looks like a token', 'key AKIAIOSFODNN7EXAMPLE'],
          },
        ],
      };
      // when the entry is scrubbed for the ledger
      const scrubbed = scrubRecord(entry);
      // then neither value is left in the warnings
      expect(scrubbed.changes[0]!.warnings).toEqual(['value "[masked]" looks like a token', 'key [masked]']);
    } finally {
      forgetSecrets();
    }
  });
});
