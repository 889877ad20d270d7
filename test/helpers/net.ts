import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

/** A free loopback port, for a controller or server a test or tool starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** An HTTP server a test started on a free loopback port: its base URL, and how to stop it. */
export interface LoopbackServer {
  readonly url: string;
  /** Closes the server and every connection still open to it. */
  close(): Promise<void>;
}

/**
 * Starts `server` on a free loopback port. Each stand-in a test puts in cairn's way (a receiver, a
 * host or API server that answers with a canary) needs the same start and the same hard stop.
 */
export async function listenOnLoopback(server: HttpServer): Promise<LoopbackServer> {
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
