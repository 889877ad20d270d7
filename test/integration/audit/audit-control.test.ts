import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { auditConfig, tempAuditDir } from './audit-fixtures';

/**
 * Suspend and resume are `control` records in the environment's chain (real JSONL files, keyed
 * hashes, the witness): a restart reads the suspension back, and a record past a break (a forged
 * or altered `resume`) never lifts it.
 */
describe('control records (suspend, resume) in the audit chain', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempAuditDir('control');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(`${dir}.witness`, { recursive: true, force: true });
    await rm(`${dir}.key`, { force: true });
  });

  it('a suspension survives a restart, and a resume lifts it; both stay listed with who and why', async () => {
    const log = await AuditLog.open(auditConfig(dir));
    await log.control('dev', 'suspend', 'ada@laptop', 'incident 42');
    await log.close();

    const reopened = await AuditLog.open(auditConfig(dir));
    expect(reopened.suspension('dev')).toMatchObject({ by: 'ada@laptop', reason: 'incident 42' });
    expect(reopened.suspension('prod')).toBeNull();
    await reopened.control('dev', 'resume', 'bob@desk', 'incident closed');
    expect(reopened.suspension('dev')).toBeNull();
    expect(reopened.controls('dev')).toMatchObject([
      { action: 'suspend', by: 'ada@laptop', reason: 'incident 42' },
      { action: 'resume', by: 'bob@desk', reason: 'incident closed' },
    ]);
    await reopened.close();
  });

  it('promotion: a forced promotion is read back after a restart, and neither it nor a wait touches a suspension', async () => {
    const log = await AuditLog.open(auditConfig(dir));
    await log.control('prod', 'suspend', 'ada', 'freeze');
    await log.control('prod', 'wait', 'cairn', 'tree 1a2b3c4 not applied on staging yet', {
      sha: 'a'.repeat(40),
    });
    await log.control('prod', 'promote', 'ada@laptop', 'hotfix 7', { sha: 'b'.repeat(40) });
    await log.close();

    const reopened = await AuditLog.open(auditConfig(dir));
    expect(reopened.promoted('prod')).toBe('b'.repeat(40));
    expect(reopened.promoted('dev')).toBeNull();
    expect(reopened.suspension('prod')).toMatchObject({ by: 'ada', reason: 'freeze' });
    expect(reopened.controls('prod')).toMatchObject([
      { action: 'suspend' },
      { action: 'wait', by: 'cairn', sha: 'a'.repeat(40) },
      { action: 'promote', by: 'ada@laptop', reason: 'hotfix 7', sha: 'b'.repeat(40) },
    ]);
    await reopened.close();
  });

  it('promotion: a forged promote past a break lets nothing through', async () => {
    const log = await AuditLog.open(auditConfig(dir));
    await log.control('prod', 'promote', 'ada', 'first', { sha: 'a'.repeat(40) });
    await log.control('prod', 'promote', 'ada', 'second', { sha: 'b'.repeat(40) });
    await log.close();
    const file = join(dir, 'envs', 'prod', 'audit-000001.jsonl');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('b'.repeat(40), 'c'.repeat(40)));

    const reader = await AuditLog.reader(auditConfig(dir));
    expect(reader.promoted('prod')).toBe('a'.repeat(40));
    await reader.close();
  });

  it('an altered resume is past a break: the environment stays suspended', async () => {
    const log = await AuditLog.open(auditConfig(dir));
    await log.control('dev', 'suspend', 'ada', 'freeze');
    await log.control('dev', 'resume', 'ada', 'thaw');
    await log.close();

    // when someone with write access to the files edits the resume into someone else's
    const file = join(dir, 'envs', 'dev', 'audit-000001.jsonl');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('"reason":"thaw"', '"reason":"thaX"'));

    // then the chain is broken there, the resume is listed as untrusted, and the suspension holds
    const reader = await AuditLog.reader(auditConfig(dir));
    expect(reader.suspension('dev')).toMatchObject({ by: 'ada', reason: 'freeze' });
    expect(reader.controls('dev')).toMatchObject([{ action: 'suspend' }]);
    await reader.close();
  });
});
