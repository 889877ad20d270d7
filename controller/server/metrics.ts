import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerMetrics } from '../reconcile/status';

// Reconciles range from a no-op (well under a second) to a CloudFormation update (many minutes).
// prom-client keeps each series' counts in an object keyed by bound, and V8 stores integer keys
// as array elements: with 1800 the largest, every series held an 1,801-slot array (22 KB, about
// 100 KB per environment over its phases). A top bound far past the others makes V8 keep them in
// a small dictionary instead (0.5 KB a series); 3600 is also a sensible bound (an hour-long stack).
const RECONCILE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const FETCH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Options for `Metrics`. */
export interface MetricsOptions {
  /** Also export prom-client's process metrics (CPU, memory, event-loop lag). Off in tests. */
  readonly processMetrics?: boolean;
  /** The fewest milliseconds between two starts of `render` (default RENDER_INTERVAL_MS). */
  readonly renderIntervalMs?: number;
}

/**
 * The fewest milliseconds between two renderings of the registry for `/metrics`, which anyone who
 * reaches the port may ask for (without `server.metricsAuth`). A rendering costs milliseconds per
 * environment (found in review: 13 ms and 300 KB with 10 environments, 53 ms and 3 MB with 100,
 * against 0.3 ms for a refused webhook), once per request, and each answer held its own copy until
 * its client read it.
 */
export const RENDER_INTERVAL_MS = 250;

/**
 * The controller's Prometheus metrics, on a registry of their own (not prom-client's global one,
 * so tests can make many). Exported series:
 * - `cairn_reconcile_duration_seconds{env,phase,outcome}` histogram: `phase="total"` is a whole
 *   reconcile (`observeReconcile`), any other phase one step of it (`observePhase`).
 * - `cairn_last_successful_apply_timestamp_seconds{env}` gauge (Unix seconds).
 * - `cairn_queue_depth{env}` gauge: reconciles running or waiting.
 * - `cairn_git_fetch_duration_seconds{result}` histogram, result `ok` or `error`.
 * - `cairn_drift_repaired_objects_total{env}` counter: objects found drifted and re-applied.
 * - `cairn_environment_stalled{env}` gauge: 1 while the environment waits, after a failure retrying
 *   cannot fix, for a new commit or a manual sync; 0 otherwise.
 * - `cairn_environment_suspended{env}` gauge: 1 while the environment is suspended (`cairn suspend`).
 * - `cairn_notifications_dropped_total{receiver,event}` counter: notifications given up on.
 * - `cairn_release_seconds{env}` histogram: from the controller first learning of a commit (the
 *   webhook's arrival, else the fetch that saw it) to the reconcile that applied it succeeding.
 * - `cairn_traces_dropped_total` counter: traces the OTLP exporter gave up on.
 * - `cairn_webhook_requests_total{provider,result}` counter (results: see `WebhookResult`).
 * - `cairn_shard_held{env,replica}` gauge (sharding): 1 while this replica holds the environment's
 *   Lease, 0 after it let go; `cairn_shard_leases_held{replica}` gauge: how many it holds.
 * - `cairn_shard_handoffs_total{result}` counter (sharding): webhooks handed to the holder (`forwarded`,
 *   `failed`) or taken from another replica (`received`, `refused`).
 */
