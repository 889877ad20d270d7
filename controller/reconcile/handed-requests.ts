import type { AuditEntry, Failure, Outcome } from '../model';
import { CairnError } from '../model/errors';

/**
 * What a sync handed to the replica holding a sharded environment came to: the reconcile's
 * outcome and audit entry (named with the holder's Lease), or the failure that stopped it before
 * anything was recorded.
 */
export interface SyncAnswer {
  readonly outcome: Outcome;
  readonly entry?: AuditEntry;
  readonly failure?: Failure;
}

/** The error of a sync or plan asked of a replica that does not hold the environment (any more). */
export function notHolder(env: string, why: string): CairnError {
  return new CairnError(`this replica does not hold ${env} (${why})`, {
    code: 'shard.not-holder',
    phase: 'config',
    subject: `Lease of ${env}`,
    retryable: true,
    hint: 'ask again: the request goes to whichever replica holds the Lease now',
  });
}

/**
 * The syncs waiting for an environment's next reconcile. `take` is called when a reconcile starts
 * (it answers every sync asked before it started, as a manual sync run by hand would);
 * `dropAll` answers those still waiting when the replica loses the environment.
 */
export class SyncWaiters {
  private readonly waiting = new Map<string, ((answer: SyncAnswer) => void)[]>();

  /** A promise of the answer of `env`'s next reconcile. */
  add(env: string): Promise<SyncAnswer> {
    return new Promise((resolve) => this.waiting.set(env, [...(this.waiting.get(env) ?? []), resolve]));
  }

  /** The syncs a reconcile starting now answers; the answer function tells each of them. */
  take(env: string): (answer: SyncAnswer) => void {
    const taken = this.waiting.get(env) ?? [];
    this.waiting.delete(env);
    return (answer) => taken.forEach((tell) => tell(answer));
  }

  /** Answers every waiting sync of `env` with `shard.not-holder`: its asker reads the holder again. */
  dropAll(env: string, why: string): void {
    const error = notHolder(env, why);
    this.take(env)({
      outcome: 'failed',
      failure: { code: error.code, phase: 'config', retryable: true, message: error.message },
    });
  }
}
