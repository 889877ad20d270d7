import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PullRequest } from '../host/types';
import type { Log } from '../log';
import { tooLargeMessage } from './body-reader';
import type { Metrics } from './metrics';
import { answer, refuse as refuseAndClose } from './reply';
import { SeenDeliveries } from './seen-deliveries';
import type { ControllerPort } from './types';
import {
  HEADER_CREDENTIALS,
  isProviderName,
  PROVIDERS,
  SIGNATURE_HEADERS,
  type ProviderName,
} from './webhooks/providers';
import { REPLAY_WINDOW_MS } from './webhooks/generic';
import { header, type WebhookVerdict } from './webhooks/verdict';
import { handOff, type HandoffResult } from './shard-handoff';

/** Label values of `cairn_webhook_requests_total{result}`. */
export type WebhookResult =
  | 'triggered'
  | 'planned'
  | 'no-environment'
  | 'duplicate'
  | 'ping'
  | 'ignored'
  | 'unauthorized'
  | 'malformed'
  | 'not-configured'
  | 'too-large';

interface Deps {
  readonly controller: ControllerPort;
  readonly metrics: Metrics;
  readonly log: Log;
  /** Undefined when `server.webhookSecretEnv` is not set: every delivery is refused with 503. */
  readonly secret: string | undefined;
  /**
   * During a rotation (`server.previousWebhookSecretEnv`): the former secret, tried when `secret`
   * refuses a delivery, until the Git host signs with the new one.
   */
  readonly previousSecret?: string;
  /** Largest body accepted (server.maxBodySize); a larger Content-Length is refused unread. */
  readonly maxBodyBytes: number;
  /** With sharding: the key handoffs to the replica holding an environment are signed with. */
  readonly handoffKey?: Buffer;
  /** The clock signed timestamps and the replay window are read on (Unix ms); `Date.now` by default. */
  readonly now?: () => number;
}

/** At most one warn line about rejected signatures per this interval; the others are counted into it. */
export const REJECTION_WARN_INTERVAL_MS = 60_000;

/**
 * Logs deliveries refused for their signature: each at debug, and at most one warn line per
 * interval carrying how many were refused since the last one. Anyone can send a signature header
 * with any value, so a warn line per rejection would let them flood the log (the metric
 * `cairn_webhook_requests_total{result="unauthorized"}` counts every one).
 */
function rejectionLog(log: Log, now: () => number): (fields: Record<string, unknown>) => void {
  let lastWarn = Number.NEGATIVE_INFINITY;
  let since = 0;
  return (fields) => {
    since += 1;
    const at = now();
    if (at - lastWarn < REJECTION_WARN_INTERVAL_MS) {
      log.debug(fields, 'webhook rejected');
      return;
    }
    // `rejected`: how many were refused since the last warn line, this one included (debug shows each).
    log.warn({ ...fields, rejected: since }, 'webhook rejected');
    lastWarn = at;
    since = 0;
  };
}

/**
 * What makes two deliveries "the same body" for the replay window: the raw body, and for the
 * generic scheme also its signature header (which binds the timestamp and delivery id), since a
 * generic sender may legitimately post the same `{"branch": ...}` for two pushes.
 */
function bodyDigest(name: ProviderName, headers: FastifyRequest['headers'], body: Buffer): string {
  const hash = createHash('sha256');
  if (name === 'generic') hash.update(header(headers, SIGNATURE_HEADERS.generic) ?? '').update('\n');
  return `${name}:body:${hash.update(body).digest('hex')}`;
}

/**
 * `POST /hooks/:provider`: verify the signature over the raw body, then enqueue a fetch and
 * reconcile of every environment tracking the pushed branch, or a plan of a pull request for
 * every environment tracking its base. Never waits for the reconcile or the plan.
 */
