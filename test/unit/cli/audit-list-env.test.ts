import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, main } from '../../../controller/cli/main';
import { AuditLog } from '../../../controller/audit/audit-log';
import { loadConfig } from '../../../controller/config/load-config';
import { entry, recordEntry } from '../../integration/audit/audit-fixtures';

/** `cairn audit list --env E`: a typo in E is said, not listed as an empty history. */
describe('cairn audit list --env', () => {
  let dir: string;
  let config: string;
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-audit-list-env-'));
    config = join(dir, 'cairn.yaml');
    writeFileSync(
      config,
      [
        `repository: { url: ${dir}/repo }`,
        'environments:',
        '  - { name: dev, kubernetes: { namespace: dev } }',
        '  - { name: prod, kubernetes: { namespace: prod } }',
        `audit: { dir: ${dir}/audit, unkeyed: true }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it('fails naming the environments there are, for a name neither the config nor the ledger knows', async () => {
    expect(await main(['audit', 'list', '-c', config, '--env', 'staging'])).toBe(EXIT.failed);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('no environment named "staging"'));
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('dev, prod'));
    expect(stdout).not.toHaveBeenCalled();
  });

  it('still lists an environment of the config that has no entries yet as having none', async () => {
    expect(await main(['audit', 'list', '-c', config, '--env', 'dev'])).toBe(EXIT.ok);
    expect(stdout).toHaveBeenCalledWith(expect.stringContaining('no audit entries'));
  });

  it("says a removed environment's chain broken at its first record is broken, not unknown", async () => {
    // given a chain of "old" (no longer in the config) whose first record was edited
    const writer = await AuditLog.open(loadConfig(config).audit);
    await recordEntry(writer, entry({ id: 'o1', env: 'old' }));
    await writer.close();
    const file = join(dir, 'audit', 'envs', 'old', 'audit-000001.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replace('add the orders queue', 'add the orders queuE'));

    // when it is listed, then the break is said, and the name is not called unknown
    await main(['audit', 'list', '-c', config, '--env', 'old']);
    const said = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(said).not.toContain('no environment named "old"');
    expect(said).toContain('audit chain old is broken');
  });
});
