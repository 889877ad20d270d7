import https from 'node:https';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { KubernetesTargetConfig } from '../config/types';
import { CairnError } from '../model/errors';
import { kubeconfigSource } from '../model/kubeconfig-source';
import type { WriteFence } from '../model/pipeline';
import { sendWithCredentials } from '../model/rotating-credentials';
import { warningsOf } from './server-warnings';

/** One answer of the API server: the status code, the parsed JSON body (or raw text) and its warnings. */
export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
  /**
   * The texts of the answer's `Warning` headers (see `warningsOf`), absent when there were none:
   * a deprecated API, a Pod Security `warn` violation, an admission webhook's warning. The server
   * went ahead; only this header says so.
   */
  readonly warnings?: readonly string[];
}

/** A request to the API server, path relative to the server URL. */
export interface KubeRequest {
  readonly method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly contentType?: string;
  /** The Accept header (default `application/json`), e.g. to ask for metadata only. */
  readonly accept?: string;
  /**
   * A write's fence (see WriteFence), called right before each attempt goes on the wire: once the
   * credentials are in hand (fetching them may run a plugin for seconds) and again before the
   * resend after a 401. Checked only before the first, the resend was sent by a replica that lost
   * its Lease while the plugin ran anew (test/integration/kube/credential-resend-fence.test.ts).
   */
  readonly fence?: WriteFence;
}

/** The raw HTTP seam to one cluster: kubeconfig, auth and TLS from the library, the requests our own. */
export interface KubeClient {
  readonly server: string;
  request(req: KubeRequest): Promise<KubeResponse>;
  /**
   * Opens connections, up to `sockets` open in all (and the client's limit), for a burst of
   * requests about to come; nothing when no request was made yet. A wrapper may leave it out.
   */
  preconnect?(sockets: number): void;
  close(): void;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The TLS material of a request's options, as text: what decides whether a connection may be reused. */
function tlsMaterial(opts: https.RequestOptions): string {
  return [opts.ca, opts.cert, opts.key, opts.rejectUnauthorized, opts.servername].map(String).join('\0');
}

/**
 * Loads the kubeconfig of a target and returns a keep-alive client for its cluster, with at most
 * `maxSockets` connections (default: twice the target's concurrency, at least 4).
 */
export function createKubeClient(
  target: Pick<KubernetesTargetConfig, 'kubeconfig' | 'context' | 'concurrency'>,
  maxSockets = Math.max(4, target.concurrency * 2),
  /** `namespace/name` of a ServiceAccount every request of this client is made as (`Impersonate-User`). */
  impersonate?: string,
): KubeClient {
  const impersonated = impersonate ? impersonatedUser(impersonate) : undefined;
  const source = kubeconfigSource(target, {
    area: 'kube',
    phase: 'apply-kubernetes',
    subject: target.kubeconfig ?? 'default kubeconfig',
    contextField: 'kubernetes.context',
  });
  const server = source.server.replace(/\/+$/, '');
  const secure = server.startsWith('https:');
  // Where an unreachable server came from, for the one hint every failed request carries.
  const unreachable = `check that ${server} is reachable: it is the server of ${
    target.context ? `context ${target.context} in` : 'the current context of'
  } ${target.kubeconfig ?? 'the default kubeconfig (KUBECONFIG, ~/.kube/config or in-cluster)'}`;
  // The server's URL is parsed once: a fresh apply sends a thousand requests, and building and
  // parsing a URL object for each was a visible share of the client's CPU. The server's own path
  // (a proxy's `/k8s/clusters/<id>`) prefixes every request path.
  const base = new URL(server);
  const endpoint = {
    protocol: base.protocol,
    // An IPv6 literal is bracketed in a URL, not in a request's hostname.
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port,
    prefix: base.pathname.replace(/\/+$/, ''),
  };
  let pool: { agent: PreconnectingAgent; from: https.RequestOptions; material: string } | undefined;

  // One keep-alive agent while the TLS material stays the same: the library makes a fresh agent
  // per call, which would cost a TLS handshake per request. A plugin that hands out a new client
  // certificate gets a new agent; the old one is closed once its requests have had their time.
  const agentFor = (opts: https.RequestOptions): PreconnectingAgent => {
    if (pool && pool.from === opts) return pool.agent;
    const material = tlsMaterial(opts);
    if (pool && pool.material === material) {
      pool.from = opts;
      return pool.agent;
    }
    const old = pool?.agent;
    if (old) setTimeout(() => old.destroy(), REQUEST_TIMEOUT_MS).unref();
    const agent = preconnecting(
      secure
        ? new https.Agent({
            keepAlive: true,
            maxSockets,
            // One TLS context for every socket: given ca/cert/key instead, each connection parses
            // them into a context of its own (native memory and CPU per socket).
            secureContext: createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key }),
            ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
            ...(opts.servername ? { servername: opts.servername } : {}),
          })
        : new http.Agent({ keepAlive: true, maxSockets }),
    );
    pool = { agent, from: opts, material };
    return agent;
  };

  const attempt = (req: KubeRequest, opts: https.RequestOptions): Promise<KubeResponse> => {
    const query = req.query ? new URLSearchParams(req.query).toString() : '';
    const path = `${endpoint.prefix}${req.path}`;
    const headers: Record<string, string> = { accept: req.accept ?? 'application/json' };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    if (impersonated) headers['impersonate-user'] = impersonated;
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(req.body));
    }
    return send(
      secure ? https : http,
      path,
      {
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port,
        path: query ? `${path}?${query}` : path,
        method: req.method,
        headers,
        agent: agentFor(opts),
      },
      req.body,
      unreachable,
    );
  };

  return {
    server,
    request(req) {
      return sendWithCredentials(source, (opts) => {
        req.fence?.();
        return attempt(req, opts);
      });
    },
    preconnect(sockets) {
      pool?.agent.preconnect(Math.min(sockets, maxSockets));
    },
    close() {
      pool?.agent.destroy();
    },
  };
}