export function registerWebhookRoute(app: FastifyInstance, deps: Deps): void {
  const { metrics, log, secret } = deps;
  const now = deps.now ?? Date.now;
  // Delivery ids are kept until pushed out (a provider may retry hours later); body digests for the
  // replay window. Only signed deliveries get here, so only the secret's holder can fill either.
  const seen = new SeenDeliveries(16_384);
  const bodies = new SeenDeliveries(4096, REPLAY_WINDOW_MS);
  const rejected = rejectionLog(log, Date.now);

  // Everything that can be decided from the headers is decided before a byte of the body is
  // read, and the connection is closed after the answer, so a refused client costs no buffer.
  const early = async (req: FastifyRequest<{ Params: { provider: string } }>, reply: FastifyReply) => {
    const refuse = (status: number, message: string) => refuseAndClose(reply, status, message);
    const name = req.params.provider;
    if (!isProviderName(name))
      return refuse(404, `no webhook provider "${name}" (github, gitlab, gitea, generic)`);
    const result = (r: WebhookResult) => metrics.incWebhook(name, r);
    if (!secret) {
      result('not-configured');
      return refuse(
        503,
        'webhooks are off: set server.webhookSecretEnv to the variable holding the shared secret',
      );
    }
    const signature = SIGNATURE_HEADERS[name];
    if (!req.headers[signature]) {
      result('unauthorized');
      // Debug, not warn: a flood of unsigned requests must not become a flood of log lines (the metric counts them).
      log.debug(
        { provider: name, reason: `missing ${signature} header`, remote: req.ip },
        'webhook rejected',
      );
      return refuse(401, `missing ${signature} header`);
    }
    // A credential whole in a header (GitLab's token is the secret itself) is judged here, with
    // the previous secret too during a rotation, and before the size: a wrong one learns nothing
    // more. A signature over the body (GitHub, Gitea, generic) waits for the body in the handler.
    const judge = HEADER_CREDENTIALS[name];
    const refusal = judge?.(req.headers, secret);
    const previousHolds =
      deps.previousSecret !== undefined && judge?.(req.headers, deps.previousSecret) === undefined;
    if (refusal !== undefined && !previousHolds) {
      result('unauthorized');
      rejected({ provider: name, reason: refusal, remote: req.ip });
      return refuse(401, refusal);
    }
    if (Number(req.headers['content-length'] ?? 0) > deps.maxBodyBytes) {
      result('too-large');
      return refuse(413, tooLargeMessage(deps.maxBodyBytes));
    }
    return undefined;
  };

  app.post<{ Params: { provider: string } }>('/hooks/:provider', { onRequest: early }, async (req, reply) => {
    const name = req.params.provider;
    if (!isProviderName(name) || !secret) throw new Error('refused before the body, by the onRequest hook');
    const result = (r: WebhookResult) => metrics.incWebhook(name, r);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const at = now();
    let verdict = PROVIDERS[name](req.headers, body, secret, at);
    if (verdict.kind === 'unauthorized' && deps.previousSecret) {
      const previous = PROVIDERS[name](req.headers, body, deps.previousSecret, at);
      if (previous.kind !== 'unauthorized') {
        // Only a delivery signed with the former secret gets here: one line each tells the
        // operator the host has not moved yet, and nobody else can write it.
        log.info(
          { provider: name, subject: 'server.previousWebhookSecretEnv' },
          'webhook signed with the previous secret: once the Git host signs with the new one, remove server.previousWebhookSecretEnv',
        );
        verdict = previous;
      }
    }
    if (verdict.kind === 'unauthorized') {
      result('unauthorized');
      rejected({ provider: name, reason: verdict.reason, remote: req.ip });
      return answer(reply, 401, verdict.reason);
    }
    // Only signed deliveries reach the dedupe, so an attacker cannot pre-empt a real delivery id.
    const key = verdict.delivery === undefined ? undefined : `${name}:${verdict.delivery}`;
    if (key !== undefined && !seen.firstSighting(key, at)) {
      result('duplicate');
      return answer(reply, 200, `delivery ${verdict.delivery} already handled`);
    }
    // A repeated body within the window is a replay (GitHub, Gitea and GitLab sign no timestamp,
    // and the delivery id travels outside their signature), whatever delivery id it comes with.
    const digest = bodyDigest(name, req.headers, body);
    if (!bodies.firstSighting(digest, at)) {
      result('duplicate');
      return answer(reply, 200, 'the same delivery body was handled within the last 5 minutes');
    }
    let outcome: Handled;
    try {
      outcome = await act(verdict, name, deps);
    } catch (err) {
      if (key !== undefined) seen.forget(key);
      bodies.forget(digest);
      throw err;
    }
    result(outcome.result);
    return answer(reply, outcome.status, outcome.message, {
      ...(outcome.environments ? { environments: outcome.environments } : {}),
      ...(outcome.handoffs ? { handoffs: outcome.handoffs } : {}),
    });
  });
}

