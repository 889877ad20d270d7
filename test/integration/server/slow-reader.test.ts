import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { MAX_PIPELINED_REQUESTS } from '../../../controller/server/connection-guard';
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

/** A controller that counts how often /readyz asked it. */
class CountingController extends FakeController {
  asked = 0;
  override ready(): boolean {
    this.asked += 1;
    return super.ready();
  }
}

describe('a client that stops reading its answers', () => {
  let server: RunningServer;
  let controller: CountingController;
  let dir: string;
  const conns: Conn[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-slow-reader-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'app.js'), Buffer.alloc(ASSET_BYTES, 'x'));
    controller = new CountingController();
    server = await createServer({
      controller,
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

  it('is cut when it pipelines more than MAX_PIPELINED_REQUESTS, and the rest is never handled', async () => {
    // Found in review: Node parses every request of a read chunk at once and keeps each, with its
    // answer, until the client reads it; 3,000 pipelined GET /ui/app.js on each of 256
    // connections took `cairn run` to 2.3 GB (and blocked its event loop for seconds) even
    // with silent connections cut.
    // Given a client that sends 2,000 requests in one go
    const c = await open(server.url);
    conns.push(c);
    const before = controller.asked;
    c.socket.write(get('/readyz').repeat(2000));
    // Then the connection is cut at once, and at most MAX_PIPELINED_REQUESTS of them were handled
    expect(await closedWithin(c, 3000)).toBeDefined();
    expect(controller.asked - before).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
    expect(c.received().split('HTTP/1.1 200 OK').length - 1).toBeLessThanOrEqual(MAX_PIPELINED_REQUESTS);
  });

  it('answers a keep-alive client that waits for each answer as often as it asks', async () => {
    const c = await open(server.url);
    conns.push(c);
    for (let i = 1; i <= 3 * MAX_PIPELINED_REQUESTS; i++) {
      c.socket.write(get('/healthz'));
      while (c.received().split('{"status":"ok"}').length - 1 < i) await new Promise((r) => setTimeout(r, 5));
    }
    expect(c.socket.destroyed).toBe(false);
  });
});
