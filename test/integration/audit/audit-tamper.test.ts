import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { hmacKey, loadChainKey, UNKEYED, type ChainKey } from '../../../controller/audit/chain-key';
import { encodeRecord, GENESIS_HASH, type UnchainedRecord } from '../../../controller/audit/record-codec';
import type { AuditRecord, ListedEntry } from '../../../controller/audit/types';
import type { AuditConfig } from '../../../controller/config/types';
import { runCli } from '../../helpers/cli';
import { auditConfig, entry, sha, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

// CLI runs start tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

type Mode = 'keyed' | 'unkeyed';

interface Log {
  readonly config: AuditConfig;
  readonly configFile: string;
  readonly file: string;
  readonly key: ChainKey;
}

/** A log of 3 reconciles of dev (6 records: start/end pairs) in one file, and the config file naming it. */
async function logOfThree(test: string, mode: Mode): Promise<Log> {
  const root = await tempAuditDir(test);
  dirs.push(root);
  const dir = join(root, 'audit');
  const config = auditConfig(dir, mode === 'unkeyed' ? { keyFile: undefined, unkeyed: true } : {});
  const log = await AuditLog.open(config);
  for (const [i, id] of ['t1', 't2', 't3'].entries()) {
    await log.start({
      id,
      env: 'dev',
      trigger: 'poll',
      fromSha: i === 0 ? null : sha(String(i)),
      toSha: sha(String(i + 1)),
    });
    await log.end(
      entry({
        id,
        message: `commit ${id}`,
        fromSha: i === 0 ? null : sha(String(i)),
        toSha: sha(String(i + 1)),
      }),
    );
  }
  await log.close();
  const keyLine = mode === 'keyed' ? `  keyFile: ${config.keyFile}\n` : '  unkeyed: true\n';
  const configFile = await writeAuditOnlyConfig(root, `  dir: ${dir}\n${keyLine}`);
  return {
    config,
    configFile,
    file: join(dir, 'envs', 'dev', 'audit-000001.jsonl'),
    key: loadChainKey(config),
  };
}

type Edit = (lines: Buffer[], log: Log) => Buffer[];

/** Someone without the key recomputes hashes: plain SHA-256, claiming the configured key id. */
const forger = (log: Log): ChainKey => ({ ...UNKEYED, id: log.key.id });

function parse(line: Buffer): AuditRecord & { hash?: string } {
  return JSON.parse(line.toString('utf8')) as AuditRecord & { hash?: string };
}

/** Re-encodes `records` as a consistent chain from seq `from` on, as a forger would. */
function rechain(
  records: readonly (AuditRecord & { hash?: string })[],
  from: number,
  prevHash: string,
  key: ChainKey,
): Buffer[] {
  let prev = prevHash;
  return records.map((r, i) => {
    const { seq: _s, prevHash: _p, kid: _k, hash: _h, ...rest } = r;
    const { line, hash } = encodeRecord(rest as UnchainedRecord, from + i, prev, key);
    prev = hash;
    return line;
  });
}

const cases: readonly [string, Edit, RegExp][] = [
  [
    'one byte changed',
    (lines) =>
      lines.map((l, i) => (i === 3 ? Buffer.from(l.toString('utf8').replace('commit t2', 'commit t9')) : l)),
    /record 4\).*does not match its hash/,
  ],
  [
    'two lines swapped',
    (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)],
    /record 2\).*expected record 2 here but found record 3/,
  ],
  [
    'a middle line deleted',
    (lines) => [...lines.slice(0, 2), ...lines.slice(3)],
    /record 3\).*expected record 3 here but found record 4/,
  ],
  [
    'the last record deleted',
    (lines) => lines.slice(0, -1),
    /records 6\.\.6 are missing: the witness saw the chain reach record 6/,
  ],
  ['the last two records deleted', (lines) => lines.slice(0, -2), /records 5\.\.6 are missing/],
  [
    'a middle pair deleted and the chain recomputed',
    (lines, log) => [
      ...lines.slice(0, 2),
      ...rechain(lines.slice(4).map(parse), 3, parse(lines[1]!).hash!, forger(log)),
    ],
    /record 3\).*does not match its hash|records 5\.\.6 are missing/,
  ],
  [
    'the whole chain rewritten (author and outcome changed, hashes recomputed)',
    (lines, log) =>
      rechain(
        lines
          .map(parse)
          .map((r) =>
            r.type === 'end'
              ? { ...r, entry: { ...r.entry, author: 'Mallory <m@example.com>', outcome: 'failed' as const } }
              : r,
          ),
        1,
        GENESIS_HASH,
        forger(log),
      ),
    /record 1\).*does not match its hash|record 6 is not the one the witness saw: the chain was rewritten/,
  ],
  [
    'a forged end appended with a wrong prevHash',
    (lines, log) => {
      const last = parse(lines.at(-1)!);
      const forged = {
        ...last,
        entry: {
          ...(last as Extract<AuditRecord, { type: 'end' }>).entry,
          id: 'forged',
          outcome: 'succeeded' as const,
          toSha: 'deadbeef'.repeat(5),
        },
      };
      const { seq: _s, prevHash: _p, kid: _k, hash: _h, ...rest } = forged;
      return [...lines, encodeRecord(rest as UnchainedRecord, 7, 'f'.repeat(64), forger(log)).line];
    },
    /record 7\).*(does not match its hash|prevHash does not match)/,
  ],
];

