import { createHmac } from 'node:crypto';
import type { NotificationConfig, NotificationEvent } from '../config/types';
import { maskSecrets, type Failure, type Outcome, type ReconcileReport } from '../model';

/** One notification: what happened to which environment at which commit, and where to read more. */
export interface Notification {
  readonly event: NotificationEvent;
  readonly env: string;
  readonly sha: string;
  readonly author?: string;
  /** The commit message's first line. */
  readonly message?: string;
  readonly outcome?: Outcome;
  readonly failure?: Pick<Failure, 'code' | 'phase' | 'message' | 'subject'>;
  /** Who suspended the environment, and why (event `suspended`). */
  readonly by?: string;
  readonly reason?: string;
  /**
   * failure-revert: the revert cairn proposed for the failed entry (its commit, and the pull
   * request's `url`), or why it could not (`failure`, code `revert.failed`); sent as a `stalled` message.
   */
  readonly revert?: {
    readonly entry: string;
    readonly sha?: string;
    readonly url?: string;
    readonly failure?: Pick<Failure, 'code' | 'message'>;
  };
  /** The audit entry in the API (`server.publicUrl`); absent without a public URL. */
  readonly link?: string;
  /** ISO 8601: when the event happened (not when it was delivered). */
  readonly at: string;
}

/** What an environment's last finished reconcile came to, as far as deciding its events goes. */
export type LastState = 'ok' | 'failed' | null;

/**
 * The events one finished reconcile raises, in the order they are sent: `failed` (retry waits) or
 * `stalled` (terminal), `recovered` (a success after a failure), `applied` (a success that changed
 * something) and `drift-repaired`. A quiet pass raises nothing. Pure: the notifier keeps `last`.
 */
export function eventsOf(last: LastState, report: ReconcileReport): NotificationEvent[] {
  if (report.outcome === 'interrupted') return [];
  if (report.outcome === 'failed')
    return [report.failure && !report.failure.retryable ? 'stalled' : 'failed'];
  const events: NotificationEvent[] = [];
  if (last === 'failed') events.push('recovered');
  if (report.outcome === 'succeeded') events.push('applied');
  if ((report.drifted ?? 0) > 0) events.push('drift-repaired');
  return events;
}

/** The HTTP body and headers of `n` for `receiver`: Slack's `{ text }`, or the generic JSON, signed. */
export function render(
  receiver: NotificationConfig,
  n: Notification,
  secret: string | undefined,
  nowSeconds: number,
): { readonly body: string; readonly headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Masked before it leaves: a failure message may quote a value cairn knows is a secret.
  const body = maskSecrets(JSON.stringify(receiver.type === 'slack' ? { text: slackText(n) } : n));
  if (receiver.type === 'webhook' && secret !== undefined)
    headers['x-cairn-signature'] = signature(secret, nowSeconds, body);
  return { body, headers };
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver checks it and the age of t. */
export function signature(secret: string, seconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
  return `t=${seconds},v1=${v1}`;
}

const ICONS: Readonly<Record<NotificationEvent, string>> = {
  failed: ':x:',
  stalled: ':octagonal_sign:',
  recovered: ':white_check_mark:',
  applied: ':rocket:',
  'drift-repaired': ':wrench:',
  suspended: ':double_vertical_bar:',
};

/** One Slack mrkdwn message: the event and environment first, then the commit, failure and link. */
function slackText(n: Notification): string {
  const lines = [`${ICONS[n.event]} *${n.event}*: environment *${n.env}* at \`${n.sha.slice(0, 12)}\``];
  if (n.message) lines.push(`> ${n.message}${n.author ? ` (${n.author})` : ''}`);
  if (n.failure)
    lines.push(
      `${n.failure.code} in ${n.failure.phase}${n.failure.subject ? ` (${n.failure.subject})` : ''}: ${n.failure.message}`,
    );
  if (n.revert) lines.push(revertLine(n.revert));
  if (n.event === 'suspended') lines.push(`by ${n.by ?? 'unknown'}${n.reason ? `: ${n.reason}` : ''}`);
  if (n.link) lines.push(`<${n.link}|audit entry>`);
  return lines.join('\n');
}

/** The Slack line of a proposed revert: the pull request as a link, else the pushed commit, else why not. */
function revertLine(r: NonNullable<Notification['revert']>): string {
  if (r.failure) return `revert of audit entry ${r.entry} could not be proposed: ${r.failure.message}`;
  if (r.url) return `revert proposed for audit entry ${r.entry}: <${r.url}|pull request>`;
  return `revert of audit entry ${r.entry} pushed: \`${(r.sha ?? '').slice(0, 12)}\``;
}