interface Handled {
  readonly result: WebhookResult;
  readonly status: number;
  readonly message: string;
  readonly environments?: readonly string[];
  /** With sharding: what became of each environment this replica does not hold. */
  readonly handoffs?: readonly HandoffResult[];
}

async function act(
  verdict: Exclude<WebhookVerdict, { kind: 'unauthorized' }>,
  provider: ProviderName,
  deps: Deps,
): Promise<Handled> {
  switch (verdict.kind) {
    case 'ping':
      return { result: 'ping', status: 200, message: 'pong' };
    case 'ignored':
      return { result: 'ignored', status: 202, message: `ignored: ${verdict.reason}` };
    case 'malformed':
      return { result: 'malformed', status: 400, message: verdict.reason };
    case 'push': {
      const environments = deps.controller.environmentsForBranch(verdict.branch);
      if (environments.length === 0)
        return {
          result: 'no-environment',
          status: 202,
          message: `ignored: no environment tracks branch ${verdict.branch}`,
        };
      const handoffs: Promise<HandoffResult>[] = [];
      for (const env of environments) {
        const key = deps.handoffKey;
        if (key && deps.controller.holds?.(env) === false) {
          // Another replica holds it: hand the trigger over, so that the push is not left to a poll.
          handoffs.push(handOff(deps.controller, key, env, 'webhook', deps.log));
          continue;
        }
        deps.controller.trigger(env, 'webhook');
        deps.log.info(
          { env, sha: verdict.sha, trigger: 'webhook', provider, branch: verdict.branch },
          'reconcile requested',
        );
      }
      const handed = await Promise.all(handoffs);
      for (const h of handed)
        deps.metrics.incHandoff(h.result === 'forwarded' || h.result === 'local' ? 'forwarded' : 'failed');
      return {
        result: 'triggered',
        status: 202,
        message: 'reconcile queued',
        environments,
        ...(handed.length > 0 ? { handoffs: handed } : {}),
      };
    }
    case 'pull-request':
      return await planRequested(verdict.pr, verdict.ref, provider, deps);
  }
}

async function planRequested(
  pr: PullRequest,
  ref: string,
  provider: ProviderName,
  deps: Deps,
): Promise<Handled> {
  const plan = deps.controller.planPullRequest?.bind(deps.controller);
  if (!plan)
    return {
      result: 'ignored',
      status: 202,
      message: 'ignored: pull request plans need repository.host (a Git host to post them to)',
    };
  // Sharded, an environment held elsewhere is planned by its holder, under the holder's lock of
  // it, so that the plan never runs beside the holder's apply (issue 24).
  const key = deps.handoffKey;
  const elsewhere = deps.controller
    .environmentsForBranch(pr.base)
    .filter((env) => key !== undefined && deps.controller.holds?.(env) === false);
  const handed = await Promise.all(
    elsewhere.map((env) => handOff(deps.controller, key!, env, 'webhook', deps.log, { pr, ref })),
  );
  for (const h of handed)
    deps.metrics.incHandoff(h.result === 'forwarded' || h.result === 'local' ? 'forwarded' : 'failed');
  const here = deps.controller.environmentsForBranch(pr.base).filter((env) => !elsewhere.includes(env));
  const environments = [...plan(pr, ref, here), ...elsewhere];
  if (environments.length === 0)
    return {
      result: 'no-environment',
      status: 202,
      message: `ignored: no environment tracks branch ${pr.base}, the base of pull request ${pr.number}`,
    };
  deps.log.info(
    { environments, sha: pr.headSha, trigger: 'pull-request', provider, pr: pr.number, base: pr.base },
    'pull request plan requested',
  );
  return {
    result: 'planned',
    status: 202,
    message: 'plan queued',
    environments,
    ...(handed.length > 0 ? { handoffs: handed } : {}),
  };
}
