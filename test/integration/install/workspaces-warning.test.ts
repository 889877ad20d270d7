import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { runCli } from '../../helpers/cli';

jest.setTimeout(60_000);

/**
 * `cairn install --export` (the real binary) with a config whose workspaces.dir the synth-runner
 * container does not mount: the export is printed, and stderr warns naming the field, its value
 * and the runner's mount, before any synth can fail on it at run time.
 */
describe('cairn install --export and workspaces.dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-install-ws-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const configFile = (workspaces: string) => {
    const file = join(dir, `cairn-${workspaces.replaceAll('/', '_')}.yaml`);
    writeFileSync(
      file,
      stringify({
        repository: { url: 'https://git.example.com/platform/infra.git' },
        environments: [
          {
            name: 'prod',
            branch: 'prod',
            aws: {
              region: 'eu-west-1',
              account: '111111111111',
              synth: { isolation: 'sidecar', socket: '/var/lib/cairn/runner/synth.sock' },
            },
          },
        ],
        audit: {
          backend: 'dynamodb',
          dir: '/var/lib/cairn/state/audit',
          dynamodb: { table: 'cairn-audit', region: 'eu-west-1' },
        },
        server: {
          host: '0.0.0.0',
          apiTokens: [{ file: '/etc/cairn/secrets/api-token', scopes: ['read'] }],
          metricsAuth: true,
        },
        workspaces: { dir: workspaces },
      }),
    );
    return file;
  };
  const warning =
    /^cairn: warning: .*cairn-.*\.yaml: workspaces\.dir is \/data\/workspaces, but the synth-runner container mounts only \/var\/lib\/cairn\/workspaces of the pod's volume/m;

  it('warns when the runner does not see it, and still exports', async () => {
    const result = await runCli(['install', '--export', '--config', configFile('/data/workspaces')]);
    expect(result.stderr).toMatch(warning);
    expect(result.code).toBe(0);
    const kinds = parseAllDocuments(result.stdout).map((d) => (d.toJS() as { kind?: string } | null)?.kind);
    expect(kinds).toContain('Deployment');
  });

  it.each([
    ['at the runner mount', '/var/lib/cairn/workspaces', []],
    ['elsewhere, installed without the runner', '/data/workspaces', ['--no-synth-runner']],
  ])('says nothing of it when it is %s', async (_case, workspaces, flags) => {
    const result = await runCli(['install', '--export', '--config', configFile(workspaces), ...flags]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/workspaces\.dir/);
  });
});
