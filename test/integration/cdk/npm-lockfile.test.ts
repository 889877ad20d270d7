import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenOnLoopback, type LoopbackServer } from '../../helpers/net';
import { synthInPlace, workspaceWith } from './cdk-fixture';

jest.setTimeout(180_000);

const NPM_TOKEN = 'npm_cairnTestToken5d1c9e';
const GIT_TOKEN = 'cairn-git-token-7a0f3b';
const SECRET = 'another-environment-secret-42c1';

/** The files under `folder` (not following links) whose content holds `text`. */
function holding(folder: string, text: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => lstatSync(path).isFile() && readFileSync(path, 'utf8').includes(text));
}

interface Recorded {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** A loopback HTTP server that records every request and answers with `answer`. */
async function recordingServer(
  answer: (url: string, headers: IncomingHttpHeaders) => { status: number; body?: Buffer; headers?: object },
): Promise<LoopbackServer & { requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const { status, body, headers } = answer(req.url ?? '', req.headers);
    res.writeHead(status, { ...headers });
    res.end(body);
  });
  return { ...(await listenOnLoopback(server)), requests };
}

/**
 * The real npm path (synthesizeApp → npm ci, run as cairn's user outside the sandbox with cairn's
 * HOME) against loopback parts: a registry that serves one real tarball and records requests (the
 * registry HOME's .npmrc names, with a token for it), another recording server standing for any
 * host a committer names (it asks for Git credentials, which HOME's Git credential store holds for
 * it), a Git repository on the controller's disk holding a secret, and a folder with a
 * node_modules outside the install. A lockfile of the registry's tarballs is installed; each
 * hostile form is refused (`synth.npm-lockfile`) before npm runs: nothing is cloned, asked,
 * emptied or installed.
 */
