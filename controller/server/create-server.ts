import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config/types';
import { CairnError } from '../errors';
import type { Log } from '../log';
import { registerApiRoutes } from './api-routes';
import type { Metrics } from './metrics';
import { registerProbeRoutes } from './probe-routes';
import { answer } from './reply';
import type { ControllerPort } from './types';
import { registerWebhookRoute } from './webhook-route';
import { isProviderName } from './webhooks/providers';

/** What `createServer` needs: the controller it fronts, its config, metrics and logger. */
export interface ServerOptions {
  readonly controller: ControllerPort;
  readonly config: ServerConfig;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Where the secrets named in config are read (once, at start-up); defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A listening server: its base URL and how to stop it. */
export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

// A slow or stalled client must not hold a connection (and a body buffer) open forever.
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Starts the HTTP server on `config.host:config.port` (port 0 picks a free one): webhooks, the
 * API, health, readiness and metrics. Throws a CairnError when a secret variable named in config
 * is unset or empty, so a misconfigured controller never accepts unsigned deliveries.
 */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const secret = secretFrom(options.config.webhookSecretEnv, 'webhookSecretEnv', env);
  const apiToken = secretFrom(options.config.apiTokenEnv, 'apiTokenEnv', env);
  const app = buildApp(options, secret, apiToken);
  try {
    await app.listen({ host: options.config.host, port: options.config.port });
  } catch (err) {
    await app.close();
    throw new CairnError(
      `cannot listen on ${options.config.host}:${options.config.port}: ${(err as Error).message}`,
      {
        code: 'server.listen',
        phase: 'server',
        subject: 'server.port',
        hint: 'choose a free port or stop the process that holds it',
        cause: err,
      },
    );
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  const host = options.config.host.includes(':') ? `[${options.config.host}]` : options.config.host;
  return { url: `http://${host}:${port}`, close: () => app.close() };
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
  secret: string | undefined,
  apiToken: string | undefined,
): FastifyInstance {
  const { controller, metrics, log, config } = options;
  const app = Fastify({ bodyLimit: config.maxBodyBytes, logger: false, requestTimeout: REQUEST_TIMEOUT_MS });
  // Signatures are computed over the exact bytes received, so every body is kept as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      const provider = /^\/hooks\/([^/?]+)/.exec(req.url)?.[1];
      if (provider && isProviderName(provider)) metrics.incWebhook(provider, 'too-large');
      return answer(
        reply,
        413,
        `the body is larger than ${config.maxBodyBytes} bytes (the config key server.maxBodySize)`,
      );
    }
    if (status < 500) return answer(reply, status, error.message);
    // Internal details (paths, stack) stay in the log; the unauthenticated caller gets a pointer.
    log.error({ err: error, method: req.method, url: req.url }, 'request failed');
    return answer(reply, 500, 'internal error; the controller log has the details');
  });
  app.setNotFoundHandler((req, reply) =>
    answer(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`),
  );

  registerWebhookRoute(app, { controller, metrics, log, secret });
  registerApiRoutes(app, controller, apiToken);
  registerProbeRoutes(app, controller, metrics);
  return app;
}
