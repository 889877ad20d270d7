import type { PullRequest } from '../../host/types';
import { isRefName, isSha } from '../../model';
import type { WebhookVerdict } from './verdict';

/** A value at a path of a parsed JSON object, or undefined when any step is missing. */
export function at(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The fields of a pull request event every host gives, before they are checked. */
export interface PullRequestFields {
  readonly action: unknown;
  readonly number: unknown;
  readonly base: unknown;
  readonly headRef: unknown;
  readonly headSha: unknown;
  readonly fromFork: boolean;
  readonly headCloneUrl: unknown;
  /** The repository the event is about (the pull request's base repository). */
  readonly repository: unknown;
  readonly url: unknown;
}

/**
 * The verdict for a signed pull request event: a plan request when the action pushed new code to
 * the pull request (`actions` says which, per host), ignored for any other action (labels,
 * comments, closing), malformed when a field cairn needs is missing or of the wrong type (the
 * message names the field, as the host spells it).
 */
export function pullRequestVerdict(
  fields: PullRequestFields,
  names: Readonly<Record<keyof Omit<PullRequestFields, 'fromFork' | 'url'>, string>>,
  actions: readonly string[],
  ref: (number: number) => string,
  delivery: string | undefined,
): WebhookVerdict {
  const d = delivery ? { delivery } : {};
  const action = text(fields.action);
  if (!action) return { kind: 'malformed', reason: `the pull request event has no ${names.action}`, ...d };
  if (!actions.includes(action)) return { kind: 'ignored', reason: `pull request action ${action}`, ...d };
  const number = fields.number;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0)
    return { kind: 'malformed', reason: `${names.number} is not a pull request number`, ...d };
  const missing = (['base', 'headRef', 'headSha', 'headCloneUrl', 'repository'] as const).find(
    (k) => !text(fields[k]),
  );
  if (missing) return { kind: 'malformed', reason: `the pull request event has no ${names[missing]}`, ...d };
  const headSha = (fields.headSha as string).toLowerCase();
  // The sha names a directory and a git object: anything but hex is refused here, not downstream.
  if (!isSha(headSha)) return { kind: 'malformed', reason: `${names.headSha} is not a commit sha`, ...d };
  // Branch names reach git (the base is matched to environments, the head ref is shown and fetched by number).
  for (const k of ['base', 'headRef'] as const)
    if (!isRefName(fields[k]))
      return { kind: 'malformed', reason: `${names[k]} is not a valid ref name`, ...d };
  const url = text(fields.url);
  const pr: PullRequest = {
    number,
    base: fields.base as string,
    headRef: fields.headRef as string,
    headSha,
    fromFork: fields.fromFork,
    headCloneUrl: fields.headCloneUrl as string,
    repository: fields.repository as string,
    ...(url ? { url } : {}),
  };
  return { kind: 'pull-request', pr, ref: ref(number), ...d };
}

/**
 * A pull request event in the shape GitHub documents and Gitea copies: `action`, `number`,
 * `pull_request.{base.ref, head.ref, head.sha, head.repo.{full_name, clone_url}, html_url}` and
 * `repository.full_name`. The head is a fork when its repository is not the one the event is
 * about (or is gone: a deleted fork has `head.repo: null`).
 */
export function githubShapedPullRequest(
  payload: Record<string, unknown> | undefined,
  actions: readonly string[],
  delivery: string | undefined,
): WebhookVerdict {
  if (!payload)
    return { kind: 'malformed', reason: 'the body is not a JSON object', ...(delivery ? { delivery } : {}) };
  const pr = at(payload, 'pull_request');
  const headRepo = text(at(pr, 'head', 'repo', 'full_name'));
  const baseRepo = text(at(payload, 'repository', 'full_name')) ?? text(at(pr, 'base', 'repo', 'full_name'));
  return pullRequestVerdict(
    {
      action: payload.action,
      number: payload.number ?? at(pr, 'number'),
      base: at(pr, 'base', 'ref'),
      headRef: at(pr, 'head', 'ref'),
      headSha: at(pr, 'head', 'sha'),
      fromFork: headRepo === undefined || headRepo !== baseRepo,
      headCloneUrl: at(pr, 'head', 'repo', 'clone_url') ?? at(payload, 'repository', 'clone_url'),
      repository: baseRepo,
      url: at(pr, 'html_url'),
    },
    {
      action: 'action',
      number: 'number',
      base: 'pull_request.base.ref',
      headRef: 'pull_request.head.ref',
      headSha: 'pull_request.head.sha',
      headCloneUrl: 'pull_request.head.repo.clone_url',
      repository: 'repository.full_name',
    },
    actions,
    (n) => `refs/pull/${n}/head`,
    delivery,
  );
}
