import type { ReconcileObserver, ReconcileReport, Trigger } from '../model';
import { HolderSlots } from './holder-slots';

/**
 * One event of `GET /api/events`: a reconcile of `env` started or finished. It carries names and
 * shas only (no commit message, no failure text): a client that wants more reads the
 * environment's route, through the same token and redaction as any other read.
 */
export type LiveEvent =
  | {
      readonly type: 'started';
      readonly id: number;
      readonly env: string;
      readonly sha: string;
      readonly trigger: Trigger;
      readonly at: string;
    }
  | {
      readonly type: 'finished';
      readonly id: number;
      readonly env: string;
      readonly sha: string;
      readonly trigger: Trigger;
      readonly at: string;
      readonly outcome: ReconcileReport['outcome'];
      readonly durationMs: number;
      readonly entryId?: string;
    };

/** Told each event; must not throw (a failing listener is dropped). */
export type LiveListener = (event: LiveEvent) => void;

/** Listeners at once by default: each is an open `GET /api/events` connection. */
export const MAX_LIVE_LISTENERS = 64;

/**
 * Listeners one holder (a token, or a client address where the API is open) may have at once by
 * default: a quarter of the whole, so that one holder of a read token cannot take every stream and
 * shut out everyone else's pages. A browser keeps at most 6 HTTP/1.1 connections to one host, so a
 * person with one token never meets it; people who share a token share its streams.
 */
export const MAX_LIVE_LISTENERS_PER_HOLDER = 16;

/** What `subscribe` answered: how to unsubscribe, or which cap refused the listener. */
export type LiveSubscription =
  { readonly unsubscribe: () => void } | { readonly refused: 'server' | 'holder'; readonly cap: number };

/**
 * The reconcile observer behind the web UI's live updates: it turns `started`/`finished` into
 * numbered events and hands them to the open event streams. It keeps no history (a client that
 * connects reads the current state once, then follows), so a stream costs nothing while idle.
 */
export class LiveEvents implements ReconcileObserver {
  /** Each open listener and how to give its slot back. */
  private readonly listeners = new Map<LiveListener, () => void>();
  private readonly slots: HolderSlots;
  private next = 1;

  constructor(
    maxListeners: number = MAX_LIVE_LISTENERS,
    private readonly now: () => Date = () => new Date(),
    maxPerHolder: number = MAX_LIVE_LISTENERS_PER_HOLDER,
  ) {
    this.slots = new HolderSlots(maxListeners, maxPerHolder);
  }

  /**
   * Adds a listener held by `holder` (see `requesterOf`); refused when `maxListeners` are open
   * already, or `maxPerHolder` of them are `holder`'s. Unsubscribing twice is harmless.
   */
  subscribe(listener: LiveListener, holder: string): LiveSubscription {
    const slot = this.slots.take(holder);
    if ('refused' in slot) return slot;
    this.listeners.set(listener, slot.release);
    return { unsubscribe: () => this.drop(listener) };
  }

  /** Open listeners (tests, metrics). */
  get size(): number {
    return this.listeners.size;
  }

  started(env: string, sha: string, trigger: Trigger): void {
    this.emit({ type: 'started', id: this.next++, env, sha, trigger, at: this.now().toISOString() });
  }

  finished(env: string, sha: string, trigger: Trigger, report: ReconcileReport): void {
    this.emit({
      type: 'finished',
      id: this.next++,
      env,
      sha,
      trigger,
      at: this.now().toISOString(),
      outcome: report.outcome,
      durationMs: report.durationMs,
      ...(report.entryId ? { entryId: report.entryId } : {}),
    });
  }

  /** Removes a listener and gives its holder the slot back; a second call finds nothing to do. */
  private drop(listener: LiveListener): void {
    this.listeners.get(listener)?.();
    this.listeners.delete(listener);
  }

  private emit(event: LiveEvent): void {
    for (const listener of [...this.listeners.keys()]) {
      try {
        listener(event);
      } catch {
        // A stream that cannot be written to is gone: drop it rather than fail the reconcile.
        this.drop(listener);
      }
    }
  }
}
