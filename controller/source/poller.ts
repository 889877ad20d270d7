import { errorMessage } from '../errors';
import type { Log } from '../log';
import type { BranchHead, BranchSpec, GitSource } from './types';

/** Timer functions, injected so tests can drive the clock by hand. */
export interface PollTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Why a fetch ran: its interval came round, or someone (a webhook, the watcher) poked. */
export type PollReason = 'interval' | 'poke';

/** What a poller needs: the source, the branches, the interval and where the heads go. */
export interface PollerOptions {
  readonly source: Pick<GitSource, 'fetch'>;
  readonly branches: readonly BranchSpec[];
  readonly intervalMs: number;
  /** Called with every fetch's heads. */
  readonly onHeads: (heads: readonly BranchHead[], reason: PollReason) => void;
  /** Called when a whole fetch fails (unreachable remote, auth refused); the poller goes on. */
  readonly onError?: (error: Error, reason: PollReason) => void;
  readonly log: Log;
  /** Share of the interval each wait may be moved by, either way; default 0.1 (±10%). */
  readonly jitter?: number;
  readonly random?: () => number;
  readonly timers?: PollTimers;
}

/** A running poller. */
export interface Poller {
  /** Fetches at once (coalesced with a fetch already running), then waits a full interval again. */
  poke(): void;
  /** Stops the timer and waits for a fetch in flight; no callback runs after it resolves. */
  stop(): Promise<void>;
}

const realTimers: PollTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref(); // a waiting poll must not keep a stopping process alive
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The wait before the next poll: the interval moved by up to ±jitter of itself. */
export function jitteredDelay(intervalMs: number, jitter: number, random: () => number): number {
  return Math.max(0, Math.round(intervalMs * (1 + jitter * (random() * 2 - 1))));
}

/**
 * Fetches every `intervalMs` (± jitter, so many controllers do not poll in step) and hands the
 * heads to `onHeads`. Fetches never overlap: pokes during a fetch run one more fetch after it.
 */
export function startPoller(options: PollerOptions): Poller {
  const timers = options.timers ?? realTimers;
  const jitter = options.jitter ?? 0.1;
  const random = options.random ?? Math.random;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let pokedWhileRunning = false;
  let stopped = false;

  const schedule = (): void => {
    if (stopped) return;
    timers.clearTimeout(timer);
    timer = timers.setTimeout(() => run('interval'), jitteredDelay(options.intervalMs, jitter, random));
  };

  const fetchOnce = async (reason: PollReason): Promise<void> => {
    const started = Date.now();
    try {
      const heads = await options.source.fetch(options.branches);
      if (stopped) return;
      options.log.debug({ trigger: reason, durationMs: Date.now() - started }, 'poll fetched');
      options.onHeads(heads, reason);
    } catch (error) {
      if (stopped) return;
      const err = error instanceof Error ? error : new Error(errorMessage(error));
      options.log.warn({ trigger: reason, err: errorMessage(err) }, 'poll failed');
      options.onError?.(err, reason);
    }
  };

  const run = (reason: PollReason): void => {
    if (stopped) return;
    if (running) {
      pokedWhileRunning = true;
      return;
    }
    timers.clearTimeout(timer);
    running = (async () => {
      let next: PollReason | undefined = reason;
      while (next && !stopped) {
        pokedWhileRunning = false;
        await fetchOnce(next);
        next = pokedWhileRunning ? 'poke' : undefined;
      }
    })().finally(() => {
      running = undefined;
      schedule();
    });
  };

  schedule();
  return {
    poke: () => run('poke'),
    async stop() {
      stopped = true;
      timers.clearTimeout(timer);
      await running;
    },
  };
}
