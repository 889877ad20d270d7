import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP proxy that forwards one request at a time, in arrival order. */
export interface SerialHttpProxy {
  /** `http://127.0.0.1:<port>`, to use as an SDK endpoint. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of `target` (an http:// origin) that lets one request through at a
 * time. Why: moto_server answers requests on threads, and its TransactWriteItems is not atomic
 * across them: a transaction that fails restores the whole table from a copy taken when it began,
 * erasing a transaction that succeeded on another thread meanwhile. Real DynamoDB has no such
 * race; in front of moto, two writers still race each other's read-then-write (the conflict the
 * audit chain must survive) without moto losing a committed write.
 */
export async function startSerialHttpProxy(target: string): Promise<SerialHttpProxy> {
  const upstream = new URL(target);
  let tail: Promise<void> = Promise.resolve();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      tail = tail.then(
        () =>
          new Promise<void>((done) => {
            const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
            const out = request(
              { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
              (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
                answer.on('end', done);
                answer.on('error', done);
              },
            );
            out.on('error', (error) => {
              res.writeHead(502).end(String(error));
              done();
            });
            out.end(body);
          }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
