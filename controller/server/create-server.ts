import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { ServerConfig } from '../config/types';
import { CairnError } from '../errors';
import type { Log } from '../log';
import type { Metrics } from './metrics';
import type { ControllerPort } from './types';
import { PROVIDERS } from './webhooks/providers';
import { safeEqual } from './webhooks/verdict';

export interface ServerOptions {
  readonly controller: ControllerPort;
  readonly config: ServerConfig;
  readonly metrics: Metrics;
  readonly log: Log;
  readonly env?: NodeJS.ProcessEnv;
}

/** A listening server: its base URL and how to stop it. */
export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Remembers the last delivery ids seen, so a replayed delivery is acknowledged and not acted on twice. */
class SeenDeliveries {
  private readonly ids = new Set<string>();
  constructor(private readonly max = 2000) {}
  /** True the first time an id is seen. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}

function secretFrom(name: string | undefined, key: string, env: NodeJS.ProcessEnv): string | undefined {
  if (!name) return undefined;
  const value = env[name];
  if (!value) {
    throw new CairnError(`environment variable ${name} is empty`, {
      code: 'server.secret-missing',
      phase: 'server',
      subject: `server.${key}`,
      hint: `export ${name} before starting cairn, or remove server.${key}`,
    });
  }
  return value;
}

function fail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ message });
}

/** The HTTP server: webhooks, the read-only API (plus an authenticated sync), health, readiness and metrics. */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const webhookSecret = secretFrom(options.config.webhookSecretEnv, 'webhookSecretEnv', env);
  const apiToken = secretFrom(options.config.apiTokenEnv, 'apiTokenEnv', env);
  const app = build(options, webhookSecret, apiToken);
  await app.listen({ host: options.config.host, port: options.config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.config.port;
  return { url: `http://${options.config.host}:${port}`, close: () => app.close() };
}

function build(
  options: ServerOptions,
  webhookSecret: string | undefined,
  apiToken: string | undefined,
): FastifyInstance {
  const { controller, metrics, log } = options;
  const app = Fastify({ bodyLimit: options.config.maxBodyBytes, logger: false });
  const seen = new SeenDeliveries();
  // Signatures are computed over the raw bytes, so every body is kept as a Buffer.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode ?? 500;
    return fail(
      reply,
      status,
      status === 413 ? `body larger than ${options.config.maxBodyBytes} bytes` : error.message,
    );
  });
  app.setNotFoundHandler((req, reply) => fail(reply, 404, `no route ${req.method} ${req.url}`));

  app.post<{ Params: { provider: string } }>('/hooks/:provider', async (req, reply) => {
    const provider = PROVIDERS[req.params.provider];
    if (!provider)
      return fail(
        reply,
        404,
        `no webhook provider "${req.params.provider}" (github, gitlab, gitea, generic)`,
      );
    const name = req.params.provider;
    if (!webhookSecret) {
      metrics.incWebhook(name, 'not-configured');
      return fail(
        reply,
        503,
        'webhooks are off: set server.webhookSecretEnv to the variable holding the shared secret',
      );
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = provider(req.headers, body, webhookSecret);
    metrics.incWebhook(name, verdict.kind);
    switch (verdict.kind) {
      case 'unauthorized':
        log.warn({ provider: name, reason: verdict.reason }, 'webhook rejected');
        return fail(reply, 401, verdict.reason);
      case 'malformed':
        return fail(reply, 400, verdict.reason);
      case 'ping':
        return reply.code(200).send({ message: 'pong' });
      case 'ignored':
        return reply.code(202).send({ message: `ignored: ${verdict.reason}` });
      case 'push': {
        if (verdict.delivery && !seen.add(`${name}:${verdict.delivery}`)) {
          return reply.code(200).send({ message: 'delivery already handled' });
        }
        const envs = controller.environmentsForBranch(verdict.branch);
        if (envs.length === 0)
          return reply.code(202).send({ message: `ignored: no environment tracks branch ${verdict.branch}` });
        for (const env of envs) controller.trigger(env, 'webhook');
        log.info({ provider: name, branch: verdict.branch, envs, trigger: 'webhook' }, 'webhook accepted');
        return reply.code(202).send({ message: 'reconcile queued', environments: envs });
      }
    }
  });

  app.get('/api/environments', async () => ({ environments: controller.environments() }));
  app.get<{ Params: { env: string }; Querystring: { limit?: string } }>(
    '/api/environments/:env/audit',
    async (req, reply) => {
      if (!controller.environments().some((e) => e.name === req.params.env))
        return fail(reply, 404, `no environment ${req.params.env}`);
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1)
        return fail(reply, 400, 'limit must be a whole number above 0');
      return controller.audit.list({ env: req.params.env, limit });
    },
  );
  app.get<{ Params: { id: string } }>('/api/audit/:id', async (req, reply) => {
    const entry = await controller.audit.get(req.params.id).catch(() => undefined);
    return entry ?? fail(reply, 404, `no audit entry ${req.params.id}`);
  });
  app.post<{ Params: { env: string } }>('/api/environments/:env/sync', async (req, reply) => {
    if (!apiToken)
      return fail(reply, 503, 'the API is read-only: set server.apiTokenEnv to allow POST requests');
    const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!given || !safeEqual(given, apiToken)) return fail(reply, 401, 'a valid bearer token is required');
    if (!controller.environments().some((e) => e.name === req.params.env))
      return fail(reply, 404, `no environment ${req.params.env}`);
    controller.trigger(req.params.env, 'manual');
    return reply.code(202).send({ message: 'reconcile queued', environments: [req.params.env] });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) =>
    controller.ready()
      ? { status: 'ready' }
      : reply.code(503).send({ status: 'starting', message: 'first fetch not done' }),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  return app;
}
