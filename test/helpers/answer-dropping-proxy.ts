import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy that forwards everything to `target`, except that for the next `times` requests
 * matching `method` and `path` it forwards the request, waits for the host's whole answer, and then
 * cuts the client's connection without passing the answer on: the write happened, the client
 * cannot know (a timeout or a reset on a real network). It can also refuse requests with 503
 * before they reach the host (`refuse`).
 */
export interface AnswerDroppingProxy {
  /** `http://127.0.0.1:<port>`: the proxy's origin, standing in for the host's. */
  readonly url: string;
  /** Drops the answers of the next `times` requests whose method and path match. */
  drop(method: string, path: RegExp, times?: number): void;
  /**
   * Answers the next `times` requests whose method and path match with 503 itself, without
   * forwarding them: the host is briefly unavailable and never saw the write, so the client retries.
   */
  refuse(method: string, path: RegExp, times?: number): void;
  /** How many requests were refused so far. */
  readonly refused: () => number;
  /** How many answers were dropped, and every `METHOD path` seen, in order. */
  readonly dropped: () => number;
  readonly seen: readonly string[];
  close(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `target` (an http:// origin). */
export async function startAnswerDroppingProxy(target: string): Promise<AnswerDroppingProxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  let rule: { method: string; path: RegExp; left: number } | undefined;
  let dropped = 0;
  let refusal: { method: string; path: RegExp; left: number } | undefined;
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      if (
        refusal !== undefined &&
        refusal.left > 0 &&
        req.method === refusal.method &&
        refusal.path.test(req.url ?? '')
      ) {
        refusal.left -= 1;
        refused += 1;
        res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"message":"unavailable"}');
        return;
      }
      const drop =
        rule !== undefined && rule.left > 0 && req.method === rule.method && rule.path.test(req.url ?? '');
      if (drop) rule!.left -= 1;
      const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          if (drop) {
            answer.resume();
            answer.on('end', () => {
              dropped += 1;
              req.socket.destroy();
            });
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', (error) => res.writeHead(502).end(String(error)));
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    drop(method, path, times = 1) {
      rule = { method, path, left: times };
    },
    refuse(method, path, times = 1) {
      refusal = { method, path, left: times };
    },
    dropped: () => dropped,
    refused: () => refused,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
