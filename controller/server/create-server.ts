import type { Server } from 'node:http';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ServerConfig } from '../config/types';
import { CairnError } from '../model/errors';
import type { Log } from '../log';
import {
  loadApiTokens,
  registerApiAuth,
  registerLocalHostCheck,
  requesterOf,
  type ApiToken,
} from './api-auth';
import { registerApiRoutes } from './api-routes';
import { BodyBudget, BodyError, carriesBody, readBody, tooLargeMessage } from './body-reader';
import { createGuardedServer, isLoopback, serverLimits, type ServerLimits } from './connection-guard';
import type { Metrics } from './metrics';
import { createProbeServer } from './probe-listener';
import { registerProbeRoutes } from './probe-routes';
import { answer, refuse } from './reply';
import type { ControllerPort } from './types';
import { registerHandoffRoute } from './shard-handoff';
import { registerShardRequestRoutes } from './shard-requests';
import { registerWebhookRoute } from './webhook-route';
import type { LiveEvents } from './live-events';
import { registerLiveRoute } from './live-route';
import { registerUiApiRoutes } from './ui-api-routes';
import { registerUiRoutes } from './ui-routes';
import type { UiSources } from './types';
import { isProviderName } from './webhooks/providers';

/** What `createServer` needs: the controller it fronts, its config, metrics and logger. */
export interface ServerOptions {
  readonly controller: ControllerPort;
  readonly config: ServerConfig;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Where the secrets named in config are read (once, at start-up); defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** With sharding: the key handoffs between replicas are signed with (see loadHandoffKey). */
  readonly handoffKey?: Buffer;
  /** web-ui: the observer that feeds `GET /api/events` (absent: that route answers 501). */
  readonly live?: LiveEvents;
  /** web-ui: what the UI's extra read routes and the revert route read (each part optional). */
  readonly ui?: UiSources & { readonly commitUrl?: string };
  /** web-ui: where the built UI is (default: the package's dist/ui). */
  readonly uiAssetsDir?: string;
}

/** A listening server: its base URL and how to stop it. */
export interface RunningServer {
  readonly url: string;
  /** The probe listener's base URL (`server.probePort`); absent when the config sets no probe port. */
  readonly probeUrl?: string;
  close(): Promise<void>;
}

/**
 * Starts the HTTP server on `config.host:config.port` (port 0 picks a free one): webhooks, the
 * API, health, readiness and metrics. Throws a CairnError when a secret variable or file named in
 * config is unset or empty, so a misconfigured controller never accepts unsigned deliveries. With
 * no API token configured it listens on 127.0.0.1 only, whatever `config.host` says, and logs so.
 */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const secret = secretFrom(options.config.webhookSecretEnv, 'webhookSecretEnv', env);
  const previousSecret = secretFrom(options.config.previousWebhookSecretEnv, 'previousWebhookSecretEnv', env);
  if (previousSecret !== undefined && secret === undefined)
    throw new CairnError('server.previousWebhookSecretEnv is set but server.webhookSecretEnv is not', {
      code: 'config.invalid',
      phase: 'server',
      subject: 'server.previousWebhookSecretEnv',
      hint: 'set server.webhookSecretEnv to the new secret; the previous one is only accepted beside it',
    });
  const tokens = loadApiTokens(options.config, env);
  if (options.config.metricsAuth && tokens.length === 0)
    throw new CairnError('server.metricsAuth is true but no API token is configured', {
      code: 'server.metrics-auth',
      phase: 'server',
      subject: 'server.metricsAuth',
      hint: 'add server.apiTokens (a token with the read scope for Prometheus), or set server.metricsAuth: false',
    });
  const limits = serverLimits(options.config);
  let host = options.config.host;
  if (tokens.length === 0) {
    // An API without a token must not be reachable from another machine.
    if (!isLoopback(host)) host = '127.0.0.1';
    options.log.warn(
      { host, requestedHost: options.config.host, subject: 'server.apiTokens' },
      'no API token is configured: listening on loopback only',
    );
  }
  const app = buildApp(options, { secret, previousSecret }, tokens, limits, host);
  try {
    await app.listen({ host, port: options.config.port });
  } catch (err) {
    await app.close();
    throw new CairnError(`cannot listen on ${host}:${options.config.port}: ${(err as Error).message}`, {
      code: 'server.listen',
      phase: 'server',
      subject: 'server.port',
      hint: 'choose a free port or stop the process that holds it',
      cause: err,
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}`;
  if (options.config.probePort === undefined) return { url, close: () => app.close() };
  // The probes' own listener: the main port's caps (which anyone reaching it can fill) never fail them.
  const probes = createProbeServer(options.controller, options.config);
  let probePort: number;
  try {
    probePort = await listen(probes, host, options.config.probePort);
  } catch (err) {
    await app.close();
    throw new CairnError(
      `cannot listen on ${host}:${options.config.probePort} (the probe listener): ${(err as Error).message}`,
      {
        code: 'server.listen',
        phase: 'server',
        subject: 'server.probePort',
        hint: 'choose a free port for server.probePort (0 picks one), or stop the process that holds it',
        cause: err,
      },
    );
  }
  return {
    url,
    probeUrl: `http://${shown}:${probePort}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => probes.close(() => resolve()));
      probes.closeAllConnections();
      await Promise.all([closed, app.close()]);
    },
  };
}

