import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli';
import { auditKeyFile } from '../helpers/e2e-platform';
import { canaryChannels, canaryLeaks, canaryTag as tag } from '../helpers/secret-canaries';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(120_000);

/**
 * A Git host on loopback that asks for Basic credentials, then refuses them quoting what it got: the
 * Authorization header and the `user:password` it decodes to, in a smart-HTTP `ERR` line (which git
 * prints as `fatal: remote error: …` and isomorphic-git quotes as what it did not expect).
 */
function startQuotingGitHost(): Promise<{
  url: string;
  /** Every Authorization header the host was sent. */
  authorizations: string[];
  close(): Promise<void>;
}> {
  const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    const header = req.headers.authorization;
    if (header) authorizations.push(header);
    if (!header) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="canary"' }).end();
      return;
    }
    const decoded = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
    res.writeHead(200, { 'Content-Type': 'application/x-git-upload-pack-advertisement' });
    res.end(`${pkt('# service=git-upload-pack\n')}0000${pkt(`ERR refused ${header} (${decoded})\n`)}`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
        authorizations,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

/** The command lines of every process on the machine that holds `text` (as any user may read them). */
function commandLinesHolding(text: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        return line.includes(text) ? [line.split(text).join('«password»')] : [];
      } catch {
        return []; // gone already
      }
    });
}

/**
 * The no-secret rule (SECURITY.md) for a password written inline in `repository.url`
 * (`https://user:password@host/…`), which the config allows: `plan` and `sync` on both Git backends
 * against a host whose refusal quotes the credentials it was sent, percent-decoded and as the Basic
 * header's base64.
 */
