import { ChainChecker } from '../../../controller/audit/chain-check';
import { hmacKey } from '../../../controller/audit/chain-key';
import { encodeRecord, GENESIS_HASH, type UnchainedRecord } from '../../../controller/audit/record-codec';
import type { AuditEntry } from '../../../controller/audit/types';

const key = hmacKey(Buffer.from('k'.repeat(32)));

function start(id: string): UnchainedRecord {
  return {
    type: 'start',
    env: 'dev',
    id,
    trigger: 'poll',
    fromSha: null,
    toSha: 'a'.repeat(40),
    startedAt: 't',
  };
}
function end(id: string, outcome: AuditEntry['outcome'] = 'succeeded'): UnchainedRecord {
  const entry = {
    id,
    env: 'dev',
    trigger: 'poll',
    fromSha: null,
    toSha: 'a'.repeat(40),
    outcome,
  } as AuditEntry;
  return { type: 'end', env: 'dev', entry };
}

/** Checks a chain of these records, correctly linked and keyed: only the order of entries can be wrong. */
function check(records: readonly UnchainedRecord[]) {
  const checker = new ChainChecker('dev', key);
  let prev = GENESIS_HASH;
  let seq = 0;
  for (const record of records) {
    seq += 1;
    const { line, hash } = encodeRecord(record, seq, prev, key);
    prev = hash;
    checker.push({
      bytes: line,
      complete: true,
      at: { file: 'dev.jsonl', line: seq, offset: 0, length: line.length },
    });
  }
  return checker.finish({ seq, hash: prev }).firstBreak;
}

describe('one writer per ledger entry, as `cairn audit verify` checks it', () => {
  it('passes one reconcile at a time, each start closed once (an interrupted close included)', () => {
    expect(
      check([start('a'), end('a'), start('b'), end('b', 'interrupted'), start('c'), end('c')]),
    ).toBeNull();
  });

  it.each([
    [
      'an entry closed twice (a paused replica ending what another closed as interrupted)',
      [start('a'), end('a', 'interrupted'), start('b'), end('a'), end('b')],
      4,
      /ends reconcile a, which is not the open one \(b\): an entry closed twice/,
    ],
    [
      'two overlapping reconciles of one environment',
      [start('a'), start('b'), end('b'), end('a')],
      2,
      /starts reconcile b while reconcile a is still open: two overlapping reconciles/,
    ],
    ['an end without a start', [end('a')], 1, /ends reconcile a, which is not the open one \(none is\)/],
  ])('reports %s as a break at that record', (_what, records, seq, reason) => {
    const broken = check(records);
    expect(broken).toMatchObject({ seq, line: seq });
    expect(broken?.reason).toMatch(reason);
  });
});