/** Listens on `host:port` and resolves with the port taken (port 0 picks a free one). */
function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function secretFrom(name: string | undefined, key: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!name) return undefined;
  const value = env[name];
  if (!value) {
    throw new CairnError(`environment variable ${name} is unset or empty`, {
      code: 'server.secret-missing',
      phase: 'server',
      subject: `server.${key}`,
      hint: `export ${name} before starting cairn, or remove server.${key}`,
    });
  }
  return value;
}

function buildApp(
  options: ServerOptions,
  secrets: { readonly secret: string | undefined; readonly previousSecret: string | undefined },
  tokens: readonly ApiToken[],
  limits: ServerLimits,
  host: string,
): FastifyInstance {
  const { controller, metrics, log, config } = options;
  const app = Fastify({
    logger: false,
    // Node's own timeouts, checked often enough to hold, and the connection caps (see connection-guard).
    serverFactory: (handler) => createGuardedServer(limits, handler),
    // A path the router cannot take (bad percent-encoding, a segment past 100 characters) is
    // refused before any hook: answered as every error is (Fastify's own body named itself by
    // its error code), and cut like every refusal, so a body sent along is never read.
    frameworkErrors: (error, _req, reply) => refuse(reply, error.statusCode ?? 400, error.message),
  });
  const budget = new BodyBudget(limits.maxBufferedBodyBytes);
  // Signatures are computed over the exact bytes received, so every body is kept as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    readBody(req.raw, payload, limits, budget).then(
      (body) => done(null, body),
      (error: Error) => done(error, undefined),
    );
  });

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status = error.statusCode ?? 500;
    // A body left unread is never read: answer, then cut the connection.
    if (error instanceof BodyError && status !== 413) return refuse(reply, status, error.message);
    if (status === 413) {
      const provider = /^\/hooks\/([^/?]+)/.exec(req.url)?.[1];
      if (provider && isProviderName(provider)) metrics.incWebhook(provider, 'too-large');
      return refuse(reply, 413, tooLargeMessage(config.maxBodyBytes));
    }
    if (status < 500) return answer(reply, status, error.message);
    // Internal details (paths, stack) stay in the log; the unauthenticated caller gets a pointer.
    log.error({ err: error, method: req.method, url: req.url }, 'request failed');
    return answer(reply, 500, 'internal error; the controller log has the details');
  });
  app.setNotFoundHandler((req, reply) => answer(reply, 404, noRoute(req)));

  registerApiAuth(app, tokens, { metricsAuth: config.metricsAuth === true });
  // With no token the API is open on loopback: only requests addressed to loopback (DNS rebinding).
  if (tokens.length === 0) registerLocalHostCheck(app, host);
  registerBodyOnlyWhereRead(app);
  // Sharded replicas hand webhooks to each other, signed with a key of their own (never the webhook secret's).
  const key = controller.shardIdentity ? options.handoffKey : undefined;
  registerWebhookRoute(app, {
    controller,
    metrics,
    log,
    secret: secrets.secret,
    ...(secrets.previousSecret ? { previousSecret: secrets.previousSecret } : {}),
    maxBodyBytes: limits.maxBodyBytes,
    ...(key ? { handoffKey: key } : {}),
  });
  if (key) registerHandoffRoute(app, { controller, key, metrics, log });
  // `cairn sync` / `cairn plan` of a sharded environment, handed to its holder (issue 24).
  if (key && controller.syncNow && controller.planNow)
    registerShardRequestRoutes(app, { controller, key, log });
  // Whose share of the caps one client may not fill alone a request counts against.
  const requester = (req: FastifyRequest) =>
    requesterOf(req.headers.authorization, req.raw.socket.remoteAddress, tokens);
  registerApiRoutes(app, controller, tokens.length > 0, requester, key ? { key, log } : undefined);
  registerProbeRoutes(app, controller, metrics, config);
  registerUiApiRoutes(app, {
    controller,
    tokens,
    sources: options.ui ?? {},
    log,
    idleTimeoutMs: limits.headersTimeoutMs + limits.bodyTimeoutMs,
    requester,
    ...(options.ui?.commitUrl ? { commitUrl: options.ui.commitUrl } : {}),
  });
  if (options.live)
    registerLiveRoute(app, {
      live: options.live,
      // Well inside the guard's cut of a silent connection (headers + body timeout).
      heartbeatMs: Math.max(
        250,
        Math.min(15_000, Math.floor((limits.headersTimeoutMs + limits.bodyTimeoutMs) / 3)),
      ),
      requester,
    });
  else
    app.get('/api/events', async (_req, reply) =>
      answer(reply, 501, 'this server was started without live events (cairn run serves them)'),
    );
  if (config.ui !== false) registerUiRoutes(app, options.uiAssetsDir);
  return app;
}

/** The 404's sentence. */
function noRoute(req: FastifyRequest): string {
  return `no route ${req.method} ${req.url.split('?')[0]}`;
}

/**
 * Only a POST route reads a request body: the webhooks, `/internal/shard/*` and the API's writes,
 * each refusing an unsigned or unauthenticated one from its headers first. A body sent anywhere
 * else (a path no route serves, a probe, the UI's files, `/metrics`) is refused before a byte of
 * it is read, and its connection cut, as the probe listener does. Found in review: Fastify reads
 * the body of a request to a path no route serves before its 404, so anyone could make the server
 * buffer `server.maxBodySize` per connection, and hold it up to `server.bodyTimeout`, for nothing.
 */
function registerBodyOnlyWhereRead(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if ((req.method === 'POST' && !req.is404) || !carriesBody(req.raw)) return;
    if (req.is404) return refuse(reply, 404, noRoute(req));
    return refuse(reply, 413, `${req.method} ${req.url.split('?')[0]} takes no request body`);
  });
}