async function tamper(log: Log, edit: Edit): Promise<void> {
  const lines = (await readFile(log.file))
    .subarray(0, -1)
    .toString('latin1')
    .split('\n')
    .map((l) => Buffer.from(l, 'latin1'));
  const edited = edit(lines, log);
  await writeFile(log.file, Buffer.concat(edited.flatMap((l) => [l, Buffer.from('\n')])));
}

describe.each<Mode>(['keyed', 'unkeyed'])('cairn audit verify on a %s JSONL log', (mode) => {
  it.each(cases)('finds %s', async (name, edit, reason) => {
    // given an intact log, as verify confirms
    const log = await logOfThree(`tamper-${mode}-${name.slice(0, 12).replace(/\W/g, '-')}`, mode);
    const before = await runCli(['audit', 'verify', '--config', log.configFile]);
    expect(before.stdout).toContain('audit chain dev intact: 6 records');
    expect(before.code).toBe(0);

    // when it is edited
    await tamper(log, edit);

    // then verify exits 1 and names the chain, the place and the reason
    const after = await runCli(['audit', 'verify', '--config', log.configFile]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/audit chain dev broken at /);
    expect(after.stderr).toMatch(reason);
  });

  it('repairs and records a truncated last line, and verify then finds the chain intact', async () => {
    // given a log whose last line was cut in the middle (no newline, not JSON)
    const log = await logOfThree(`torn-${mode}`, mode);
    const bytes = await readFile(log.file);
    const lastStart = bytes.subarray(0, -1).lastIndexOf(0x0a) + 1;
    await writeFile(log.file, bytes.subarray(0, lastStart + Math.floor((bytes.length - lastStart) / 2)));
    const torn = await runCli(['audit', 'verify', '--config', log.configFile]);
    expect(torn.code).toBe(1);
    expect(torn.stderr).toMatch(/incomplete last line.*the writer cuts and records it/);

    // when a writer opens the log (here `cairn audit repair`, as `cairn run` or `sync` would)
    const repair = await runCli([
      'audit',
      'repair',
      '--config',
      log.configFile,
      '--env',
      'dev',
      '--by',
      'ops',
    ]);
    expect(repair.code).toBe(0);

    // then the tail was cut into a quarantine, the cut is a record of its own, and the chain verifies
    const after = await runCli(['audit', 'verify', '--config', log.configFile]);
    expect(after.stdout).toContain('audit chain dev intact: 6 records');
    expect(after.code).toBe(0);
    const list = await runCli(['audit', 'list', '--config', log.configFile]);
    expect(list.stdout).toMatch(
      /dev record 6: torn-tail repaired .* by cairn: an incomplete last line .* the witness had seen record 6; cut 1 line\(s\), \d+ bytes from record 6, kept in .*cut-/,
    );
  });
});

