import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const RECONCILE_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/**
 * The controller's Prometheus metrics, on a registry of their own (so tests can make many).
 * `cairn_reconcile_duration_seconds{env,phase,outcome}` has phase `total` for a whole reconcile.
 */
export class Metrics {
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
    help: 'Reconciles running or waiting per environment (0-2).',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly fetchDuration = new Histogram({
    name: 'cairn_git_fetch_duration_seconds',
    help: 'Duration of Git fetches, by result.',
    labelNames: ['result'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly drift = new Counter({
    name: 'cairn_drift_repaired_objects_total',
    help: 'Kubernetes objects found drifted from Git and re-applied.',
    labelNames: ['env'],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: 'cairn_webhook_requests_total',
    help: 'Webhook requests by provider and result.',
    labelNames: ['provider', 'result'],
    registers: [this.registry],
  });

  observeReconcile(env: string, outcome: string, durationMs: number): void {
    this.reconcile.observe({ env, phase: 'total', outcome }, durationMs / 1000);
  }
  observePhase(env: string, phase: string, outcome: string, durationMs: number): void {
    this.reconcile.observe({ env, phase, outcome }, durationMs / 1000);
  }
  setLastSuccess(env: string, at: Date): void {
    this.lastSuccess.set({ env }, at.getTime() / 1000);
  }
  setQueueDepth(env: string, depth: number): void {
    this.queueDepth.set({ env }, depth);
  }
  observeFetch(durationMs: number, ok: boolean): void {
    this.fetchDuration.observe({ result: ok ? 'ok' : 'error' }, durationMs / 1000);
  }
  incDrift(env: string, count: number): void {
    this.drift.inc({ env }, count);
  }
  incWebhook(provider: string, result: string): void {
    this.webhooks.inc({ provider, result });
  }
}
