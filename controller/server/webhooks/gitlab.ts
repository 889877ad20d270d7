import { header, otherEvent, payloadOf, pushVerdict, safeEqual, type WebhookProvider } from './verdict';

/**
 * GitLab: the secret token itself in `X-Gitlab-Token` (GitLab does not sign the body), the event
 * in `X-Gitlab-Event` (`Push Hook`). The delivery id is `Idempotency-Key` (GitLab 17.4+, the same
 * on retries), else `X-Gitlab-Event-UUID`.
 */
export const gitlab: WebhookProvider = (headers, body, secret) => {
  const token = header(headers, 'x-gitlab-token');
  if (!token) return { kind: 'unauthorized', reason: 'missing X-Gitlab-Token header' };
  if (!safeEqual(token, secret))
    return { kind: 'unauthorized', reason: 'X-Gitlab-Token is not the shared secret' };
  const delivery = header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid');
  const event = header(headers, 'x-gitlab-event');
  if (event !== 'Push Hook') return otherEvent(event, delivery);
  return pushVerdict(payloadOf(headers, body), delivery);
};
