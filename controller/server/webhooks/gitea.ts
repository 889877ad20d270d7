import { header, hmacMatches, otherEvent, payloadOf, pushVerdict, type WebhookProvider } from './verdict';

/**
 * Gitea and Forgejo: `X-Gitea-Signature: <hex HMAC-SHA256 of the raw body>` (no prefix), the
 * event in `X-Gitea-Event` (`push`), the delivery id in `X-Gitea-Delivery`.
 */
export const gitea: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-gitea-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Gitea-Signature header' };
  if (!hmacMatches(signature, body, secret, ''))
    return { kind: 'unauthorized', reason: 'X-Gitea-Signature does not match the body' };
  const delivery = header(headers, 'x-gitea-delivery');
  const event = header(headers, 'x-gitea-event');
  if (event !== 'push') return otherEvent(event, delivery);
  return pushVerdict(payloadOf(headers, body), delivery);
};
