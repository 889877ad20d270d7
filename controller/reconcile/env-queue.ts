import type { Trigger } from '../audit/types';
import { errorMessage } from '../model/errors';
import type { Log } from '../log';

/** Runs one request of one environment; a rejection is logged and never stops the queue. */
export type EnvRunner<R> = (env: string, request: R) => Promise<void>;

/** Folds a newly arrived request into the one already waiting. */
export type Coalesce<R> = (pending: R, next: R) => R;

/** Options of an EnvQueue. */
export interface EnvQueueOptions<R> {
  /** How a waiting request absorbs a newer one; default: the newer one wins. */
  readonly merge?: Coalesce<R>;
  readonly log?: Log;
  /**
   * Requests running at once across all environments (default: no limit). Each running reconcile
   * holds its manifests, live objects and checkout in memory, so this bounds a replica's peak
   * memory; the others wait their turn, oldest first.
   */
  readonly maxRunning?: number;
}

interface Slot<R> {
  /** Settles when this environment has nothing running or waiting; never rejects. */
  done: Promise<void> | null;
  pending: { readonly request: R } | null;
}

/**
 * One serial queue per environment: at most one request runs per environment, environments run
 * concurrently, and requests that arrive while one runs are coalesced into a single waiting one.
 * A slow or failing environment therefore never holds up another, and a burst of triggers costs
 * at most one extra run.
 */
export class EnvQueue<R> {
  private readonly slots = new Map<string, Slot<R>>();
  private readonly merge: Coalesce<R>;
  private stopped = false;
  private running = 0;
  private readonly turns: (() => void)[] = [];

  constructor(
    private readonly runner: EnvRunner<R>,
    private readonly options: EnvQueueOptions<R> = {},
  ) {
    this.merge = options.merge ?? ((_pending, next) => next);
  }

  /** Queues a request for `env`; false when the queue is stopped. */
  enqueue(env: string, request: R): boolean {
    if (this.stopped) return false;
    const slot = this.slot(env);
    if (slot.done) {
      slot.pending = { request: slot.pending ? this.merge(slot.pending.request, request) : request };
      return true;
    }
    slot.done = this.drain(env, slot, request);
    return true;
  }

  /** Drops the waiting request of `env` (a running one finishes). */
  cancel(env: string): void {
    const slot = this.slots.get(env);
    if (slot) slot.pending = null;
  }

  /** Requests of `env` running or waiting: 0, 1 or 2. */
  depth(env: string): number {
    const slot = this.slots.get(env);
    if (!slot?.done) return 0;
    return slot.pending ? 2 : 1;
  }

  /** Whether a request of `env` is running (or about to, within this tick). */
  busy(env: string): boolean {
    return Boolean(this.slots.get(env)?.done);
  }

  /** Settles once no environment has anything running or waiting. */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.slots.values()].flatMap((s) => (s.done ? [s.done] : []));
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** Refuses new requests, drops waiting ones and waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots.values()) slot.pending = null;
    await this.idle();
  }

  private slot(env: string): Slot<R> {
    let slot = this.slots.get(env);
    if (!slot) {
      slot = { done: null, pending: null };
      this.slots.set(env, slot);
    }
    return slot;
  }

  private async drain(env: string, slot: Slot<R>, first: R): Promise<void> {
    // Start on a later tick, so that enqueue never runs the runner inside its caller.
    await Promise.resolve();
    let current: { readonly request: R } | null = { request: first };
    while (current) {
      await this.turn();
      // Stopped while waiting for a turn: it never started, so it is dropped like a waiting one.
      if (this.stopped) {
        this.done();
        break;
      }
      try {
        await this.runner(env, current.request);
      } catch (error) {
        this.options.log?.error({ env, err: errorMessage(error) }, 'queued run failed');
      } finally {
        this.done();
      }
      const next: { readonly request: R } | null = slot.pending;
      slot.pending = null;
      current = this.stopped ? null : next;
    }
    slot.done = null;
  }

  /** Resolves when fewer than `maxRunning` requests run; the caller then holds one turn. */
  private turn(): Promise<void> | void {
    const max = this.options.maxRunning ?? Number.POSITIVE_INFINITY;
    if (this.running < max) {
      this.running += 1;
      return;
    }
    return new Promise((resolve) => this.turns.push(resolve));
  }

  /** Gives the turn to the oldest waiting request, or frees it. */
  private done(): void {
    const next = this.turns.shift();
    if (next) next();
    else this.running -= 1;
  }
}

// Triggers whose effect would be lost if a newer trigger replaced them: a drift pass re-applies
// Kubernetes objects even when the tree is unchanged, and a manual sync was asked for by a person.
const STICKY: Readonly<Partial<Record<Trigger, number>>> = { drift: 2, manual: 1 };

/**
 * Coalesces two triggers of one environment: the newer wins, unless the waiting one is `drift`
 * or `manual` (in that order), whose extra effect must survive. For `EnvQueue<Trigger>`.
 */
export function coalesceTriggers(pending: Trigger, next: Trigger): Trigger {
  return (STICKY[pending] ?? 0) > (STICKY[next] ?? 0) ? pending : next;
}

/** A reconcile request: why, and the sha to reconcile to (absent: the branch head at run time). */
export interface ReconcileRequest {
  readonly trigger: Trigger;
  readonly sha?: string;
}

/** Coalesces two requests: the newest sha wins, the trigger as in `coalesceTriggers`. */
export function coalesceRequests(pending: ReconcileRequest, next: ReconcileRequest): ReconcileRequest {
  const sha = next.sha ?? pending.sha;
  return { trigger: coalesceTriggers(pending.trigger, next.trigger), ...(sha ? { sha } : {}) };
}
