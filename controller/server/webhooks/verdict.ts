import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a webhook delivery amounts to, after its signature is checked. */
export type WebhookVerdict =
  | { readonly kind: 'push'; readonly branch: string; readonly delivery?: string }
  | { readonly kind: 'ping'; readonly delivery?: string }
  | { readonly kind: 'ignored'; readonly reason: string; readonly delivery?: string }
  | { readonly kind: 'unauthorized'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Request headers, lower-cased by node. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison of two strings (false for different lengths, without leaking where they differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The branch of a `refs/heads/<branch>` ref; undefined for tags and other refs. */
export function branchOfRef(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith('refs/heads/')
    ? ref.slice('refs/heads/'.length)
    : undefined;
}

export function parseJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The verdict for a push payload once the signature is good: push to a branch, or ignored. */
export function pushVerdict(
  payload: Record<string, unknown> | undefined,
  delivery: string | undefined,
): WebhookVerdict {
  if (!payload) return { kind: 'malformed', reason: 'the body is not a JSON object' };
  const branch = branchOfRef(payload.ref);
  const d = delivery ? { delivery } : {};
  return branch ? { kind: 'push', branch, ...d } : { kind: 'ignored', reason: 'not a branch push', ...d };
}
