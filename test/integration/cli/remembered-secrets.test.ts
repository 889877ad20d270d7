import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../../controller/cli/main';
import { forgetSecrets, MASK, maskSecrets } from '../../../controller/model/secret-mask';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';

jest.setTimeout(60_000);

/**
 * Every command remembers the secrets its config points at as soon as it has read the file, valid
 * or not, so its output and its final error line mask them (`cairn audit` and `cairn suspend` did
 * not, and `cairn validate` only for a valid config).
 */
describe('the secrets a command’s config points at are remembered for masking', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-remembered-secrets-'));
  const canary = (name: string) => `canary-${name}-${randomBytes(6).toString('hex')}`;
  const c = {
    hostToken: canary('host-token'),
    fileToken: canary('api-token-file'),
    apiToken: canary('api-token'),
    gitToken: canary('git-token'),
  };
  const other = canary('other-token');
  const env = { CANARY_HOST_TOKEN: c.hostToken, CANARY_API_TOKEN: c.apiToken, CANARY_GIT_TOKEN: c.gitToken };
  let controller: Server;
  let controllerUrl: string;
  const keyFile = auditKeyFile(dir);
  writeFileSync(join(dir, 'api.token'), `${c.fileToken}\n`);
  const config = (name: string, doc: Record<string, unknown>) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(doc));
    return file;
  };
  const valid = () =>
    config('valid', {
      repository: {
        url: join(dir, 'repo.git'),
        auth: { tokenEnv: 'CANARY_GIT_TOKEN' },
        host: { type: 'github', apiUrl: 'http://127.0.0.1:1', repo: 'o/r', tokenEnv: 'CANARY_HOST_TOKEN' },
      },
      environments: [{ name: 'dev', kubernetes: { namespace: 'dev' } }],
      audit: { dir: join(dir, 'audit'), keyFile },
      server: {
        port: 0,
        publicUrl: controllerUrl,
        apiTokenEnv: 'CANARY_API_TOKEN',
        apiTokens: [{ file: 'api.token', scopes: ['sync'] }],
      },
      workspaces: { dir: join(dir, 'workspaces') },
    });

  beforeAll(async () => {
    // A controller's API (or a proxy in front of it) that refuses the request and quotes its token.
    controller = createServer((req, res) => {
      req.resume();
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `bad token in ${req.headers.authorization ?? ''}` }));
    });
    await new Promise<void>((r) => controller.listen(0, '127.0.0.1', r));
    controllerUrl = `http://127.0.0.1:${(controller.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((r) => controller.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const saved = { ...process.env };
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  beforeEach(() => {
    forgetSecrets();
    Object.assign(process.env, env);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    stdout.mockRestore();
    process.exitCode = undefined;
    for (const name of Object.keys(env)) if (saved[name] === undefined) delete process.env[name];
  });

  const masked = (value: string) => maskSecrets(`<${value}>`) === `<${MASK}>`;

  it.each([
    ['audit list', ['audit', 'list']],
    ['audit verify', ['audit', 'verify']],
    ['suspend', ['suspend', 'dev']],
  ])('cairn %s remembers them', async (_name, argv) => {
    // when the command runs with a valid config
    await main([...argv, '--config', valid()]);
    // then every secret it points at (by variable and by file) is masked from then on
    expect(Object.values(c).filter((v) => !masked(v))).toEqual([]);
  });

  it('cairn validate remembers them when the config is not valid', async () => {
    // given a config with a mistake, whose secrets are named by variable and by file
    const file = config('invalid', {
      repository: { url: join(dir, 'repo.git'), auth: { tokenEnv: 'CANARY_GIT_TOKEN' } },
      environments: [{ name: 'dev', kubernetes: { namespace: 'dev' }, colour: 'blue' }],
      audit: { dir: join(dir, 'audit'), keyFile },
      server: { port: 0, apiTokens: [{ file: 'api.token', scopes: ['sync'] }] },
      workspaces: { dir: join(dir, 'workspaces') },
    });
    // when it is validated
    expect(await main(['validate', '--config', file])).toBe(1);
    expect(stderr).toHaveBeenCalledWith(expect.stringContaining('is not valid'));
    // then those secrets are masked from then on
    expect([c.gitToken, c.fileToken].filter((v) => !masked(v))).toEqual([]);
  });

  it.each([
    ['server.apiTokenEnv', [], c.apiToken],
    ['--token-env, a variable the config does not name', ['--token-env', 'OTHER_TOKEN'], other],
  ])(
    'a real `cairn suspend` prints a refusal that quotes its token (from %s) masked',
    async (_from, args, token) => {
      // given a controller API that quotes the token it refuses
      const result = await runCli(['suspend', 'dev', ...args, '--config', valid()], {
        ...env,
        OTHER_TOKEN: other,
      });
      // then the refusal is printed, without the token
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`refused by ${controllerUrl}: bad token in Bearer ${MASK}`);
      expect(result.stderr).not.toContain(token);
    },
  );
});
