import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';
import { answer } from './reply';
import type { ControllerPort } from './types';

/**
 * `/healthz` (the process answers), `/readyz` (config loaded and first fetch done; 503 before) and
 * `/metrics` (Prometheus text format, from the controller's own registry).
 */
export function registerProbeRoutes(
  app: FastifyInstance,
  controller: ControllerPort,
  metrics: Metrics,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) =>
    controller.ready()
      ? { status: 'ready' }
      : answer(reply, 503, `not ready: ${controller.notReadyReason?.() ?? 'the first fetch is not done'}`),
  );
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
