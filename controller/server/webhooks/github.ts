import { githubShapedPullRequest } from './pull-request';
import { header, hmacMatches, otherEvent, payloadOf, pushVerdict, type WebhookProvider } from './verdict';

/** The pull request actions that put new code on its head (GitHub's `synchronize`: a push to it). */
const PLAN_ACTIONS = ['opened', 'synchronize', 'reopened'];

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, the event in
 * `X-GitHub-Event` (`push`, `pull_request`, `ping`, ...), the delivery id in `X-GitHub-Delivery` (kept on redelivery).
 * The body is JSON or, when the hook is set to form encoding, `payload=<JSON>`.
 */
export const github: WebhookProvider = (headers, body, secret) => {
  const signature = header(headers, 'x-hub-signature-256');
  if (!signature) return { kind: 'unauthorized', reason: 'missing X-Hub-Signature-256 header' };
  if (!hmacMatches(signature, body, secret, 'sha256='))
    return { kind: 'unauthorized', reason: 'X-Hub-Signature-256 does not match the body' };
  const delivery = header(headers, 'x-github-delivery');
  const event = header(headers, 'x-github-event');
  if (event === 'ping') return { kind: 'ping', ...(delivery ? { delivery } : {}) };
  if (event === 'pull_request')
    return githubShapedPullRequest(payloadOf(headers, body), PLAN_ACTIONS, delivery);
  if (event !== 'push') return otherEvent(event, delivery);
  return pushVerdict(payloadOf(headers, body), delivery);
};
