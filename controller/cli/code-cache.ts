import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** What the code cache did in this process: modules compiled from it, and compiled anew. */
export interface CodeCacheCounts {
  readonly hits: number;
  readonly misses: number;
}

const counts = { hits: 0, misses: 0 };

/** The counts so far (tests read them; nothing else does). */
export function codeCacheCounts(): CodeCacheCounts {
  return { ...counts };
}

type Compile = (this: Module, content: string, filename: string) => unknown;
type Wrapper = (...args: unknown[]) => unknown;

/**
 * Node 20's stand-in for Node 22's `module.enableCompileCache(directory)`: every CommonJS module
 * loaded from then on is compiled with V8's code cache (`vm.Script`'s `cachedData`), kept in
 * `directory`, which the caller has checked is this user's alone (see `enableCompileCache`). A whole
 * `cairn sync` on Node 20 compiled its few hundred modules anew each time: about 45 ms of its CPU
 * and of its wall time on the 1,000-object benchmark.
 *
 * An entry is named by a SHA-256 of the module's path and text, never by the path alone: V8 checks
 * a cache against its source's length only, so a file changed to another of the same length would
 * otherwise run its old code. Entries of a new script are written at exit (with the functions it
 * compiled lazily by then), each to a file of its own renamed into place, so a command running beside
 * another never reads half an entry. One folder per Node and V8 version: V8 refuses another's.
 */
export function enableCodeCache(directory: string): void {
  const folder = join(directory, `${process.version}-${process.arch}-v8-${process.versions.v8}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const proto = Module.prototype as unknown as { _compile: Compile };
  const compile = proto._compile;
  const fresh: { file: string; script: Script }[] = [];
  proto._compile = function compileWithCache(this: Module, content: string, filename: string) {
    // A script of the vm module has no loader for `import()` unless given the main context's,
    // which Node 20 flags as experimental (a warning on the user's terminal): a module that may
    // import dynamically is compiled by Node itself, uncached.
    if (mayImportDynamically(content)) return compile.call(this, content, filename);
    const file = join(
      folder,
      createHash('sha256').update(filename).update('\0').update(content).digest('hex'),
    );
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // Not cached yet (or unreadable): compiled anew, and written at exit.
    }
    // A shebang line is a comment to the wrapper, as Node's own loader makes it.
    const source = content.startsWith('#!') ? `//${content}` : content;
    let script: Script;
    try {
      script = new Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
    } catch {
      // Not a CommonJS script: an ES module reached through require (a package without `"type":
      // "module"`, chokidar's on Node 20.19+), which Node's own compile detects and loads as one
      // (found by the sharded e2e tests: `cairn run` stopped at "Cannot use import statement
      // outside a module"), or a real syntax error, which Node reports as it would have.
      return compile.call(this, content, filename);
    }
    if (cachedData && !script.cachedDataRejected) counts.hits++;
    else {
      counts.misses++;
      fresh.push({ file, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as Wrapper;
    return wrapper.call(this.exports, this.exports, requireOf(this), this, filename, dirname(filename));
  };
  process.once('exit', () => {
    for (const { file, script } of fresh) {
      const part = `${file}.${process.pid}.part`;
      try {
        writeFileSync(part, script.createCachedData(), { mode: 0o600 });
        renameSync(part, file);
      } catch {
        // A full or read-only disk: the next command compiles anew.
      }
    }
  });
}

/**
 * Whether a module's text may call `import()`: it holds `import(` anywhere but in a comment line
 * (one starting with a line comment, a block comment, or the star of a block comment's continued
 * lines, and closing no block comment before it). JSDoc's type annotations
 * (`@param {import('./fs.js').FileSystem}`) are no call:
 * isomorphic-git, the largest module a command loads (575 KB), holds 49 of them and no `import()`,
 * and was compiled anew by every command that reads Git (12 to 18 ms of CPU). Anything else,
 * a string included, counts as a call: at worst a module is compiled uncached, as before.
 */
export function mayImportDynamically(content: string): boolean {
  for (let at = content.indexOf('import('); at >= 0; at = content.indexOf('import(', at + 7)) {
    const before = content.slice(content.lastIndexOf('\n', at) + 1, at);
    const lead = before.trimStart();
    const commentLine = lead.startsWith('//') || lead.startsWith('/*') || lead.startsWith('*');
    if (!commentLine || before.includes('*/')) return true;
  }
  return false;
}

/** The `require` a module's code is given, as Node's loader makes it. */
function requireOf(module: Module): NodeJS.Require {
  const statics = Module as unknown as {
    _resolveFilename(request: string, parent: Module, isMain: boolean, options?: object): string;
    _resolveLookupPaths(request: string, parent: Module): string[] | null;
    _extensions: NodeJS.RequireExtensions;
    _cache: NodeJS.Require['cache'];
  };
  const moduleRequire = ((id: string) => module.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) =>
    statics._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => statics._resolveLookupPaths(request, module);
  return Object.assign(moduleRequire, {
    resolve,
    // This file's own `require` knows the process's main module.
    main: require.main,
    extensions: statics._extensions,
    cache: statics._cache,
  });
}
