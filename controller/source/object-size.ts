import { open, readdir, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { constants, inflateSync } from 'node:zlib';

// How many compressed bytes are read to find a header: enough for zlib's block header and git's
// "<type> <size>\0" or a delta's two sizes, and small enough that inflating them costs little
// (deflate expands at most about 1032:1, so 4 KiB in gives at most about 4 MiB out).
const HEAD_BYTES = 4096;

const OID = /^[0-9a-f]{40}$/;

/** Where git keeps an object loose; undefined for an id that is not 40 hex digits (no path is made of it). */
export function loosePath(gitdir: string, oid: string): string | undefined {
  return OID.test(oid) ? join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)) : undefined;
}

/** A loose object's header (`<type> <size>` and a NUL) from the start of its inflated bytes; `end` is where its content starts. */
export function looseHeader(inflated: Buffer): { type: string; size: number; end: number } | undefined {
  const nul = inflated.indexOf(0);
  const match = /^([a-z]+) (\d+)$/.exec(inflated.subarray(0, nul < 0 ? 0 : nul).toString('latin1'));
  return match ? { type: match[1]!, size: Number(match[2]), end: nul + 1 } : undefined;
}

/** A parsed pack index (version 2): the sorted object ids and their offsets in the pack. */
interface PackIndex {
  readonly pack: string;
  readonly count: number;
  readonly fanout: Uint32Array;
  readonly bytes: Buffer;
}

/** Inflates only as much of a zlib stream as `head` holds, never more than it can expand to. */
function inflateHead(head: Buffer): Buffer {
  return inflateSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
}

/** A little-endian base-128 number, as a delta's base and result sizes are written. */
export function deltaVarint(bytes: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const byte = bytes[i++];
    if (byte === undefined) throw new Error('truncated delta header');
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return { value, next: i };
  }
}

/**
 * Finds how large a Git object is without inflating it: what the reader checks before it reads a
 * blob, so that a huge blob in a small repository is refused with its size rather than loaded
 * whole. A loose object's size is in the first bytes of its zlib stream; a packed object's in its
 * pack entry header (for a delta, in the first bytes of the delta). isomorphic-git has no such call.
 */
export class ObjectSizes {
  private indexes: PackIndex[] | undefined;

  constructor(private readonly gitdir: string) {}

  /** The object's size in bytes, or undefined when it is in neither a loose file nor a pack. */
  async size(oid: string): Promise<number | undefined> {
    return (await this.sizesOf([oid])).get(oid);
  }

  /** The sizes of many objects, opening each pack once (undefined for an object not found). */
  async sizesOf(oids: readonly string[]): Promise<ReadonlyMap<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    const packs = new Map<string, FileHandle>();
    try {
      // Each object once: a tree can name one blob many times (empty files, copies of one file).
      // Found in CI: a commit of 100,001 empty files was refused after 100,001 reads of one loose
      // object, 30 s on a quiet machine and past the test's minute on a loaded one.
      for (const oid of new Set(oids)) {
        let size = await this.looseSize(oid);
        if (size === undefined) size = await this.packedSize(oid, false, packs);
        // A pack that arrived since the indexes were read: read them again, once.
        if (size === undefined) size = await this.packedSize(oid, true, packs);
        out.set(oid, size);
      }
    } finally {
      await Promise.all([...packs.values()].map((h) => h.close()));
    }
    return out;
  }

  private async looseSize(oid: string): Promise<number | undefined> {
    const path = loosePath(this.gitdir, oid);
    const handle = path ? await open(path).catch(() => undefined) : undefined;
    if (!handle) return undefined;
    try {
      const head = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
      const header = looseHeader(inflateHead(head.subarray(0, bytesRead)));
      if (!header) throw new Error(`loose object ${oid} has no readable header`);
      return header.size;
    } finally {
      await handle.close();
    }
  }

  private async packedSize(
    oid: string,
    reload: boolean,
    packs: Map<string, FileHandle>,
  ): Promise<number | undefined> {
    if (reload || !this.indexes) this.indexes = await this.readIndexes();
    const id = Buffer.from(oid, 'hex');
    for (const index of this.indexes) {
      const offset = offsetIn(index, id);
      if (offset === undefined) continue;
      let handle = packs.get(index.pack);
      if (!handle) {
        handle = await open(index.pack);
        packs.set(index.pack, handle);
      }
      return entrySize(handle, offset);
    }
    return undefined;
  }

  private async readIndexes(): Promise<PackIndex[]> {
    const dir = join(this.gitdir, 'objects', 'pack');
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'));
    const out: PackIndex[] = [];
    for (const name of names) {
      const handle = await open(join(dir, name));
      try {
        const bytes = await handle.readFile();
        // Version 2 only: "\377tOc", then version 2 (what git and isomorphic-git write).
        if (bytes.readUInt32BE(0) !== 0xff744f63 || bytes.readUInt32BE(4) !== 2) continue;
        const fanout = new Uint32Array(256);
        for (let i = 0; i < 256; i++) fanout[i] = bytes.readUInt32BE(8 + i * 4);
        out.push({ pack: join(dir, name.replace(/\.idx$/, '.pack')), count: fanout[255]!, fanout, bytes });
      } finally {
        await handle.close();
      }
    }
    return out;
  }
}

const IDX_HEADER = 8 + 256 * 4;

/** Binary search of the index's sorted ids; the object's offset in the pack, if there. */
function offsetIn(index: PackIndex, id: Buffer): number | undefined {
  const first = id[0]!;
  let lo = first === 0 ? 0 : index.fanout[first - 1]!;
  let hi = index.fanout[first]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = IDX_HEADER + mid * 20;
    const order = Buffer.compare(index.bytes.subarray(at, at + 20), id);
    if (order === 0) {
      const offsets = IDX_HEADER + index.count * 24;
      const small = index.bytes.readUInt32BE(offsets + mid * 4);
      if (!(small & 0x80000000)) return small;
      const large = offsets + index.count * 4 + (small & 0x7fffffff) * 8;
      return Number(index.bytes.readBigUInt64BE(large));
    }
    if (order < 0) lo = mid + 1;
    else hi = mid;
  }
  return undefined;
}

const OFS_DELTA = 6;
const REF_DELTA = 7;

/** The inflated size of the object whose pack entry starts at `offset`. */
async function entrySize(handle: FileHandle, offset: number): Promise<number> {
  const head = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, offset);
  const bytes = head.subarray(0, bytesRead);
  // Entry header: type in bits 4-6 of the first byte, size in little-endian 4+7+7... bits.
  let at = 0;
  let byte = bytes[at++]!;
  const type = (byte >> 4) & 7;
  let size = byte & 0x0f;
  let shift = 4;
  while (byte & 0x80) {
    byte = bytes[at++]!;
    size += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (type !== OFS_DELTA && type !== REF_DELTA) return size;
  if (type === REF_DELTA) at += 20;
  else {
    // The base's negative offset: a varint of its own kind, skipped.
    while (bytes[at]! & 0x80) at += 1;
    at += 1;
  }
  // A delta starts with the base's size, then the size of the object it makes.
  const delta = inflateHead(bytes.subarray(at));
  return deltaVarint(delta, deltaVarint(delta, 0).next).value;
}