/** How long a connection opened ahead may wait for a request before it is closed. */
const SPARE_IDLE_MS = 5_000;
/** Connections opened ahead in one turn of the event loop. */
const PRECONNECT_BATCH = 4;

type Connect = (options: object, done?: (error: Error | null, socket: Duplex) => void) => Duplex;

/** An agent that can open connections ahead of a burst of requests (see `preconnecting`). */
type PreconnectingAgent = http.Agent & { preconnect(sockets: number): void };

/**
 * `agent`, opening connections ahead (`preconnect`) with the options of the last connection it
 * made, and handing each to the next request that needs a new one (through the agent's documented
 * `createConnection` seam). A fresh apply sends its first wave's objects over as many new
 * connections at once, after a chain of single writes (the tree's namespace, the inventory, its
 * other Namespaces) that leaves client and server all but idle: the TLS handshakes (resumed
 * sessions, from the first connection's ticket) are made then, not in the burst, where they held
 * its first requests back some 50 ms on the 1,000-object benchmark.
 */
function preconnecting(agent: http.Agent): PreconnectingAgent {
  const connect = agent.createConnection.bind(agent) as Connect;
  const spare: Duplex[] = [];
  let last: { options: object; name: string } | undefined;
  let idle: NodeJS.Timeout | undefined;
  const dropSpare = () => {
    for (const socket of spare.splice(0)) socket.destroy();
  };
  (agent as { createConnection: Connect }).createConnection = (options, done) => {
    const name = agent.getName(options as http.ClientRequestArgs);
    // Opened ahead for the same server and TLS settings (one agent is one server and one TLS
    // material, so that is every spare but one opened before a change of name).
    if (last && last.name !== name) dropSpare();
    last = { options, name };
    for (let socket = spare.pop(); socket; socket = spare.pop()) if (!socket.destroyed) return socket;
    return connect(options, done);
  };
  let destroyed = false;
  const destroy = agent.destroy.bind(agent);
  agent.destroy = () => {
    destroyed = true;
    clearTimeout(idle);
    dropSpare();
    destroy();
  };
  return Object.assign(agent, {
    preconnect(sockets: number) {
      const made = last;
      if (!made) return;
      // Counted again before every batch: the burst may start before the last batch, and each
      // request that then finds no spare opens a connection of its own. Counted once, the batches
      // went on opening their full number beside those: 16 to 28 connections (and TLS handshakes,
      // on both sides) more than the burst's 50 on the 1,000-object benchmark, never used.
      const wanted = () =>
        sockets -
        ((agent.sockets[made.name]?.length ?? 0) +
          (agent.freeSockets[made.name]?.length ?? 0) +
          spare.length);
      // A few a turn of the event loop: each connect makes its TLS key share at once (about a
      // millisecond), and forty in one go held back the writes they were opened beside.
      const openSome = () => {
        if (destroyed) return;
        for (let n = 0; n < PRECONNECT_BATCH && wanted() > 0; n++) {
          const socket = connect(made.options);
          // A connection refused or reset before any request took it is dropped, not thrown.
          socket.on('error', () => socket.destroy());
          spare.push(socket);
        }
        if (wanted() > 0) setImmediate(openSome);
      };
      if (wanted() > 0) setImmediate(openSome);
      clearTimeout(idle);
      idle = setTimeout(dropSpare, SPARE_IDLE_MS).unref();
    },
  });
}

/** Sends one request; `path` (without the query) names it in errors. */
function send(
  mod: typeof https | typeof http,
  path: string,
  opts: https.RequestOptions,
  body: string | undefined,
  /** What to check when the server does not answer: which server, from which kubeconfig. */
  unreachable: string,
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const req = mod.request({ ...opts, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          // Not JSON (a proxy's HTML page): keep the text for the error message.
        }
        const warnings = warningsOf(res.rawHeaders);
        resolve({ status: res.statusCode ?? 0, body: parsed, ...(warnings ? { warnings } : {}) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${path} timed out`)));
    req.on('error', (err) =>
      reject(
        new CairnError(`the API server did not answer: ${err.message}`, {
          code: 'kube.unreachable',
          phase: 'apply-kubernetes',
          retryable: true,
          subject: `${opts.method ?? 'GET'} ${path}`,
          hint: unreachable,
          cause: err,
        }),
      ),
    );
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The `message` of a Kubernetes Status body, or the body itself as text. */
export function statusMessage(body: unknown): string {
  if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    return (body as { message: string }).message;
  }
  return typeof body === 'string' ? body.slice(0, 500) : JSON.stringify(body ?? '').slice(0, 500);
}

/** The user name of a ServiceAccount `namespace/name`: `system:serviceaccount:<namespace>:<name>`. */
export function impersonatedUser(serviceAccount: string): string {
  const [namespace, name, ...rest] = serviceAccount.split('/');
  if (!namespace || !name || rest.length > 0) {
    throw new CairnError(`kubernetes.serviceAccount "${serviceAccount}" is not <namespace>/<name>`, {
      code: 'config.invalid',
      phase: 'config',
      subject: 'kubernetes.serviceAccount',
      hint: 'write the ServiceAccount as <namespace>/<name>, e.g. team-a/deployer',
    });
  }
  return `system:serviceaccount:${namespace}:${name}`;
}
