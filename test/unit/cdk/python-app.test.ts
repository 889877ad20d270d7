import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPythonApp, preparePythonApp } from '../../../cdk/synth/python-app';
import type { SynthRunner } from '../../../cdk/synth/synth-job';
import { silentLog } from '../../../controller/log';

/** Which apps are Python apps, and the machines a Python app is refused on. */
describe('Python CDK apps', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-pyapp-'));
    mkdirSync(join(dir, 'aws-resources'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const appDir = () => join(dir, 'aws-resources');
  const runner = (over: Partial<SynthRunner>): SynthRunner => ({
    isolation: 'bubblewrap',
    unavailable: () => Promise.resolve(undefined),
    run: () => Promise.reject(new Error('not run')),
    ...over,
  });
  const prepare = (r: SynthRunner, path = '/usr/bin:/bin') =>
    preparePythonApp({
      appDir: appDir(),
      cacheDir: join(dir, 'cache'),
      runner: r,
      path,
      timeoutMs: 1_000,
      log: silentLog(),
    });

  it.each([
    ['python3 app.py', true],
    ['python app.py', true],
    ['/usr/bin/python3.11 -m app', true],
    ['node app.js', false],
    ['node --require tsx/cjs bin/python3-tools.ts', false],
  ])('with a requirements.txt, `%s` is a Python app: %s', (app, expected) => {
    writeFileSync(join(appDir(), 'requirements.txt'), 'six==1.16.0\n');
    expect(isPythonApp(appDir(), app)).toBe(expected);
  });

  it('without a requirements.txt, no app is a Python app', () => {
    expect(isPythonApp(appDir(), 'python3 app.py')).toBe(false);
  });

  it('refuses when no python3 under /usr is on the app PATH', async () => {
    writeFileSync(join(appDir(), 'requirements.txt'), 'six==1.16.0\n');
    await expect(prepare(runner({}), join(dir, 'nothing'))).rejects.toMatchObject({
      code: 'synth.python-unavailable',
    });
  });
});
