import { githubShapedPullRequest } from './pull-request';
import { header, hmacMatches, otherEvent, payloadOf, pushVerdict, type WebhookProvider } from './verdict';

/**
 * The pull request actions that put new code on its head. Gitea sends a push to a pull request
 * as `X-Gitea-Event: pull_request` with action `synchronized` (its hook event `pull_request_sync`,
 * which a hook must subscribe to besides `pull_request`).
 */
const PLAN_ACTIONS = ['opened', 'synchronized', 'reopened'];

/**
 * Gitea and Forgejo: `X-Gitea-Signature: <hex HMAC-SHA256 of the raw body>` (no prefix), the
 * event in `X-Gitea-Event` (`push`, `pull_request`), the delivery id in `X-Gitea-Delivery`.
 */
export const gitea: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-gitea-signature');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Gitea-Signature header' };
  if (!hmacMatches(signature, body, secret, ''))
    return { kind: 'unauthorized', reason: 'X-Gitea-Signature does not match the body' };
  const delivery = header(headers, 'x-gitea-delivery');
  const event = header(headers, 'x-gitea-event');
  if (event === 'pull_request' || event === 'pull_request_sync')
    return githubShapedPullRequest(payloadOf(headers, body), PLAN_ACTIONS, delivery);
  if (event !== 'push') return otherEvent(event, delivery);
  return pushVerdict(payloadOf(headers, body), delivery);
};
