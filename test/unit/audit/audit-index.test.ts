import { AuditIndex } from '../../../controller/audit/audit-index';
import type { AuditEntry, AuditRecord } from '../../../controller/audit/types';
import type { Phase } from '../../../controller/model/errors';

const at = { file: 'audit-000001.jsonl', line: 1, offset: 0, length: 1 };
let seq = 0;

function end(
  id: string,
  env: string,
  outcome: AuditEntry['outcome'],
  toSha: string,
  applied?: AuditEntry['applied'],
  changes?: AuditEntry['changes'],
): AuditRecord {
  seq += 1;
  const entry = {
    id,
    env,
    outcome,
    toSha,
    ...(applied ? { applied } : {}),
    ...(changes ? { changes } : {}),
  } as AuditEntry;
  return { type: 'end', seq, prevHash: '', env, entry };
}

/** `record` (an end) with its entry's failure in `phase`. */
function failedIn(phase: Phase, record: AuditRecord): AuditRecord {
  if (record.type !== 'end') return record;
  const failure = { code: 'aws.wait-timeout', phase, retryable: true, message: 'gave up waiting' };
  return { ...record, entry: { ...record.entry, failure } };
}

function start(id: string, env: string): AuditRecord {
  seq += 1;
  return {
    type: 'start',
    seq,
    prevHash: '',
    id,
    env,
    trigger: 'poll',
    fromSha: null,
    toSha: 's',
    startedAt: '',
  };
}

function indexOf(records: AuditRecord[]): AuditIndex {
  const index = new AuditIndex();
  for (const r of records) index.add(r, at);
  return index;
}

describe('AuditIndex.lastApplied', () => {
  it.each<[string, AuditRecord[], unknown]>([
    ['no entry at all', [], null],
    [
      'one success',
      [end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: 'K1' })],
      { sha: 'a', awsTree: 'A1', k8sTree: 'K1' },
    ],
    [
      'a failure after a success keeps the sha and takes the half that got through',
      [
        end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: 'K1' }),
        end('2', 'dev', 'failed', 'b', { aws: 'A2' }),
      ],
      { sha: 'a', awsTree: 'A2', k8sTree: 'K1' },
    ],
    [
      // aws-kill-points: its process may have executed a change set before it died, so a revert to
      // A1 must be applied, not skipped as unchanged
      'an interrupted entry applied no sha and leaves both halves at no known tree',
      [end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: null }), end('2', 'dev', 'interrupted', 'b')],
      { sha: 'a' },
    ],
    [
      // failure-revert: the revert of a failed rollout brings back K1, which must be applied, not skipped
      'a failure that changed a half it did not get through leaves that half at no known tree',
      [
        end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: 'K1' }),
        end('2', 'dev', 'failed', 'b', { aws: 'A1' }, [
          { target: 'kubernetes', subject: 'Deployment/apps/web', action: 'configured' },
        ]),
      ],
      { sha: 'a', awsTree: 'A1' },
    ],
    [
      // aws-kill-points: a stack whose wait gave up is recorded skipped, though CloudFormation went on
      'a failure of the AWS half leaves it at no known tree, even with every stack recorded skipped',
      [
        end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: 'K1' }),
        failedIn(
          'apply-aws',
          end('2', 'dev', 'failed', 'b', {}, [
            { target: 'aws', subject: 'data', action: 'skipped', reason: 'failed' },
          ]),
        ),
      ],
      { sha: 'a', k8sTree: 'K1' },
    ],
    [
      'a failure that changed nothing of a half leaves its tree standing',
      [
        end('1', 'dev', 'succeeded', 'a', { aws: 'A1', k8s: 'K1' }),
        end('2', 'dev', 'failed', 'b', {}, [
          { target: 'kubernetes', subject: 'Deployment/apps/web', action: 'unchanged' },
        ]),
      ],
      { sha: 'a', awsTree: 'A1', k8sTree: 'K1' },
    ],
    ['a no-op counts as applied', [end('1', 'dev', 'no-op', 'c', {})], { sha: 'c' }],
    ['only failures', [end('1', 'dev', 'failed', 'a', {})], { sha: null }],
    ['other environments do not count', [end('1', 'prod', 'succeeded', 'p', { aws: 'P' })], null],
  ])('%s', (_name, records, expected) => {
    expect(indexOf(records).lastApplied('dev')).toEqual(expected);
  });
});

describe('AuditIndex', () => {
  it('lists newest first, filtered by environment and limited', () => {
    const index = indexOf([
      end('1', 'dev', 'succeeded', 'a'),
      end('2', 'prod', 'succeeded', 'b'),
      end('3', 'dev', 'failed', 'c'),
    ]);
    expect(index.newest({}).map((e) => e.id)).toEqual(['3', '2', '1']);
    expect(index.newest({ env: 'dev' }).map((e) => e.id)).toEqual(['3', '1']);
    expect(index.newest({ limit: 1 }).map((e) => e.id)).toEqual(['3']);
  });

  it('tracks starts until their end arrives', () => {
    const index = indexOf([start('x', 'dev'), start('y', 'prod'), end('x', 'dev', 'succeeded', 'a')]);
    expect(index.unfinished().map((s) => s.type === 'start' && s.id)).toEqual(['y']);
    expect(index.isOpen('x')).toBe(false);
  });

  it.each([
    ['an exact id', 'abc-1', 'abc-1'],
    ['a unique prefix', 'abd', 'abd-2'],
    ['an ambiguous prefix', 'ab', 'ambiguous'],
    ['an unknown id', 'zz', undefined],
    ['an empty id', '', undefined],
  ])('finds by %s', (_name, query, expected) => {
    const index = indexOf([end('abc-1', 'dev', 'succeeded', 'a'), end('abd-2', 'dev', 'succeeded', 'b')]);
    const found = index.find(query);
    expect(typeof found === 'object' ? found.id : found).toBe(expected);
  });
});
