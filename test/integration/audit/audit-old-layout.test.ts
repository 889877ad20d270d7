import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli';
import { auditConfig, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

// CLI runs start tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a ledger of the first JSONL layout, with the real CLI', () => {
  it('is refused naming the file, not read as an empty ledger', async () => {
    // Given an audit folder as the first layout left it: one chain for every environment at its top
    root = await tempAuditDir('old-layout');
    const audit = auditConfig(join(root, 'audit'));
    await mkdir(audit.dir, { recursive: true });
    await writeFile(
      join(audit.dir, 'audit-000001.jsonl'),
      `${JSON.stringify({ seq: 1, prevHash: '0'.repeat(64), type: 'start', env: 'dev', id: 'r1' })}\n`,
    );
    const config = await writeAuditOnlyConfig(root, `  dir: ${audit.dir}\n  keyFile: ${audit.keyFile}\n`);

    // When this version verifies and lists it
    const verify = await runCli(['audit', 'verify', '--config', config]);
    const list = await runCli(['audit', 'list', '--config', config]);

    // Then both fail, naming the file and what to do, rather than report an empty, intact trail
    for (const run of [verify, list]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('holds audit-000001.jsonl, a ledger of the first layout');
      expect(run.stderr).toContain('move those files out of audit.dir');
      expect(run.stdout).not.toContain('audit trail empty');
    }
  });
});
