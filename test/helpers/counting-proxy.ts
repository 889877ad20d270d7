import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { sandboxEnv } from '../sandbox/sandbox-env';

/** A TCP proxy that counts the client connections open through it, to see whether a client closed its sockets. */
export interface CountingProxy {
  /** host:port of the proxy on loopback. */
  readonly address: string;
  /** Connections from the client currently open. */
  open(): number;
  /** Connections from the client accepted since the proxy started (open or closed). */
  accepted(): number;
  close(): Promise<void>;
}

/** Starts a byte-for-byte proxy to `target` (host:port); TLS passes through untouched. */
export async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    sockets.add(client);
    const upstream = createConnection(target);
    client.pipe(upstream).pipe(client);
    const end = () => {
      sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return listening(
    server,
    sockets,
    () => accepted,
    () => {
      for (const s of sockets) s.destroy();
    },
  );
}

/**
 * An HTTP/1.1 proxy to `target` that keeps its client connections alive the way a real AWS
 * endpoint does (moto_server closes every connection itself, which would hide a client's
 * keep-alive sockets), and counts them.
 */
export async function startCountingHttpProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  const sockets = new Set<Socket>();
  const server = createHttpServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const upstream = httpRequest(
      { ...target, method: req.method, path: req.url, headers: { ...req.headers, connection: 'close' } },
      (answer) => {
        // Hop-by-hop headers stay on the upstream hop: the client's connection is kept alive.
        const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return listening(
    server,
    sockets,
    () => accepted,
    () => server.closeAllConnections(),
  );
}

/** `server` listening on a free loopback port, as a CountingProxy of `sockets`; `dropAll` ends them at close. */
async function listening(
  server: Server,
  sockets: ReadonlySet<Socket>,
  accepted: () => number,
  dropAll: () => void,
): Promise<CountingProxy> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    open: () => sockets.size,
    accepted,
    close: () =>
      new Promise<void>((resolve) => {
        dropAll();
        server.close(() => resolve());
      }),
  };
}

/**
 * A counting proxy to the sandbox's kube-apiserver, and a copy of the sandbox's kubeconfig
 * (written in `dir`) that reaches it through the proxy.
 */
export async function proxiedSandboxKubeconfig(
  dir: string,
): Promise<{ readonly proxy: CountingProxy; readonly kubeconfig: string }> {
  const sandbox = sandboxEnv();
  const server = new URL(sandbox.kubernetes.server);
  const proxy = await startCountingProxy({ host: server.hostname, port: Number(server.port) });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    readFileSync(sandbox.kubernetes.kubeconfig, 'utf8').replaceAll(server.host, proxy.address),
  );
  return { proxy, kubeconfig };
}
