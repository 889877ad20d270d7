import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../sandbox/sandbox-env';

const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');
const CODE_CACHE = join(repoRoot, 'dist', 'controller', 'cli', 'code-cache.js');
const COMPILE_CACHE = join(repoRoot, 'dist', 'controller', 'cli', 'compile-cache.js');

/** Node 20 has no compile cache of its own: these run cairn's stand-in (on a newer Node, Node's own decides). */
const node20 = Number(process.versions.node.split('.')[0]) < 22;
const onNode20 = node20 ? describe : describe.skip;

interface Counts {
  readonly hits: number;
  readonly misses: number;
}

/** Runs `node <args>` with this XDG_CACHE_HOME; the stand-in's counts at exit, and what was printed. */
function run(cacheHome: string, args: readonly string[]): { counts: Counts; stdout: string } {
  // Read at exit from the very module the command loaded (the same file, so the same instance).
  const probe = `process.on('exit', () => process.stderr.write('COUNTS ' + JSON.stringify(require.cache[${JSON.stringify(CODE_CACHE)}].exports.codeCacheCounts()) + '\\n'))`;
  const done = spawnSync(process.execPath, ['--require', probeFile(probe), ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      XDG_CACHE_HOME: cacheHome,
      CAIRN_COMPILE_CACHE: '',
      NODE_COMPILE_CACHE: undefined,
    },
  });
  // Nothing but the counts: no warning reaches the user's terminal.
  expect(done.stderr).toMatch(/^COUNTS [^\n]*\n$/);
  expect(done.status).toBe(0);
  return { counts: JSON.parse(/COUNTS (.*)/.exec(done.stderr)![1]!) as Counts, stdout: done.stdout.trim() };
}

const home = mkdtempSync(join(tmpdir(), 'cairn-code-cache-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function probeFile(source: string): string {
  const file = join(home, 'probe.cjs');
  writeFileSync(file, source);
  return file;
}

/**
 * cairn's code cache on Node 20 (code-cache.ts), on the real Node and V8: what one command compiles
 * the next reads, a changed module is never run from a stale entry, and `import()` still works.
 */
onNode20('the code cache on Node 20', () => {
  it('is written by a first cairn command and read by the second', () => {
    const cacheHome = join(home, 'cli');
    const first = run(cacheHome, [BIN, '--version']);
    expect(first.counts.hits).toBe(0);
    expect(first.counts.misses).toBeGreaterThan(5);
    const folder = join(cacheHome, 'cairn', 'compile-cache');
    const [runtime] = readdirSync(folder);
    expect(runtime).toMatch(new RegExp(`^${process.version}-${process.arch}-v8-`));
    expect(readdirSync(join(folder, runtime!)).length).toBe(first.counts.misses);
    const second = run(cacheHome, [BIN, '--version']);
    expect(second.counts).toEqual({ hits: first.counts.misses, misses: 0 });
    expect(second.stdout).toBe(first.stdout);
  });

  it('runs a module changed to another text of the same length as it now is, and keeps import() working', () => {
    const cacheHome = join(home, 'modules');
    const dir = mkdtempSync(join(home, 'modules-'));
    const mod = join(dir, 'value.js');
    const dynamic = join(dir, 'dynamic.js');
    writeFileSync(dynamic, `module.exports = import('node:path').then((m) => typeof m.join);\n`);
    const main = join(dir, 'main.js');
    writeFileSync(
      main,
      `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache();\n` +
        `require(${JSON.stringify(dynamic)}).then((kind) => console.log(require(${JSON.stringify(mod)}), kind));\n`,
    );
    writeFileSync(mod, `module.exports = 'aaaa';\n`);
    // The module with import() is compiled by Node itself (its experimental loader for vm scripts
    // would print a warning): only the other is cached.
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 0, misses: 1 }, stdout: 'aaaa function' });
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 1, misses: 0 }, stdout: 'aaaa function' });
    // V8 checks a cache against its source's length only: the same length, other code.
    writeFileSync(mod, `module.exports = 'bbbb';\n`);
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 0, misses: 1 }, stdout: 'bbbb function' });
  });

  it('caches a module whose import( is only in comments, and leaves a real import() after one to Node', () => {
    // isomorphic-git's JSDoc (`@param {import('../models/FileSystem.js').FileSystem} fs`) kept the
    // largest module of every Git-reading command out of the cache.
    const cacheHome = join(home, 'comments');
    const dir = mkdtempSync(join(home, 'comments-'));
    const typed = join(dir, 'typed.js');
    writeFileSync(
      typed,
      `/**\n * @param {import('node:fs').Stats} stats\n */\n` +
        `// or import('node:path') on a line of its own\n` +
        `/* import('node:os') */\n` +
        `module.exports = (stats) => typeof stats;\n`,
    );
    const called = join(dir, 'called.js');
    // A real call after a comment closed on its line: compiled by Node, import() working.
    writeFileSync(
      called,
      `/* a comment */ module.exports = import('node:path').then((m) => typeof m.join);\n`,
    );
    const main = join(dir, 'main.js');
    writeFileSync(
      main,
      `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache();\n` +
        `require(${JSON.stringify(called)}).then((kind) => console.log(require(${JSON.stringify(typed)})(1), kind));\n`,
    );
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 0, misses: 1 }, stdout: 'number function' });
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 1, misses: 0 }, stdout: 'number function' });
  });

  it('leaves to Node a module it cannot compile as a script: an ES module reached through require', () => {
    // Found by the sharded e2e tests: `cairn run` (chokidar's ES modules) stopped at "Cannot use
    // import statement outside a module", where Node 20.19+ loads such a file as an ES module.
    const cacheHome = join(home, 'esm');
    const dir = mkdtempSync(join(home, 'esm-'));
    const esm = join(dir, 'esm.js');
    writeFileSync(esm, `export const kind = 'an ES module';\n`);
    const main = join(dir, 'main.js');
    writeFileSync(
      main,
      `require(${JSON.stringify(COMPILE_CACHE)}).enableCompileCache();\n` +
        `console.log(require(${JSON.stringify(esm)}).kind);\n`,
    );
    expect(run(cacheHome, [main])).toEqual({ counts: { hits: 0, misses: 0 }, stdout: 'an ES module' });
  });
});
