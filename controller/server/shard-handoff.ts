import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CairnError, errorMessage } from '../model/errors';
import type { Log } from '../log';
import type { PullRequest } from '../host/types';
import type { Trigger } from '../model';
import type { Metrics } from './metrics';
import { answer, refuse } from './reply';
import { SeenDeliveries } from './seen-deliveries';
import type { ControllerPort } from './types';

/** The route a replica takes handed-off triggers on. */
export const HANDOFF_PATH = '/internal/shard/trigger';
/** The header carrying `sha256=<hex HMAC>` of the body under the handoff key. */
export const HANDOFF_SIGNATURE = 'x-cairn-handoff-signature';
/** The largest body of every /internal/shard/* route (a handoff, a handed request, a result query). */
export const SHARD_MAX_BODY_BYTES = 4096;
const MAX_BODY_BYTES = SHARD_MAX_BODY_BYTES;
// A handoff older (or newer, clocks drift) than this is refused, so a captured one cannot be replayed later.
const MAX_AGE_MS = 60_000;
const FORWARD_TIMEOUT_MS = 2_000;
const ATTEMPTS = 2;

/** What a replica hands to the holder of an environment. */
export interface Handoff {
  readonly env: string;
  readonly trigger: Trigger;
  /** The identity of the replica that got the webhook. */
  readonly from: string;
  /** ISO 8601 time it was sent. */
  readonly at: string;
  /** Unique per handoff: a replay within the age window is a duplicate. */
  readonly nonce: string;
  /** A pull request event to plan for `env` (instead of a reconcile), as the webhook gave it. */
  readonly pullRequest?: { readonly pr: PullRequest; readonly ref: string };
}

/**
 * How handing one environment's trigger ended, as an answer reports it: the environment and what
 * became of it, nothing more. Who holds it and why a handoff failed go to the log only (handOff
 * writes them): a webhook's answer is shown to the Git host's repository admins in its delivery
 * log, and the reason may hold the holder's URL (a pod's address), the API server's address, a
 * Lease's name or cairn's ServiceAccount.
 */
export interface HandoffResult {
  readonly env: string;
  readonly result: 'forwarded' | 'local' | 'no-holder' | 'failed';
}

/** Why the last attempt of a handoff failed, for the log. */
interface FailedAttempt {
  readonly holder?: string;
  readonly reason: string;
}

/** The least handoff key size accepted: an HMAC key shorter than its hash's output weakens it. */
export const MIN_HANDOFF_KEY_BYTES = 32;

/** Where the handoff key is configured (`sharding.handoffKeyFile` / `sharding.handoffKeyEnv`). */
export interface HandoffKeySource {
  readonly handoffKeyFile?: string;
  readonly handoffKeyEnv?: string;
}

/**
 * The key handoffs are signed with: a secret of its own, read from `sharding.handoffKeyFile` or
 * `sharding.handoffKeyEnv` (trimmed), at least 32 bytes. It is never derived from the webhook
 * secret, which the Git host and its admins hold: with it they could sign a `manual` trigger.
 * A key equal to the webhook secret, or to the key cairn once derived from it, is refused.
 */
