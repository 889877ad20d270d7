import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

const OID = /^[0-9a-f]{40}$/;
// "blob " and at most 16 digits of size and the NUL: what a loose object's header can take.
const MAX_HEADER = 22;

/**
 * A blob stored loose (one zlib file under `objects/`, as a push of a few commits leaves them), read
 * with node:zlib and checked against its id; undefined when the object is not loose (it is packed,
 * for the caller's general reader to find). `size` is the blob's size from its header, already
 * checked by the caller: inflating never produces more than that.
 *
 * isomorphic-git reads the same file with a JavaScript inflate, one object at a time; reading a
 * tree's blobs this way is what a fresh checkout of a local repository spends most of its time on.
 */
export async function readLooseBlob(gitdir: string, oid: string, size: number): Promise<Buffer | undefined> {
  if (!OID.test(oid)) return undefined;
  let file: Buffer;
  try {
    file = await readFile(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const whole = inflateSync(file, { maxOutputLength: size + MAX_HEADER });
  const nul = whole.indexOf(0);
  const header = whole.subarray(0, nul < 0 ? 0 : nul).toString('latin1');
  if (header !== `blob ${size}` || whole.length !== nul + 1 + size)
    throw new Error(`loose object ${oid} is not a blob of ${size} bytes (its header reads "${header}")`);
  // Content-addressed: what the file holds must hash to the id the tree names.
  if (createHash('sha1').update(whole).digest('hex') !== oid)
    throw new Error(`loose object ${oid} does not hash to its id: the object store is damaged`);
  return whole.subarray(nul + 1);
}
