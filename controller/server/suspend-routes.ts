import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Log } from '../log';
import { answer } from './reply';
import { handOff } from './shard-handoff';
import type { ControllerPort } from './types';

/** The requests these routes take: each a `control` record in the environment's ledger. */
type ControlRoute = 'suspend' | 'resume' | 'promote';

/** The longest `by` and `reason` the API records: they go into every replica's ledger and status. */
const MAX_BY = 128;
const MAX_REASON = 1000;

/** What `POST /api/environments/:env/suspend|resume|promote` takes: who asks, and why. */
interface ControlBody {
  readonly by: string;
  readonly reason: string;
}

/**
 * `POST /api/environments/:env/suspend`, `.../resume` and `.../promote` (sync scope, like sync).
 * The request is recorded in the environment's ledger by whichever replica receives it: every
 * replica reads the ledger before it reconciles, so the Lease holder obeys a suspend or a forced
 * promotion; a resume or a promotion is also handed to the holder as a manual trigger so it
 * reconciles at once.
 */
export function registerSuspendRoutes(
  app: FastifyInstance,
  controller: ControllerPort,
  syncEnabled: boolean,
  sharded?: { readonly key: Buffer; readonly log: Log },
): void {
  const route = (action: ControlRoute) =>
    app.post<{ Params: { env: string } }>(`/api/environments/:env/${action}`, async (req, reply) => {
      const env = req.params.env;
      const refused = refusal(reply, controller, syncEnabled, env, action);
      if (refused) return refused;
      const body = parseBody(req.body);
      if (typeof body === 'string') return answer(reply, 400, body);
      if (action === 'suspend') {
        const suspended = await controller.suspend!(env, body.by, body.reason);
        return reply.code(200).send({ message: `environment ${env} suspended`, suspended });
      }
      let message = `environment ${env} resumed; reconcile queued`;
      if (action === 'promote') {
        const { sha } = await controller.promote!(env, body.by, body.reason);
        message = `environment ${env}: ${sha.slice(0, 12)} promoted past its gate; reconcile queued`;
      } else await controller.resume!(env, body.by, body.reason);
      if (sharded && controller.holds?.(env) === false) {
        const handed = await handOff(controller, sharded.key, env, 'manual', sharded.log);
        return answer(reply, 202, message, { environments: [env], handoffs: [handed] });
      }
      return answer(reply, 202, message, { environments: [env] });
    });
  route('suspend');
  route('resume');
  route('promote');
}

/** Why the request cannot be taken (an answer already sent), or null when it can. */
function refusal(
  reply: FastifyReply,
  controller: ControllerPort,
  syncEnabled: boolean,
  env: string,
  action: ControlRoute,
): FastifyReply | null {
  if (!syncEnabled)
    return answer(
      reply,
      503,
      `the API is read-only: configure a token with the sync scope (server.apiTokens) to allow ${action} requests`,
    );
  if (action === 'promote' ? !controller.promote : !controller.suspend || !controller.resume)
    return answer(reply, 501, `this controller cannot ${action} environments`);
  const status = controller.environments().find((e) => e.name === env);
  if (!status) return answer(reply, 404, `no environment ${env}`);
  if (action === 'resume' && status.status !== 'suspended' && !status.suspended)
    return answer(reply, 409, `environment ${env} is not suspended; nothing to resume`);
  // Sharded, only the holder knows whether the head waits: another replica records and hands over.
  if (
    action === 'promote' &&
    controller.holds?.(env) !== false &&
    status.status !== 'waiting' &&
    !status.waiting
  )
    return answer(reply, 409, `environment ${env} is not waiting for a promotion gate; nothing to promote`);
  return null;
}

/** The JSON body `{ by?, reason? }` (both optional strings), or a sentence saying what is wrong with it. */
function parseBody(raw: unknown): ControlBody | string {
  let value: unknown = {};
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      return 'the body must be JSON: {"by": "...", "reason": "..."}';
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'the body must be a JSON object: {"by": "...", "reason": "..."}';
  const { by, reason } = value as Record<string, unknown>;
  if (by !== undefined && (typeof by !== 'string' || by.length > MAX_BY))
    return `"by" must be a string of at most ${MAX_BY} characters`;
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_REASON))
    return `"reason" must be a string of at most ${MAX_REASON} characters`;
  return { by: by?.trim() || 'an API caller', reason: reason?.trim() ?? '' };
}
