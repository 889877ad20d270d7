import { EXIT, main } from '../../../controller/cli/main';
import { runCli } from '../../helpers/cli';

jest.setTimeout(30_000);

/** Every command answers a wrong command line with exit code 2, before it reads any file. */
describe('usage errors', () => {
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it.each([
    ['an unknown command', ['deploy']],
    ['run without --config', ['run']],
    ['run with a bad --log-format', ['run', '-c', 'c.yaml', '--log-format', 'xml']],
    ['sync without --env', ['sync', '-c', 'c.yaml']],
    ['plan with an unknown option', ['plan', '-c', 'c.yaml', '-e', 'dev', '--force']],
    ['validate without --config', ['validate']],
    ['bootstrap without --env', ['bootstrap', '-c', 'c.yaml']],
    ['audit without a subcommand', ['audit']],
    ['audit with an unknown subcommand', ['audit', 'prune']],
    ['audit list without --config', ['audit', 'list']],
    ['audit list with --limit 0', ['audit', 'list', '-c', 'c.yaml', '--limit', '0']],
    ['audit list with an unknown option', ['audit', 'list', '-c', 'c.yaml', '--all']],
    ['audit show without an id', ['audit', 'show', '-c', 'c.yaml']],
    ['audit verify without --config', ['audit', 'verify']],
    ['the demo, which is not a command of the binary', ['demo']],
    ['the sandbox, which is not a command of the binary', ['sandbox', 'up']],
  ])('%s exits 2', async (_case, argv) => {
    expect(await main(argv)).toBe(EXIT.usage);
    expect(stderr).toHaveBeenCalledWith(expect.stringMatching(/error|Usage/));
  });

  it('--help exits 0', async () => {
    jest.spyOn(process.stdout, 'write').mockImplementationOnce(() => true);
    expect(await main(['audit', 'list', '--help'])).toBe(EXIT.ok);
  });

  it('a real `cairn audit list` process without --config exits 2 and says what is missing', async () => {
    const result = await runCli(['audit', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("required option '-c, --config <file>' not specified");
  });
});

describe('cairn sync on a sharded installation', () => {
  it('refuses to apply from outside the Lease holder (exit 2) and says how to ask a replica', async () => {
    // given a config whose environments are shared between replicas
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-sync-sharded-'));
    const file = join(dir, 'cairn.yaml');
    writeFileSync(join(dir, 'handoff.key'), 'k'.repeat(48));
    writeFileSync(
      file,
      [
        `repository: { url: ${dir} }`,
        'environments: [{ name: dev, kubernetes: { namespace: dev } }]',
        'audit: { dir: audit, backend: dynamodb, dynamodb: { table: cairn-audit, region: us-east-1 } }',
        'sharding: { enabled: true, handoffKeyFile: handoff.key }',
        '',
      ].join('\n'),
    );
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // when `cairn sync` is run against it
      const code = await main(['sync', '-c', file, '-e', 'dev']);

      // then nothing is applied from here: a usage error naming the way that is fenced
      expect(code).toBe(EXIT.usage);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('/api/environments/dev/sync'));
    } finally {
      stderr.mockRestore();
      process.exitCode = undefined;
    }
  });
});
