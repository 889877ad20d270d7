import { randomBytes } from 'node:crypto';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { hmacKey, keyMaterial } from '../../../controller/audit/chain-key';
import { encodeRecord } from '../../../controller/audit/record-codec';
import type { AuditConfig } from '../../../controller/config/types';
import { runCli } from '../../helpers/cli';
import { auditConfig, entry, sha, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

// CLI runs start tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Appends one reconcile of dev (a start and its end) with `config`'s key. */
async function reconcileOnce(config: AuditConfig, id: string): Promise<void> {
  const log = await AuditLog.open(config);
  try {
    await log.start({ id, env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('1') });
    await log.end(entry({ id, message: `commit ${id}`, fromSha: null, toSha: sha('1') }));
  } finally {
    await log.close();
  }
}

/** A log of dev written under one key, and the files of that key and of its successor. */
async function rotatedLog(name: string) {
  const root = await tempAuditDir(name);
  dirs.push(root);
  const dir = join(root, 'audit');
  const before = auditConfig(dir);
  await reconcileOnce(before, 'before');
  const oldKey = before.keyFile!;
  const newKey = join(root, 'new.key');
  await writeFile(newKey, randomBytes(32).toString('base64'), { mode: 0o600 });
  const rotated: AuditConfig = { ...before, keyFile: newKey, retiredKeys: [{ file: oldKey }] };
  const configFile = await writeAuditOnlyConfig(
    root,
    `  dir: ${dir}\n  keyFile: ${newKey}\n  retiredKeys:\n    - file: ${oldKey}\n`,
  );
  return { root, dir, oldKey, newKey, rotated, configFile };
}

describe('rotating the audit key, with the real CLI', () => {
  it('verifies the records of the retired key and appends under the new one', async () => {
    // Given a log written under the old key, and a config that rotated to a new key
    const { dir, rotated, configFile } = await rotatedLog('rotation');

    // When the chain is read under the new key with the old one retired, then it is intact
    const verified = await runCli(['audit', 'verify', '--config', configFile]);
    expect(verified.stdout).toContain('audit chain dev intact: 2 records');
    expect(verified.code).toBe(0);

    // And new records carry the new key, and the whole chain still verifies across the rotation
    await reconcileOnce(rotated, 'after');
    const lines = (await readFile(join(dir, 'envs', 'dev', 'audit-000001.jsonl'), 'utf8')).trim().split('\n');
    const kids = lines.map((line) => (JSON.parse(line) as { kid: string }).kid);
    expect(kids[0]).toBe(kids[1]);
    expect(kids[2]).not.toBe(kids[0]);
    expect(kids[3]).toBe(kids[2]);
    const again = await runCli(['audit', 'verify', '--config', configFile]);
    expect(again.stdout).toContain('audit chain dev intact: 4 records');
    expect(again.code).toBe(0);
    const listed = await runCli(['audit', 'list', '--config', configFile, '--env', 'dev']);
    expect(listed.stdout).toContain('commit before');
    expect(listed.stdout).toContain('commit after');
  });

  it('refuses a new record past the witness made with the retired key', async () => {
    // Given a rotated chain with a record under the new key
    const { dir, oldKey, rotated, configFile } = await rotatedLog('retired-forgery');
    await reconcileOnce(rotated, 'after');
    const file = join(dir, 'envs', 'dev', 'audit-000001.jsonl');
    const last = JSON.parse((await readFile(file, 'utf8')).trim().split('\n').pop()!) as {
      seq: number;
      hash: string;
    };

    // When someone holding the retired key (it leaked: that is why it was rotated) appends a
    // record past the witnessed head, where a crash would leave one
    const leaked = hmacKey(Buffer.from((await readFile(oldKey, 'utf8')).trim(), 'utf8'));
    expect(keyMaterial((await readFile(oldKey, 'utf8')).trim()).length).toBe(32);
    const forged = encodeRecord(
      {
        type: 'control',
        env: 'dev',
        at: new Date().toISOString(),
        action: 'resume',
        by: 'forger',
        reason: 'forged',
      },
      last.seq + 1,
      last.hash,
      leaked,
    );
    await appendFile(file, Buffer.concat([forged.line, Buffer.from('\n')]));

    // Then the chain is broken at that record, naming the retired key
    const verified = await runCli(['audit', 'verify', '--config', configFile]);
    expect(verified.code).toBe(1);
    expect(verified.stderr + verified.stdout).toContain(
      `record ${last.seq + 1}, past the witnessed head, is hashed with the retired key ${leaked.id}`,
    );
  });

  it('has audit list say that a chain is broken, rather than list it as empty', async () => {
    // Given a chain every record of which is unreadable under the configured key (rotated without retiring the old one)
    const { root, dir, newKey, configFile } = await rotatedLog('list-broken');
    await writeAuditOnlyConfig(root, `  dir: ${dir}\n  keyFile: ${newKey}\n`);

    // When an operator lists it, as text or as JSON
    for (const format of [[], ['--json']]) {
      const listed = await runCli(['audit', 'list', '--config', configFile, ...format]);

      // Then stdout has no entry (none can be trusted) but stderr says why, naming the chain and record
      expect(listed.code).toBe(0);
      expect(listed.stderr).toContain('cairn: audit chain dev is broken at record 1');
      expect(listed.stderr).toContain('not the configured key');
      if (format.length > 0) expect(JSON.parse(listed.stdout)).toEqual([]);
    }
  });

  it('names the retired key that is too weak, and a config that rotated without retiring the old key', async () => {
    const { root, dir, newKey, configFile } = await rotatedLog('retired-weak');
    // A retired key of low entropy is refused, naming its field
    const weak = join(root, 'weak.key');
    await writeFile(weak, 'abc!'.repeat(12));
    const weakConfig = await writeAuditOnlyConfig(
      root,
      `  dir: ${dir}\n  keyFile: ${newKey}\n  retiredKeys:\n    - file: ${weak}\n`,
    );
    const refused = await runCli(['audit', 'verify', '--config', weakConfig]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the audit key file ${weak} (audit.retiredKeys[0]) has only 4 distinct`);

    // Without the old key retired, the message says where to put it
    await writeAuditOnlyConfig(root, `  dir: ${dir}\n  keyFile: ${newKey}\n`);
    const broken = await runCli(['audit', 'verify', '--config', configFile]);
    expect(broken.code).toBe(1);
    expect(broken.stderr + broken.stdout).toContain('not the configured key');
    expect(broken.stderr + broken.stdout).toContain('audit.retiredKeys');
  });
});