export function loadHandoffKey(
  source: HandoffKeySource,
  webhookSecret: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Buffer {
  const fail = (message: string, subject: string, hint: string): never => {
    throw new CairnError(message, { code: 'config.invalid', phase: 'config', subject, hint });
  };
  const make = 'make one with `head -c 32 /dev/urandom | base64` and keep it in a Secret';
  let text: string | undefined;
  let subject = 'sharding.handoffKeyEnv';
  if (source.handoffKeyFile) {
    subject = source.handoffKeyFile;
    try {
      text = readFileSync(source.handoffKeyFile, 'utf8');
    } catch (error) {
      fail(
        `cannot read the handoff key: ${errorMessage(error)}`,
        subject,
        `check sharding.handoffKeyFile; ${make}`,
      );
    }
  } else if (source.handoffKeyEnv) {
    text = env[source.handoffKeyEnv];
    if (!text)
      fail(
        `the environment variable ${source.handoffKeyEnv} that holds the handoff key is empty or unset`,
        subject,
        `set ${source.handoffKeyEnv}; ${make}`,
      );
  } else {
    fail(
      'no handoff key is configured',
      'sharding.handoffKeyFile',
      `set sharding.handoffKeyFile or sharding.handoffKeyEnv; ${make}`,
    );
  }
  const key = Buffer.from(text!.trim(), 'utf8');
  if (key.length < MIN_HANDOFF_KEY_BYTES)
    fail(
      `the handoff key has ${key.length} bytes; at least ${MIN_HANDOFF_KEY_BYTES} are needed`,
      subject,
      make,
    );
  if (webhookSecret !== undefined) {
    const secret = Buffer.from(webhookSecret, 'utf8');
    const derived = legacyDerivedKey(webhookSecret);
    if (key.equals(secret) || key.equals(derived) || key.toString('utf8') === derived.toString('hex'))
      fail(
        'the handoff key is the webhook secret or derived from it; the Git host holds that secret',
        subject,
        make,
      );
  }
  return key;
}

/** The key versions before 23.4 derived from the webhook secret: only compared against, never used. */
function legacyDerivedKey(webhookSecret: string): Buffer {
  return createHmac('sha256', webhookSecret).update('cairn shard handoff v1').digest();
}

/** `sha256=<hex>` of `body` under `key`. */
export function signHandoff(key: Buffer, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

/** Whether `given` is the signature of `body` under `key` (compared in constant time). */
export function signatureMatches(key: Buffer, body: Buffer, given: string): boolean {
  const expected = Buffer.from(signHandoff(key, body));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Hands `env`'s trigger to the replica holding its shard Lease: reads the holder fresh, posts a
 * signed handoff to the URL the holder's live heartbeat advertises (see ShardManager.holderOf), and tries once more (reading the holder again) if the
 * holder refuses it (it lost the Lease meanwhile) or cannot be reached. When nobody holds the
 * environment, nothing is lost: whoever takes the Lease fetches the branch first.
 */
export async function handOff(
  controller: ControllerPort,
  key: Buffer,
  env: string,
  trigger: Trigger,
  log: Log,
  pullRequest?: Handoff['pullRequest'],
): Promise<HandoffResult> {
  let failed: FailedAttempt = { reason: 'not tried' };
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    if (controller.holds?.(env) !== false) {
      if (pullRequest) controller.planPullRequest?.(pullRequest.pr, pullRequest.ref, [env]);
      else controller.trigger(env, trigger);
      return { env, result: 'local' };
    }
    const holder = await controller.holderOf!(env).catch((error: unknown) => {
      failed = { reason: `reading the Lease: ${errorMessage(error)}` };
      return undefined;
    });
    if (holder === undefined) continue;
    if (holder === null) return { env, result: 'no-holder' };
    if (!holder.url) {
      failed = { holder: holder.holder, reason: holder.reason ?? 'the holder advertises no URL' };
      continue;
    }
    const body: Handoff = {
      env,
      trigger,
      from: controller.shardIdentity ?? 'unknown',
      at: new Date().toISOString(),
      nonce: randomUUID(),
      ...(pullRequest ? { pullRequest } : {}),
    };
    const text = JSON.stringify(body);
    try {
      const response = await fetch(`${holder.url}${HANDOFF_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HANDOFF_SIGNATURE]: signHandoff(key, text) },
        body: text,
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.status === 202) {
        log.info(
          { env, trigger, holder: holder.holder },
          'webhook handed to the replica holding the environment',
        );
        return { env, result: 'forwarded' };
      }
      failed = { holder: holder.holder, reason: `the holder answered ${response.status}` };
    } catch (error) {
      failed = { holder: holder.holder, reason: errorMessage(error) };
    }
  }
  log.warn(
    { env, trigger, result: 'failed', ...failed },
    "webhook not handed off; the holder's next poll (repository.pollInterval) picks the push up",
  );
  return { env, result: 'failed' };
}

/**
 * The `onRequest` check of every /internal/shard/* route, decided from the headers before a byte
 * of the body is read: a request without the handoff signature header (401), with a body announced
 * larger than SHARD_MAX_BODY_BYTES (413) or of unannounced length (411) is refused and its
 * connection closed, so an unsigned caller never makes the server buffer a body. `refused` counts it.
 */
export function shardPreBodyCheck(
  refused: () => void = () => undefined,
): (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (req, reply) => {
    if (!req.headers[HANDOFF_SIGNATURE]) {
      refused();
      return refuse(reply, 401, `missing ${HANDOFF_SIGNATURE} header`);
    }
    if (req.headers['transfer-encoding'] !== undefined) {
      refused();
      return refuse(reply, 411, 'a shard request carries its Content-Length');
    }
    if (Number(req.headers['content-length'] ?? 0) > SHARD_MAX_BODY_BYTES) {
      refused();
      return refuse(reply, 413, `a shard request is at most ${SHARD_MAX_BODY_BYTES} bytes`);
    }
    return undefined;
  };
}

/**
 * `POST /internal/shard/trigger`: a handoff from another replica of the group. The signature is
 * checked over the raw body before anything else; a stale or replayed handoff is refused; an
 * environment this replica does not hold is answered 409 so that the sender reads the holder again.
 */
export function registerHandoffRoute(
  app: FastifyInstance,
  deps: {
    readonly controller: ControllerPort;
    readonly key: Buffer;
    readonly metrics: Metrics;
    readonly log: Log;
    readonly now?: () => number;
  },
): void {
  const seen = new SeenDeliveries();
  const now = deps.now ?? Date.now;
  app.post(
    HANDOFF_PATH,
    { onRequest: shardPreBodyCheck(() => deps.metrics.incHandoff('refused')) },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = String(req.headers[HANDOFF_SIGNATURE]);
      const refused = (status: number, message: string) => {
        deps.metrics.incHandoff('refused');
        return answer(reply, status, message);
      };
      if (body.length > MAX_BODY_BYTES) return refused(413, `a handoff is at most ${MAX_BODY_BYTES} bytes`);
      if (!signatureMatches(deps.key, body, signature))
        return refused(401, `${HANDOFF_SIGNATURE} does not match the body`);
      const handoff = parseHandoff(body);
      if (!handoff) return refused(400, 'a handoff is JSON with env, trigger, from, at and nonce');
      const age = Math.abs(now() - Date.parse(handoff.at));
      if (!(age <= MAX_AGE_MS)) return refused(400, 'the handoff is too old (or from a clock far off)');
      if (!deps.controller.environments().some((e) => e.name === handoff.env))
        return refused(404, `no environment ${handoff.env}`);
      if (!seen.firstSighting(handoff.nonce)) return answer(reply, 202, 'handoff already taken');
      if (deps.controller.holds?.(handoff.env) === false) {
        seen.forget(handoff.nonce);
        return refused(409, `this replica does not hold ${handoff.env}`);
      }
      deps.metrics.incHandoff('received');
      if (handoff.pullRequest) {
        // Planned here, under this replica's lock of the environment: never beside its apply.
        const { pr, ref } = handoff.pullRequest;
        const planned = deps.controller.planPullRequest?.(pr, ref, [handoff.env]) ?? [];
        deps.log.info(
          { env: handoff.env, pr: pr.number, sha: pr.headSha, from: handoff.from },
          'pull request plan requested by another replica',
        );
        return answer(reply, 202, planned.length > 0 ? 'plan queued' : 'not planned here', {
          environments: planned,
        });
      }
      deps.controller.trigger(handoff.env, handoff.trigger);
      deps.log.info(
        { env: handoff.env, trigger: handoff.trigger, from: handoff.from },
        'reconcile requested by another replica',
      );
      return answer(reply, 202, 'reconcile queued', { environments: [handoff.env] });
    },
  );
}

const TRIGGERS: ReadonlySet<string> = new Set(['webhook', 'manual']);

function parseHandoff(body: Buffer): Handoff | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const h = value as Record<string, unknown>;
  const ok =
    typeof h.env === 'string' &&
    typeof h.trigger === 'string' &&
    TRIGGERS.has(h.trigger) &&
    typeof h.from === 'string' &&
    typeof h.at === 'string' &&
    typeof h.nonce === 'string' &&
    h.nonce.length <= 64 &&
    (h.pullRequest === undefined || isPullRequestHandoff(h.pullRequest));
  return ok ? (h as unknown as Handoff) : undefined;
}

/** A handed-over pull request: its fields typed as the webhook parser makes them. */
function isPullRequestHandoff(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { pr, ref } = value as { pr?: Record<string, unknown>; ref?: unknown };
  return (
    typeof ref === 'string' &&
    typeof pr === 'object' &&
    pr !== null &&
    typeof pr.number === 'number' &&
    typeof pr.base === 'string' &&
    typeof pr.headSha === 'string' &&
    typeof pr.headRef === 'string' &&
    typeof pr.fromFork === 'boolean' &&
    typeof pr.headCloneUrl === 'string' &&
    typeof pr.repository === 'string' &&
    (pr.url === undefined || typeof pr.url === 'string')
  );
}
