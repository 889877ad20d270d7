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

describe('the witness of a JSONL chain', () => {
  it('is durable once an append returns: its folder is fsynced after the rename (a power cut cannot leave it records behind)', async () => {
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
    // (a call another thread interrupts ends on a later "<... openat resumed>" line of its thread)
    const opening = new RegExp(
      `^(\\d+) +openat\\(AT_FDCWD, "${config.witnessDir}", [^)]*?(?:\\) = (\\d+)|<unfinished)`,
    );
    const opened = after
      .map((l, i) => {
        const m = opening.exec(l);
        if (!m) return undefined;
        if (m[2]) return m[2];
        const resumed = after.slice(i + 1).find((r) => r.startsWith(`${m[1]} <... openat resumed>`));
        return /= (\d+)$/.exec(resumed?.trim() ?? '')?.[1];
      })
      .find((fd) => fd !== undefined);
    expect(opened).toBeDefined();
    expect(after.some((l) => new RegExp(`fsync\\(${opened}(\\)\\s+= 0| <unfinished)`).test(l))).toBe(true);
  });
});
