import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { filesNamed, renderRefused } from './render-checks';

/** The schema file helm validates each chart's values against. */
const SCHEMA_FILE = 'values.schema.json';
// The most cairn unpacks of a chart's vendored archives, all of them together (helm's own limit on
// one chart is 100 MiB): a small archive may unpack to gigabytes.
const MAX_UNPACKED_BYTES = 100 * 1024 * 1024;
// Archives inside archives (a subchart's vendored subcharts) deeper than this are refused.
const MAX_NESTING = 8;
// The meta-schemas helm's JSON-schema library carries with it (it fetches any other `$schema`).
const KNOWN_META = /^https?:\/\/json-schema\.org\/(draft-0[4-7]\/schema|draft\/20(19-09|20-12)\/schema)#?$/;
// Keywords whose value helm's JSON-schema library loads: a reference, or the meta-schema.
const REFERENCES = ['$ref', '$dynamicRef', '$recursiveRef'];
const HINT = 'keep every reference of a chart schema inside the file (`$ref: "#/definitions/…"`)';

/**
 * Refuses a chart whose `values.schema.json`, or one of its vendored subcharts' (folders, and
 * `.tgz` archives at any depth), makes helm load anything: helm's JSON-schema loader resolves a
 * `$ref` to `http(s)://` (fetched over the network, which a sidecar render has), `file://` or a
 * relative path (read from the renderer's root, `file:///`), and fetches an unknown `$schema`.
 * Only references inside the file (`#…`) and the meta-schemas helm carries are accepted.
 */
export function checkChartSchemas(dir: string, shown: string): void {
  const budget = { left: MAX_UNPACKED_BYTES };
  const wanted = (name: string) => name === SCHEMA_FILE || name.endsWith('.tgz');
  for (const rel of filesNamed(dir, wanted)) {
    const file = posix.join(shown, rel);
    if (posix.basename(rel) === SCHEMA_FILE) checkSchema(readFileSync(join(dir, rel)), file);
    else if (inCharts(rel)) checkArchive(readFileSync(join(dir, rel)), file, budget, 0);
  }
}

function checkArchive(gz: Buffer, file: string, budget: { left: number }, depth: number): void {
  if (depth >= MAX_NESTING)
    throw renderRefused(file, `nests chart archives more than ${MAX_NESTING} deep`, 'vendor fewer levels');
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: Math.max(budget.left, 1) });
  } catch (error) {
    throw renderRefused(
      file,
      (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
        ? `unpacks to more than ${MAX_UNPACKED_BYTES} bytes with the chart's other archives`
        : 'is not a gzip archive cairn can read',
      'vendor the dependency as `helm dependency build` leaves it',
    );
  }
  budget.left -= tar.length;
  for (const entry of tarEntries(tar, file)) {
    const path = entry.name.replace(/\\/g, '/');
    const inner = `${file}:${entry.name}`;
    if (posix.basename(path) === SCHEMA_FILE) checkSchema(entry.body, inner);
    else if (path.endsWith('.tgz') && inCharts(path)) checkArchive(entry.body, inner, budget, depth + 1);
  }
}

/** True for a subchart archive as helm loads one: a `.tgz` in a `charts/` folder. */
function inCharts(path: string): boolean {
  return posix.basename(posix.dirname(path)) === 'charts';
}

function checkSchema(bytes: Buffer, file: string): void {
  let schema: unknown;
  try {
    schema = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw renderRefused(file, 'is not JSON, so cairn cannot check what it references', HINT);
  }
  const stack: unknown[] = [schema];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...node);
      continue;
    }
    for (const [key, value] of Object.entries(node)) {
      const loaded =
        (REFERENCES.includes(key) && typeof value === 'string' && !value.startsWith('#')) ||
        (key === '$schema' && typeof value === 'string' && !KNOWN_META.test(value));
      if (loaded)
        throw renderRefused(
          file,
          `${key} ${value as string} makes helm load a schema from outside the file (over the network, or from the renderer's disk); cairn renders without network`,
          HINT,
        );
      stack.push(value);
    }
  }
}

// Typeflags whose entries have no body in Go's archive/tar, whatever their size field says.
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * The entries of a tar archive with a body, named and sized as Go's archive/tar reads them (helm
 * reads every entry but a directory or an extended header as a file, of any typeflag): a PAX
 * `path` or a GNU long name wins over the header's name, a PAX `size` over its size, and a link,
 * device, folder or FIFO header has no body. Found in review: an entry of an unknown typeflag, or a
 * PAX size shorter than the header's (which hid the next entry from a reader that believed the
 * header), carried a schema helm loaded and this check did not see. What cannot be read (a bad
 * checksum, a size in base-256, a sparse file, a truncated entry) is refused, not skipped.
 */
function* tarEntries(tar: Buffer, file: string): Generator<{ name: string; body: Buffer }> {
  const refused = (why: string) =>
    renderRefused(
      file,
      `is not a tar archive cairn can read (${why})`,
      'vendor it with `helm dependency build`',
    );
  let offset = 0;
  let long: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    const stored = parseInt(text(header.subarray(148, 156)).trim() || 'x', 8);
    const unsigned = header.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    const signed = header.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : (b << 24) >> 24), 0);
    if (stored !== unsigned && stored !== signed) throw refused('a bad header checksum');
    const sizeField = header.subarray(124, 136);
    if (sizeField[0]! & 0x80) throw refused('a size in base-256');
    const type = String.fromCharCode(header[156]!);
    if (type === 'S' || Object.keys(pax).some((k) => k.startsWith('GNU.sparse')))
      throw refused('a sparse file');
    const size = Number(pax.size ?? parseInt(text(sizeField).trim() || '0', 8));
    const length = HEADER_ONLY.has(type) ? 0 : size;
    if (!Number.isSafeInteger(length) || length < 0 || offset + 512 + length > tar.length)
      throw refused('a truncated entry');
    const body = tar.subarray(offset + 512, offset + 512 + length);
    offset += 512 + Math.ceil(length / 512) * 512;
    if (type === 'x') pax = { ...pax, ...paxRecordsOf(body) };
    else if (type === 'L') long = text(body);
    else if (type !== 'g' && type !== 'K') {
      const magic = header.subarray(257, 263).toString('latin1');
      const prefix = magic === 'ustar\0' ? text(header.subarray(345, 500)) : '';
      const own = text(header.subarray(0, 100));
      const name = pax.path ?? long ?? (prefix ? `${prefix}/${own}` : own);
      long = undefined;
      pax = {};
      if (!HEADER_ONLY.has(type)) yield { name, body };
    }
  }
}

/** The records of a PAX extended header (`<length> <key>=<value>\n` each). */
function paxRecordsOf(body: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const length = parseInt(body.subarray(at, space).toString('latin1'), 10);
    if (space < 0 || !(length > 0) || at + length > body.length) break;
    const record = body.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}

/** A NUL-terminated header field. */
function text(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}