describe('audit show --env', () => {
  it("looks in that environment's chain only: another environment's entry is not found there", async () => {
    // given a log of dev's entries t1..t3
    const log = await logOfThree('show-env', 'keyed');

    // when t2 is asked for in dev's chain, and in prod's
    const inDev = await runCli(['audit', 'show', '--config', log.configFile, '--env', 'dev', 't2', '--json']);
    const inProd = await runCli(['audit', 'show', '--config', log.configFile, '--env', 'prod', 't2']);

    // then dev's shows it, and prod's answers exit 1 naming the chain it read
    expect(inDev.code).toBe(0);
    expect((JSON.parse(inDev.stdout) as ListedEntry).id).toBe('t2');
    expect(inProd.code).toBe(1);
    expect(inProd.stderr).toContain("no audit entry with id t2 in prod's chain");
    expect(inProd.stderr).toContain('cairn audit list --env prod');
  });
});

describe.each<Mode>(['unkeyed', 'keyed'])('a forged end past a break (%s log)', (mode) => {
  it('is listed as untrusted, never decides what is applied, and stops appends until a recorded repair', async () => {
    // given a log with a forged succeeded end appended (a right hash of its own, a wrong prevHash)
    const log = await logOfThree(`forged-${mode}`, mode);
    await tamper(log, cases[7]![1]);

    // then `audit list --json` shows it as untrusted and `show` says so (unkeyed: it is readable),
    // or leaves it out (keyed: its hash is no HMAC under the key, so nothing of it can be read)
    const list = JSON.parse(
      (await runCli(['audit', 'list', '--config', log.configFile, '--json'])).stdout,
    ) as ListedEntry[];
    const forged = list.find((e) => e.id === 'forged');
    expect(list.filter((e) => e.id !== 'forged').every((e) => e.untrusted === undefined)).toBe(true);
    if (mode === 'unkeyed') {
      expect(forged?.untrusted).toMatch(/past a break in the dev chain at record 7/);
      const show = await runCli(['audit', 'show', '--config', log.configFile, 'forged']);
      expect(show.stdout).toMatch(/^UNTRUSTED: past a break/);
      const text = await runCli(['audit', 'list', '--config', log.configFile]);
      expect(text.stdout).toMatch(/! forged \(dev, succeeded as recorded\) is UNTRUSTED/);
    } else {
      expect(forged).toBeUndefined();
    }

    // and the writer takes its sha from trusted records only, refuses to append, and reports why
    const writer = await AuditLog.open(log.config);
    expect((await writer.lastApplied('dev'))?.sha).toBe(sha('3'));
    await expect(
      writer.start({ env: 'dev', trigger: 'poll', fromSha: sha('3'), toSha: sha('4') }),
    ).rejects.toMatchObject({ code: 'audit.broken' });
    expect(writer.health()).toEqual({
      ready: false,
      reason: expect.stringMatching(/audit chain dev is broken at record 7.*cairn audit repair --env dev/),
    });
    await writer.close();

    // when it is repaired
    const repair = await runCli([
      'audit',
      'repair',
      '--config',
      log.configFile,
      '--env',
      'dev',
      '--by',
      'ops@example',
    ]);
    expect(repair.code).toBe(0);
    expect(repair.stdout).toMatch(/dev record 7: break repaired .* by ops@example: .*cut 1 line\(s\)/);

    // then the chain verifies with the repair in it, and appends resume after it
    expect((await runCli(['audit', 'verify', '--config', log.configFile])).stdout).toContain(
      'audit chain dev intact: 7 records',
    );
    const resumed = await AuditLog.open(log.config);
    expect(resumed.health()).toEqual({ ready: true });
    await resumed.start({ id: 't4', env: 'dev', trigger: 'poll', fromSha: sha('3'), toSha: sha('4') });
    await resumed.end(entry({ id: 't4', fromSha: sha('3'), toSha: sha('4') }));
    expect((await resumed.lastApplied('dev'))?.sha).toBe(sha('4'));
    await resumed.close();
    expect((await runCli(['audit', 'verify', '--config', log.configFile])).code).toBe(0);
  });
});

describe('the audit key', () => {
  it('refuses to start without a key unless unkeyed is configured, and refuses a key that is too short', () => {
    expect(() => loadChainKey({})).toThrow(/no audit key is configured.*audit.unkeyed: true/);
    expect(loadChainKey({ unkeyed: true }).keyed).toBe(false);
    expect(() => hmacKey(Buffer.from('short'))).toThrow(/at least 32 are needed/);
  });
});
