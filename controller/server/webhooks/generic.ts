import { createHmac } from 'node:crypto';
import { isSha } from '../../model';
import { branchOfRef, header, payloadOf, safeEqual, type WebhookProvider } from './verdict';

/** How far a generic delivery's signed timestamp may be from the controller's clock, either way. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

// No `.` in a delivery id: the signed text joins timestamp, id and body with dots, and an id that
// could hold one would let `id="a.b", body="c"` stand for `id="a", body="b.c"`.
const DELIVERY_ID = /^[A-Za-z0-9_:-]{1,128}$/;

/**
 * The signature of a generic delivery: lower-case hex HMAC-SHA256, keyed with the shared secret,
 * of `<timestamp>.<delivery id>.<raw body>` (timestamp in Unix seconds).
 */
export function genericSignature(secret: string, timestamp: string, delivery: string, body: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.${delivery}.`).update(body).digest('hex');
}

/**
 * The most `v1=` values one `X-Cairn-Signature` may carry (a sender rotating its secret signs
 * with two). Each is compared at the cost of two SHA-256: found in review, a 15 KB header of
 * 3,000 of them, unsigned, cost `cairn run` 14 ms of CPU per request against 0.3 ms for one, so
 * 68 such requests a second held its event loop.
 */
export const MAX_SIGNATURES = 4;

/**
 * The `t=` value and every `v1=` value of an `X-Cairn-Signature` header, or undefined when it has
 * neither or more than MAX_SIGNATURES `v1=` values.
 */
function parseSignature(value: string): { t: string; v1: readonly string[] } | undefined {
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const [k, v] = part.trim().split('=', 2) as [string, string | undefined];
    if (k === 't' && v !== undefined && /^\d{1,12}$/.test(v)) t = v;
    else if (k === 'v1' && v) v1.push(v.toLowerCase());
    if (v1.length > MAX_SIGNATURES) return undefined;
  }
  return t !== undefined && v1.length > 0 ? { t, v1 } : undefined;
}

/**
 * cairn's own scheme (`POST /hooks/generic`), for any system that can sign a request (the
 * timestamp and the delivery id are signed with the body, Slack/Stripe style, so a captured request
 * can be neither replayed later nor replayed under another id):
 * - `X-Cairn-Delivery: <id>`, required: 1–128 characters of `A-Z a-z 0-9 _ : -`, unique per delivery.
 * - `X-Cairn-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<id>.<raw body>">`, keyed with
 *   the shared secret (the variable named by `server.webhookSecretEnv`); up to MAX_SIGNATURES `v1=` may be given.
 *   A timestamp more than 5 minutes from the controller's clock is refused; an id seen before is
 *   answered 200 and not acted on again.
 * - `X-Cairn-Event: ping`, optional: answered 200 and nothing else.
 * - Body, JSON: `{"ref": "refs/heads/<branch>"}` or `{"branch": "<branch>"}`; an optional
 *   `"sha"` (or `"after"`) is logged. Every environment tracking that branch is fetched and reconciled at once.
 */
export const generic: WebhookProvider = (headers, body, secret, now = Date.now()) => {
  const signature = header(headers, 'x-cairn-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Cairn-Signature header' };
  const delivery = header(headers, 'x-cairn-delivery');
  if (!delivery || !DELIVERY_ID.test(delivery))
    return {
      kind: 'unauthorized',
      reason: 'X-Cairn-Delivery is missing or not 1-128 characters of A-Z a-z 0-9 _ : -',
    };
  const parsed = parseSignature(signature);
  if (!parsed)
    return {
      kind: 'unauthorized',
      reason: `X-Cairn-Signature is not "t=<unix seconds>,v1=<hex>" (with at most ${MAX_SIGNATURES} v1 values)`,
    };
  const expected = genericSignature(secret, parsed.t, delivery, body);
  // Every candidate is compared (constant time each), so timing does not tell which one matched.
  const matched = parsed.v1.map((v) => safeEqual(v, expected)).includes(true);
  if (!matched)
    return {
      kind: 'unauthorized',
      reason: 'X-Cairn-Signature does not match the timestamp, delivery id and body',
    };
  // Checked after the signature, so an unsigned request learns nothing about the clock.
  if (Math.abs(now - Number(parsed.t) * 1000) > REPLAY_WINDOW_MS)
    return {
      kind: 'unauthorized',
      reason:
        'the signed timestamp is more than 5 minutes from the controller clock (a replay, or a skewed clock)',
    };
  const d = { delivery };
  if (header(headers, 'x-cairn-event') === 'ping') return { kind: 'ping', ...d };
  const payload = payloadOf(headers, body);
  if (!payload) return { kind: 'malformed', reason: 'the body is not a JSON object', ...d };
  const branch = typeof payload.branch === 'string' ? branchOfRef(`refs/heads/${payload.branch}`) : undefined;
  const named = branch ?? branchOfRef(payload.ref);
  const sha = [payload.sha, payload.after].find((v): v is string => isSha(v));
  if (named) return { kind: 'push', branch: named, ...(sha ? { sha } : {}), ...d };
  // A tag or other ref is a valid event that concerns no environment.
  if (typeof payload.ref === 'string')
    return { kind: 'ignored', reason: `${payload.ref} is not a branch`, ...d };
  return { kind: 'malformed', reason: 'the body names no branch ("ref" or "branch")', ...d };
};
