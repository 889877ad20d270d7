import type { Log } from '../log';
import {
  errorMessage,
  maskSecrets,
  type AuditReader,
  type ReconcileObserver,
  type ReconcileReport,
  type Trigger,
} from '../model';
import { encodeTrace, type TraceIds } from './otlp-encode';

/** What the exporter needs; the knobs are for tests. */
export interface TraceExporterOptions {
  /** `telemetry.otlpEndpoint`, no trailing slash: traces are posted to `<otlpEndpoint>/v1/traces`. */
  readonly otlpEndpoint: string;
  /** Reads the reconcile's audit entry: its phase timings and per-stack durations become spans. */
  readonly audit: AuditReader;
  readonly log: Log;
  /** Counts a trace given up on: the `cairn_traces_dropped_total` metric. */
  readonly dropped?: () => void;
  /** Traces waiting at most; a new one past it is dropped (default 100). */
  readonly maxQueued?: number;
  /** Per POST (default 5 s). */
  readonly timeoutMs?: number;
  readonly ids?: TraceIds;
  readonly now?: () => Date;
}

/**
 * A ReconcileObserver that sends one OpenTelemetry trace per reconcile over OTLP/HTTP (JSON). A
 * bounded queue, one sender, one attempt with a timeout per trace: traces are diagnostics, so a
 * collector that is down costs dropped traces (counted and logged), never a slower or failed
 * reconcile. Nothing here is awaited by the controller, and nothing thrown here reaches it.
 */
export class TraceExporter implements ReconcileObserver {
  private readonly url: string;
  private readonly queue: { readonly body: string; readonly env: string; readonly sha: string }[] = [];
  private readonly startedAt = new Map<string, string>();
  private sender: Promise<void> | null = null;
  private readonly building = new Set<Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly options: TraceExporterOptions) {
    this.url = `${options.otlpEndpoint}/v1/traces`;
    this.now = options.now ?? (() => new Date());
  }

  /** ReconcileObserver: remembers when the reconcile began (the root span's start without an entry). */
  started(env: string, _sha: string, _trigger: Trigger): void {
    this.startedAt.set(env, this.now().toISOString());
  }

  /** ReconcileObserver: reads the entry, encodes the trace and queues it. */
  finished(env: string, sha: string, trigger: Trigger, report: ReconcileReport): void {
    const finishedAt = this.now().toISOString();
    const startedAt =
      this.startedAt.get(env) ?? new Date(this.now().getTime() - report.durationMs).toISOString();
    this.startedAt.delete(env);
    const built = (async () => {
      const entry = report.entryId
        ? await this.options.audit.get(report.entryId).catch(() => undefined)
        : undefined;
      const body = encodeTrace(
        {
          env,
          sha,
          trigger,
          outcome: report.outcome,
          startedAt,
          finishedAt,
          ...(report.failure ? { failure: report.failure } : {}),
          ...(entry ? { entry } : {}),
        },
        this.options.ids,
      );
      this.enqueue(JSON.stringify(body), env, sha);
    })()
      .catch((error: unknown) => this.drop(env, sha, `could not build the trace: ${errorMessage(error)}`))
      .finally(() => this.building.delete(built));
    this.building.add(built);
  }

  /** Waits until every trace was sent or dropped (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.building.size > 0) await Promise.all([...this.building]);
    while (this.sender) await this.sender;
  }

  private enqueue(body: string, env: string, sha: string): void {
    if (this.queue.length >= (this.options.maxQueued ?? 100)) {
      this.drop(env, sha, 'the trace queue is full');
      return;
    }
    this.queue.push({ body, env, sha });
    this.sender ??= this.send().finally(() => (this.sender = null));
  }

  /** Sends queued traces one at a time; a failed POST drops that trace and goes on. */
  private async send(): Promise<void> {
    for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) {
      const error = await this.post(next.body);
      if (error !== null) this.drop(next.env, next.sha, error);
    }
  }

  /** One POST; null when the collector took it (2xx), else why not (the endpoint's credentials, if any, never logged). */
  private async post(body: string): Promise<string | null> {
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok ? null : `HTTP ${response.status}`;
    } catch (error) {
      return maskSecrets(errorMessage(error).replace(this.url, '<otlpEndpoint>'));
    }
  }

  private drop(env: string, sha: string, why: string): void {
    this.options.dropped?.();
    this.options.log.warn(
      { subject: 'telemetry.otlpEndpoint', env, sha: sha.slice(0, 12), err: why },
      'trace dropped',
    );
  }
}
