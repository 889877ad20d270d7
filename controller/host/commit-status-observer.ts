import {
  errorMessage,
  maskSecrets,
  type Log,
  type ReconcileObserver,
  type ReconcileReport,
  type Trigger,
  type WriteFence,
} from '../model';
import { formatDuration } from '../duration';
import type { CommitState, GitHost } from './types';

/** What a status says, before it is given its commit and context. */
export interface StatusText {
  readonly state: CommitState;
  readonly description: string;
  readonly targetUrl?: string;
}

/** What the observer needs besides the host. */
export interface CommitStatusObserverOptions {
  readonly log: Log;
  /** `server.publicUrl`: statuses link to the audit entry below it; no link without it. */
  readonly publicUrl?: string;
}

/** The pending status at a reconcile's start; none for a drift pass (see `finalStatus`). */
export function startStatus(
  env: string,
  sha: string,
  trigger: Trigger,
  publicUrl?: string,
): StatusText | undefined {
  if (trigger === 'drift') return undefined;
  return {
    state: 'pending',
    description: `cairn is applying ${sha.slice(0, 7)} (${trigger})`,
    ...(publicUrl ? { targetUrl: `${publicUrl}/api/environments/${encodeURIComponent(env)}` } : {}),
  };
}

/**
 * The status a finished reconcile leaves on its commit, or none.
 * - applied: `success`, "applied in 3.2 s"; already applied (no-op): `success` too, as the commit is live.
 * - a failure of the environment (synth, plan, apply, verify; retryable or not): `failure`,
 *   naming the phase, the code and the message.
 * - cairn itself could not finish: it could not record (audit), or the reconcile was
 *   interrupted: `error`.
 * - a drift pass runs on a commit already green: it posts nothing while nothing had drifted
 *   (a quiet pass every few minutes must not churn the host), `success` "drift repaired" when it
 *   put objects back, and `failure` when the repair failed, since the commit is then no longer
 *   what runs.
 */
export function finalStatus(
  trigger: Trigger,
  report: ReconcileReport,
  publicUrl?: string,
): StatusText | undefined {
  const took = formatDuration(report.durationMs);
  const link =
    publicUrl && report.entryId
      ? { targetUrl: `${publicUrl}/api/audit/${encodeURIComponent(report.entryId)}` }
      : {};
  const drift = trigger === 'drift';
  switch (report.outcome) {
    case 'succeeded':
    case 'no-op': {
      if (drift) {
        const repaired = report.drifted ?? 0;
        if (repaired === 0) return undefined;
        return {
          state: 'success',
          description: `drift repaired in ${took} (${repaired} object${repaired === 1 ? '' : 's'} put back)`,
          ...link,
        };
      }
      const what = report.outcome === 'no-op' ? `already applied, checked in ${took}` : `applied in ${took}`;
      return { state: 'success', description: what, ...link };
    }
    case 'interrupted':
      return { state: 'error', description: `interrupted after ${took}; cairn reconciles it again`, ...link };
    case 'failed': {
      const failure = report.failure;
      const own = failure !== undefined && (failure.phase === 'record' || failure.code.startsWith('audit.'));
      const verb = drift ? 'drift repair failed' : own ? 'cairn could not record the reconcile' : 'failed';
      const where = failure && !own ? ` in ${failure.phase}` : '';
      const retry = failure?.retryable ? ', retrying' : '';
      const cause = failure ? `: ${failure.code} ${oneLine(failure.message)}` : '';
      return {
        state: own ? 'error' : 'failure',
        description: maskSecrets(`${verb}${where} after ${took}${retry}${cause}`),
        ...link,
      };
    }
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Posts `cairn/<env>` on the commit each reconcile applies: `pending` at the start, then the final
 * state. The controller tells it and moves on; posts for one environment and sha go out one after
 * another in the order they were told, so a slow `pending` can never land after (and overwrite) the
 * final state. A post that fails is logged (env, sha, code; never the token) and dropped: the
 * host's outage is never the environment's failure. So is a post whose fence fails at sending.
 */
export class CommitStatusObserver implements ReconcileObserver {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly host: GitHost,
    private readonly options: CommitStatusObserverOptions,
  ) {}

  started(env: string, sha: string, trigger: Trigger, fence?: WriteFence): void {
    const status = startStatus(env, sha, trigger, this.options.publicUrl);
    if (status) this.post(env, sha, trigger, status, fence);
  }

  finished(env: string, sha: string, trigger: Trigger, report: ReconcileReport, fence?: WriteFence): void {
    const status = finalStatus(trigger, report, this.options.publicUrl);
    if (status) this.post(env, sha, trigger, status, fence);
  }

  /** Resolves once every post told so far has been sent or given up. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  /** Waits for the posts under way, at most `maxWaitMs`, so a shutdown is not held by a slow host. */
  async close(maxWaitMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, maxWaitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  private post(env: string, sha: string, trigger: Trigger, status: StatusText, fence?: WriteFence): void {
    const key = `${env}\u0000${sha}`;
    const context = `cairn/${env}`;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => {
        // Checked when the post is sent, not when it was told, and by the host again before each
        // attempt (the retries after a 5xx, 429 or timeout included): a replica paused meanwhile past
        // its Lease would post over the status its successor gave the same commit (shard.lost, logged).
        fence?.();
        return this.host.setCommitStatus({ sha, context, ...status }, fence);
      })
      .catch((error: unknown) => {
        this.options.log.warn(
          {
            env,
            sha: sha.slice(0, 12),
            trigger,
            context,
            state: status.state,
            code: (error as { code?: string }).code ?? 'host.failed',
            err: errorMessage(error),
          },
          'commit status not posted',
        );
      })
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }
}
