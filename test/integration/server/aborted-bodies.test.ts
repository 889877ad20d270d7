import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLog } from '../../../controller/log';
import { startTestServer, type TestServer } from './test-server';

/**
 * Sends a request head and the start of its body, then resets the connection (what any client
 * that reaches the port can do, as often as it likes); resolves once the connection is gone.
 */
function resetMidBody(url: string, path: string, headers: Record<string, string>): Promise<void> {
  const u = new URL(url);
  const length = 'transfer-encoding' in headers ? {} : { 'content-length': '100000' };
  const head = Object.entries({ host: u.host, ...length, ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) }, () => {
      socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n{"ref":"refs/heads/`);
      // Long enough for the server to have taken the headers and started on the body.
      setTimeout(() => socket.resetAndDestroy(), 20);
    });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
  });
}

/**
 * A body the client cuts off is the client's doing: it is dropped without an error line. Found in
 * review: each one was answered as a server fault (500) and logged at error with its URL, so anyone
 * reaching the port wrote an error line of up to 16 KiB of their choosing per connection.
 */
describe('a body cut off by its client', () => {
  let t: TestServer;
  afterEach(() => t?.server.close());

  it('writes no error line, whichever route it was sent to, and the server goes on answering', async () => {
    const lines: { level: number; msg: string; url?: string }[] = [];
    let bytes = 0;
    const destination = new PassThrough();
    destination.on('data', (d: Buffer) => {
      bytes += d.length;
      d.toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => lines.push(JSON.parse(l) as { level: number; msg: string }));
    });
    t = await startTestServer({ log: createLog({ destination, level: 'info' }) });
    const longQuery = `?${'x'.repeat(8000)}`;
    const targets: [string, Record<string, string>][] = [
      // A webhook with a signature header of any value: its body is read before the signature is checked.
      [
        `/hooks/github${longQuery}`,
        { 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' },
      ],
      [
        `/hooks/generic${longQuery}`,
        { 'x-cairn-signature': 't=1,v1=00', 'content-type': 'application/json' },
      ],
      // No route at all, and a chunked body of unannounced length.
      [`/no-such-route${longQuery}`, { 'content-type': 'application/json' }],
      [`/hooks/gitea${longQuery}`, { 'x-gitea-signature': '00', 'transfer-encoding': 'chunked' }],
    ];
    for (let round = 0; round < 10; round += 1)
      for (const [path, headers] of targets) await resetMidBody(t.server.url, path, headers);
    await new Promise((r) => setTimeout(r, 200));

    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(bytes).toBeLessThan(4096);
    expect((await fetch(`${t.server.url}/healthz`)).status).toBe(200);
  });
});
