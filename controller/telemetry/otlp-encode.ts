import { randomBytes } from 'node:crypto';
import { maskSecrets, type AuditEntry, type Failure, type Outcome, type Trigger } from '../model';

/** An OTLP attribute (`KeyValue`): only strings are sent, so every value goes through one mask. */
export interface OtlpAttribute {
  readonly key: string;
  readonly value: { readonly stringValue: string };
}

/** One span of OTLP/JSON (`opentelemetry.proto.trace.v1.Span`): ids hex, times unix nanoseconds as strings. */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** 1: SPAN_KIND_INTERNAL. */
  readonly kind: 1;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: readonly OtlpAttribute[];
  /** 1: STATUS_CODE_OK, 2: STATUS_CODE_ERROR. */
  readonly status: { readonly code: 1 | 2; readonly message?: string };
}

/** The body of `POST <endpoint>/v1/traces` (an `ExportTraceServiceRequest` in JSON). */
export interface OtlpTraceRequest {
  readonly resourceSpans: readonly {
    readonly resource: { readonly attributes: readonly OtlpAttribute[] };
    readonly scopeSpans: readonly {
      readonly scope: { readonly name: string };
      readonly spans: readonly OtlpSpan[];
    }[];
  }[];
}

/** What one trace is made of: the reconcile's audit entry when it was recorded, else the report's bare facts. */
export interface ReconcileTrace {
  readonly env: string;
  readonly sha: string;
  readonly trigger: Trigger;
  readonly outcome: Outcome;
  /** ISO 8601 / milliseconds: the root span's extent when there is no entry. */
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly failure?: Failure;
  readonly entry?: AuditEntry;
}

/** Random ids by default; tests pass fixed ones. */
export interface TraceIds {
  traceId(): string;
  spanId(): string;
}

const RANDOM_IDS: TraceIds = {
  traceId: () => randomBytes(16).toString('hex'),
  spanId: () => randomBytes(8).toString('hex'),
};

/**
 * Attributes from key/value pairs, every value masked: a failure message or a stack name may quote
 * a value cairn knows is a secret, and a collector is one more place it must not reach.
 */
export function attributes(pairs: Readonly<Record<string, string | undefined>>): OtlpAttribute[] {
  return Object.entries(pairs)
    .filter((pair): pair is [string, string] => pair[1] !== undefined)
    .map(([key, value]) => ({ key, value: { stringValue: maskSecrets(value) } }));
}

/** Unix nanoseconds of an ISO time plus `plusMs`, as OTLP/JSON wants them (a decimal string; too big for a double). */
export function unixNanos(iso: string, plusMs = 0): string {
  const ms = Date.parse(iso) + Math.round(plusMs);
  return (BigInt(ms) * 1_000_000n).toString();
}

/**
 * The OTLP/JSON request for one reconcile: a root span `reconcile <env>` (attributes cairn.env,
 * cairn.sha, cairn.trigger, cairn.outcome, and the failure's code, phase and message), a child per
 * recorded phase, and under `apply-aws` a child per stack the entry has a duration for (stacks run
 * in waves, so each starts at the phase's start: the duration is exact, the offset is not known).
 */
export function encodeTrace(trace: ReconcileTrace, ids: TraceIds = RANDOM_IDS): OtlpTraceRequest {
  const traceId = ids.traceId();
  const rootId = ids.spanId();
  const entry = trace.entry;
  const failed = trace.outcome === 'failed' || trace.outcome === 'interrupted';
  const common = { env: trace.env, sha: trace.sha };
  const spans: OtlpSpan[] = [
    {
      traceId,
      spanId: rootId,
      name: `reconcile ${trace.env}`,
      kind: 1,
      startTimeUnixNano: unixNanos(entry?.startedAt ?? trace.startedAt),
      endTimeUnixNano: unixNanos(entry?.finishedAt ?? trace.finishedAt),
      attributes: attributes({
        'cairn.env': common.env,
        'cairn.sha': common.sha,
        'cairn.trigger': trace.trigger,
        'cairn.outcome': trace.outcome,
        'cairn.entry': entry?.id,
        'cairn.from_sha': entry?.fromSha ?? undefined,
        'cairn.failure.code': trace.failure?.code,
        'cairn.failure.phase': trace.failure?.phase,
        'cairn.failure.subject': trace.failure?.subject,
      }),
      status: failed
        ? { code: 2, message: maskSecrets(trace.failure?.message ?? trace.outcome) }
        : { code: 1 },
    },
  ];
  for (const phase of entry?.phases ?? []) {
    const phaseId = ids.spanId();
    const phaseFailed = trace.failure?.phase === phase.name;
    spans.push({
      traceId,
      spanId: phaseId,
      parentSpanId: rootId,
      name: phase.name,
      kind: 1,
      startTimeUnixNano: unixNanos(phase.startedAt),
      endTimeUnixNano: unixNanos(phase.startedAt, phase.durationMs),
      attributes: attributes({ 'cairn.env': common.env, 'cairn.sha': common.sha, 'cairn.phase': phase.name }),
      status: phaseFailed ? { code: 2, message: maskSecrets(trace.failure!.message) } : { code: 1 },
    });
    if (phase.name !== 'apply-aws') continue;
    // A whole stack's change has a subject without '/' (`stackName`); its resources have `stack/LogicalId`.
    for (const change of entry!.changes) {
      if (change.target !== 'aws' || change.subject.includes('/') || change.durationMs === undefined)
        continue;
      const stackFailed = phaseFailed && trace.failure?.subject === change.subject;
      spans.push({
        traceId,
        spanId: ids.spanId(),
        parentSpanId: phaseId,
        name: `stack ${change.subject}`,
        kind: 1,
        startTimeUnixNano: unixNanos(phase.startedAt),
        endTimeUnixNano: unixNanos(phase.startedAt, change.durationMs),
        attributes: attributes({
          'cairn.env': common.env,
          'cairn.sha': common.sha,
          'cairn.stack': change.subject,
          'cairn.action': change.action,
        }),
        status: stackFailed ? { code: 2, message: maskSecrets(trace.failure!.message) } : { code: 1 },
      });
    }
  }
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes({ 'service.name': 'cairn' }) },
        scopeSpans: [{ scope: { name: 'cairn' }, spans }],
      },
    ],
  };
}