describe('secret canaries: credentials inline in repository.url', () => {
  const sandbox = sandboxEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-canary-url-'));
  // An `@` and a `/` that the URL percent-encodes: the host receives (and quotes) them decoded.
  const password = `canary@url/password-${tag()}`;
  const { channels, recordCli: record, recordFiles } = canaryChannels();
  let host: Awaited<ReturnType<typeof startQuotingGitHost>>;
  const configs: Record<'native' | 'isomorphic', string> = { native: '', isomorphic: '' };

  beforeAll(async () => {
    host = await startQuotingGitHost();
    const keyFile = auditKeyFile(dir);
    for (const backend of ['native', 'isomorphic'] as const) {
      configs[backend] = join(dir, `cairn-${backend}.yaml`);
      writeFileSync(
        configs[backend],
        stringify({
          repository: {
            url: `http://canary-user:${encodeURIComponent(password)}@${host.url}/platform.git`,
            backend,
            pollInterval: '1h',
          },
          environments: [
            {
              name: 'dev',
              kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespaces: [`canary-url-${tag()}`] },
            },
          ],
          audit: { dir: join(dir, 'audit'), keyFile },
          server: { port: 0 },
          workspaces: { dir: join(dir, `workspaces-${backend}`) },
        }),
      );
    }
  });

  afterAll(async () => {
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no copy of the password appears in what cairn printed or recorded', async () => {
    // When each backend's plan and sync fetch from a host that quotes the credentials it refuses
    for (const backend of ['native', 'isomorphic'] as const)
      for (const command of ['plan', 'sync']) {
        const result = await runCli([command, '--env', 'dev', '--config', configs[backend]]);
        record(`cairn ${command} --env dev (${backend})`, result);
        expect(result.code).not.toBe(0);
        expect(`${result.stdout}${result.stderr}`).toContain('refused Basic [masked] ([masked])');
      }
    recordFiles('audit file', join(dir, 'audit'), /\.jsonl$/);
    // Then no channel holds the password, raw, percent-encoded, or in the Basic header's base64
    const leaks = canaryLeaks(channels, [
      { name: 'repository.url password', value: password },
      { name: 'repository.url user:password', value: `canary-user:${password}` },
    ]);
    if (leaks) throw new Error(leaks);
  });

  it('no copy of the password appears when the config quoting the URL is refused', async () => {
    // Given a file:// URL naming a remote host, which the config check refuses quoting the URL
    const refusedPassword = `canary-file-url-password-${tag()}`;
    const config = join(dir, 'cairn-file-url.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: `file://canary-user:${refusedPassword}@git.example/platform.git` },
        environments: [{ name: 'dev', kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig } }],
        audit: { dir: join(dir, 'audit'), keyFile: join(dir, 'audit.key') },
      }),
    );
    const printed = canaryChannels();
    // When `cairn validate` (which prints every problem) and `cairn plan` read it
    for (const args of [['validate'], ['plan', '--env', 'dev']]) {
      const result = await runCli([...args, '--config', config]);
      printed.recordCli(`cairn ${args.join(' ')} (file:// URL)`, result);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('[masked]@git.example/platform.git');
    }
    // Then neither printed the password
    const leaks = canaryLeaks(printed.channels, [{ name: 'file:// URL password', value: refusedPassword }]);
    if (leaks) throw new Error(leaks);
  });

  it('the native backend takes no password from a credential helper of cairn’s git config', async () => {
    // Given cairn's HOME with a git credential helper that stores a password for the host (as
    // `git credential approve` or an operator's `git clone` leaves it), and a URL without one
    const storedPassword = `canary-stored-git-password-${tag()}`;
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.gitconfig'), '[credential]\n\thelper = store\n');
    writeFileSync(join(home, '.git-credentials'), `http://canary-user:${storedPassword}@${host.url}\n`, {
      mode: 0o600,
    });
    const config = join(dir, 'cairn-helper.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: `http://${host.url}/platform.git`, backend: 'native', pollInterval: '1h' },
        environments: [{ name: 'dev', kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig } }],
        audit: { dir: join(dir, 'audit'), keyFile: join(dir, 'audit.key') },
        workspaces: { dir: join(dir, 'workspaces-helper') },
      }),
    );
    const printed = canaryChannels();
    const before = host.authorizations.length;
    // When a plan and a sync fetch from the host that quotes the credentials it is sent
    for (const command of ['plan', 'sync']) {
      const result = await runCli([command, '--env', 'dev', '--config', config], { HOME: home });
      printed.recordCli(`cairn ${command} --env dev (credential helper)`, result);
      expect(result.code).not.toBe(0);
    }
    printed.recordFiles('audit file', join(dir, 'audit'), /\.jsonl$/);
    // Then nothing printed or recorded holds the stored password, and the host was never sent it
    const leaks = canaryLeaks(printed.channels, [
      { name: 'stored password', value: storedPassword },
      { name: 'stored user:password', value: `canary-user:${storedPassword}` },
    ]);
    if (leaks) throw new Error(leaks);
    expect(host.authorizations.slice(before)).toEqual([]);
  });

  it('puts no password or token of the URL on a command line while git fetches', async () => {
    // Given a host that holds each request for a while before it refuses it
    let seen: () => void = () => undefined;
    const slow: Server = createServer((req, res) => {
      seen();
      setTimeout(() => res.writeHead(403).end(), 2_000);
      req.resume();
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as AddressInfo).port;
    // A password after a user, and a token written as the user (`https://<token>@host/…`)
    const held = `canary-held-url-password-${tag()}`;
    const heldToken = `canary-held-url-token-${tag()}`;
    try {
      for (const [secret, userInfo] of [
        [held, `canary-user:${held}`],
        [heldToken, heldToken],
      ] as const) {
        const config = join(dir, 'cairn-held.yaml');
        writeFileSync(
          config,
          stringify({
            repository: {
              url: `http://${userInfo}@127.0.0.1:${port}/platform.git`,
              backend: 'native',
              pollInterval: '1h',
            },
            environments: [{ name: 'dev', kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig } }],
            audit: { dir: join(dir, 'audit'), keyFile: join(dir, 'audit.key') },
            workspaces: { dir: join(dir, 'workspaces-held') },
          }),
        );
        const asked = new Promise<void>((resolve) => (seen = resolve));
        // When a plan's git is waiting for the host
        const plan = runCli(['plan', '--env', 'dev', '--config', config]);
        await asked;
        const lines = commandLinesHolding(secret);
        expect((await plan).code).not.toBe(0);
        // Then no process's command line (git's, git-remote-http's) holds the password or token
        expect(lines).toEqual([]);
      }
    } finally {
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });
});
