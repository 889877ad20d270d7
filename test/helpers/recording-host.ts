import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request the recording host received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query exactly as sent (percent-encoding kept). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body, parsed; undefined when empty. */
  readonly body: unknown;
}

/** What a route answers: a status, an optional JSON body and headers. */
export interface Answer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Answers one request; `'hang'` never answers, a function gets the raw response to misbehave with. */
export type Route = (request: RecordedRequest) => Answer | 'hang' | ((res: ServerResponse) => void);

/**
 * A Git host's REST API on loopback for unit tests: a real node:http server that records every
 * request and answers from a route table keyed `METHOD /path` (the query ignored), answering with
 * bodies shaped as the host's documentation shows. Unmatched requests get 404.
 */
export async function recordingHost(routes: Record<string, Route>): Promise<{
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Sockets opened so far, and how many are still open. */
  readonly sockets: () => { readonly opened: number; readonly open: number };
  close(): Promise<void>;
}> {
  const requests: RecordedRequest[] = [];
  const open = new Set<Socket>();
  let opened = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? (JSON.parse(text) as unknown) : undefined,
      };
      requests.push(request);
      const route = routes[`${request.method} ${request.url.split('?')[0]}`];
      const answer = route ? route(request) : { status: 404, body: { message: 'Not Found' } };
      if (answer === 'hang') return;
      if (typeof answer === 'function') return answer(res);
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  server.on('connection', (socket: Socket) => {
    opened++;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sockets: () => ({ opened, open: open.size }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
