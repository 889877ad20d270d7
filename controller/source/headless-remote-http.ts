import type { GitHttpResponse, HttpClient } from 'isomorphic-git';
import { bodyOf, collectBody } from './git-http-body';

/** One pkt-line of the smart HTTP protocol: its payload, or null for a flush (`0000`). */
type PktLine = Buffer | null;

function parsePktLines(all: Buffer): PktLine[] | undefined {
  const lines: PktLine[] = [];
  let at = 0;
  while (at < all.length) {
    const length = Number.parseInt(all.subarray(at, at + 4).toString('ascii'), 16);
    if (!Number.isInteger(length) || (length !== 0 && length < 4) || at + Math.max(length, 4) > all.length)
      return undefined;
    lines.push(length === 0 ? null : all.subarray(at + 4, at + length));
    at += length === 0 ? 4 : length;
  }
  return lines;
}

function pktLine(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from((bytes.length + 4).toString(16).padStart(4, '0'), 'ascii'), bytes]);
}

/**
 * A protocol-v1 ref advertisement with a `HEAD` line added when the remote sent none, or the same
 * bytes when it did (or when it is not a v1 advertisement at all).
 *
 * Why: git omits HEAD from the advertisement when HEAD names a branch that does not exist (a bare
 * repository made with `-b main` that holds only environment branches), and isomorphic-git's fetch
 * then fails with "Could not find HEAD" after the refs it asked for were negotiated, although it
 * fetches named branches only (`singleBranch`). The added line points at the first advertised ref; cairn
 * never reads the remote's HEAD, so its value is never used and never written to disk.
 */
export function withAdvertisedHead(advertisement: Buffer): Buffer {
  const lines = parsePktLines(advertisement);
  if (!lines) return advertisement;
  // "# service=git-upload-pack", flush, then the first ref line carrying the capabilities after a NUL.
  const first = lines.findIndex((l, i) => i > 0 && l !== null);
  const firstRef = first < 0 ? undefined : lines[first];
  if (!lines[0]?.toString('utf8').startsWith('# service=') || !firstRef || !firstRef.includes(0))
    return advertisement;
  const refLines = lines.slice(first).filter((l): l is Buffer => l !== null);
  const names = refLines.map((l) => l.toString('utf8').split('\0')[0]!.trim().split(' '));
  if (names.some(([, name]) => name === 'HEAD')) return advertisement;
  const [oid, name] = names[0] ?? [];
  if (!oid || !name || /^0+$/.test(oid)) return advertisement; // no refs at all: nothing to point at
  const out = [...lines.slice(0, first + 1), Buffer.from(`${oid} HEAD\n`), ...lines.slice(first + 1)];
  return Buffer.concat(out.map((l) => (l === null ? Buffer.from('0000', 'ascii') : pktLine(l))));
}

/**
 * Wraps isomorphic-git's HTTP client so a remote whose HEAD names a missing branch can still be
 * fetched branch by branch (see `withAdvertisedHead`). Every other request passes through unchanged.
 */
export function headlessRemoteHttp(inner: HttpClient): HttpClient {
  return {
    async request(request): Promise<GitHttpResponse> {
      const response = await inner.request(request);
      const discovery =
        (request.method ?? 'GET') === 'GET' && /\/info\/refs\?service=git-upload-pack$/.test(request.url);
      if (!discovery || response.statusCode !== 200) return response;
      return { ...response, body: bodyOf(withAdvertisedHead(await collectBody(response.body))) };
    },
  };
}
