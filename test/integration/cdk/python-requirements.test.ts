import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPythonDeps } from '../../../cdk/synth/python-deps';
import { silentLog } from '../../../controller/log';
import { listenOnLoopback, type LoopbackServer } from '../../helpers/net';

jest.setTimeout(180_000);

const SECRET = 'cairn-test-secret-5d1c9e';

/**
 * The real pip path (installPythonDeps, the real pip) against a local package index that records
 * every request. The index is the machine's pip configuration: here a venv's own pip.conf (the
 * `site` configuration, which pip reads under --isolated as it reads /etc/pip.conf). A
 * requirements.txt that would make pip build a source tree (a direct reference, a path) or read
 * another file (`-r` a secret) is refused before pip runs: the index is never asked, no build
 * backend runs, nothing is installed, and no content of the other file appears in the error.
 */
describe('Python requirements: only pinned requirements reach pip', () => {
  let dir: string;
  let server: LoopbackServer;
  let index: string;
  const requests: string[] = [];
  let python: string;
  const marker = () => join(dir, 'backend-ran');

  /** A source tree whose in-tree build backend writes `marker()` when pip imports it. */
  const sourceTree = (path: string) => {
    mkdirSync(path, { recursive: true });
    writeFileSync(
      join(path, 'pyproject.toml'),
      '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n',
    );
    writeFileSync(join(path, 'backend.py'), `open(${JSON.stringify(marker())}, "w").write("ran")\n`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-pyreq-'));
    mkdirSync(join(dir, 'aws-resources'));
    const files = join(dir, 'files');
    mkdirSync(files);
    // A wheel of `demo-pkg` 1.0 for the index, and an sdist of `evil` 1.0 (whose build would run).
    execFileSync('python3', [
      '-c',
      [
        'import sys, zipfile',
        'z = zipfile.ZipFile(sys.argv[1], "w")',
        'z.writestr("demo_pkg/__init__.py", "VALUE = 1\\n")',
        'z.writestr("demo_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: demo-pkg\\nVersion: 1.0\\n")',
        'z.writestr("demo_pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nGenerator: cairn-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")',
        'z.writestr("demo_pkg-1.0.dist-info/RECORD", "")',
        'z.close()',
      ].join('\n'),
      join(files, 'demo_pkg-1.0-py3-none-any.whl'),
    ]);
    sourceTree(join(dir, 'src', 'evil-1.0'));
    writeFileSync(
      join(dir, 'src', 'evil-1.0', 'PKG-INFO'),
      'Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n',
    );
    execFileSync('tar', ['czf', join(files, 'evil-1.0.tar.gz'), '-C', join(dir, 'src'), 'evil-1.0']);
    sourceTree(join(dir, 'local-tree'));
    writeFileSync(join(dir, 'secret-token'), `${SECRET}\n`);

    const handler = createServer((req, res) => {
      requests.push(req.url ?? '');
      const file = /^\/files\/([\w.-]+)$/.exec(req.url ?? '')?.[1];
      if (file && existsSync(join(files, file))) return res.end(readFileSync(join(files, file)));
      if (/^\/simple\/demo-pkg\/?$/.test(req.url ?? ''))
        return res
          .setHeader('content-type', 'text/html')
          .end(
            '<html><body><a href="/files/demo_pkg-1.0-py3-none-any.whl">demo_pkg-1.0-py3-none-any.whl</a></body></html>',
          );
      res.statusCode = 404;
      return res.end();
    });
    server = await listenOnLoopback(handler);
    index = server.url;

    // The machine's pip configuration: a venv (sharing the system's pip) whose pip.conf names the index.
    const venv = join(dir, 'venv');
    execFileSync('python3', ['-m', 'venv', '--without-pip', '--system-site-packages', venv]);
    writeFileSync(join(venv, 'pip.conf'), `[global]\nindex-url = ${index}/simple/\n`);
    python = join(venv, 'bin', 'python');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    requests.length = 0;
    rmSync(marker(), { force: true });
  });

  const install = (text: string, cache: string) => {
    const requirementsFile = join(dir, 'aws-resources', 'requirements.txt');
    writeFileSync(requirementsFile, text);
    return installPythonDeps({ requirementsFile, cacheDir: join(dir, cache), log: silentLog(), python });
  };
  const refusal = (text: string, cache: string): Promise<Error> =>
    install(text, cache).then(
      (target) => new Error(`installed into ${target}`),
      (error: Error) => error,
    );

  it('installs a pinned file from the index of the machine pip configuration', async () => {
    const target = await install(
      '# pinned\ndemo-pkg==1.0 ; python_version >= "3"  # from the index\n',
      'cache-ok',
    );
    expect(existsSync(join(target, 'demo_pkg', '__init__.py'))).toBe(true);
    expect(requests).toContain('/simple/demo-pkg/');
  });

  it.each([
    ['a direct reference to a URL', () => `demo-pkg==1.0\nevil @ ${index}/files/evil-1.0.tar.gz\n`],
    ['a direct reference to a path', () => `demo-pkg==1.0\nevil @ file://${join(dir, 'local-tree')}\n`],
    ['a local path', () => `demo-pkg==1.0\n${join(dir, 'local-tree')}\n`],
  ])('refuses %s before pip runs: no build, no request, nothing installed', async (_what, text) => {
    const cache = `cache-${requests.length}-${Date.now()}`;
    const error = await refusal(text(), cache);
    // What pip would have done first: fetch or build the source tree (its backend writes the marker).
    expect(existsSync(marker())).toBe(false);
    expect(requests).toEqual([]);
    expect(existsSync(join(dir, cache)) ? readdirSync(join(dir, cache)) : []).toEqual([]);
    expect(error).toMatchObject({
      code: 'synth.python-requirements',
      retryable: false,
      subject: 'aws-resources/requirements.txt:2',
    });
  });

  it('refuses -r of another file and another index: the file is not read, the index not asked', async () => {
    const cache = 'cache-secret';
    const error = await refusal(`--index-url ${index}/attacker/\n-r ${join(dir, 'secret-token')}\n`, cache);
    // What pip would have done: read the file as requirements and ask the repository's index for it.
    expect(requests).toEqual([]);
    expect(JSON.stringify(error)).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET);
    expect(error).toMatchObject({
      code: 'synth.python-requirements',
      subject: 'aws-resources/requirements.txt:1',
    });
    expect(error.message).toMatch(/line 1: .*--index-url.*; line 2: the option -r \(read another file\)/);
    expect(existsSync(join(dir, cache)) ? readdirSync(join(dir, cache)) : []).toEqual([]);
  });
});
