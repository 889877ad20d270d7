import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Requester } from './api-auth';
import type { LiveEvent, LiveEvents } from './live-events';
import { refusedSlot } from './reply';

/** Options of `registerLiveRoute`. */
export interface LiveRouteOptions {
  readonly live: LiveEvents;
  /**
   * How often an idle stream gets a comment line. It must be shorter than the connection guard's
   * silence cut (headers + body timeout), or an idle stream would be closed under the client.
   */
  readonly heartbeatMs: number;
  /** Whose share of the streams a request counts against (its token, or its address where the API is open). */
  readonly requester: (req: FastifyRequest) => Requester;
}

/** One server-sent event: `id`, `event` and one `data` line of JSON (JSON never holds a raw newline). */
export function formatEvent(event: LiveEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * `GET /api/events` (read scope, checked by the API's auth hook before this runs): a
 * `text/event-stream` of reconcile starts and ends, fed by a `LiveEvents` observer. The web UI
 * follows it and re-reads only the environment an event names, instead of polling the list.
 */
export function registerLiveRoute(app: FastifyInstance, options: LiveRouteOptions): void {
  app.get('/api/events', async (req, reply) => {
    const raw = reply.raw;
    let heartbeat: NodeJS.Timeout | undefined;
    const requester = options.requester(req);
    const subscription = options.live.subscribe((event) => {
      if (!raw.writableEnded) raw.write(formatEvent(event));
    }, requester.key);
    if ('refused' in subscription)
      return refusedSlot(reply, subscription, 10, {
        holder: `${requester.named} has ${subscription.cap} event streams open already, the most one may hold; close another tab or retry later`,
        server: `${subscription.cap} event streams are open already; close another tab or retry later`,
      });
    const { unsubscribe } = subscription;
    reply.hijack();
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // A proxy that buffers would hold every event until the stream ends.
      'x-accel-buffering': 'no',
    });
    raw.write(`retry: 2000\n: cairn events\n\n`);
    heartbeat = setInterval(() => raw.write(`: keep-alive\n\n`), options.heartbeatMs);
    heartbeat.unref();
    const stop = () => {
      unsubscribe();
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = undefined;
    };
    req.raw.socket.once('close', stop);
    raw.once('close', stop);
    return reply;
  });
}
