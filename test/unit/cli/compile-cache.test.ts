import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enableCompileCache } from '../../../controller/cli/compile-cache';

/** A fresh XDG_CACHE_HOME, and a recording stand-in for Node's `module.enableCompileCache`. */
function setup() {
  const home = mkdtempSync(join(tmpdir(), 'cairn-compile-cache-'));
  const enabled: string[] = [];
  const enable = (dir: string) => enabled.push(dir);
  const directory = join(home, 'cairn', 'compile-cache');
  const uid = process.getuid!();
  return { home, enabled, enable, directory, uid, env: { XDG_CACHE_HOME: home } };
}

describe('the compile cache of the cairn command', () => {
  const homes: string[] = [];
  afterAll(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));

  it('is a folder of this user alone under XDG_CACHE_HOME, made mode 0700 when missing', () => {
    const { home, enabled, enable, directory, uid, env } = setup();
    homes.push(home);
    expect(enableCompileCache(env, enable, uid)).toEqual({ directory, enabled: true });
    expect(enabled).toEqual([directory]);
    expect(lstatSync(directory).mode & 0o777).toBe(0o700);
  });

  it('is left alone when others may write it, when it is a symlink, or when another user owns it', () => {
    const open = setup();
    homes.push(open.home);
    mkdirSync(open.directory, { recursive: true });
    chmodSync(open.directory, 0o777);
    expect(enableCompileCache(open.env, open.enable, open.uid)).toMatchObject({
      enabled: false,
      reason: 'others may use it (mode 777)',
    });

    const linked = setup();
    homes.push(linked.home);
    const elsewhere = join(linked.home, 'planted');
    mkdirSync(elsewhere, { mode: 0o700 });
    mkdirSync(join(linked.home, 'cairn'));
    symlinkSync(elsewhere, linked.directory);
    expect(enableCompileCache(linked.env, linked.enable, linked.uid)).toMatchObject({
      enabled: false,
      reason: 'not a folder',
    });

    const foreign = setup();
    homes.push(foreign.home);
    expect(enableCompileCache(foreign.env, foreign.enable, foreign.uid + 1)).toMatchObject({
      enabled: false,
      reason: `owned by uid ${foreign.uid}, not this user`,
    });

    expect([...open.enabled, ...linked.enabled, ...foreign.enabled]).toEqual([]);
  });

  it('is not turned on under NODE_COMPILE_CACHE, or with CAIRN_COMPILE_CACHE=off', () => {
    const { home, enabled, enable, uid, env } = setup();
    homes.push(home);
    expect(enableCompileCache({ ...env, NODE_COMPILE_CACHE: join(home, 'x') }, enable, uid).enabled).toBe(
      false,
    );
    expect(enableCompileCache({ ...env, CAIRN_COMPILE_CACHE: 'off' }, enable, uid).enabled).toBe(false);
    expect(enabled).toEqual([]);
  });
});
