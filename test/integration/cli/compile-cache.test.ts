import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../sandbox/sandbox-env';

const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

/** Node 24 LTS (test/sandbox/node24.sh finds it, or installs it from the npm registry). */
function node24(): string {
  const found = spawnSync('bash', [join(repoRoot, 'test', 'sandbox', 'node24.sh')], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`no Node 24: ${found.stderr}`);
  return found.stdout.trim();
}

/** `cairn --version` with `node` and this XDG_CACHE_HOME; what Node's compile cache said it did. */
function version(node: string, cacheHome: string) {
  const run = spawnSync(node, [BIN, '--version'], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: cacheHome, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' },
  });
  expect(run.status).toBe(0);
  return { accepted: (run.stderr.match(/V8 code cache for .* was accepted/g) ?? []).length };
}

/** Every file under `dir` (none when it does not exist). */
const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];

/**
 * The real `cairn` on the real Node 24: its modules' code cache is kept in the user's own folder
 * and used by the next command; a folder others may write is not used; on Node 20 cairn keeps its own.
 */
describe('the compile cache, on a real Node', () => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-compile-cache-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('is written by a first command on Node 24 and read by the second', () => {
    const node = node24();
    const cacheHome = join(home, 'own');
    expect(version(node, cacheHome).accepted).toBe(0);
    expect(files(join(cacheHome, 'cairn', 'compile-cache')).length).toBeGreaterThan(5);
    expect(version(node, cacheHome).accepted).toBeGreaterThan(5);
  });

  it('is neither read nor written in a folder others may write', () => {
    const node = node24();
    const cacheHome = join(home, 'open');
    const dir = join(cacheHome, 'cairn', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(version(node, cacheHome).accepted).toBe(0);
    expect(version(node, cacheHome).accepted).toBe(0);
    expect(files(dir)).toEqual([]);
  });

  it("is kept on this process's Node too (cairn's own on Node 20), and not in a folder others may write", () => {
    const own = join(home, 'this-node');
    expect(
      spawnSync(process.execPath, [BIN, '--version'], { env: { ...process.env, XDG_CACHE_HOME: own } })
        .status,
    ).toBe(0);
    expect(files(join(own, 'cairn', 'compile-cache')).length).toBeGreaterThan(5);
    const open = join(home, 'this-node-open');
    const dir = join(open, 'cairn', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    expect(
      spawnSync(process.execPath, [BIN, '--version'], { env: { ...process.env, XDG_CACHE_HOME: open } })
        .status,
    ).toBe(0);
    expect(files(dir)).toEqual([]);
  });

  it('is left out for a user with no home, and the command runs', () => {
    // A synth runner's uid has no passwd entry and no HOME: Node cannot tell its home folder.
    // Found by the sidecar e2e tests: `cairn synth-runner` stopped at start, before its first job.
    const run = spawnSync(
      'setpriv',
      [
        '--reuid=54321',
        '--regid=54321',
        '--clear-groups',
        'env',
        '-u',
        'HOME',
        '-u',
        'XDG_CACHE_HOME',
        process.execPath,
        BIN,
        '--version',
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
