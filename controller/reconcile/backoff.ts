/** The shape of a backoff: the first delay, the cap, and the random source of the jitter. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Returns a number in [0, 1); `Math.random` in production, a constant in tests. */
  readonly random: () => number;
}

/**
 * The delay before retry number `attempt` (1 for the first retry): `baseMs · 2^(attempt-1)`,
 * capped at `maxMs`, then jittered into its upper half. The jitter keeps environments that failed
 * together (a shared outage) from retrying in lockstep; the half floor keeps a delay from
 * collapsing to zero.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const n = Math.max(1, Math.floor(attempt));
  // 2^52 already exceeds any cap; clamping the exponent keeps the product finite.
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(n - 1, 52));
  const random = Math.min(Math.max(options.random(), 0), 1);
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** The timer functions the scheduler uses; the global ones by default, a fake in tests. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers, unref'd: a pending retry or poll must not keep a stopping process alive. */
export const realTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A retry waiting for its time: which sha, which attempt, and when. */
export interface ScheduledRetry {
  readonly sha: string;
  readonly attempt: number;
  readonly delayMs: number;
}

interface EnvRetry {
  sha: string;
  attempt: number;
  handle: unknown;
}

/** Options of a RetryScheduler: the backoff, the action when a retry is due, and the timers. */
export interface RetrySchedulerOptions extends Partial<BackoffOptions> {
  /** Called when the retry of `sha` in `env` is due (typically: enqueue a `retry` trigger). */
  readonly onDue: (env: string, sha: string) => void;
  readonly timers?: Timers;
}

/**
 * Per environment, at most one retry waits. Another failure of the same sha backs off further;
 * a failure of a different sha, a success, or a new head starts afresh and cancels the wait.
 */
export class RetryScheduler {
  private readonly retries = new Map<string, EnvRetry>();
  private readonly backoff: BackoffOptions;
  private readonly timers: Timers;

  constructor(private readonly options: RetrySchedulerOptions) {
    this.backoff = {
      baseMs: options.baseMs ?? 5_000,
      maxMs: options.maxMs ?? 300_000,
      random: options.random ?? Math.random,
    };
    this.timers = options.timers ?? realTimers;
  }

  /** Records a failed reconcile of `sha` and schedules its retry. */
  failed(env: string, sha: string): ScheduledRetry {
    const previous = this.retries.get(env);
    if (previous?.handle !== undefined) this.timers.clearTimeout(previous.handle);
    const attempt = previous?.sha === sha ? previous.attempt + 1 : 1;
    const delayMs = backoffDelay(attempt, this.backoff);
    const retry: EnvRetry = { sha, attempt, handle: undefined };
    retry.handle = this.timers.setTimeout(() => {
      // Keep the attempt count (so the next failure backs off further) but mark the timer as fired.
      retry.handle = undefined;
      this.options.onDue(env, sha);
    }, delayMs);
    this.retries.set(env, retry);
    return { sha, attempt, delayMs };
  }

  /** The branch of `env` now points at `sha`: a waiting retry of another sha is dropped. */
  headMoved(env: string, sha: string): void {
    if (this.retries.get(env)?.sha !== sha) this.reset(env);
  }

  /** A reconcile of `env` succeeded (or is no longer wanted): forget its failures. */
  reset(env: string): void {
    const retry = this.retries.get(env);
    if (retry?.handle !== undefined) this.timers.clearTimeout(retry.handle);
    this.retries.delete(env);
  }

  /** The retry `env` is waiting for, if any. */
  waiting(env: string): { readonly sha: string; readonly attempt: number } | undefined {
    const retry = this.retries.get(env);
    return retry && retry.handle !== undefined ? { sha: retry.sha, attempt: retry.attempt } : undefined;
  }

  /** Cancels every waiting retry. */
  stop(): void {
    for (const env of [...this.retries.keys()]) this.reset(env);
  }
}
