import { createHmac, randomUUID } from 'node:crypto';

/** A provider's delivery as it arrives: headers and the raw body. */
export interface Delivery {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What to vary in a test delivery. */
export interface DeliveryOptions {
  readonly secret: string;
  readonly delivery?: string;
  /** The provider's event name; each provider's push event by default. */
  readonly event?: string;
  /** Generic scheme: the signed Unix time in seconds (default now). */
  readonly timestamp?: number;
}

/**
 * The generic scheme's headers: `X-Cairn-Signature: t=<unix>,v1=<hex HMAC of "<t>.<id>.<body>">`
 * and the delivery id it signs (a fresh one unless given).
 */
export function genericHeaders(
  body: string,
  secret: string,
  delivery: string = randomUUID(),
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const v1 = hmac(secret, `${timestamp}.${delivery}.${body}`);
  return { 'x-cairn-signature': `t=${timestamp},v1=${v1}`, 'x-cairn-delivery': delivery };
}

const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** A push payload in the shape GitHub, GitLab and Gitea share (trimmed to the fields cairn reads and a few more). */
export function pushPayload(branch: string, after = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'): string {
  return JSON.stringify({
    ref: `refs/heads/${branch}`,
    before: '0f1e2d3c4b5a69788796a5b4c3d2e1f012345678',
    after,
    repository: { full_name: 'platform/infra' },
    commits: [{ id: after, message: 'bump replicas' }],
  });
}

/** Signs `body` the way each provider documents it (GitHub, GitLab, Gitea, cairn's generic scheme). */
export const sign: Readonly<
  Record<'github' | 'gitlab' | 'gitea' | 'generic', (body: string, o: DeliveryOptions) => Delivery>
> = {
  github: (body, o) => ({
    body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${hmac(o.secret, body)}`,
      'x-github-event': o.event ?? 'push',
      ...(o.delivery ? { 'x-github-delivery': o.delivery } : {}),
    },
  }),
  gitlab: (body, o) => ({
    body,
    headers: {
      'content-type': 'application/json',
      'x-gitlab-token': o.secret,
      'x-gitlab-event': o.event ?? 'Push Hook',
      ...(o.delivery ? { 'idempotency-key': o.delivery } : {}),
    },
  }),
  gitea: (body, o) => ({
    body,
    headers: {
      'content-type': 'application/json',
      'x-gitea-signature': hmac(o.secret, body),
      'x-gitea-event': o.event ?? 'push',
      ...(o.delivery ? { 'x-gitea-delivery': o.delivery } : {}),
    },
  }),
  generic: (body, o) => ({
    body,
    headers: {
      'content-type': 'application/json',
      ...genericHeaders(body, o.secret, o.delivery, o.timestamp),
      ...(o.event ? { 'x-cairn-event': o.event } : {}),
    },
  }),
};

/** The header that carries each provider's signature or token. */
export const SIGNATURE_HEADER = {
  github: 'x-hub-signature-256',
  gitlab: 'x-gitlab-token',
  gitea: 'x-gitea-signature',
  generic: 'x-cairn-signature',
} as const;
