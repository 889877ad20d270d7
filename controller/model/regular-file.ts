import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reading a file that someone else wrote (a checkout, a CDK app's output) with cairn's own rights:
 * opened with O_NOFOLLOW (a link is not followed) and O_NONBLOCK (a FIFO does not block the event
 * loop every environment shares), then checked on the open descriptor (what is checked is what is
 * read) to be a regular file no larger than the cap, and read no further than the cap.
 */
export type RegularFileRead =
  | { readonly bytes: Buffer }
  | { readonly refused: string; readonly kind: 'missing' | 'link' | 'not-regular' | 'too-large' };

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What a file of these stats is, for a refusal ("is a FIFO"). */
export function fileKind(
  info: Pick<
    Stats,
    'isFIFO' | 'isSocket' | 'isDirectory' | 'isSymbolicLink' | 'isCharacterDevice' | 'isBlockDevice'
  >,
): string {
  if (info.isSymbolicLink()) return 'a link';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isDirectory()) return 'a folder';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function openRefusal(error: unknown): RegularFileRead {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return { refused: 'is a link', kind: 'link' };
  if (code === 'ENOENT' || code === 'ENOTDIR') return { refused: 'does not exist', kind: 'missing' };
  // ENXIO: a socket (open() refuses those); anything else is no regular file cairn can read.
  if (code === 'ENXIO') return { refused: 'is a socket', kind: 'not-regular' };
  return { refused: `cannot be opened (${code ?? 'error'})`, kind: 'not-regular' };
}

function statRefusal(info: Stats, maxBytes: number): RegularFileRead | undefined {
  if (!info.isFile()) return { refused: `is ${fileKind(info)}`, kind: 'not-regular' };
  if (info.size > maxBytes)
    return { refused: `is ${info.size} bytes, over the ${maxBytes}-byte limit`, kind: 'too-large' };
  return undefined;
}

const grewPast = (maxBytes: number): RegularFileRead => ({
  refused: `grew past the ${maxBytes}-byte limit while read`,
  kind: 'too-large',
});

/** The bytes of the regular file at `path` (no link, at most `maxBytes`), or why not, synchronously. */
export function readRegularFileSync(path: string, maxBytes: number): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (error) {
    return openRefusal(error);
  }
  try {
    const refusal = statRefusal(fstatSync(fd), maxBytes);
    if (refusal) return refusal;
    const buffer = Buffer.alloc(maxBytes + 1 > 65536 ? 65536 : maxBytes + 1);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) return grewPast(maxBytes);
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
    return { bytes: Buffer.concat(chunks, total) };
  } finally {
    closeSync(fd);
  }
}

/** The bytes of the regular file at `path` (no link, at most `maxBytes`), or why not. */
export async function readRegularFile(path: string, maxBytes: number): Promise<RegularFileRead> {
  const handle = await open(path, FLAGS).catch((error: unknown) => error as Error);
  if (handle instanceof Error) return openRefusal(handle);
  try {
    const refusal = statRefusal(await handle.stat(), maxBytes);
    if (refusal) return refusal;
    const bytes = await handle.readFile();
    return bytes.length > maxBytes ? grewPast(maxBytes) : { bytes };
  } finally {
    await handle.close();
  }
}
