import { at, pullRequestVerdict } from './pull-request';
import {
  header,
  otherEvent,
  payloadOf,
  pushVerdict,
  safeEqual,
  type Headers,
  type WebhookProvider,
  type WebhookVerdict,
} from './verdict';

/** The merge request actions that may put new code on its head (`update` also covers a push to it). */
const PLAN_ACTIONS = ['open', 'update', 'reopen'];

/**
 * A `Merge Request Hook`: `object_attributes.{iid, action, target_branch, source_branch,
 * last_commit.id, source_project_id, target_project_id, source.git_http_url, url}`. The head comes
 * from a fork when the source project is not the target project.
 */
function mergeRequest(
  payload: Record<string, unknown> | undefined,
  delivery: string | undefined,
): WebhookVerdict {
  if (!payload)
    return { kind: 'malformed', reason: 'the body is not a JSON object', ...(delivery ? { delivery } : {}) };
  const mr = at(payload, 'object_attributes');
  return pullRequestVerdict(
    {
      action: at(mr, 'action'),
      number: at(mr, 'iid'),
      base: at(mr, 'target_branch'),
      headRef: at(mr, 'source_branch'),
      headSha: at(mr, 'last_commit', 'id'),
      fromFork: at(mr, 'source_project_id') !== at(mr, 'target_project_id'),
      headCloneUrl: at(mr, 'source', 'git_http_url') ?? at(payload, 'project', 'git_http_url'),
      repository: at(payload, 'project', 'path_with_namespace'),
      url: at(mr, 'url'),
    },
    {
      action: 'object_attributes.action',
      number: 'object_attributes.iid',
      base: 'object_attributes.target_branch',
      headRef: 'object_attributes.source_branch',
      headSha: 'object_attributes.last_commit.id',
      headCloneUrl: 'object_attributes.source.git_http_url',
      repository: 'project.path_with_namespace',
    },
    PLAN_ACTIONS,
    (iid) => `refs/merge-requests/${iid}/head`,
    delivery,
  );
}

/**
 * Why GitLab's credential does not hold, or undefined when it does: `X-Gitlab-Token` is the
 * secret itself (GitLab signs nothing), so it is judged from the headers alone, before the body
 * is read (see HEADER_CREDENTIALS), and compared in constant time.
 */
export function gitlabTokenRefusal(headers: Headers, secret: string): string | undefined {
  const token = header(headers, 'x-gitlab-token');
  if (!token) return 'missing X-Gitlab-Token header';
  return safeEqual(token, secret) ? undefined : 'X-Gitlab-Token is not the shared secret';
}

/**
 * GitLab: the secret token itself in `X-Gitlab-Token` (GitLab does not sign the body), the event
 * in `X-Gitlab-Event` (`Push Hook`, `Merge Request Hook`). The delivery id is `Idempotency-Key` (GitLab 17.4+, the same
 * on retries), else `X-Gitlab-Event-UUID`.
 */
export const gitlab: WebhookProvider = (headers, body, secret) => {
  const refused = gitlabTokenRefusal(headers, secret);
  if (refused) return { kind: 'unauthorized', reason: refused };
  const delivery = header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid');
  const event = header(headers, 'x-gitlab-event');
  if (event === 'Merge Request Hook') return mergeRequest(payloadOf(headers, body), delivery);
  if (event !== 'Push Hook') return otherEvent(event, delivery);
  return pushVerdict(payloadOf(headers, body), delivery);
};
