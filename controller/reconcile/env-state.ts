import type { Suspension } from '../audit/types';
import type { EnvironmentConfig } from '../config/types';
import { maskSecrets, type Failure, type Outcome } from '../model';
import type { ShardStatus } from '../shard/shard-manager';
import type { Revision } from '../source/types';
import type { EnvironmentState, EnvironmentStatus } from './status';

/** What the last finished reconcile of an environment came to, as far as its status needs. */
export interface LastRun {
  readonly outcome: Outcome;
  readonly finishedAt: string;
  readonly failure?: Failure;
  readonly drifted: boolean;
}

/** What the controller keeps of one environment between reconciles (mutated by the controller alone). */
export interface EnvState {
  head: Revision | null;
  lastAppliedSha: string | null;
  last: LastRun | null;
  running: boolean;
  /** Reconcile on the next request even when the head is already applied (startup after a crash, manual sync). */
  force: boolean;
  branchError: Failure | null;
  /** When the missing branch or fetch error in `branchError` was last logged (`logNoRevision`). */
  branchWarnedAt: number | null;
  /** The sha whose terminal failure stalls the environment until a new commit or a manual sync. */
  stalledSha: string | null;
  /**
   * The audit trail could not record this environment even after its retries: it is not
   * reconciled (only retried, with backoff, or synced by hand) until an append lands again.
   */
  released: { readonly reason: string; readonly since: string } | null;
  /** Another writer closed this replica's entry (`audit.not-open`): no reconcile until it is gained again. */
  superseded: boolean;
  /** The suspension as this controller last read it from the ledger (see `suspendedNow`). */
  suspended: Suspension | null;
  /** The head a promotion gate holds back, and why; null when none is held (see `promotionOpen`). */
  waiting: { readonly after: string; readonly reason: string; readonly sha: string } | null;
  /** The timer that looks again when the held head's wait ends by itself. */
  waitTimer: unknown;
  /** failure-revert: what became of the revert of the last terminal failure. */
  revert: EnvironmentStatus['revert'] | null;
}

/** The state of an environment the controller has not learned anything about yet. */
export function freshEnvState(): EnvState {
  return {
    head: null,
    lastAppliedSha: null,
    last: null,
    running: false,
    force: false,
    branchError: null,
    branchWarnedAt: null,
    stalledSha: null,
    released: null,
    superseded: false,
    suspended: null,
    waiting: null,
    waitTimer: undefined,
    revert: null,
  };
}

/** What the status reads besides the environment's own state. */
export interface StatusContext {
  readonly queueDepth: number;
  /** When a quiet pass (folded into the last entry) last looked at the environment; null when never. */
  readonly lastChecked: string | null;
  /** With sharding: the environment's Lease as this replica last saw it. */
  readonly shard?: ShardStatus;
}

/** The status of one environment (the API's `/api/environments` row), from its state alone. */
export function environmentStatus(
  env: EnvironmentConfig,
  state: EnvState,
  context: StatusContext,
): EnvironmentStatus {
  const last = state.last;
  return {
    name: env.name,
    branch: env.branch,
    lastAppliedSha: state.lastAppliedSha,
    headSha: state.head?.sha ?? null,
    status: stateOf(state),
    lastReconcileAt: last?.finishedAt ?? null,
    lastOutcome: last?.outcome ?? null,
    lastCheckedAt: latest(last?.finishedAt ?? null, context.lastChecked),
    failure: state.released
      ? { code: 'audit.unwritable', phase: 'record', retryable: true, message: state.released.reason }
      : (state.branchError ?? (last?.outcome === 'failed' ? (last.failure ?? null) : null)),
    queueDepth: context.queueDepth,
    ...(state.released ? { released: state.released } : {}),
    ...(state.suspended ? { suspended: state.suspended } : {}),
    ...(state.waiting && state.waiting.sha === state.head?.sha
      ? { waiting: { after: state.waiting.after, reason: state.waiting.reason } }
      : {}),
    ...(state.revert ? { revert: state.revert } : {}),
    ...(context.shard ? { shard: context.shard } : {}),
    ...(state.head ? { headCommit: headCommitOf(state.head) } : {}),
  };
}

/** Where an environment stands, by the first rule that matches (the order is the decision). */
function stateOf(state: EnvState): EnvironmentState {
  if (state.released) return 'failed';
  if (state.running) return 'progressing';
  if (state.suspended) return 'suspended';
  if (state.waiting && state.waiting.sha === state.head?.sha) return 'waiting';
  if (state.branchError) return 'failed';
  if (state.stalledSha !== null && state.stalledSha === state.head?.sha) return 'stalled';
  if (state.last?.outcome === 'failed') return 'failed';
  if (state.head && state.head.sha === state.lastAppliedSha)
    return state.last?.drifted ? 'drifted' : 'synced';
  return state.head ? 'progressing' : 'unknown';
}

/** The later of two ISO 8601 times, either of which may be missing. */
function latest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** The head commit as the status shows it: author and first line, secrets masked. */
function headCommitOf(head: Revision): NonNullable<EnvironmentStatus['headCommit']> {
  return {
    author: maskSecrets(head.author.name),
    subject: maskSecrets(head.message.split('\n', 1)[0] ?? ''),
    committedAt: head.committedAt,
  };
}
