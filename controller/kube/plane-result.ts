import type { Action, Change, Failure, PlaneResult } from '../model';
import { DRIFT_REPAIRED, failureFrom } from '../model';
import { subjectOf } from './object-ref';
import type {
  AppliedObjectAction,
  KubeApplyResult,
  KubePlan,
  ObjectOutcome,
  PlannedObjectAction,
} from './types';

const PLANNED: Readonly<Record<PlannedObjectAction, Action>> = {
  create: 'created',
  update: 'configured',
  unchanged: 'unchanged',
  prune: 'deleted',
};

const APPLIED: Readonly<Record<AppliedObjectAction, Action>> = {
  created: 'created',
  updated: 'configured',
  'drift-repaired': 'configured',
  unchanged: 'unchanged',
  pruned: 'deleted',
  skipped: 'skipped',
  // A failed object was not changed; its Failure (or the reason) says why.
  failed: 'skipped',
};

/** A server-side dry run as the model's Changes. */
export function planChanges(plan: KubePlan): PlaneResult {
  return {
    changes: plan.objects.map((o) => ({
      target: 'kubernetes',
      subject: subjectOf(o.ref),
      action: PLANNED[o.action],
      type: o.ref.apiVersion,
      ...(o.file ? { file: o.file } : {}),
      ...(o.diff ? { diff: o.diff } : {}),
    })),
  };
}

function reasonOf(o: ObjectOutcome): string | undefined {
  if (o.action === 'failed') return `failed: ${o.error ?? 'no reason given'}`;
  if (o.error) return o.error;
  return o.action === 'drift-repaired' ? DRIFT_REPAIRED : undefined;
}

function changeOf(o: ObjectOutcome): Change {
  const reason = reasonOf(o);
  return {
    target: 'kubernetes',
    subject: subjectOf(o.ref),
    action: APPLIED[o.action],
    type: o.ref.apiVersion,
    ...(reason ? { reason } : {}),
    ...(o.file ? { file: o.file } : {}),
    ...(o.diff ? { diff: o.diff } : {}),
    durationMs: o.durationMs,
  };
}

function failureOf(result: KubeApplyResult): Failure | undefined {
  if (result.error) return failureFrom(result.error, 'apply-kubernetes');
  const failed = result.objects.find((o) => o.action === 'failed' || o.error);
  if (!failed)
    return result.ok
      ? undefined
      : {
          code: 'kube.apply-failed',
          phase: 'apply-kubernetes',
          retryable: true,
          message: 'Kubernetes apply failed',
        };
  // Without the HTTP status an object's failure cannot be told transient or not; retry it.
  return {
    code: 'kube.apply-failed',
    phase: 'apply-kubernetes',
    retryable: true,
    subject: subjectOf(failed.ref),
    message: failed.error ?? `${subjectOf(failed.ref)}: not applied`,
  };
}

/** What one apply did, as the model's Changes and the Failure that stopped it. */
export function applyChanges(result: KubeApplyResult): PlaneResult {
  const failure = failureOf(result);
  return { changes: result.objects.map(changeOf), ...(failure ? { failure } : {}) };
}