export class Metrics implements ControllerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  private readonly reconcile = new Histogram({
    name: 'cairn_reconcile_duration_seconds',
    help: 'Duration of reconciles (phase="total") and of their phases, by environment and outcome.',
    labelNames: ['env', 'phase', 'outcome'],
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'cairn_last_successful_apply_timestamp_seconds',
    help: 'Unix time of the last successful reconcile per environment.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'cairn_queue_depth',
    help: 'Reconciles running or waiting per environment.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly fetchDuration = new Histogram({
    name: 'cairn_git_fetch_duration_seconds',
    help: 'Duration of Git fetches, by result.',
    labelNames: ['result'],
    buckets: FETCH_BUCKETS,
    registers: [this.registry],
  });
  private readonly drift = new Counter({
    name: 'cairn_drift_repaired_objects_total',
    help: 'Kubernetes objects found drifted from Git and re-applied.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly stalled = new Gauge({
    name: 'cairn_environment_stalled',
    help: 'Whether the environment is stalled on a terminal failure (1) until a new commit or a manual sync.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly suspended = new Gauge({
    name: 'cairn_environment_suspended',
    help: 'Whether the environment is suspended (1): nothing of it is reconciled until it is resumed.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly notificationsDropped = new Counter({
    name: 'cairn_notifications_dropped_total',
    help: 'Notifications given up on (queue full, no URL, or retries exhausted), by receiver and event.',
    labelNames: ['receiver', 'event'],
    registers: [this.registry],
  });
  private readonly release = new Histogram({
    name: 'cairn_release_seconds',
    help: 'Seconds from a commit being seen (webhook arrival, else the fetch that saw it) to its reconcile succeeding.',
    labelNames: ['env'],
    buckets: RECONCILE_BUCKETS,
    registers: [this.registry],
  });
  private readonly tracesDropped = new Counter({
    name: 'cairn_traces_dropped_total',
    help: 'Traces the OTLP exporter gave up on (queue full, collector down or slow).',
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'cairn_webhook_requests_total',
    help: 'Webhook requests by provider and result.',
    labelNames: ['provider', 'result'],
    registers: [this.registry],
  });

  private readonly shardHeld = new Gauge({
    name: 'cairn_shard_held',
    help: "Whether this replica holds the environment's Lease (1) or let go of it (0).",
    labelNames: ['env', 'replica'],
    registers: [this.registry],
  });
  private readonly leasesHeld = new Gauge({
    name: 'cairn_shard_leases_held',
    help: 'Environment Leases this replica holds.',
    labelNames: ['replica'],
    registers: [this.registry],
  });
  private readonly handoffs = new Counter({
    name: 'cairn_shard_handoffs_total',
    help: 'Webhook triggers handed to the replica holding the environment, or taken from another one.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly heldBy = new Map<string, Set<string>>();

  private readonly renderIntervalMs: number;
  private lastRender = Number.NEGATIVE_INFINITY;
  private nextRender: Promise<Buffer> | undefined;

  constructor(options: MetricsOptions = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'cairn_' });
    this.renderIntervalMs = options.renderIntervalMs ?? RENDER_INTERVAL_MS;
  }

  /**
   * The registry in the Prometheus text format, rendered after this call (so it holds every change
   * made before it), but at most once per `renderIntervalMs`: callers that arrive meanwhile wait
   * for the next rendering and share it, one Buffer for every answer, whatever the number of callers.
   */
  render(): Promise<Buffer> {
    this.nextRender ??= new Promise<void>((resolve) =>
      setTimeout(resolve, Math.max(0, this.lastRender + this.renderIntervalMs - Date.now())),
    ).then(async () => {
      this.lastRender = Date.now();
      this.nextRender = undefined;
      return Buffer.from(await this.registry.metrics());
    });
    return this.nextRender;
  }

  /** Records a whole reconcile of `env` (`phase="total"`). */
  observeReconcile(env: string, outcome: string, durationMs: number): void {
    this.reconcile.observe({ env, phase: 'total', outcome }, durationMs / 1000);
  }
  /** Records one phase of a reconcile, labelled with the reconcile's outcome. */
  observePhase(env: string, phase: string, outcome: string, durationMs: number): void {
    this.reconcile.observe({ env, phase, outcome }, durationMs / 1000);
  }
  /** Marks the time of the last successful apply of `env`. */
  setLastSuccess(env: string, at: Date): void {
    this.lastSuccess.set({ env }, at.getTime() / 1000);
  }
  /** Sets how many reconciles of `env` are running or waiting. */
  setQueueDepth(env: string, depth: number): void {
    this.queueDepth.set({ env }, depth);
  }
  /** Records one Git fetch. */
  observeFetch(durationMs: number, ok: boolean): void {
    this.fetchDuration.observe({ result: ok ? 'ok' : 'error' }, durationMs / 1000);
  }
  /** Counts `count` drifted objects repaired in `env`. */
  incDrift(env: string, count: number): void {
    if (count > 0) this.drift.inc({ env }, count);
  }
  /** Marks `env` stalled (1) or not (0). */
  setStalled(env: string, stalled: boolean): void {
    this.stalled.set({ env }, stalled ? 1 : 0);
  }
  /** Counts a notification `receiver` never got. */
  incNotificationDropped(receiver: string, event: string): void {
    this.notificationsDropped.inc({ receiver, event });
  }
  /** Records one release of `env`: seen to healthy, in milliseconds. */
  observeRelease(env: string, durationMs: number): void {
    this.release.observe({ env }, durationMs / 1000);
  }
  /** Counts one trace the exporter gave up on. */
  incTraceDropped(): void {
    this.tracesDropped.inc();
  }
  /** Marks `env` suspended (1) or not (0). */
  setSuspended(env: string, suspended: boolean): void {
    this.suspended.set({ env }, suspended ? 1 : 0);
  }
  /** Marks `env` held (1) or let go (0) by `replica`, and updates that replica's count. */
  setShardHeld(env: string, replica: string, held: boolean): void {
    this.shardHeld.set({ env, replica }, held ? 1 : 0);
    const envs = this.heldBy.get(replica) ?? new Set<string>();
    if (held) envs.add(env);
    else envs.delete(env);
    this.heldBy.set(replica, envs);
    this.leasesHeld.set({ replica }, envs.size);
  }
  /** Counts one webhook handoff by result. */
  incHandoff(result: 'forwarded' | 'failed' | 'received' | 'refused'): void {
    this.handoffs.inc({ result });
  }
  /** Counts one webhook request by provider and result. */
  incWebhook(provider: string, result: string): void {
    this.webhooks.inc({ provider, result });
  }
}
