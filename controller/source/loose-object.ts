import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { looseHeader, loosePath } from './object-size';

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
  const path = loosePath(gitdir, oid);
  if (!path) return undefined;
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const whole = inflateSync(file, { maxOutputLength: size + MAX_HEADER });
  const header = looseHeader(whole);
  if (header?.type !== 'blob' || header.size !== size || whole.length !== header.end + size)
    throw new Error(
      `loose object ${oid} is not a blob of ${size} bytes (its header reads "${header ? `${header.type} ${header.size}` : 'nothing readable'}")`,
    );
  // Content-addressed: what the file holds must hash to the id the tree names.
  if (createHash('sha1').update(whole).digest('hex') !== oid)
    throw new Error(`loose object ${oid} does not hash to its id: the object store is damaged`);
  return whole.subarray(header.end);
}
