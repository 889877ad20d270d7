import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';
import type { ControllerPort } from './types';

/** The answer of `/readyz`, on the main port and on the probe listener alike. */
export function readiness(controller: ControllerPort): {
  readonly status: 200 | 503;
  readonly body: { readonly status: 'ready' } | { readonly message: string };
} {
  return controller.ready()
    ? { status: 200, body: { status: 'ready' } }
    : {
        status: 503,
        body: { message: `not ready: ${controller.notReadyReason?.() ?? 'the first fetch is not done'}` },
      };
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
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ready = readiness(controller);
    return reply.code(ready.status).send(ready.body);
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.render()),
  );
}
