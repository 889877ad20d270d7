import { isQuietPass } from '../../../controller/audit/quiet-pass';
import type { AuditEntry } from '../../../controller/audit/types';
import { delta, entry, sha } from '../../integration/audit/audit-fixtures';

const same = { fromSha: sha('1'), toSha: sha('1') };

describe('isQuietPass', () => {
  it.each<[string, Partial<AuditEntry>, boolean]>([
    [
      'a drift pass on the applied sha that left every object unchanged',
      { ...same, trigger: 'drift', ...delta('unchanged') },
      true,
    ],
    ['a no-op reconcile of the applied sha', { ...same, outcome: 'no-op' }, true],
    ['a drift pass that repaired drift', { ...same, trigger: 'drift', ...delta('drift repaired') }, false],
    ['a new commit that changed nothing', { fromSha: sha('1'), toSha: sha('2'), outcome: 'no-op' }, false],
    ['the first apply', { fromSha: null, toSha: sha('1'), ...delta('unchanged') }, false],
    ['a failed pass', { ...same, outcome: 'failed', ...delta('unchanged') }, false],
    ['an interrupted pass', { ...same, outcome: 'interrupted' }, false],
  ])('%s', (_name, overrides, quiet) => {
    expect(isQuietPass(entry({ id: 'x', ...overrides }))).toBe(quiet);
  });
});
