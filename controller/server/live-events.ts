import type { ReconcileObserver, ReconcileReport, Trigger } from '../model';

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
 * The reconcile observer behind the web UI's live updates: it turns `started`/`finished` into
 * numbered events and hands them to the open event streams. It keeps no history (a client that
 * connects reads the current state once, then follows), so a stream costs nothing while idle.
 */
export class LiveEvents implements ReconcileObserver {
  private readonly listeners = new Set<LiveListener>();
  private next = 1;

  constructor(
    private readonly maxListeners: number = MAX_LIVE_LISTENERS,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Adds a listener; returns how to remove it, or undefined when `maxListeners` are open already. */
  subscribe(listener: LiveListener): (() => void) | undefined {
    if (this.listeners.size >= this.maxListeners) return undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  private emit(event: LiveEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A stream that cannot be written to is gone: drop it rather than fail the reconcile.
        this.listeners.delete(listener);
      }
    }
  }
}
