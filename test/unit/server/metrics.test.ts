import { Metrics } from '../../../controller/server/metrics';

describe('Metrics', () => {
  it('keeps each instance on its own registry', async () => {
    const a = new Metrics();
    const b = new Metrics();
    a.incWebhook('github', 'triggered');
    expect(await a.registry.metrics()).toContain(
      'cairn_webhook_requests_total{provider="github",result="triggered"} 1',
    );
    expect(await b.registry.metrics()).not.toContain('provider="github"');
  });

  it.each([
    [
      'a whole reconcile',
      (m: Metrics) => m.observeReconcile('dev', 'succeeded', 1500),
      'cairn_reconcile_duration_seconds_sum{env="dev",phase="total",outcome="succeeded"} 1.5',
    ],
    [
      'a phase',
      (m: Metrics) => m.observePhase('dev', 'apply-aws', 'failed', 250),
      'cairn_reconcile_duration_seconds_count{env="dev",phase="apply-aws",outcome="failed"} 1',
    ],
    [
      'the last success',
      (m: Metrics) => m.setLastSuccess('prod', new Date(1_700_000_000_000)),
      'cairn_last_successful_apply_timestamp_seconds{env="prod"} 1700000000',
    ],
    ['the queue depth', (m: Metrics) => m.setQueueDepth('dev', 2), 'cairn_queue_depth{env="dev"} 2'],
    [
      'a failed fetch',
      (m: Metrics) => m.observeFetch(120, false),
      'cairn_git_fetch_duration_seconds_count{result="error"} 1',
    ],
    [
      'a stalled environment',
      (m: Metrics) => m.setStalled('dev', true),
      'cairn_environment_stalled{env="dev"} 1',
    ],
    [
      'a stall cleared',
      (m: Metrics) => (m.setStalled('dev', true), m.setStalled('dev', false)),
      'cairn_environment_stalled{env="dev"} 0',
    ],
    [
      'repaired drift',
      (m: Metrics) => m.incDrift('dev', 3),
      'cairn_drift_repaired_objects_total{env="dev"} 3',
    ],
  ])('exports %s', async (_name, record, line) => {
    const metrics = new Metrics();
    record(metrics);
    expect((await metrics.registry.metrics()).split('\n')).toContain(line);
  });

  it('exports process metrics only when asked', async () => {
    expect(await new Metrics().registry.metrics()).not.toContain('cairn_process_cpu');
    expect(await new Metrics({ processMetrics: true }).registry.metrics()).toContain(
      'cairn_process_cpu_user_seconds_total',
    );
  });
});
