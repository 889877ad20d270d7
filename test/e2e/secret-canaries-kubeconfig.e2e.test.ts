import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { listenOnLoopback } from '../helpers/net';
import { canaryChannels, canaryLeaks, canaryTag as tag, type Canary } from '../helpers/secret-canaries';

jest.setTimeout(120_000);

/**
 * An API server (or a proxy in front of one) that refuses every request with 401 and quotes the
 * Authorization header it got in its Status message: the hostile channel for a kubeconfig's token.
 */
async function echoingApiServer() {
  let refused = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      refused += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Unauthorized',
          code: 401,
          message: `Unauthorized: ${req.headers.authorization ?? 'no Authorization header'}`,
        }),
      );
    });
  });
  return { ...(await listenOnLoopback(server)), refused: () => refused };
}

/**
 * The no-secret rule (SECURITY.md) for a kubeconfig's own credentials: a static bearer token, a
 * token file's contents, a basic-auth password, an exec plugin's token, and what an exec plugin is
 * given in its `env` and `args`. Error paths: an API server that echoes the Authorization header in
 * its 401, and an exec plugin that fails printing its secrets on stderr (one of them where the
 * 300-character cut of its message falls). Channels: `plan` and `sync` output, the audit files.
 */
describe('secret canaries: kubeconfig tokens, passwords and exec plugins', () => {
  const id = tag();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-canary-kubeconfig-'));
  const c = {
    staticToken: `canary-static-token-${tag()}`,
    tokenFile: `canary-token-file-${tag()}`,
    password: `canary-basic-password-${tag()}`,
    pluginToken: `canary-plugin-token-${tag()}`,
    pluginEnv: `canary-plugin-env-secret-${tag()}`,
    pluginArg: `canary-plugin-arg-secret-${tag()}`,
  };
  const { channels, recordCli: record, recordFiles } = canaryChannels();
  let repo: TestRepo;
  let api: Awaited<ReturnType<typeof echoingApiServer>>;
  let config: string;
  const envs = ['token', 'tokenfile', 'basic', 'plugin', 'failing'] as const;

  beforeAll(async () => {
    api = await echoingApiServer();
    const manifests = { 'k8s-resources/greeting.yaml': greetingManifest(`canary-${id}`, 'v1') };
    repo = createTestRepo(`canary-kubeconfig-${id}`, Object.fromEntries(envs.map((e) => [e, manifests])));
    const script = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const plugin = script(
      'plugin.js',
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: ${JSON.stringify(c.pluginToken)} } }));\n`,
    );
    // Fails, printing what it was given on stderr (the library's error is that text, which cairn
    // keeps to 300 characters on one line); a last copy of its env secret straddles the cut.
    const failing = script(
      'failing-plugin.js',
      `const said = 'given CANARY_PLUGIN_PASSWORD=' + process.env.CANARY_PLUGIN_PASSWORD + ' --api-key ' + process.argv[3] + ' ';
process.stderr.write(said + 'x'.repeat(295 - said.length) + process.env.CANARY_PLUGIN_PASSWORD + '\\n');
process.exit(1);\n`,
    );
    writeFileSync(join(dir, 'token'), c.tokenFile, { mode: 0o600 });
    const exec = (args: string[], env: { name: string; value: string }[] = []) => ({
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: process.execPath,
        args,
        env,
        interactiveMode: 'Never',
      },
    });
    const users: Record<(typeof envs)[number], Record<string, unknown>> = {
      token: { token: c.staticToken },
      tokenfile: { 'token-file': join(dir, 'token') },
      basic: { username: 'cairn', password: c.password },
      plugin: exec([plugin]),
      failing: exec(
        [failing, '--api-key', c.pluginArg],
        [{ name: 'CANARY_PLUGIN_PASSWORD', value: c.pluginEnv }],
      ),
    };
    const kubeconfig = (env: (typeof envs)[number]) => {
      const file = join(dir, `${env}.kubeconfig`);
      writeFileSync(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          // (the library refuses plain HTTP unless told to skip TLS verification)
          clusters: [{ name: 'echo', cluster: { server: api.url, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'u', user: users[env] }],
          contexts: [{ name: 'echo', context: { cluster: 'echo', user: 'u' } }],
          'current-context': 'echo',
        }),
        { mode: 0o600 },
      );
      return file;
    };
    config = join(dir, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '1h' },
        environments: envs.map((name) => ({
          name,
          kubernetes: { kubeconfig: kubeconfig(name), namespace: `canary-${id}` },
        })),
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port: 0 },
        workspaces: { dir: join(dir, 'workspaces') },
      }),
    );
  });

  afterAll(async () => {
    await api?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no kubeconfig credential appears in what cairn printed or recorded', async () => {
    for (const env of envs) {
      const plan = record(
        `cairn plan --env ${env}`,
        await runCli(['plan', '--env', env, '--config', config]),
      );
      expect(plan.code).not.toBe(0);
      const sync = record(
        `cairn sync --env ${env}`,
        await runCli(['sync', '--env', env, '--config', config]),
      );
      expect(sync.code).not.toBe(0);
    }
    recordFiles('audit file', join(dir, 'audit'), /\.(jsonl|json)$/);
    expect([...channels.keys()].filter((k) => k.startsWith('audit file')).length).toBeGreaterThan(0);

    const canaries: Canary[] = [
      { name: 'kubeconfig user.token', value: c.staticToken },
      { name: 'kubeconfig user.token-file contents', value: c.tokenFile },
      { name: 'kubeconfig user.password', value: c.password },
      { name: 'exec plugin token', value: c.pluginToken },
      { name: 'exec plugin env secret', value: c.pluginEnv },
      { name: 'exec plugin --api-key argument', value: c.pluginArg },
    ];
    const leaks = canaryLeaks(channels, canaries);
    if (leaks) throw new Error(leaks);
    // (the API server was reached and refused; the failing plugin's text reached the output)
    expect(api.refused()).toBeGreaterThan(0);
    expect(
      channels.get('cairn sync --env token (stdout)')! + channels.get('cairn sync --env token (stderr)')!,
    ).toMatch(/HTTP 401: Unauthorized: \[masked\]/);
    expect(channels.get('cairn plan --env failing (stderr)')).toMatch(
      /could not be fetched: given CANARY_PLUGIN_PASSWORD=/,
    );
  });
});
