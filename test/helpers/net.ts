import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';

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

/**
 * Holds silent connections to `port` on 127.0.0.1: `perAddress` from each of `addresses` (other
 * loopback addresses, so that each is a client of its own unless the server counts loopback as
 * one), opening a new one whenever one is cut, as a flood goes on. `release` stops and closes them.
 */
export function holdConnections(
  port: number,
  addresses: readonly string[],
  perAddress: number,
): { release(): void } {
  const held: Socket[] = [];
  let stop = false;
  const hold = (from: string) => {
    if (stop) return;
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    socket.on('error', () => undefined);
    socket.on('close', () => setTimeout(() => hold(from), 5));
    held.push(socket);
  };
  for (const from of addresses) for (let i = 0; i < perAddress; i += 1) hold(from);
  return {
    release() {
      stop = true;
      held.forEach((s) => s.destroy());
    },
  };
}

/** 127.0.0.2 to 127.0.0.9: eight loopback addresses a flood comes from. */
export const EIGHT_LOOPBACK_ADDRESSES: readonly string[] = Array.from(
  { length: 8 },
  (_, i) => `127.0.0.${i + 2}`,
);

/** This machine's IPv4 address beyond loopback: a peer from the network (the kubelet's, an ingress's). */
export function networkAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i?.family === 'IPv4' && !i.internal)?.address;
  if (!found) throw new Error('this test needs an IPv4 address beyond loopback');
  return found;
}

/** The status of `count` GETs of `url` in turn, each given two seconds, or why there was no answer. */
export async function answersOf(url: string, count: number): Promise<(number | string)[]> {
  const answers: (number | string)[] = [];
  for (let i = 0; i < count; i += 1)
    answers.push(
      await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        (err: Error) => `no answer (${err.message})`,
      ),
    );
  return answers;
}
