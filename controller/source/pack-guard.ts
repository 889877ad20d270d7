import type { GitHttpResponse, HttpClient } from 'isomorphic-git';
import { inflateSync } from 'node:zlib';
import { CairnError } from '../model/errors';
import { deltaVarint } from './object-size';
import { bodyOf, collectBody } from './git-http-body';
import { redactUrl } from './redact-url';

const TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'] as const;
const OFS_DELTA = 6;
const REF_DELTA = 7;

/** An object of a pack that is larger than allowed: its kind and inflated size. */
export interface OversizeObject {
  readonly type: string;
  readonly size: number;
}

/** The pack data carried on side-band channel 1 of an upload-pack answer; undefined if there is none. */
export function packOfUploadPackAnswer(answer: Buffer): Buffer | undefined {
  const data: Buffer[] = [];
  let at = 0;
  while (at + 4 <= answer.length) {
    const length = Number.parseInt(answer.subarray(at, at + 4).toString('ascii'), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4)) return undefined;
    if (length === 0) {
      at += 4;
      continue;
    }
    // Before the pack come ACK/NAK (and shallow) lines, which start with a letter, never a 1.
    if (answer[at + 4] === 1) data.push(answer.subarray(at + 5, at + length));
    at += length;
  }
  const pack = Buffer.concat(data);
  return pack.subarray(0, 4).toString('latin1') === 'PACK' ? pack : undefined;
}

/**
 * The first object of a pack whose inflated size is over `maxBytes`, found without inflating
 * any object larger than `maxBytes` (a whole object's size is in its entry header; a delta's
 * result size in the first bytes of the delta). Undefined when every object fits.
 */
export function firstOversizeObject(pack: Buffer, maxBytes: number): OversizeObject | undefined {
  const count = pack.readUInt32BE(8);
  let at = 12;
  for (let n = 0; n < count; n++) {
    let byte = pack[at++]!;
    const type = (byte >> 4) & 7;
    let size = byte & 0x0f;
    let shift = 4;
    while (byte & 0x80) {
      byte = pack[at++]!;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (type === REF_DELTA) at += 20;
    if (type === OFS_DELTA) {
      while (pack[at]! & 0x80) at += 1;
      at += 1;
    }
    if (size > maxBytes) return { type: TYPES[type] ?? String(type), size };
    // Inflating is the only way to find where this entry ends; it is at most maxBytes.
    const { buffer, engine } = inflateSync(pack.subarray(at), {
      info: true,
      maxOutputLength: maxBytes + 1,
    }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    if (type === OFS_DELTA || type === REF_DELTA) {
      const result = deltaVarint(buffer, deltaVarint(buffer, 0).next).value;
      if (result > maxBytes) return { type: 'delta result', size: result };
    }
    at += engine.bytesWritten;
  }
  return undefined;
}

/**
 * Wraps isomorphic-git's HTTP client so that a fetched pack holding an object over `maxBytes` is
 * refused before isomorphic-git sees it. Why: to index a pack, isomorphic-git inflates every object
 * whole, so one 200 MB blob in a small repository would take the controller's memory past 1 GB
 * before any checkout could check the file's size. The refusal names the size, not the path: a
 * path is known only once the pack's trees are indexed.
 */
export function guardPackSizes(inner: HttpClient, maxBytes: number): HttpClient {
  return {
    async request(request): Promise<GitHttpResponse> {
      const response = await inner.request(request);
      const pack = request.method === 'POST' && /\/git-upload-pack$/.test(request.url);
      if (!pack || response.statusCode !== 200) return response;
      const answer = await collectBody(response.body);
      const packBytes = packOfUploadPackAnswer(answer);
      const oversize = packBytes && firstOversizeObject(packBytes, maxBytes);
      if (oversize)
        throw new CairnError(
          `the remote sent a ${oversize.size}-byte ${oversize.type}, over the ${maxBytes}-byte limit (workspaces.maxFileSize); it is refused before it is inflated`,
          {
            code: 'source.file-too-large',
            phase: 'fetch',
            subject: `repository ${redactUrl(request.url.replace(/\/git-upload-pack$/, ''))}`,
            hint: 'remove the large file from the branch, raise workspaces.maxFileSize, or use repository.backend: native, which names the file',
          },
        );
      return { ...response, body: bodyOf(answer) };
    },
  };
}
