import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Log } from '../log';
import { errorMessage, isCairnError } from '../model/errors';
import type { SyncAnswer } from '../reconcile/handed-requests';
import type { EnvironmentPlan } from '../reconcile/plan-environment';
import { answer } from './reply';
import { SeenDeliveries } from './seen-deliveries';
import {
  HANDOFF_SIGNATURE,
  SHARD_MAX_BODY_BYTES,
  shardPreBodyCheck,
  signatureMatches,
} from './shard-handoff';
import type { ControllerPort } from './types';

/** Where `cairn sync` / `cairn plan` hand a sharded environment's request to its holder. */
export const REQUEST_PATH = '/internal/shard/request';
/** Where the CLI asks for the result of a request it handed over (long work outlives one HTTP request). */
export const RESULT_PATH = '/internal/shard/result';
const MAX_BODY_BYTES = SHARD_MAX_BODY_BYTES;
// As for handoffs: a signed body older (or newer) than this is refused, so a captured one is not replayed.
const MAX_AGE_MS = 60_000;
// A result nobody collects is forgotten after this; a request still running is kept until it ends.
const KEEP_RESULT_MS = 10 * 60_000;

/** What the CLI asks of the holder: run a sync, or make a plan, of `env`. */
export interface ShardRequest {
  readonly env: string;
  readonly action: 'sync' | 'plan';
  /** Who asks (the CLI's identity), for the holder's log. */
  readonly from: string;
  readonly at: string;
  readonly nonce: string;
}

/** What the holder answers about a request it took: still running, or its result. */
export type ShardRequestState =
  | { readonly state: 'running'; readonly holder: string }
  | {
      readonly state: 'done';
      readonly holder: string;
      readonly sync?: SyncAnswer;
      readonly plan?: EnvironmentPlan;
    }
  | { readonly state: 'failed'; readonly holder: string; readonly code: string; readonly message: string };

/**
 * The two routes of a handed-over sync or plan, both signed with the handoff key like
 * `/internal/shard/trigger`: `POST /internal/shard/request` (202 with a ticket, 409 when this
 * replica does not hold the environment) and `POST /internal/shard/result` with `{ ticket, at, nonce }`.
 */
export function registerShardRequestRoutes(
  app: FastifyInstance,
  deps: {
    readonly controller: ControllerPort;
    readonly key: Buffer;
    readonly log: Log;
    readonly now?: () => number;
  },
): void {
  const seen = new SeenDeliveries();
  const now = deps.now ?? Date.now;
  const tickets = new Map<string, ShardRequestState>();
  const holder = deps.controller.shardIdentity ?? 'unknown';

  /** The signed, fresh, first-seen JSON body, or undefined once a refusal is sent. */
  const signedBody = (req: FastifyRequest, reply: FastifyReply): Record<string, unknown> | undefined => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.headers[HANDOFF_SIGNATURE];
    if (typeof signature !== 'string') return void answer(reply, 401, `missing ${HANDOFF_SIGNATURE} header`);
    if (body.length > MAX_BODY_BYTES) return void answer(reply, 413, `at most ${MAX_BODY_BYTES} bytes`);
    if (!signatureMatches(deps.key, body, signature))
      return void answer(reply, 401, `${HANDOFF_SIGNATURE} does not match the body`);
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return void answer(reply, 400, 'the body is not JSON');
    }
    const v = value as Record<string, unknown>;
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof v.at !== 'string' ||
      typeof v.nonce !== 'string'
    )
      return void answer(reply, 400, 'a signed body carries at and nonce');
    if (!(Math.abs(now() - Date.parse(v.at)) <= MAX_AGE_MS))
      return void answer(reply, 400, 'the request is too old (or from a clock far off)');
    if (v.nonce.length > 64 || !seen.firstSighting(v.nonce))
      return void answer(reply, 409, 'this request was seen already');
    return v;
  };

  // Unsigned or oversized requests are refused from their headers, before the body is read.
  const early = { onRequest: shardPreBodyCheck() };

  app.post(REQUEST_PATH, early, async (req, reply) => {
    const v = signedBody(req, reply);
    if (!v) return reply;
    const request = v as unknown as ShardRequest;
    if ((request.action !== 'sync' && request.action !== 'plan') || typeof request.env !== 'string')
      return answer(reply, 400, 'a request names env and action (sync or plan)');
    if (!deps.controller.environments().some((e) => e.name === request.env))
      return answer(reply, 404, `no environment ${request.env}`);
    if (deps.controller.holds?.(request.env) === false)
      return answer(reply, 409, `this replica does not hold ${request.env}`);
    const ticket = randomUUID();
    tickets.set(ticket, { state: 'running', holder });
    deps.log.info(
      { env: request.env, action: request.action, from: request.from },
      'request handed over by the CLI',
    );
    const work: Promise<Partial<{ sync: SyncAnswer; plan: EnvironmentPlan }>> =
      request.action === 'sync'
        ? deps.controller.syncNow!(request.env).then((sync) => ({ sync }))
        : deps.controller.planNow!(request.env).then((plan) => ({ plan }));
    void work
      .then(
        (result): ShardRequestState => ({ state: 'done', holder, ...result }),
        (error: unknown): ShardRequestState => ({
          state: 'failed',
          holder,
          code: isCairnError(error) ? error.code : 'shard.request',
          message: errorMessage(error),
        }),
      )
      .then((state) => {
        tickets.set(ticket, state);
        setTimeout(() => tickets.delete(ticket), KEEP_RESULT_MS).unref();
      });
    return reply.code(202).send({ ticket, holder });
  });

  app.post(RESULT_PATH, early, async (req, reply) => {
    const v = signedBody(req, reply);
    if (!v) return reply;
    const state = typeof v.ticket === 'string' ? tickets.get(v.ticket) : undefined;
    if (!state) return answer(reply, 404, 'no such request (unknown, or its result was collected)');
    if (state.state !== 'running') tickets.delete(v.ticket as string);
    return reply.code(200).send(state);
  });
}
