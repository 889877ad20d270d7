import type { AuditEntry } from '../../../controller/model';
import { forgetSecrets, rememberSecrets } from '../../../controller/model';
import { encodeTrace, unixNanos, type OtlpSpan } from '../../../controller/telemetry/otlp-encode';
import { ReleaseClock } from '../../../controller/reconcile/release-clock';

const SHA = 'a'.repeat(40);
const LEAKED = 'hunter2-trace-secret';

/** Counting ids, so the tree of spans can be checked by id. */
function countingIds() {
  let n = 0;
  return {
    traceId: () => '0123456789abcdef0123456789abcdef',
    spanId: () => (++n).toString(16).padStart(16, '0'),
  };
}

const entry: AuditEntry = {
  id: 'e1',
  env: 'dev',
  trigger: 'webhook',
  fromSha: null,
  toSha: SHA,
  author: 'Ada <ada@example.com>',
  message: 'Add the queue',
  committedAt: '2026-12-04T20:00:00.000Z',
  startedAt: '2026-12-04T20:00:00.000Z',
  finishedAt: '2026-12-04T20:00:05.000Z',
  outcome: 'failed',
  phases: [
    { name: 'fetch', startedAt: '2026-12-04T20:00:00.000Z', durationMs: 100 },
    { name: 'apply-aws', startedAt: '2026-12-04T20:00:00.100Z', durationMs: 3000 },
    { name: 'apply-kubernetes', startedAt: '2026-12-04T20:00:03.100Z', durationMs: 1500.4 },
  ],
  changes: [
    { target: 'aws', subject: 'dev-queues', action: 'configured', durationMs: 2500 },
    { target: 'aws', subject: 'dev-queues/Queue', action: 'created' },
    { target: 'kubernetes', subject: 'ConfigMap/apps/greeting', action: 'configured' },
  ],
  failure: {
    code: 'kube.apply-failed',
    phase: 'apply-kubernetes',
    retryable: false,
    subject: `ConfigMap/apps/${LEAKED}`,
    message: `token ${LEAKED} refused`,
  },
};

/** The reconcile both span tests encode: dev's failed apply, with its audit entry. */
const FAILED_RECONCILE = {
  env: 'dev',
  sha: SHA,
  trigger: 'webhook',
  outcome: 'failed',
  startedAt: '',
  finishedAt: '',
  failure: entry.failure!,
  entry,
} as const;

describe('encodeTrace (OTLP/JSON)', () => {
  afterEach(() => forgetSecrets());

  it('makes a root span per reconcile, a child per phase and one per stack under apply-aws, ids hex and times unix nanos', () => {
    const body = encodeTrace(FAILED_RECONCILE, countingIds());
    const [resource] = body.resourceSpans;
    expect(resource!.resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'cairn' } }]);
    const spans = resource!.scopeSpans[0]!.spans;
    const attr = (s: OtlpSpan, k: string) => s.attributes.find((a) => a.key === k)?.value.stringValue;
    expect(spans.map((s) => [s.name, s.spanId, s.parentSpanId])).toEqual([
      ['reconcile dev', '0000000000000001', undefined],
      ['fetch', '0000000000000002', '0000000000000001'],
      ['apply-aws', '0000000000000003', '0000000000000001'],
      ['stack dev-queues', '0000000000000004', '0000000000000003'],
      ['apply-kubernetes', '0000000000000005', '0000000000000001'],
    ]);
    for (const s of spans) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(s.startTimeUnixNano).toMatch(/^\d+$/);
    }
    const root = spans[0]!;
    expect(root.startTimeUnixNano).toBe('1796414400000000000');
    expect(root.endTimeUnixNano).toBe('1796414405000000000');
    expect(attr(root, 'cairn.env')).toBe('dev');
    expect(attr(root, 'cairn.sha')).toBe(SHA);
    expect(attr(root, 'cairn.trigger')).toBe('webhook');
    expect(attr(root, 'cairn.outcome')).toBe('failed');
    expect(attr(root, 'cairn.failure.code')).toBe('kube.apply-failed');
    expect(root.status.code).toBe(2);
    expect(spans[3]!.endTimeUnixNano).toBe(unixNanos('2026-12-04T20:00:00.100Z', 2500));
    expect(spans[4]!.endTimeUnixNano).toBe('1796414404600000000');
    expect(spans[4]!.status.code).toBe(2);
    expect(spans[1]!.status).toEqual({ code: 1 });
  });

  it('masks every secret cairn knows in attributes and status messages', () => {
    rememberSecrets([LEAKED]);
    const text = JSON.stringify(encodeTrace(FAILED_RECONCILE));
    expect(text).toContain('[masked]');
    expect(text).not.toContain(LEAKED);
  });

  it('without an audit entry sends the root span alone, from the report', () => {
    const body = encodeTrace({
      env: 'dev',
      sha: SHA,
      trigger: 'poll',
      outcome: 'succeeded',
      startedAt: '2026-12-04T20:00:00.000Z',
      finishedAt: '2026-12-04T20:00:01.000Z',
    });
    const spans = body.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status).toEqual({ code: 1 });
  });
});

describe('ReleaseClock', () => {
  it('times a release from the webhook that announced it, else from the fetch that saw it, once per commit', () => {
    const clock = new ReleaseClock();
    clock.webhook('dev', 1_000);
    clock.head('dev', 'b', 'a', 1_500);
    expect(clock.applied('dev', 'b', 4_000)).toBe(3_000);
    expect(clock.applied('dev', 'b', 5_000)).toBeUndefined();
    clock.head('dev', 'c', 'b', 6_000);
    clock.head('dev', 'c', 'b', 7_000);
    expect(clock.applied('dev', 'c', 8_000)).toBe(2_000);
    // the applied head seen again is no release
    clock.head('dev', 'c', 'c', 9_000);
    expect(clock.applied('dev', 'c', 9_500)).toBeUndefined();
    // a commit replaced before it was applied is forgotten
    clock.head('dev', 'd', 'c', 10_000);
    clock.head('dev', 'e', 'c', 11_000);
    expect(clock.applied('dev', 'd', 12_000)).toBeUndefined();
    expect(clock.applied('dev', 'e', 12_000)).toBe(1_000);
  });
});
