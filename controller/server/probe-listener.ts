import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { carriesBody } from './body-reader';
import { createGuardedServer, type ServerLimits } from './connection-guard';
import { readiness } from './probe-routes';
import type { ServerConfig } from '../config/types';
import type { ControllerPort } from './types';

/**
 * The probe listener's own caps: a kubelet probes from one address, one request per connection,
 * every few seconds. Short timeouts let a silent connection go within seconds, and the caps are
 * apart from the main port's, so connections filling those never fail a probe here. Loopback is
 * one client: in a pod it is the pod's own containers (the sidecar runner's jobs, repository
 * code, among them), never the kubelet, which probes the pod's IP from the node. Found in review
 * (test/integration/server/probe-listener.test.ts): a job holding 8 connections from each of 8
 * loopback addresses took all 64, and the kubelet's probes went unanswered, which restarts cairn
 * mid-reconcile.
 */
export const PROBE_LIMITS: ServerLimits = {
  maxConnections: 64,
  maxConnectionsPerClient: 8,
  headersTimeoutMs: 2_000,
  bodyTimeoutMs: 1_000,
  maxBodyBytes: 0,
  maxBufferedBodyBytes: 0,
  loopbackIsOneClient: true,
};

/** The paths the probe listener serves; anything else is 404. */
export const PROBE_PATHS = ['/healthz', '/readyz'] as const;

/**
 * The probe listener (`server.probePort`): `GET /healthz` and `GET /readyz` only, the same answers
 * as on the main port (`readiness` decides for both what `/readyz` may name), no request body (413), every answer closing its connection. Nothing is
 * read from a request but its first line and headers.
 */
export function createProbeServer(
  controller: ControllerPort,
  config: Pick<ServerConfig, 'metricsAuth'>,
): Server {
  return createGuardedServer(PROBE_LIMITS, (req, res) => answerProbe(controller, config, req, res));
}

function answerProbe(
  controller: ControllerPort,
  config: Pick<ServerConfig, 'metricsAuth'>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const send = (status: number, body: object) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      connection: 'close',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const path = (req.url ?? '').split('?')[0];
  if (carriesBody(req)) {
    // The body is never read: answer, then cut the connection.
    res.once('finish', () => req.socket.destroy());
    return send(413, { message: 'the probe listener takes no request body' });
  }
  if (path !== '/healthz' && path !== '/readyz')
    return send(404, { message: `the probe listener serves only ${PROBE_PATHS.join(' and ')}` });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(405, { message: `${path} answers GET` });
  }
  if (path === '/healthz') return send(200, { status: 'ok' });
  const ready = readiness(controller, config);
  return send(ready.status, ready.body);
}
