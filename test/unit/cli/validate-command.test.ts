import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCommand } from '../../../controller/cli/commands/validate';

describe('cairn validate of a config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-validate-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [1, 'is valid (1 environment)'],
    [2, 'is valid (2 environments)'],
  ])('counts %i environment(s) in words a person reads', async (n, said) => {
    const file = join(dir, `cairn-${n}.yaml`);
    const envs = ['dev', 'prod']
      .slice(0, n)
      .map((e) => `  - { name: ${e}, kubernetes: { namespace: ${e} } }`);
    writeFileSync(
      file,
      [
        'repository: { url: /tmp/repo }',
        'environments:',
        ...envs,
        'audit: { dir: audit, unkeyed: true }',
        '',
      ].join('\n'),
    );
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await validateCommand({ config: file })).toBe(0);
      expect(stdout).toHaveBeenCalledWith(`${file} ${said}\n`);
    } finally {
      stdout.mockRestore();
    }
  });
});
