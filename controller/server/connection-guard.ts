import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/types';

/** The server's limits with every default filled in (see `ServerConfig`). */
export interface ServerLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxBufferedBodyBytes: number;
  /**
   * Count every loopback peer (127/8, ::1) as one client of `maxConnectionsPerClient`, however
   * many loopback addresses it connects from (the probe listener's; see PROBE_LIMITS).
   */
  readonly loopbackIsOneClient?: boolean;
}

/** The limits `config` sets, defaults for the rest. */
export function serverLimits(config: ServerConfig): ServerLimits {
  return {
    maxConnections: config.maxConnections ?? 256,
    maxConnectionsPerClient: config.maxConnectionsPerClient ?? 32,
    headersTimeoutMs: config.headersTimeoutMs ?? 10_000,
    bodyTimeoutMs: config.bodyTimeoutMs ?? 10_000,
    maxBodyBytes: config.maxBodyBytes,
    maxBufferedBodyBytes: config.maxBufferedBodyBytes ?? 16 * 1024 * 1024,
    ...(config.loopbackIsOneClient ? { loopbackIsOneClient: true } : {}),
  };
}

// An idle keep-alive connection holds a slot of the connection caps: let it go soon.
const KEEP_ALIVE_MS = 5_000;

/**
 * The options of `http.createServer` that make Node enforce the header timeout at its configured
 * value. Node checks its request timeouts only every `connectionsCheckingInterval` (30 s by
 * default), which is how a 10 s timeout once let a slow body live for 70 s; checking every
 * second (or faster for short timeouts) keeps each cut within a second of its deadline.
 */
export function httpServerOptions(limits: ServerLimits): {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  connectionsCheckingInterval: number;
} {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // A second line behind the per-request body timer (see readBody).
    requestTimeout: limits.headersTimeoutMs + limits.bodyTimeoutMs,
    keepAliveTimeout: Math.min(KEEP_ALIVE_MS, limits.headersTimeoutMs),
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * Requests of one connection whose answers are not finished yet, at most: a client that pipelines
 * more (no browser or webhook sender does) is cut. Node parses every request of a read chunk at
 * once (about 1,700 short ones in 64 KiB) and keeps each, with its answer, until the client reads
 * that answer, so a client that pipelined and stopped reading held megabytes per connection.
 */
export const MAX_PIPELINED_REQUESTS = 8;

/**
 * An HTTP server under the guard (see guardConnections and httpServerOptions) that hands `handler`
 * at most MAX_PIPELINED_REQUESTS requests of one connection at a time; at one more, the connection
 * is destroyed and the rest of what it sent is never handed on.
 */
export function createGuardedServer(limits: ServerLimits, handler: RequestListener): Server {
  const waiting = new WeakMap<Socket, number>();
  const server = createServer(httpServerOptions(limits), (req, res) => {
    const socket = req.socket;
    const count = (waiting.get(socket) ?? 0) + 1;
    if (count > MAX_PIPELINED_REQUESTS) {
      socket.destroy();
      return;
    }
    waiting.set(socket, count);
    res.once('close', () => waiting.set(socket, (waiting.get(socket) ?? 1) - 1));
    handler(req, res);
  });
  guardConnections(server, limits);
  return server;
}

/**
 * Caps connections in total (Node closes the excess at once) and per client address (closed here
 * as soon as accepted, before a byte is read), and cuts a connection that sends nothing at all.
 * Counts are dropped with their last connection, so a flood leaves nothing behind.
 */
export function guardConnections(server: Server, limits: ServerLimits): { readonly open: () => number } {
  server.maxConnections = limits.maxConnections;
  const silence = limits.headersTimeoutMs + limits.bodyTimeoutMs;
  // Node sets a socket's timeout to the keep-alive timeout after each answer, and back to
  // `server.timeout` at the next request: left at 0, that dropped the cut below from a
  // connection's second request on, and a client that asked for answers and never read them
  // held its connection and every answer queued for it for good.
  server.timeout = silence;
  const perClient = new Map<string, number>();
  let open = 0;
  server.on('connection', (socket: Socket) => {
    const client = clientOf(socket.remoteAddress ?? 'unknown', limits.loopbackIsOneClient ?? false);
    const count = (perClient.get(client) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    perClient.set(client, count);
    open += 1;
    // A connection silent for the whole request budget holds a slot for nothing.
    socket.setTimeout(silence, () => socket.destroy());
    socket.once('close', () => {
      open -= 1;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });
  return { open: () => open };
}

/**
 * Who a peer address counts as for the per-client cap: the address itself, but an IPv6 address's
 * /64 (a network gives one host a whole /64, so per address a single host had 2^64 clients'
 * caps), and with `loopbackIsOneClient` every loopback address as one (a host reaches all of
 * 127/8). An IPv4 address mapped into IPv6 is its IPv4 address.
 */
export function clientOf(address: string, loopbackIsOneClient: boolean): string {
  if (isLoopback(address)) return loopbackIsOneClient ? 'loopback' : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
}

/** The eight groups of an IPv6 address, `::` expanded and each without leading zeros (a zone id dropped). */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.toLowerCase().split('::');
  const part = (text: string) => (text === '' ? [] : text.split(':'));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}

/**
 * True for a host or peer address only this machine can reach: `localhost`, `::1`, any 127/8
 * address, also as a peer of a dual-stack listener sees it (mapped into IPv6, `::ffff:127.0.0.1`).
 */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(host);
}
