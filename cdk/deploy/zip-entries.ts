import { createHash } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
/** A ZIP64 archive marks its sizes and offsets so; cairn's zips (and the CDK's) are far smaller. */
const ZIP64 = 0xffffffff;

/**
 * What a zip holds, as one digest: each entry's name, whether it is executable and the sha256 of
 * its bytes, in name order. Two zips of the same files have the same digest whatever wrote them
 * (the date, the compression, the order), which their bytes do not: cdk-assets' zipper changed
 * over releases, and the `cdk` CLI may have published a folder's zip before cairn ever did.
 * Folders' own entries are left out. Undefined when `data` is not a zip this reader takes (ZIP64, encrypted, or a method other than
 * stored and deflate): such a zip is compared by its bytes alone.
 */
export function zipContentDigest(data: Buffer): string | undefined {
  try {
    const entries = readEntries(data);
    if (!entries) return undefined;
    const hash = createHash('sha256');
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)))
      hash.update(`${e.name}\0${e.executable ? 'x' : '-'}\0${e.sha256}\n`);
    return hash.digest('hex');
  } catch {
    // A truncated or corrupt archive is not the same as anything.
    return undefined;
  }
}

interface Entry {
  readonly name: string;
  readonly executable: boolean;
  readonly sha256: string;
}

function readEntries(data: Buffer): Entry[] | undefined {
  // The end-of-directory record is within the last 64 KiB (its comment is at most 65,535 bytes).
  let end = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--)
    if (data.readUInt32LE(i) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  if (end < 0) return undefined;
  const count = data.readUInt16LE(end + 10);
  let at = data.readUInt32LE(end + 16);
  if (at === ZIP64) return undefined;
  const entries: Entry[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    if (data.readUInt32LE(at) !== DIRECTORY_ENTRY) return undefined;
    const flags = data.readUInt16LE(at + 8);
    const method = data.readUInt16LE(at + 10);
    const compressed = data.readUInt32LE(at + 20);
    const size = data.readUInt32LE(at + 24);
    const nameLength = data.readUInt16LE(at + 28);
    const extraLength = data.readUInt16LE(at + 30);
    const commentLength = data.readUInt16LE(at + 32);
    const mode = data.readUInt32LE(at + 38) >>> 16;
    const local = data.readUInt32LE(at + 42);
    const name = data.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 1 || compressed === ZIP64 || size === ZIP64 || local === ZIP64) return undefined;
    // A folder's own entry: some zippers write them, others do not; the files say what is there.
    if (name.endsWith('/')) continue;
    // Two entries of one name: which one an unzipper keeps is its own choice.
    if (names.has(name)) return undefined;
    names.add(name);
    if (data.readUInt32LE(local) !== LOCAL_HEADER) return undefined;
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    const stored = data.subarray(start, start + compressed);
    let bytes: Buffer;
    if (method === 0) bytes = stored;
    else if (method === 8) bytes = inflateRawSync(stored, { maxOutputLength: size + 1 });
    else return undefined;
    if (bytes.length !== size) return undefined;
    entries.push({
      name,
      executable: (mode & 0o111) !== 0,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return entries;
}
