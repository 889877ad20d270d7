import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { auditConfig, tempAuditDir } from './audit-fixtures';

// The writer starts through tsx under strace, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const run = promisify(execFile);
let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** True when `lines` (strace -f output) open the folder `dir` and fsync that descriptor. */
function syncedAfter(lines: readonly string[], dir: string): boolean {
  // A call another thread interrupts ends on a later "<... openat resumed>" line of its thread.
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const opening = new RegExp(`^(\\d+) +openat\\(AT_FDCWD, "${escaped}", [^)]*?(?:\\) = (\\d+)|<unfinished)`);
  return lines.some((line, i) => {
    const m = opening.exec(line);
    if (!m) return false;
    const resumed = m[2]
      ? undefined
      : lines.slice(i + 1).find((r) => r.startsWith(`${m[1]} <... openat resumed>`));
    const fd = m[2] ?? /= (\d+)$/.exec(resumed?.trim() ?? '')?.[1];
    if (fd === undefined) return false;
    const synced = new RegExp(`fsync\\(${fd}(\\)\\s+= 0| <unfinished)`);
    return lines.slice(i + 1).some((l) => synced.test(l));
  });
}

describe('a JSONL chain and its witness', () => {
  it('is durable once an append returns: its folder is fsynced after the rename, and a new chain folder is synced into envs/ (a power cut cannot leave the witness and the chain apart)', async () => {
    // Given a keyed JSONL trail with its witness in a folder of its own
    root = await tempAuditDir('durability');
    const config = auditConfig(join(root, 'audit'));
    const trace = join(root, 'trace');
    // When a real writer process appends one record, traced at the system-call level
    const script = `
      const { AuditLog } = require(${JSON.stringify(join(__dirname, '../../../controller/audit/audit-log.ts'))});
      (async () => {
        const audit = await AuditLog.open(${JSON.stringify(config)});
        await audit.start({ env: 'dev', trigger: 'poll', fromSha: null, toSha: 'a'.repeat(40) });
        await audit.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    await run('strace', [
      '-f',
      '-qq',
      '-e',
      'trace=openat,rename,renameat,renameat2,fsync',
      '-o',
      trace,
      process.execPath,
      '--require',
      require.resolve('tsx/cjs'),
      '-e',
      script,
    ]);
    // Then after the witness file is renamed into place, its folder is opened and fsynced, so the
    // new name survives a power cut like the record it witnesses (or a restart finds the chain
    // several records past its witness: broken, and repair would cut genuine records)
    const lines = (await readFile(trace, 'utf8')).split('\n');
    const head = join(config.witnessDir, 'dev.head.json');
    const renamed = lines.findLastIndex((l) => /rename/.test(l) && l.includes(`"${head}"`));
    expect(renamed).toBeGreaterThan(-1);
    const after = lines.slice(renamed + 1);
    expect(syncedAfter(after, config.witnessDir)).toBe(true);
    // and the new chain's folder is synced into envs/ (else the witness could outlive the first record)
    expect(syncedAfter(lines, join(config.dir, 'envs'))).toBe(true);
  });
});
