import { EXIT, main, program } from '../../../controller/cli/main';
import { mutedStderr, runCli } from '../../helpers/cli';

jest.setTimeout(30_000);

/** Every command answers a wrong command line with exit code 2, before it reads any file. */
describe('usage errors', () => {
  const stderr = mutedStderr();

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
    expect(stderr()).toHaveBeenCalledWith(expect.stringMatching(/error|Usage/));
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
  it('asks the Lease for the holder first, and with the Lease API unreachable exits 1 having applied nothing', async () => {
    // given a config whose environments are shared between replicas, whose Lease API refuses connections
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'cairn-sync-sharded-'));
    const file = join(dir, 'cairn.yaml');
    writeFileSync(join(dir, 'handoff.key'), 'k'.repeat(48));
    writeFileSync(
      join(dir, 'leases.kubeconfig'),
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]',
        'users: [{ name: u, user: {} }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    writeFileSync(
      file,
      [
        `repository: { url: ${dir} }`,
        'environments: [{ name: dev, kubernetes: { namespace: dev } }]',
        'audit: { dir: audit, backend: dynamodb, dynamodb: { table: cairn-audit, region: us-east-1 } }',
        'sharding: { enabled: true, handoffKeyFile: handoff.key, kubeconfig: leases.kubeconfig }',
        '',
      ].join('\n'),
    );
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      // when `cairn sync` is run against it
      const code = await main(['sync', '-c', file, '-e', 'dev']);

      // then it fails before anything is opened or applied (no audit folder was even made)
      expect(code).toBe(1);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('127.0.0.1:1'));
      expect((await import('node:fs')).existsSync(join(dir, 'audit'))).toBe(false);
    } finally {
      stderr.mockRestore();
      process.exitCode = undefined;
    }
  });
});

describe('the --config option', () => {
  it('is -c, --config in every command that takes it (cairn install -c F is not a usage error)', () => {
    type Cmd = ReturnType<typeof program>;
    const walk = (command: Cmd, path: string): string[] =>
      command.options
        .filter((o) => o.long === '--config')
        .map((o) => `${path}: ${o.flags}`)
        .concat(command.commands.flatMap((c) => walk(c, `${path} ${c.name()}`)));
    const flags = walk(program([], 'all'), 'cairn');
    expect(flags.length).toBeGreaterThan(10);
    expect(flags.filter((f) => !f.endsWith('-c, --config <file>'))).toEqual([]);
  });
});
