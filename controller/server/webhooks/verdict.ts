import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { PullRequest } from '../../host/types';
import { isRefName, isSha } from '../../model';

/** What a webhook delivery amounts to, once its signature is checked. */
export type WebhookVerdict =
  | { readonly kind: 'push'; readonly branch: string; readonly sha?: string; readonly delivery?: string }
  | {
      readonly kind: 'pull-request';
      readonly pr: PullRequest;
      /** The ref of the base repository that holds the head (`refs/pull/<n>/head`, `refs/merge-requests/<iid>/head`). */
      readonly ref: string;
      readonly delivery?: string;
    }
  | { readonly kind: 'ping'; readonly delivery?: string }
  | { readonly kind: 'ignored'; readonly reason: string; readonly delivery?: string }
  | { readonly kind: 'unauthorized'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string; readonly delivery?: string };

/** Request headers as node gives them (names lower-cased). */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Verifies and reads one provider's delivery: a pure function of headers, raw body, secret and the
 * time (Unix milliseconds; only the generic scheme signs a timestamp to compare it with).
 */
export type WebhookProvider = (
  headers: Headers,
  body: Buffer,
  secret: string,
  now?: number,
) => WebhookVerdict;

/** The first value of a header, if any. */
export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Constant-time string comparison. Both sides are hashed first, so neither the position of the
 * first difference nor the expected length leaks through timing.
 */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length;
}

/** Lower-case hex HMAC-SHA256 of the raw body. */
export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** True when `signature` (any hex case, with an optional `sha256=` prefix as `prefix` says) signs `body`. */
export function hmacMatches(
  signature: string,
  body: Buffer,
  secret: string,
  prefix: '' | 'sha256=',
): boolean {
  return safeEqual(signature.trim().toLowerCase(), `${prefix}${hmacHex(secret, body)}`);
}

/** The branch of a `refs/heads/<branch>` ref; undefined for tags, other refs and names git would refuse. */
export function branchOfRef(ref: unknown): string | undefined {
  return typeof ref === 'string' &&
    ref.startsWith('refs/heads/') &&
    isRefName(ref.slice('refs/heads/'.length))
    ? ref.slice('refs/heads/'.length)
    : undefined;
}

/**
 * The JSON object a delivery carries: the body itself, or (GitHub and Gitea can send
 * `application/x-www-form-urlencoded`) its `payload` field. Undefined when it is not a JSON object.
 */
export function payloadOf(headers: Headers, body: Buffer): Record<string, unknown> | undefined {
  let text = body.toString('utf8');
  if ((header(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) {
    text = new URLSearchParams(text).get('payload') ?? '';
  }
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const ZERO_SHA = /^0+$/;

/**
 * The verdict for a signed push payload (GitHub, GitLab and Gitea share `ref`, `after`,
 * `deleted`): a push to a branch, or ignored for tags and branch deletions.
 */
export function pushVerdict(
  payload: Record<string, unknown> | undefined,
  delivery: string | undefined,
): WebhookVerdict {
  const d = delivery ? { delivery } : {};
  if (!payload) return { kind: 'malformed', reason: 'the body is not a JSON object', ...d };
  const branch = branchOfRef(payload.ref);
  if (!branch) return { kind: 'ignored', reason: 'not a branch push', ...d };
  const after = typeof payload.after === 'string' ? payload.after : undefined;
  // A deleted branch has nothing to apply; the poller reports the missing branch.
  if (payload.deleted === true || (after && ZERO_SHA.test(after)))
    return { kind: 'ignored', reason: `branch ${branch} deleted`, ...d };
  // The sha is only logged, but only when it is shaped like one.
  return { kind: 'push', branch, ...(after && isSha(after) ? { sha: after } : {}), ...d };
}

/** The answer for any event other than push (or ping, for providers that have one). */
export function otherEvent(event: string | undefined, delivery: string | undefined): WebhookVerdict {
  return { kind: 'ignored', reason: `event ${event ?? '(none)'}`, ...(delivery ? { delivery } : {}) };
}
