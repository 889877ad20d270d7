import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as ChainKeyModule from '../../../controller/audit/chain-key';
import type { AuditConfig } from '../../../controller/config/types';
import { runCli } from '../../helpers/cli';
import { auditConfig, entry, sha, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

// CLI runs start tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Writes two reconciles of dev with the AuditLog of this module registry. */
async function writeTwo(config: AuditConfig): Promise<void> {
  const { AuditLog } = jest.requireActual<typeof import('../../../controller/audit/audit-log')>(
    '../../../controller/audit/audit-log',
  );
  const log = await AuditLog.open(config);
  for (const [i, id] of ['k1', 'k2'].entries()) {
    const fromSha = i === 0 ? null : sha(String(i));
    await log.start({ id, env: 'dev', trigger: 'poll', fromSha, toSha: sha(String(i + 1)) });
    await log.end(entry({ id, message: `commit ${id}`, fromSha, toSha: sha(String(i + 1)) }));
  }
  await log.close();
}

describe('the audit key id across versions, with the real CLI', () => {
  it('verifies a JSONL log written with the former key id, and appends with the new one', async () => {
    // Given a log an earlier cairn wrote: the same HMAC, but records carrying the former key id
    const root = await tempAuditDir('key-id');
    dirs.push(root);
    const dir = join(root, 'audit');
    const config = auditConfig(dir);
    await jest.isolateModulesAsync(async () => {
      jest.doMock('../../../controller/audit/chain-key', () => {
        const actual = jest.requireActual<typeof ChainKeyModule>('../../../controller/audit/chain-key');
        return {
          ...actual,
          // The earlier cairn: the id it wrote was what formerIds now lists.
          loadChainKey: (...args: Parameters<typeof actual.loadChainKey>) => {
            const key = actual.loadChainKey(...args);
            return { ...key, id: key.formerIds[0]! };
          },
        };
      });
      await writeTwo(config);
    });
    const file = join(dir, 'envs', 'dev', 'audit-000001.jsonl');
    const written = await readFile(file, 'utf8');
    expect(written).toMatch(/"kid":"hmac-[0-9a-f]{12}"/);
    expect(written).not.toContain('"kid":"hmac-v2-');
    const configFile = await writeAuditOnlyConfig(root, `  dir: ${dir}\n  keyFile: ${config.keyFile}\n`);

    // When today's cairn verifies it, then the chain is intact
    const verified = await runCli(['audit', 'verify', '--config', configFile]);
    expect(verified.stdout).toContain('audit chain dev intact: 4 records');
    expect(verified.code).toBe(0);

    // And what it appends carries the new id, and the whole chain still verifies
    await writeTwo(config);
    const after = await readFile(file, 'utf8');
    expect(after).toMatch(/"kid":"hmac-v2-[0-9a-f]{16}"/);
    const again = await runCli(['audit', 'verify', '--config', configFile]);
    expect(again.stdout).toContain('audit chain dev intact: 8 records');
    expect(again.code).toBe(0);
  });

  it('refuses to start with a key of low entropy, naming the file', async () => {
    const root = await tempAuditDir('weak-key');
    dirs.push(root);
    const keyFile = join(root, 'weak.key');
    // 48 bytes, but 4 distinct values
    await writeFile(keyFile, 'abc!'.repeat(12));
    const configFile = await writeAuditOnlyConfig(
      root,
      `  dir: ${join(root, 'audit')}\n  keyFile: ${keyFile}\n`,
    );
    const result = await runCli(['audit', 'verify', '--config', configFile]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `the audit key file ${keyFile} (audit.keyFile) has only 4 distinct byte values`,
    );
    expect(result.stderr).toContain('head -c 32 /dev/urandom');
    // A strong key in the same place is accepted
    await writeFile(keyFile, randomBytes(32).toString('base64'));
    expect((await runCli(['audit', 'verify', '--config', configFile])).code).toBe(0);
  });
});
