import { gzipSync } from 'node:zlib';

/** One entry of a hand-made tar archive: the header's own fields, and a body of any length. */
export interface CraftedEntry {
  readonly name: string;
  readonly body?: string;
  /** The typeflag; `0` (a regular file) unless set. */
  readonly type?: string;
  /** The header's size field, when it must differ from the body's length. */
  readonly size?: number;
}

/**
 * A gzipped tar archive written entry by entry (ustar headers), so that a test can make what
 * `tar` never writes: a symlink header whose size covers the next entry, an unknown typeflag, a
 * PAX size that differs from the header's.
 */
export function craftedTgz(entries: readonly CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${(entry.size ?? body.length).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write('00000000000\0', 136, 'latin1');
    header.write(entry.type ?? '0', 156, 'latin1');
    header.write('ustar\0' + '00', 257, 'latin1');
    header.fill(' ', 148, 156);
    const sum = header.reduce((s, b) => s + b, 0);
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A PAX extended header's body: one `<length> key=value\n` record per pair. */
export function paxRecords(pairs: Readonly<Record<string, string>>): string {
  return Object.entries(pairs)
    .map(([key, value]) => {
      const rest = ` ${key}=${value}\n`;
      let length = rest.length + 1;
      while (`${length}${rest}`.length !== length) length++;
      return `${length}${rest}`;
    })
    .join('');
}
