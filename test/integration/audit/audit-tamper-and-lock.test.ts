import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog } from '../../../controller/audit/audit-log';
import { LOCK_FILE } from '../../../controller/audit/audit-lock';
import { entry, sha, tempAuditDir } from './audit-fixtures';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A log of 3 entries (6 lines: start/end pairs) in one file. */
async function logOfThree(test: string): Promise<{ dir: string; file: string }> {
  const dir = await tempAuditDir(test);
  dirs.push(dir);
  const log = await AuditLog.open(dir);
  for (const id of ['t1', 't2', 't3']) {
    await log.start({ id, env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') });
    await log.end(entry({ id, message: `commit ${id}` }));
  }
  await log.close();
  return { dir, file: join(dir, 'audit-000001.jsonl') };
}

type Edit = (lines: Buffer[]) => Buffer[];
const flipByte =
  (line: number, at: (l: Buffer) => number): Edit =>
  (lines) =>
    lines.map((l, i) => {
      if (i !== line - 1) return l;
      const copy = Buffer.from(l);
      const pos = at(copy);
      copy[pos] = copy[pos] === 0x30 ? 0x31 : 0x30; // '0' or '1': still valid JSON and hex, only the bytes differ
      return copy;
    });

describe('audit verify detects tampering and names the first bad record', () => {
  it.each<[string, Edit, number, RegExp]>([
    ['one byte of a message', flipByte(4, (l) => l.indexOf('commit t2') + 7), 4, /does not match its hash/],
    ['one byte of the seq', flipByte(3, (l) => l.indexOf('"seq":') + 6), 3, /does not match its hash/],
    ['one byte of a stored hash', flipByte(2, (l) => l.length - 5), 2, /does not match its hash/],
    ['one byte of the last record', flipByte(6, (l) => l.indexOf('"env"') + 8), 6, /does not match its hash/],
    [
      'a newline turned into a space',
      (lines) => [lines[0]!, Buffer.concat([lines[1]!, Buffer.from(' '), lines[2]!]), ...lines.slice(3)],
      2,
      /hash/,
    ],
    [
      'a deleted record',
      (lines) => [...lines.slice(0, 2), ...lines.slice(3)],
      3,
      /expected record 3 here but found record 4/,
    ],
    [
      'two records swapped',
      (lines) => [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)],
      2,
      /expected record 2 here but found record 3/,
    ],
  ])('%s is found and named', async (_name, edit, line, reason) => {
    // given an intact log
    const { dir, file } = await logOfThree(`tamper-${line}`);
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 6 });
    const lines = (await readFile(file))
      .subarray(0, -1)
      .toString('latin1')
      .split('\n')
      .map((l) => Buffer.from(l, 'latin1'));

    // when it is edited
    const edited = edit(lines);
    await writeFile(file, Buffer.concat(edited.flatMap((l) => [l, Buffer.from('\n')])));

    // then verify names the file, the line and the record that should be there
    const result = await verifyAuditLog(dir);
    expect(result).toMatchObject({ ok: false, file: 'audit-000001.jsonl', line, seq: line });
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('reports a cut-off last line, and the next writer repairs it', async () => {
    // given a log whose process died in the middle of a write
    const { dir, file } = await logOfThree('torn');
    await appendFile(file, '{"seq":7,"prevHash":"00');

    // then verify names it, and opening the log cuts it and appends after it
    expect(await verifyAuditLog(dir)).toMatchObject({
      ok: false,
      line: 7,
      seq: 7,
      reason: expect.stringMatching(/cut off/),
    });
    const log = await AuditLog.open(dir);
    await log.start({ id: 't4', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('4') });
    await log.close();
    expect(await verifyAuditLog(dir)).toEqual({ ok: true, records: 7 });
  });
});

describe('one writer per audit directory', () => {
  let sleeper: ChildProcess | undefined;
  afterEach(() => {
    sleeper?.kill('SIGKILL');
    sleeper = undefined;
  });

  it('refuses a second writer while the first is open, and lets readers in', async () => {
    const { dir } = await logOfThree('second-writer');
    const first = await AuditLog.open(dir);

    await expect(AuditLog.open(dir)).rejects.toMatchObject({
      code: 'audit.locked',
      message: expect.stringContaining(`pid ${process.pid}`),
    });
    expect((await (await AuditLog.reader(dir)).list()).length).toBe(3);

    await first.close();
    const after = await AuditLog.open(dir);
    await after.close();
  });

  it('refuses a lock held by another live process and takes it over once that process is gone', async () => {
    // given a lock file naming another live process on this host
    const { dir } = await logOfThree('other-process');
    sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = sleeper.pid!;
    await writeFile(join(dir, LOCK_FILE), `${JSON.stringify({ pid, host: hostname() })}\n`);

    // then a writer is refused while it runs
    await expect(AuditLog.open(dir)).rejects.toMatchObject({ code: 'audit.locked' });

    // and when it has died, its stale lock is taken over
    const exited = new Promise((resolve) => sleeper!.once('exit', resolve));
    sleeper.kill('SIGKILL');
    await exited;
    const log = await AuditLog.open(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await log.close();
  });

  it('refuses a lock held on another host, whose liveness it cannot check', async () => {
    const { dir } = await logOfThree('other-host');
    await writeFile(join(dir, LOCK_FILE), `${JSON.stringify({ pid: 1, host: 'elsewhere.invalid' })}\n`);
    await expect(AuditLog.open(dir)).rejects.toMatchObject({
      code: 'audit.locked',
      message: expect.stringContaining('elsewhere.invalid'),
    });
  });
});
