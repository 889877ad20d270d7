import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPythonDeps } from '../../../cdk/synth/python-deps';
import { silentLog } from '../../../controller/log';

jest.setTimeout(180_000);

/**
 * A Python CDK app's requirements, installed by the real pip from the package index: wheels only,
 * into a private cache keyed by the file's hash; a requirement that only has an sdist is refused
 * naming the package, and no package code ran. Needs network to PyPI.
 */
describe('Python CDK app dependencies (wheels only)', () => {
  let dir: string;
  const requirements = (name: string, text: string) => {
    const file = join(dir, 'aws-resources', name);
    writeFileSync(file, text);
    return file;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-pydeps-'));
    rmSync(join(dir, 'aws-resources'), { force: true, recursive: true });
    mkdirSync(join(dir, 'aws-resources'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs wheels into a private folder keyed by the hash, and reuses it', async () => {
    const file = requirements('requirements.txt', 'six==1.16.0\n');
    const cacheDir = join(dir, 'cache');
    const target = await installPythonDeps({ requirementsFile: file, cacheDir, log: silentLog() });
    expect(existsSync(join(target, 'six.py'))).toBe(true);
    expect(statSync(cacheDir).mode & 0o077).toBe(0);
    const again = await installPythonDeps({ requirementsFile: file, cacheDir, log: silentLog() });
    expect(again).toBe(target);
  });

  it('gives two callers with the same requirements at once one install, both its folder', async () => {
    // Given two environments' synths with the same requirements, in one replica at the same time
    const file = requirements('requirements-shared.txt', 'six==1.16.0\nattrs==23.2.0\n');
    const cacheDir = join(dir, 'cache-shared');
    // When both install
    const installs = await Promise.allSettled(
      [0, 1].map(() => installPythonDeps({ requirementsFile: file, cacheDir, log: silentLog() })),
    );
    // Then both get the one folder (found in review: the two pips shared one partial folder,
    // `<target>.tmp-<pid>`, and one failed with ENOENT on the other's rename)
    expect(installs.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const [first, second] = installs.map((r) => (r as PromiseFulfilledResult<string>).value);
    expect(second).toBe(first);
    expect(existsSync(join(first!, 'six.py'))).toBe(true);
  });

  it('refuses a requirement that has only an sdist, naming the package', async () => {
    // pycrypto 2.6.1 was published as an sdist only: installing it would run its setup.py.
    const file = requirements('requirements-sdist.txt', 'six==1.16.0\npycrypto==2.6.1\n');
    await expect(
      installPythonDeps({ requirementsFile: file, cacheDir: join(dir, 'cache'), log: silentLog() }),
    ).rejects.toMatchObject({
      code: 'synth.python-sdist',
      retryable: false,
      subject: expect.stringContaining('pycrypto==2.6.1'),
    });
  });
});
