import type { NotificationConfig, NotificationEvent } from '../config/types';
import type { Log } from '../log';
import {
  errorMessage,
  type AuditReader,
  type Failure,
  type ReconcileObserver,
  type ReconcileReport,
  type Trigger,
  type WriteFence,
} from '../model';
import { eventsOf, render, type LastState, type Notification } from './message';

/** Where each receiver's URL and secret come from, and the knobs tests turn. */
export interface NotifierOptions {
  readonly receivers: readonly NotificationConfig[];
  /** Reads commit metadata (author, message) of an entry when a message is built. */
  readonly audit?: AuditReader;
  /** `server.publicUrl`: messages link to `<publicUrl>/api/audit/<entry>`. */
  readonly publicUrl?: string;
  readonly log: Log;
  /** Counts a message given up on (receiver, event): the `cairn_notifications_dropped_total` metric. */
  readonly dropped?: (receiver: string, event: NotificationEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** Messages waiting per receiver at most; a new one past it is dropped (default 1000). */
  readonly maxQueued?: number;
  /** Backoff of a failed delivery: from `baseMs` doubling to `maxMs`, given up after `windowMs` (default 0.5 s, 30 s, 10 min). */
  readonly retry?: { readonly baseMs: number; readonly maxMs: number; readonly windowMs: number };
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

/**
 * A message waiting for its receiver, with the write fence of the environment's Lease it is sent
 * under (see `Notifier.holds`); none: any replica may send it (a person's suspend, or no Lease).
 */
interface Outgoing {
  readonly message: Notification;
  readonly fence?: WriteFence;
}

interface Receiver {
  readonly config: NotificationConfig;
  readonly url: string | undefined;
  readonly secret: string | undefined;
  /** Per environment, the messages waiting, oldest first; one worker per environment sends them in order. */
  readonly queues: Map<string, Outgoing[]>;
  queued: number;
}

const DEFAULT_RETRY = { baseMs: 500, maxMs: 30_000, windowMs: 600_000 };

/**
 * A ReconcileObserver that turns reconciles (and suspends) into messages. Each receiver keeps a
 * bounded queue per environment, sent in order by one worker, retried with capped exponential
 * backoff until the retry window closes; nothing here is awaited by the controller, and nothing
 * thrown here reaches a reconcile. A message about this replica's own work is sent only while it
 * holds the environment's Lease, checked right before each attempt (see `holds`). What is given up
 * (queue full, window closed, no URL, the Lease lost) is counted and logged.
 */
export class Notifier implements ReconcileObserver {
  private readonly receivers: Receiver[];
  private readonly last = new Map<string, LastState>();
  private readonly workers = new Set<Promise<void>>();
  private readonly building = new Map<string, Promise<void>>();
  private readonly retry: NonNullable<NotifierOptions['retry']>;
  private readonly now: () => Date;
  private stopped = false;

  constructor(private readonly options: NotifierOptions) {
    const env = options.env ?? process.env;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.now = options.now ?? (() => new Date());
    this.receivers = options.receivers.map((config) => ({
      config,
      url: env[config.urlEnv]?.trim() || undefined,
      secret: config.secretEnv ? env[config.secretEnv]?.trim() || undefined : undefined,
      queues: new Map(),
      queued: 0,
    }));
    for (const r of this.receivers)
      if (!r.url)
        options.log.warn(
          { subject: `notifications ${r.config.name}`, urlEnv: r.config.urlEnv },
          'notification receiver has no URL (its urlEnv is empty); its messages are dropped',
        );
  }

  /** ReconcileObserver: nothing is sent when a reconcile starts. */
  started(_env: string, _sha: string, _trigger: Trigger): void {}

  /**
   * ReconcileObserver: queues the events of a finished reconcile (see `eventsOf`), each sent under
   * `fence` (see `holds`).
   */
  finished(env: string, sha: string, _trigger: Trigger, report: ReconcileReport, fence?: WriteFence): void {
    const events = eventsOf(this.last.get(env) ?? null, report);
    if (report.outcome === 'failed') this.last.set(env, 'failed');
    else if (report.outcome === 'succeeded' || report.outcome === 'no-op') this.last.set(env, 'ok');
    if (events.length === 0) return;
    // Built one after another per environment, so a slow entry read cannot reorder its messages.
    const built = (this.building.get(env) ?? Promise.resolve())
      .then(() => this.build(env, sha, report))
      .then((base) => {
        for (const event of events) this.queue({ ...base, event }, fence);
      });
    this.building.set(env, built);
  }

  /**
   * ReconcileObserver: an environment was suspended. Unfenced: a person's act, recorded (unfenced
   * too) by whichever replica took the request, holder or not; the message says who did it.
   */
  suspended(env: string, by: string, reason: string): void {
    this.queue({ event: 'suspended', env, sha: '', by, reason, at: this.now().toISOString() });
  }

  /**
   * ReconcileObserver (failure-revert): the revert of a failed entry was proposed (or could not
   * be); sent as a `stalled` message naming the entry and linking the pull request, after the
   * failure's own message, under `fence` as the failure's is (see `holds`).
   */
  revertProposed(
    env: string,
    sha: string,
    entryId: string,
    result: { readonly revert?: string; readonly url?: string; readonly failure?: Failure },
    fence?: WriteFence,
  ): void {
    const revert = {
      entry: entryId,
      ...(result.revert ? { sha: result.revert } : {}),
      ...(result.url ? { url: result.url } : {}),
      ...(result.failure ? { failure: { code: result.failure.code, message: result.failure.message } } : {}),
    };
    const built = (this.building.get(env) ?? Promise.resolve()).then(() =>
      this.queue(
        {
          event: 'stalled',
          env,
          sha,
          revert,
          ...(this.options.publicUrl ? { link: `${this.options.publicUrl}/api/audit/${entryId}` } : {}),
          at: this.now().toISOString(),
        },
        fence,
      ),
    );
    this.building.set(env, built);
  }

  /** Waits until every queued message was delivered or given up (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.building.values()]);
    while (this.workers.size > 0) await Promise.all([...this.workers]);
  }

  /** Stops retrying: what is still queued is dropped (counted) at the next attempt. */
  stop(): void {
    this.stopped = true;
  }

  /** The message's common part: commit metadata from the audit entry, the failure, the link. */
  private async build(
    env: string,
    sha: string,
    report: ReconcileReport,
  ): Promise<Omit<Notification, 'event'>> {
    const entry = report.entryId
      ? await this.options.audit?.get(report.entryId).catch(() => undefined)
      : undefined;
    const f = report.failure;
    return {
      env,
      sha,
      ...(entry?.author ? { author: entry.author } : {}),
      ...(entry?.message ? { message: entry.message.split('\n')[0]! } : {}),
      outcome: report.outcome,
      ...(f
        ? {
            failure: {
              code: f.code,
              phase: f.phase,
              message: f.message,
              ...(f.subject ? { subject: f.subject } : {}),
            },
          }
        : {}),
      ...(this.options.publicUrl && report.entryId
        ? { link: `${this.options.publicUrl}/api/audit/${report.entryId}` }
        : {}),
      at: this.now().toISOString(),
    };
  }

  private queue(n: Notification, fence?: WriteFence): void {
    const out: Outgoing = { message: n, ...(fence ? { fence } : {}) };
    for (const r of this.receivers) {
      if (!r.config.events.includes(n.event)) continue;
      if (r.config.environments && !r.config.environments.includes(n.env)) continue;
      if (!r.url || r.queued >= (this.options.maxQueued ?? 1000)) {
        this.drop(r, n, r.url ? 'its queue is full' : 'it has no URL');
        continue;
      }
      const q = r.queues.get(n.env);
      r.queued += 1;
      if (q) {
        q.push(out);
        continue;
      }
      const fresh = [out];
      r.queues.set(n.env, fresh);
      const worker = this.work(r, n.env, fresh).finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }

  /**
   * Sends `env`'s messages to `r` one at a time, in order, each retried until its window closes,
   * and each attempt only while `holds` says so.
   */
  private async work(r: Receiver, env: string, q: Outgoing[]): Promise<void> {
    while (q.length > 0) {
      const out = q[0]!;
      const n = out.message;
      const deadline = Date.now() + this.retry.windowMs;
      for (let attempt = 0; ; attempt += 1) {
        if (!this.holds(r, out)) break;
        const error = await this.send(r, n);
        if (error === null) break;
        const delay = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** attempt);
        if (this.stopped || Date.now() + delay > deadline) {
          this.drop(r, n, `delivery kept failing (${error}) for ${Math.round(this.retry.windowMs / 1000)} s`);
          break;
        }
        this.options.log.info(
          {
            subject: `notifications ${r.config.name}`,
            env,
            event: n.event,
            attempt: attempt + 1,
            delayMs: delay,
            err: error,
          },
          'notification not delivered; retrying',
        );
        // Unref'd: a message still waiting for its retry never holds the process's exit.
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
      q.shift();
      r.queued -= 1;
    }
    r.queues.delete(env);
  }

  /**
   * Whether `out` may be sent now: its fence (the environment's Lease) is checked right before
   * each attempt, the first and every retry after a backoff alike, not when it was queued. A
   * replica paused or cut off past its Lease, whether before its message was built or while it
   * waited to retry one (up to 30 s, for 10 minutes), told the receivers `failed` (shard.lost) or
   * `stalled` after its successor had told them `applied`; the holder is the one to say how the
   * environment is. A message not sent is dropped (counted); those queued behind it meet the fence in turn.
   */
  private holds(r: Receiver, out: Outgoing): boolean {
    try {
      out.fence?.();
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      this.drop(
        r,
        out.message,
        `this replica no longer holds the environment (${code}: ${errorMessage(error)})`,
      );
      return false;
    }
  }

  /** One POST; null when the receiver took it (2xx), else why not. The URL is never logged (a Slack URL is a secret). */
  private async send(r: Receiver, n: Notification): Promise<string | null> {
    const { body, headers } = render(r.config, n, r.secret, Math.floor(this.now().getTime() / 1000));
    try {
      const response = await fetch(r.url!, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return errorMessage(error).replace(r.url!, '<url>');
    }
  }

  private drop(r: Receiver, n: Notification, why: string): void {
    this.options.dropped?.(r.config.name, n.event);
    this.options.log.warn(
      {
        subject: `notifications ${r.config.name}`,
        env: n.env,
        sha: n.sha.slice(0, 12),
        event: n.event,
        err: why,
      },
      'notification dropped',
    );
  }
}
