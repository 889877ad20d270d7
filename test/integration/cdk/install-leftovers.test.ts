import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installPythonDeps } from '../../../cdk/synth/python-deps';
import { silentLog } from '../../../controller/log';
import { synthInPlace, workspaceWith } from './cdk-fixture';

jest.setTimeout(180_000);

const HOUR = 60 * 60 * 1000;

/**
 * What an install killed with the controller (SIGKILL, an OOM kill) leaves in a dependency cache:
 * its temporary folder, never renamed into place. Three are planted beside the real install: a
 * dead one (three hours old), a young one (another process's install under way) and an old entry
 * that is not temporary. Returns a check of what is left after the install.
 */
function plantLeftovers(cacheDir: string, prefix: string): () => void {
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const dead = join(cacheDir, `${prefix}0123456789abcdef.tmp-dead01`);
  const young = join(cacheDir, `${prefix}fedcba9876543210.tmp-live01`);
  const kept = join(cacheDir, `${prefix}00000000000000aa`);
  for (const dir of [dead, young, kept]) {
    mkdirSync(join(dir, 'node_modules', 'left'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'left', 'index.js'), 'module.exports = 1;\n');
  }
  const old = new Date(Date.now() - 3 * HOUR);
  for (const dir of [dead, kept]) utimesSync(dir, old, old);
  return () => {
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(young)).toBe(true);
    expect(existsSync(kept)).toBe(true);
  };
}

describe('an install killed with the controller', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'cairn-leftovers-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('leaves no folder in the npm dependency cache once it is older than any live install', async () => {
    // given an app with a lockfile, and a cache holding what a killed `npm ci` left
    const workspaceDir = workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] });
    const app = join(workspaceDir, 'aws-resources');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
    writeFileSync(
      join(app, 'package-lock.json'),
      JSON.stringify({
        name: 'app',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'app', version: '1.0.0' } },
      }),
    );
    const cacheDir = join(root, 'cairn-cdk-deps');
    const check = plantLeftovers(cacheDir, '');
    // when cairn installs the lockfile (the real npm ci) and synthesizes
    const assembly = await synthInPlace(workspaceDir, cacheDir);
    // then the dead install's folder is gone, the live one's and the finished entry are kept
    expect(assembly.stacks.map((s) => s.id)).toEqual(['Data']);
    check();
    expect(readdirSync(cacheDir).filter((n) => n.includes('.tmp-'))).toEqual(['fedcba9876543210.tmp-live01']);
  });

  it('leaves no wheel folder in the Python dependency cache (real pip, from the package index)', async () => {
    mkdirSync(join(root, 'aws-resources'));
    const requirements = join(root, 'aws-resources', 'requirements.txt');
    writeFileSync(requirements, 'six==1.16.0\n');
    const cacheDir = join(root, 'py-cache');
    const check = plantLeftovers(cacheDir, 'py-');
    const target = await installPythonDeps({ requirementsFile: requirements, cacheDir, log: silentLog() });
    expect(existsSync(join(target, 'six.py'))).toBe(true);
    check();
    // and its own install left nothing temporary either
    expect(readdirSync(cacheDir).filter((n) => n.includes('.tmp-'))).toEqual([
      'py-fedcba9876543210.tmp-live01',
    ]);
  });
});
