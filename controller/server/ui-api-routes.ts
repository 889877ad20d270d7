import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiScope, GitHostConfig } from '../config/types';
import { errorMessage, isCairnError } from '../model/errors';
import type { Log } from '../log';
import { grantingToken, type ApiToken, type Requester } from './api-auth';
import { HolderSlots } from './holder-slots';
import { answer, refusedSlot } from './reply';
import type { ControllerPort, UiSources } from './types';

/** What the web UI asks first: what this token may do, and how the Git host links a commit. */
export interface SessionInfo {
  readonly scopes: readonly ApiScope[];
  /** `POST .../sync` would be accepted (a sync-scope token, and tokens configured at all). */
  readonly canSync: boolean;
  /** `POST .../revert` would be accepted (as canSync, and a revert port wired). */
  readonly canRevert: boolean;
  /** The Git host's page of a commit, with `{sha}` for the sha; absent without a host. */
  readonly commitUrl?: string;
}

/** The Git host's web page of a commit, as a template with `{sha}`, from its API URL and repository. */
export function commitUrlTemplate(host: GitHostConfig): string {
  const origin = host.apiUrl.replace(/\/api\/v\d+$/, '').replace(/\/+$/, '');
  if (host.type === 'github') {
    const web = origin.replace(/^https:\/\/api\.github\.com$/, 'https://github.com').replace(/\/api$/, '');
    return `${web}/${host.repo}/commit/{sha}`;
  }
  if (host.type === 'gitlab') return `${origin}/${host.repo}/-/commit/{sha}`;
  return `${origin}/${host.repo}/commit/{sha}`;
}

/** Options of `registerUiApiRoutes`. */
export interface UiApiOptions {
  readonly controller: ControllerPort;
  readonly tokens: readonly ApiToken[];
  readonly sources: UiSources;
  readonly commitUrl?: string;
  readonly log: Log;
  /** The guard's idle cut of a connection (headers + body timeout), restored once a revert answered. */
  readonly idleTimeoutMs: number;
  /** Whose share of the reverts at once a request counts against (see `requesterOf`). */
  readonly requester: (req: FastifyRequest) => Requester;
}

const ENTRY_ID = /^[A-Za-z0-9._-]{4,128}$/;
/** Reverts opened from the API at once (each may push a branch and open a pull request); more are answered 503. */
export const MAX_REVERTS_AT_ONCE = 2;
/**
 * Of those, what one token may hold at once (more are answered 429): shared by everyone, both
 * slots could be held by one sync-scope token with slow reverts, and every other token's kept out.
 */
export const REVERTS_PER_TOKEN = 1;
/**
 * How long a revert's connection may stay silent while the revert runs (a clone, a push, the Git
 * host's API), instead of the guard's headers + body timeout, which would cut the answer off.
 */
export const REVERT_TIMEOUT_MS = 120_000;
/** The most control records `GET /api/environments/:env/controls` returns (the newest). */
export const CONTROLS_SHOWN = 50;

/**
 * The read routes the web UI needs beside the API's own (session, chain state, pull request
 * plans, control records) and `POST /api/environments/:env/revert` (sync scope, through the RevertPort). The API's
 * auth hook has checked the token and scope before any of these runs.
 */
export function registerUiApiRoutes(app: FastifyInstance, options: UiApiOptions): void {
  const { controller, tokens, sources } = options;
  const known = (env: string) => controller.environments().some((e) => e.name === env);
  const reverts = new HolderSlots(MAX_REVERTS_AT_ONCE, REVERTS_PER_TOKEN);

  app.get('/api/session', async (req) => {
    // With no token configured the API is open on loopback, and read-only.
    const token = grantingToken(req.headers.authorization, tokens);
    const scopes: readonly ApiScope[] = tokens.length === 0 ? ['read'] : (token?.scopes ?? []);
    const canSync = tokens.length > 0 && scopes.includes('sync');
    return {
      scopes,
      canSync,
      canRevert: canSync && sources.revert !== undefined,
      ...(options.commitUrl ? { commitUrl: options.commitUrl } : {}),
    } satisfies SessionInfo;
  });

  app.get<{ Params: { env: string } }>('/api/environments/:env/chain', async (req, reply) => {
    if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
    const state = sources.chainState?.(req.params.env);
    return state ?? { env: req.params.env, records: 0, state: 'verified', headSeq: 0, witnessBehind: false };
  });

  app.get<{ Params: { env: string } }>('/api/environments/:env/plans', async (req, reply) => {
    if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
    return { plans: sources.pullRequestPlans?.(req.params.env) ?? [] };
  });

  // Who suspended, resumed or promoted the environment, which head a gate holds back, and the
  // reverts cairn proposed: newest first, as `cairn audit list` prints them.
  app.get<{ Params: { env: string } }>('/api/environments/:env/controls', async (req, reply) => {
    if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
    const all = sources.controls?.(req.params.env) ?? [];
    return { controls: all.slice(-CONTROLS_SHOWN).reverse() };
  });

  app.post<{ Params: { env: string } }>('/api/environments/:env/revert', async (req, reply) => {
    if (tokens.length === 0)
      return answer(
        reply,
        503,
        'the API is read-only: configure a token with the sync scope (server.apiTokens) to allow reverts',
      );
    if (!sources.revert)
      return answer(
        reply,
        501,
        'this controller cannot open reverts from the API; run `cairn revert` instead',
      );
    if (!known(req.params.env)) return answer(reply, 404, `no environment ${req.params.env}`);
    const entry = entryOf(req.body);
    if (!entry)
      return answer(
        reply,
        400,
        'the body must be JSON {"entry": "<audit entry id>"}, for example from the UI',
      );
    const who = options.requester(req);
    const slot = reverts.take(who.key);
    if ('refused' in slot)
      return refusedSlot(reply, slot, 10, {
        holder: `${who.named} has ${slot.cap} revert being opened already, the most one may; retry when it is done`,
        server: `${slot.cap} reverts are being opened at once already; retry when one is done`,
      });
    const by = `api token (${grantingToken(req.headers.authorization, tokens)?.source ?? 'unknown'})`;
    // The guard cuts a connection silent for headers + body timeout: a revert may take longer.
    const socket = req.raw.socket;
    socket.setTimeout(REVERT_TIMEOUT_MS);
    try {
      const proposed = await sources.revert.propose(req.params.env, entry, by);
      return reply.code(201).send({ message: 'revert opened', ...proposed });
    } catch (err) {
      // CairnErrors are written for people (masked, naming the entry and what to do); anything else stays in the log.
      if (isCairnError(err)) return answer(reply, 409, err.message);
      options.log.error({ env: req.params.env, err: errorMessage(err) }, 'revert from the API failed');
      return answer(reply, 500, 'the revert failed; the controller log has the details');
    } finally {
      slot.release();
      socket.setTimeout(options.idleTimeoutMs);
    }
  });
}

function entryOf(body: unknown): string | undefined {
  if (!Buffer.isBuffer(body)) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { entry?: unknown };
    return typeof parsed.entry === 'string' && ENTRY_ID.test(parsed.entry) ? parsed.entry : undefined;
  } catch {
    return undefined;
  }
}
