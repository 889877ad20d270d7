import { createHash, type BinaryToTextEncoding } from 'node:crypto';
import Module from 'node:module';
import { dirname } from 'node:path';
import type * as IsomorphicGit from 'isomorphic-git';

/**
 * sha.js's SHA-1 (`new Hash().update(data).digest('hex')`) over node:crypto. isomorphic-git
 * requires `sha.js/sha1.js` when it loads, for the few hashes it takes synchronously (the checksum
 * of a pack it writes; every object id it hashes through WebCrypto). sha.js brings ~40 modules of
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
 * isomorphic-git, loaded with its `sha.js/sha1.js` answered by `NodeSha1`: the module is put in
 * Node's module cache under the exact path isomorphic-git resolves, before isomorphic-git is first
 * required. Where the cache is not Node's own (a test runner's registry), the real sha.js loads and
 * nothing else changes.
 */
export function loadIsomorphicGit(): typeof IsomorphicGit.default {
  const path = require.resolve('sha.js/sha1.js', { paths: [dirname(require.resolve('isomorphic-git'))] });
  if (!require.cache[path]) {
    const shim = new Module(path);
    shim.filename = path;
    shim.loaded = true;
    shim.exports = NodeSha1;
    require.cache[path] = shim;
  }
  return (require('isomorphic-git') as typeof IsomorphicGit).default;
}
