import {
  header,
  hmacHex,
  parseJson,
  pushVerdict,
  safeEqual,
  branchOfRef,
  type Headers,
  type WebhookVerdict,
} from './verdict';

/** Verifies and reads one provider's delivery: a pure function of headers, raw body and secret. */
export type WebhookProvider = (headers: Headers, body: Buffer, secret: string) => WebhookVerdict;

/** GitHub: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`, event in `X-GitHub-Event`. */
export const github: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-hub-signature-256');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Hub-Signature-256' };
  if (!safeEqual(signature, `sha256=${hmacHex(secret, body)}`))
    return { kind: 'unauthorized', reason: 'bad signature' };
  const delivery = header(headers, 'x-github-delivery');
  const event = header(headers, 'x-github-event');
  const d = delivery ? { delivery } : {};
  if (event === 'ping') return { kind: 'ping', ...d };
  if (event !== 'push') return { kind: 'ignored', reason: `event ${String(event)}`, ...d };
  return pushVerdict(parseJson(body), delivery);
};

/** GitLab: the secret itself in `X-Gitlab-Token`, event `Push Hook` in `X-Gitlab-Event`. */
export const gitlab: WebhookProvider = (headers, body, secret) => {
  const token = header(headers, 'x-gitlab-token');
  if (!token) return { kind: 'unauthorized', reason: 'missing X-Gitlab-Token' };
  if (!safeEqual(token, secret)) return { kind: 'unauthorized', reason: 'bad token' };
  const delivery = header(headers, 'x-gitlab-event-uuid');
  const event = header(headers, 'x-gitlab-event');
  if (event !== 'Push Hook')
    return { kind: 'ignored', reason: `event ${String(event)}`, ...(delivery ? { delivery } : {}) };
  return pushVerdict(parseJson(body), delivery);
};

/** Gitea (and Forgejo): `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`, event in `X-Gitea-Event`. */
export const gitea: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-gitea-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Gitea-Signature' };
  if (!safeEqual(signature, hmacHex(secret, body))) return { kind: 'unauthorized', reason: 'bad signature' };
  const delivery = header(headers, 'x-gitea-delivery');
  const event = header(headers, 'x-gitea-event');
  if (event !== 'push')
    return { kind: 'ignored', reason: `event ${String(event)}`, ...(delivery ? { delivery } : {}) };
  return pushVerdict(parseJson(body), delivery);
};

/**
 * cairn's own scheme, for any system that can sign a request:
 * `X-Cairn-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the shared secret>`,
 * optional `X-Cairn-Delivery: <unique id>` (replays are acknowledged, not acted on twice) and
 * `X-Cairn-Event: ping`. The body is JSON: `{"ref":"refs/heads/<branch>"}` or `{"branch":"<branch>"}`.
 */
export const generic: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-cairn-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Cairn-Signature' };
  if (!safeEqual(signature, `sha256=${hmacHex(secret, body)}`))
    return { kind: 'unauthorized', reason: 'bad signature' };
  const delivery = header(headers, 'x-cairn-delivery');
  const d = delivery ? { delivery } : {};
  if (header(headers, 'x-cairn-event') === 'ping') return { kind: 'ping', ...d };
  const payload = parseJson(body);
  if (!payload) return { kind: 'malformed', reason: 'the body is not a JSON object' };
  const branch =
    typeof payload.branch === 'string' && payload.branch ? payload.branch : branchOfRef(payload.ref);
  return branch ? { kind: 'push', branch, ...d } : { kind: 'ignored', reason: 'no branch in the body', ...d };
};

export const PROVIDERS: Readonly<Record<string, WebhookProvider>> = { github, gitlab, gitea, generic };
