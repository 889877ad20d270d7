import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { sandboxEnv } from '../sandbox/sandbox-env';

/**
 * A plain-HTTP proxy in front of the sandbox's kube-apiserver (it holds the admin client
 * certificate, so the client behind it needs no credentials) that kills a process at an exact
 * request: the crash points of a reconcile are hit by counting requests, never by guessing times.
 */
export interface KillProxy {
  /** A kubeconfig whose only cluster is this proxy (`http://127.0.0.1:<port>`, no credentials). */
  readonly kubeconfig: string;
  /** `METHOD path` of every request seen since the last `arm`, in order of arrival. */
  readonly seen: readonly string[];
  /**
   * SIGKILLs `pid` at the `nth` request (1-based, counted from now) that `matches`: with `after`,
   * once the server has answered it (the write landed, the client never learns it); otherwise
   * before it is forwarded (it never reaches the server). Requests after it are never answered.
   * `matches` is given the path without the query, and the whole URL (to tell field managers apart).
   */
  arm(pid: number, nth: number, matches: Matcher, after: boolean): void;
  /**
   * Forwards the requests that `matches` only `ms` after they arrived, until `disarm`: a write the
   * reconcile sends early can then be made to land after another (a race a loaded server decides).
   */
  hold(matches: Matcher, ms: number): void;
  /**
   * Answers the next `times` requests that `matches` with `status` itself, until `disarm`: a read
   * that fails once (a 429 while a collection initializes, a 5xx), which the client sees as the
   * server's answer.
   */
  refuse(matches: Matcher, times: number, status: number): void;
  /** Whether the armed kill happened. */
  fired(): boolean;
  /** Forwards everything again, kills nothing. */
  disarm(): void;
  close(): Promise<void>;
}

/** Which requests count: by method, path (no query) and the whole URL. */
export type Matcher = (method: string, path: string, url: string) => boolean;

interface Armed {
  readonly pid: number;
  readonly matches: Matcher;
  readonly after: boolean;
  left: number;
  fired: boolean;
}

/** Starts the proxy on a free loopback port; its kubeconfig is written to `kubeconfigFile`. */
export async function startKillProxy(kubeconfigFile: string): Promise<KillProxy> {
  const env = sandboxEnv();
  const upstream = new URL(env.kubernetes.server);
  const pki = (name: string) =>
    readFileSync(`${env.kubernetes.kubeconfig.replace(/kubeconfig$/, 'pki/')}${name}`);
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 32,
    ca: pki('ca.crt'),
    cert: pki('admin.crt'),
    key: pki('admin.key'),
  });
  const seen: string[] = [];
  let armed: Armed | undefined;
  let held: { readonly matches: Matcher; readonly ms: number } | undefined;
  let refused: { readonly matches: Matcher; left: number; readonly status: number } | undefined;
  const sockets = new Set<Socket>();

  const kill = (a: Armed) => {
    a.fired = true;
    try {
      process.kill(a.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      seen.push(`${method} ${url}`);
      const a = armed;
      if (a?.fired) {
        res.destroy();
        return;
      }
      let hit = false;
      if (a && a.matches(method, url.split('?')[0]!, url)) {
        a.left -= 1;
        hit = a.left === 0;
      }
      if (hit && !a!.after) {
        kill(a!);
        res.destroy();
        return;
      }
      if (refused && refused.left > 0 && refused.matches(method, url.split('?')[0]!, url)) {
        refused.left -= 1;
        const status = JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: refused.status,
        });
        res.writeHead(refused.status, { 'content-type': 'application/json' });
        res.end(status);
        return;
      }
      const { host: _host, connection: _connection, ...headers } = req.headers;
      const out = httpsRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path: url,
          headers,
          agent,
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            if (hit || armed?.fired) {
              // The write landed; the client never hears of it.
              if (hit) kill(a!);
              res.destroy();
              return;
            }
            const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...back } = answer.headers;
            res.writeHead(answer.statusCode ?? 502, {
              ...back,
              'content-length': String(Buffer.concat(body).length),
            });
            res.end(Buffer.concat(body));
          });
        },
      );
      out.on('error', () => res.destroy());
      if (held?.matches(method, url.split('?')[0]!, url))
        setTimeout(() => out.end(Buffer.concat(chunks)), held.ms);
      else out.end(Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  writeFileSync(
    kubeconfigFile,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `  - name: proxy`,
      `    cluster: { server: "http://127.0.0.1:${port}" }`,
      'users:',
      '  - name: nobody',
      '    user: {}',
      'contexts:',
      '  - name: proxy',
      '    context: { cluster: proxy, user: nobody }',
      'current-context: proxy',
      '',
    ].join('\n'),
  );
  return {
    kubeconfig: kubeconfigFile,
    seen,
    arm(pid, nth, matches, after) {
      seen.length = 0;
      armed = { pid, matches, after, left: nth, fired: false };
    },
    hold(matches, ms) {
      held = { matches, ms };
    },
    refuse(matches, times, status) {
      refused = { matches, left: times, status };
    },
    fired: () => armed?.fired ?? false,
    disarm() {
      armed = undefined;
      held = undefined;
      refused = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
