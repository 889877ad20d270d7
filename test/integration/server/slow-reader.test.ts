import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { FakeController } from '../../helpers/fake-controller';

jest.setTimeout(30_000);

// The largest answer anyone may ask for without a token is the UI's script; here it is 4 MiB,
// so that a few answers left unread fill the kernel's buffers on both sides of the connection.
const ASSET_BYTES = 4 * 1024 * 1024;
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

/** A connection that records when the server closed it; `received` is everything read so far. */
interface Conn {
  readonly socket: Socket;
  readonly closed: Promise<number>;
  received(): string;
}

function open(url: string): Promise<Conn> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let text = '';
    const socket = connect({ host: '127.0.0.1', port: Number(port) });
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => undefined); // a reset is one way of being cut
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.once('connect', () => resolve({ socket, closed, received: () => text }));
    socket.once('error', reject);
  });
}

/** Resolves with the close time, or with undefined when the connection is still open after `ms`. */
const closedWithin = (c: Conn, ms: number) =>
  Promise.race([c.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

describe('a client that stops reading its answers', () => {
  let server: RunningServer;
  let dir: string;
  const conns: Conn[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-slow-reader-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'app.js'), Buffer.alloc(ASSET_BYTES, 'x'));
    server = await createServer({
      controller: new FakeController(),
      metrics: new Metrics(),
      log: silentLog(),
      // A connection silent for headers + body timeout (2 s here) is cut.
      config: {
        port: 0,
        host: '127.0.0.1',
        maxBodyBytes: 1024 * 1024,
        headersTimeoutMs: 1000,
        bodyTimeoutMs: 1000,
      },
      uiAssetsDir: dir,
    });
  });

  afterAll(async () => {
    for (const c of conns) c.socket.destroy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['on its first request', false],
    // Found in review: Node's HTTP server sets a socket's timeout to the keep-alive timeout after
    // each answer and to server.timeout (0: none) at the next request, which dropped the guard's
    // cut of a silent connection from the second request of a connection on. A client that then
    // asked for answers and never read them held its connection, and every answer queued for it,
    // for good (on `cairn run`: 256 such connections from 8 addresses took the RSS from 70 MB to
    // 1.3 GB, and kept it).
    ['after an answer it did read (keep-alive)', true],
  ])('is cut once it has been silent for headers + body timeout, %s', async (_case, readOneFirst) => {
    // Given a connection that, maybe, asked for /healthz and read the answer
    const c = await open(server.url);
    conns.push(c);
    if (readOneFirst) {
      c.socket.write(get('/healthz'));
      while (!c.received().includes('{"status":"ok"}')) await new Promise((r) => setTimeout(r, 20));
    }
    // When it asks for the 4 MiB script 16 times over and reads nothing for 5 s
    c.socket.pause();
    c.socket.write(get('/ui/app.js').repeat(16));
    await new Promise((r) => setTimeout(r, 5000));
    // Then the server has cut it meanwhile (a paused socket sees the close only once it reads):
    // reading now gets what was in flight and the close, not all 16 answers
    c.socket.resume();
    const ms = await closedWithin(c, 10_000);
    expect(ms).toBeDefined();
    expect(c.received().split('content-type: text/javascript').length - 1).toBeLessThan(16);
  });
});