describe('npm ci of the app lockfile: only registry tarballs', () => {
  let dir: string;
  let registry: Awaited<ReturnType<typeof recordingServer>>;
  let other: Awaited<ReturnType<typeof recordingServer>>;
  let tarball: Buffer;
  let secretRepo: string;
  let victim: string;
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-npmlock-'));
    // One real package for the registry: tiny@1.0.0.
    mkdirSync(join(dir, 'tiny', 'package'), { recursive: true });
    writeFileSync(
      join(dir, 'tiny', 'package', 'package.json'),
      JSON.stringify({ name: 'tiny', version: '1.0.0' }),
    );
    writeFileSync(join(dir, 'tiny', 'package', 'index.js'), 'module.exports = 1;\n');
    execFileSync('tar', ['czf', join(dir, 'tiny.tgz'), '-C', join(dir, 'tiny'), 'package']);
    tarball = readFileSync(join(dir, 'tiny.tgz'));
    registry = await recordingServer((url, headers) =>
      url === '/tiny/-/tiny-1.0.0.tgz'
        ? { status: 200, body: tarball }
        : url === '/tiny/-/tiny-2.0.0.tgz'
          ? // A registry (or its proxy) whose refusal quotes the credentials it was sent.
            {
              status: 403,
              headers: { 'content-type': 'application/json' },
              body: Buffer.from(JSON.stringify({ error: `${headers.authorization} may not read tiny` })),
            }
          : { status: 404 },
    );
    other = await recordingServer((_url, headers) =>
      headers.authorization
        ? { status: 404 }
        : { status: 401, headers: { 'www-authenticate': 'Basic realm="git"' } },
    );
    // A repository on the controller's disk (another environment's, say), with a package.json.
    secretRepo = join(dir, 'secret-repo');
    mkdirSync(secretRepo);
    writeFileSync(join(secretRepo, 'package.json'), JSON.stringify({ name: 'secret', version: '1.0.0' }));
    writeFileSync(join(secretRepo, 'SECRET.txt'), SECRET);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: secretRepo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'secret');
    // A folder cairn keeps outside the install: its own, another environment's cache.
    victim = join(dir, 'victim');
    mkdirSync(join(victim, 'node_modules', 'kept'), { recursive: true });
    writeFileSync(join(victim, 'package.json'), JSON.stringify({ name: 'victim', version: '1.0.0' }));
    writeFileSync(join(victim, 'node_modules', 'kept', 'index.js'), 'kept\n');
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await Promise.all([registry, other].map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh HOME for cairn: its npm configuration (registry and token) and Git credentials. */
  const freshHome = (): string => {
    const home = mkdtempSync(join(dir, 'home-'));
    const host = registry.url.replace(/^http:/, '');
    writeFileSync(
      join(home, '.npmrc'),
      `registry=${registry.url}/\n${host}/:_authToken=${NPM_TOKEN}\nupdate-notifier=false\n`,
    );
    writeFileSync(join(home, '.gitconfig'), '[credential]\n\thelper = store\n');
    writeFileSync(join(home, '.git-credentials'), `${other.url.replace('//', `//cairn:${GIT_TOKEN}@`)}\n`, {
      mode: 0o600,
    });
    process.env.HOME = home;
    return home;
  };

  const tinyEntry = () => ({
    version: '1.0.0',
    resolved: `${registry.url}/tiny/-/tiny-1.0.0.tgz`,
    integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
  });

  /** Synthesizes the scenario app with these files beside it; resolves to the error, or fails. */
  const synth = async (
    pkg: Record<string, unknown>,
    packages: Record<string, unknown>,
    cacheDir: string,
  ): Promise<unknown> => {
    const workspaceDir = workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] });
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { ...pkg }, ...packages },
    };
    writeFileSync(join(workspaceDir, 'aws-resources', 'package.json'), JSON.stringify(pkg));
    writeFileSync(join(workspaceDir, 'aws-resources', 'package-lock.json'), JSON.stringify(lock));
    try {
      return await synthInPlace(workspaceDir, cacheDir);
    } catch (error) {
      return error;
    } finally {
      rmSync(workspaceDir, { recursive: true, force: true });
    }
  };

  it('masks the registry token of ~/.npmrc when npm ci prints a refusal that quotes it', async () => {
    freshHome();
    const result = await synth(
      { name: 'app', version: '1.0.0', dependencies: { tiny: '2.0.0' } },
      {
        'node_modules/tiny': {
          ...tinyEntry(),
          version: '2.0.0',
          resolved: `${registry.url}/tiny/-/tiny-2.0.0.tgz`,
        },
      },
      join(dir, 'cache-refused'),
    );
    expect(result).toMatchObject({ code: 'synth.deps' });
    const message = (result as Error).message;
    expect(message).toContain('403 Forbidden');
    expect(message).toContain('Bearer [masked] may not read tiny');
    expect(message).not.toContain(NPM_TOKEN);
  });

  it('installs tarballs of the configured registry, with its token', async () => {
    freshHome();
    const cacheDir = join(dir, 'cache-ok');
    const result = await synth(
      { name: 'app', version: '1.0.0', dependencies: { tiny: '^1.0.0' } },
      { 'node_modules/tiny': tinyEntry() },
      cacheDir,
    );
    expect(result).toMatchObject({ stacks: [{ id: 'Data' }] });
    expect(registry.requests.map((r) => r.url)).toContain('/tiny/-/tiny-1.0.0.tgz');
    expect(registry.requests[0]!.headers.authorization).toBe(`Bearer ${NPM_TOKEN}`);
    expect(
      execFileSync('find', [cacheDir, '-path', '*/node_modules/tiny/index.js'], { encoding: 'utf8' }),
    ).not.toBe('');
  });

  it.each([
    [
      'a git+file:// dependency: the repository would be cloned into the app’s node_modules',
      () => ({
        pkg: { dependencies: { secret: '^1.0.0' } },
        packages: {
          'node_modules/secret': {
            version: '1.0.0',
            resolved: `git+file://${secretRepo}#${execFileSync('git', ['rev-parse', 'HEAD'], { cwd: secretRepo, encoding: 'utf8' }).trim()}`,
          },
        },
      }),
      'node_modules/secret resolved is a Git repository',
    ],
    [
      'a resolved URL on another host: a GET from the controller',
      () => ({
        pkg: { dependencies: { tiny: '^1.0.0' } },
        packages: {
          'node_modules/tiny': { ...tinyEntry(), resolved: `${other.url}/internal/admin?delete=all` },
        },
      }),
      'node_modules/tiny resolved is not a plain tarball URL of the registry',
    ],
    [
      'a package.json Git dependency: git would send the controller’s credentials',
      () => ({
        pkg: { dependencies: { tiny: `git+${other.url}/corp/private.git` } },
        packages: { 'node_modules/tiny': tinyEntry() },
      }),
      'package.json dependencies.tiny is a Git repository',
    ],
    [
      'workspaces: npm would empty a node_modules outside the install',
      () => ({
        // from <cache>/<hash>.tmp-XXXXXX to <dir>/victim
        pkg: { workspaces: ['../../victim'] },
        packages: {
          'node_modules/victim': { resolved: '../../victim', link: true },
          '../../victim': { name: 'victim', version: '1.0.0' },
        },
      }),
      'package.json workspaces is not allowed',
    ],
  ])('refuses %s, before npm runs', async (_what, form, reason) => {
    const home = freshHome();
    registry.requests.length = 0;
    other.requests.length = 0;
    const cacheDir = join(dir, `cache-${Date.now()}`);
    const { pkg, packages } = form();
    const error = await synth({ name: 'app', version: '1.0.0', ...pkg }, packages, cacheDir);
    // What npm would have done: clone, send the Git credentials, GET, empty the folder.
    expect(holding(cacheDir, SECRET)).toEqual([]);
    expect(other.requests).toEqual([]);
    expect(registry.requests).toEqual([]);
    expect(existsSync(join(victim, 'node_modules', 'kept', 'index.js'))).toBe(true);
    expect(existsSync(join(home, '.npm', '_cacache'))).toBe(false);
    expect(existsSync(cacheDir)).toBe(false);
    // and the refusal names the file and the package, never the URL
    expect(error).toMatchObject({ code: 'synth.npm-lockfile', phase: 'synthesize', retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(reason);
    for (const word of [other.url, secretRepo, GIT_TOKEN, NPM_TOKEN]) expect(message).not.toContain(word);
  });
});
