import type { Trigger } from '../model';

/** What deciding whether an environment needs a run looks at. */
export interface RunState {
  /** The branch head's sha; null before the first fetch. */
  readonly headSha: string | null;
  readonly lastAppliedSha: string | null;
  /** The sha a terminal failure stalled on, until a new commit or a manual sync. */
  readonly stalledSha: string | null;
  /** A run is owed whatever the shas say (start-up after an interruption, a manual sync). */
  readonly force: boolean;
  /** A reconcile of this environment is running now. */
  readonly running: boolean;
  /** The sha whose retry is waiting for its backoff; null when none is. */
  readonly retryWaitingSha: string | null;
}

/**
 * "Does this environment need a run?", answered here only: when queueing (`queue`: a new head, a
 * drift pass) and again when the queued request's turn comes (`run`: the newest head may have
 * been applied meanwhile). A forced run always runs; a stalled sha waits for a new commit; a
 * drift pass looks at an applied head; a sha whose retry waits is left to its backoff.
 */
export function needsRun(s: RunState, trigger: Trigger, when: 'queue' | 'run'): boolean {
  if (s.headSha === null) return false;
  if (s.force) return true;
  if (s.headSha === s.stalledSha) return false;
  // A waiting drift request survives a newer poll (coalesced), so at run time it always runs.
  if (trigger === 'drift') return when === 'run' || (s.headSha === s.lastAppliedSha && !s.running);
  if (s.headSha === s.lastAppliedSha) return false;
  return when === 'run' || s.retryWaitingSha !== s.headSha;
}
