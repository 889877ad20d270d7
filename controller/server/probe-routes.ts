import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config/types';
import type { Metrics } from './metrics';
import type { ControllerPort, NotReady } from './types';

/**
 * What `/readyz` says of each cause where it may name nothing: the class, and where the rest is
 * read by those who may (the environments and chains concerned are in the authenticated API and
 * in the controller log).
 */
const UNNAMED_CAUSES: Readonly<Record<NotReady['cause'], string>> = {
  'audit-trail':
    'an audit chain this replica writes takes no appends; which one and why: the API with a read token (GET /api/environments, /api/environments/<env>/chain), `cairn audit verify`, or the controller log',
  'first-fetch': 'the first fetch is not done',
};

/** The answer of `/readyz`. */
export interface Readiness {
  readonly status: 200 | 503;
  readonly body:
    { readonly status: 'ready' } | { readonly message: string; readonly cause: NotReady['cause'] };
}

/**
 * The answer of `/readyz`, on the main port and on the probe listener alike: the one place that
 * decides what it tells whoever reaches either port, before any token. The cause's detail names
 * environments and audit chains (which one is released, which one is broken and how), so it is
 * shown only where `/metrics` already names every environment and how it fares to the same
 * caller: without `server.metricsAuth`. With it, the operator has said that the port is reached by
 * people who may not read what cairn keeps, and the answer is the cause's class and where to read
 * the rest. The kubelet reads the status code alone, so the probes lose nothing either way; the
 * detail is for a person who curls the port.
 */
export function readiness(controller: ControllerPort, config: Pick<ServerConfig, 'metricsAuth'>): Readiness {
  if (controller.ready()) return { status: 200, body: { status: 'ready' } };
  const why: NotReady = controller.notReady?.() ?? {
    cause: 'first-fetch',
    detail: UNNAMED_CAUSES['first-fetch'],
  };
  const told = config.metricsAuth === true ? UNNAMED_CAUSES[why.cause] : why.detail;
  return { status: 503, body: { message: `not ready: ${told}`, cause: why.cause } };
}

/**
 * `/healthz` (the process answers), `/readyz` (config loaded and first fetch done; 503 before) and
 * `/metrics` (Prometheus text format, from the controller's own registry). `/healthz` and `/readyz`
 * are also served by the probe listener (`server.probePort`, see probe-listener.ts), which the
 * installed probes use; they stay here for people and scripts that check the main port.
 */
export function registerProbeRoutes(
  app: FastifyInstance,
  controller: ControllerPort,
  metrics: Metrics,
  config: Pick<ServerConfig, 'metricsAuth'>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = readiness(controller, config);
    return reply.code(ready.status).send(ready.body);
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.render()),
  );
}
