import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of moto_server that holds every request `delayMs` before forwarding it, as
 * a round trip to a real region would: moto on loopback answers in a fraction of that, so what a
 * client gains from sending requests at once, or loses by sending them in turn, shows only through
 * this. Requests are forwarded concurrently, each as it comes.
 */
export interface LatencyProxy {
  /** `http://127.0.0.1:<port>`, an SDK endpoint. */
  readonly url: string;
  /** The most requests that were under way at once. */
  mostAtOnce(): number;
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `target` (moto_server's URL). */
export async function startLatencyProxy(target: string, delayMs: number): Promise<LatencyProxy> {
  const upstream = new URL(target);
  let inFlight = 0;
  let most = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
        const out = request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res).on('finish', () => (inFlight -= 1));
          },
        );
        out.on('error', (err) => {
          inFlight -= 1;
          res.writeHead(502).end(String(err));
        });
        out.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    mostAtOnce: () => most,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
