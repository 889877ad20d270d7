import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isCairnError } from '../model/errors';
import type { Log } from '../log';
import type { Requester } from './api-auth';
import { HolderSlots } from './holder-slots';
import { answer, refusedSlot } from './reply';
import { handOff } from './shard-handoff';
import { registerSuspendRoutes } from './suspend-routes';
import type { ControllerPort } from './types';

/** Entries `GET /api/environments/:env/audit` returns without `?limit=`, at most, and the deepest `?offset=`. */
export const AUDIT_LIMIT = { default: 20, max: 1000, maxOffset: 10_000 } as const;

/**
 * Bytes of records one page of the ledger reads at most (past its first record). A commit decides
 * how large its entry is (one change per object of its tree), so a page of 1000 entries had no
 * bound: found in review, 8 pages of 200 entries of 490 KB each, asked at once with one read
 * token, took `cairn run` from 330 MB to 3 GB and held its event loop for 14 s.
 */
export const AUDIT_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * Audit reads (pages and single entries) served at once, from the read to the last byte of the
 * answer: in all, and for one token (or address).
 */
export const AUDIT_READS = { total: 16, perHolder: 4 } as const;

/**
 * The HTTP API: environments and the audit trail (read-only, the same JSON as
 * `cairn audit list|show --json`), and `POST /api/environments/:env/sync`
 * (and `/suspend`, `/resume`: see `registerSuspendRoutes`). Tokens and scopes are
 * checked before any of these runs (see `registerApiAuth`); with no token configured, sync is off.
 */
export function registerApiRoutes(
  app: FastifyInstance,
  controller: ControllerPort,
  syncEnabled: boolean,
  requester: (req: FastifyRequest) => Requester,
  sharded?: { readonly key: Buffer; readonly log: Log },
): void {
  const known = (env: string) => controller.environments().some((e) => e.name === env);
  const reads = new HolderSlots(AUDIT_READS.total, AUDIT_READS.perHolder);
  /**
   * Runs `read` in one of the audit reads' slots, held until its answer is written, or answers 429
   * (this holder's are taken) or 503.
   */
  const inSlot = async <T>(req: FastifyRequest, reply: FastifyReply, read: () => Promise<T>) => {
    const who = requester(req);
    const slot = reads.take(who.key);
    if ('refused' in slot)
      return refusedSlot(reply, slot, 5, {
        holder: `${who.named} has ${slot.cap} audit reads under way already, the most one may; retry when one is done`,
        server: `${slot.cap} audit reads are under way already; retry in a few seconds`,
      });
    // Held until the answer is written or the connection is gone, not only while the records are
    // read: an answer waiting for a client that does not read it holds its memory as long.
    reply.raw.once('close', slot.release);
    return read();
  };

  app.get('/api/environments', async () => ({ environments: controller.environments() }));

  app.get<{ Params: { env: string } }>('/api/environments/:env', async (req, reply) => {
    const found = controller.environments().find((e) => e.name === req.params.env);
    return found ?? answer(reply, 404, `no environment ${req.params.env}`);
  });

  app.get<{ Params: { env: string }; Querystring: { limit?: string; offset?: string } }>(
    '/api/environments/:env/audit',
    async (req, reply) => {
      if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
      const raw = req.query.limit;
      const limit = raw === undefined ? AUDIT_LIMIT.default : Number(raw);
      if (!/^\d+$/.test(raw ?? '1') || !Number.isSafeInteger(limit) || limit < 1)
        return answer(reply, 400, `limit must be a whole number from 1 to ${AUDIT_LIMIT.max}`);
      // web-ui: pages of the ledger, newest first; `offset` entries are skipped.
      const offset = Number(req.query.offset ?? '0');
      if (!/^\d+$/.test(req.query.offset ?? '0') || offset > AUDIT_LIMIT.maxOffset)
        return answer(reply, 400, `offset must be a whole number from 0 to ${AUDIT_LIMIT.maxOffset}`);
      const take = Math.min(limit, AUDIT_LIMIT.max);
      return inSlot(req, reply, async () => {
        // The offset is applied to the index, before any record is read: a deep page reads only its own.
        const page = await controller.audit.list({
          env: req.params.env,
          limit: take,
          offset,
          maxBytes: AUDIT_PAGE_BYTES,
        });
        // Where the next page starts, as a page may end early (AUDIT_PAGE_BYTES): only while entries
        // remain after this one, and no deeper than the route serves, so a client that follows it
        // reads every entry once and knows the last page by the header's absence. Counted after the
        // read: an entry finished meanwhile can only make it say "more", never hide one.
        const next = offset + page.length;
        if (next < controller.audit.count(req.params.env) && next <= AUDIT_LIMIT.maxOffset)
          void reply.header('x-cairn-next-offset', String(next));
        return page;
      });
    },
  );

  app.get<{ Params: { id: string } }>('/api/audit/:id', async (req, reply) =>
    inSlot(req, reply, async () => {
      try {
        const entry = await controller.audit.get(req.params.id);
        return entry ?? answer(reply, 404, `no audit entry ${req.params.id}`);
      } catch (err) {
        // A prefix that fits several ids is the caller's to fix; anything else is a server fault.
        if (isCairnError(err) && err.code === 'audit.ambiguous-id') return answer(reply, 409, err.message);
        throw err;
      }
    }),
  );

  app.post<{ Params: { env: string } }>('/api/environments/:env/sync', async (req, reply) => {
    if (!syncEnabled)
      return answer(
        reply,
        503,
        'the API is read-only: configure a token with the sync scope (server.apiTokens) to allow sync requests',
      );
    if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
    const suspended = controller.environments().find((e) => e.name === req.params.env)?.suspended;
    if (suspended)
      return answer(
        reply,
        409,
        `environment ${req.params.env} is suspended (by ${suspended.by} since ${suspended.since}): nothing is reconciled until \`cairn resume ${req.params.env}\``,
      );
    if (sharded && controller.holds?.(req.params.env) === false) {
      // Another replica holds it: the sync is handed over like a webhook.
      const handed = await handOff(controller, sharded.key, req.params.env, 'manual', sharded.log);
      return answer(reply, 202, 'reconcile queued', { environments: [req.params.env], handoffs: [handed] });
    }
    controller.trigger(req.params.env, 'manual');
    return answer(reply, 202, 'reconcile queued', { environments: [req.params.env] });
  });

  registerSuspendRoutes(app, controller, syncEnabled, sharded);
}
