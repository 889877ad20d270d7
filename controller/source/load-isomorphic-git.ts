import { createHash, type BinaryToTextEncoding } from 'node:crypto';
import Module from 'node:module';
import { dirname } from 'node:path';
import { inflateSync } from 'node:zlib';
import type * as IsomorphicGit from 'isomorphic-git';

/**
 * sha.js's SHA-1 (`new Hash().update(data).digest('hex')`) over node:crypto. isomorphic-git
 * requires `sha.js/sha1.js` when it loads, for the hashes it takes synchronously (the checksum of
 * a pack it writes; object ids, where WebCrypto is missing). sha.js brings ~40 modules of
 * typed-array polyfills with it (to-buffer, get-intrinsic, …): 15 ms of the start of every command
 * that reads Git, for a hash Node has natively.
 */
class NodeSha1 {
  private readonly hash = createHash('sha1');

  update(data: string | Uint8Array, encoding?: BufferEncoding): this {
    if (typeof data === 'string') this.hash.update(data, encoding ?? 'utf8');
    else this.hash.update(data);
    return this;
  }

  digest(): Buffer;
  digest(encoding: BinaryToTextEncoding): string;
  digest(encoding?: BinaryToTextEncoding): Buffer | string {
    return encoding ? this.hash.digest(encoding) : this.hash.digest();
  }
}

/**
 * pako's `inflate` over node:zlib: isomorphic-git inflates every object it reads (loose or packed)
 * through it, and pako's JavaScript runs cold in a short-lived process. What else isomorphic-git
 * takes from pako stays pako's own, loaded on first use: `Inflate`, the streaming inflater that
 * finds where each entry of a fetched pack ends, and `deflate` (on Node, isomorphic-git deflates
 * through CompressionStream instead).
 */
const nodePako = {
  inflate: (data: Uint8Array): Buffer => inflateSync(data),
  get Inflate(): unknown {
    return (require(besideIsomorphicGit('pako/lib/inflate.js')) as { Inflate: unknown }).Inflate;
  },
  get deflate(): unknown {
    return (require(besideIsomorphicGit('pako/lib/deflate.js')) as { deflate: unknown }).deflate;
  },
};

/** The file isomorphic-git gets for `request` (whichever copy npm placed for it). */
function besideIsomorphicGit(request: string): string {
  return require.resolve(request, { paths: [dirname(require.resolve('isomorphic-git'))] });
}

/** Puts `exports` in Node's module cache as the module at `path`, unless that module is loaded already. */
function answer(path: string, exports: unknown): void {
  if (require.cache[path]) return;
  const module = new Module(path);
  module.filename = path;
  module.loaded = true;
  module.exports = exports;
  require.cache[path] = module;
}

/**
 * isomorphic-git, loaded with its `sha.js/sha1.js` answered by `NodeSha1` and its `pako` by
 * `nodePako`: each is put in Node's module cache under the exact path isomorphic-git resolves,
 * before isomorphic-git is first required. Where the cache is not Node's own (a test runner's
 * registry), the real modules load and nothing else changes.
 */
export function loadIsomorphicGit(): typeof IsomorphicGit.default {
  answer(besideIsomorphicGit('sha.js/sha1.js'), NodeSha1);
  answer(besideIsomorphicGit('pako'), nodePako);
  return (require('isomorphic-git') as typeof IsomorphicGit).default;
}
