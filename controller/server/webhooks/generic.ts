import { branchOfRef, header, hmacMatches, payloadOf, type WebhookProvider } from './verdict';

/**
 * cairn's own scheme (`POST /hooks/generic`), for any system that can sign a request:
 * - `X-Cairn-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the shared secret>`
 *   (the variable named by `server.webhookSecretEnv`); required.
 * - `X-Cairn-Delivery: <unique id>`, optional: a delivery with an id seen before is answered 200
 *   and not acted on again.
 * - `X-Cairn-Event: ping`, optional: answered 200 and nothing else.
 * - Body, JSON: `{"ref": "refs/heads/<branch>"}` or `{"branch": "<branch>"}`; an optional
 *   `"sha"` (or `"after"`) is logged. Every environment tracking that branch is fetched and reconciled at once.
 *
 * Example: `sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | cut -d' ' -f2)`,
 * then `curl -H "X-Cairn-Signature: sha256=$sig" -H 'Content-Type: application/json' -d "$body" $URL/hooks/generic`.
 */
export const generic: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-cairn-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Cairn-Signature header' };
  if (!hmacMatches(signature, body, secret, 'sha256='))
    return { kind: 'unauthorized', reason: 'X-Cairn-Signature does not match the body' };
  const delivery = header(headers, 'x-cairn-delivery');
  const d = delivery ? { delivery } : {};
  if (header(headers, 'x-cairn-event') === 'ping') return { kind: 'ping', ...d };
  const payload = payloadOf(headers, body);
  if (!payload) return { kind: 'malformed', reason: 'the body is not a JSON object', ...d };
  const branch =
    typeof payload.branch === 'string' && payload.branch ? payload.branch : branchOfRef(payload.ref);
  const sha = [payload.sha, payload.after].find((v): v is string => typeof v === 'string' && v.length > 0);
  if (branch) return { kind: 'push', branch, ...(sha ? { sha } : {}), ...d };
  // A tag or other ref is a valid event that concerns no environment.
  if (typeof payload.ref === 'string')
    return { kind: 'ignored', reason: `${payload.ref} is not a branch`, ...d };
  return { kind: 'malformed', reason: 'the body names no branch ("ref" or "branch")', ...d };
};
