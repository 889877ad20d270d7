import { withAdvertisedHead } from '../../../controller/source/headless-remote-http';

const pkt = (s: string) => `${(Buffer.byteLength(s) + 4).toString(16).padStart(4, '0')}${s}`;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const advertisement = (...refs: string[]) =>
  Buffer.from(
    pkt('# service=git-upload-pack\n') +
      '0000' +
      refs.map((r, i) => pkt(i === 0 ? `${r}\0multi_ack side-band-64k ofs-delta\n` : `${r}\n`)).join('') +
      '0000',
  );

describe('withAdvertisedHead', () => {
  it('adds a HEAD line pointing at the first ref when the remote advertises none', () => {
    // given git http-backend's answer for a bare repository whose HEAD names a missing branch
    const out = withAdvertisedHead(advertisement(`${A} refs/heads/dev`, `${B} refs/heads/prod`));
    // then the refs are kept, in order, with HEAD after the first (capabilities stay on the first line)
    expect(out.toString()).toBe(
      advertisement(`${A} refs/heads/dev`, `${A} HEAD`, `${B} refs/heads/prod`).toString(),
    );
  });

  it.each([
    ['HEAD is advertised', advertisement(`${A} HEAD`, `${A} refs/heads/main`)],
    ['the repository is empty', advertisement(`${'0'.repeat(40)} capabilities^{}`)],
    [
      'it is a protocol v2 answer',
      Buffer.from(pkt('# service=git-upload-pack\n') + '0000' + pkt('version 2\n') + '0000'),
    ],
    ['it is not pkt-lines', Buffer.from('<html>not git</html>')],
  ])('passes the bytes through unchanged when %s', (_case, input) => {
    expect(withAdvertisedHead(input).equals(input)).toBe(true);
  });
});
