import type { KubeObject } from './types';

/**
 * How healthy one object is, judged from the object alone (its status as controllers wrote it).
 * `failed` means its controller gave up (a Deployment past its progress deadline, a failed Job):
 * waiting longer or applying the same spec again cannot help. `reason` quotes the condition's
 * reason and message, the way `kubectl describe` shows them.
 */
export type Health =
  | { readonly status: 'healthy' }
  | { readonly status: 'progressing'; readonly reason: string }
  | { readonly status: 'failed'; readonly reason: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

type Status = Readonly<Record<string, unknown>> & { readonly conditions?: readonly Condition[] };

const HEALTHY: Health = { status: 'healthy' };
const progressing = (reason: string): Health => ({ status: 'progressing', reason });

/** True for the kinds whose health needs waiting for; every other kind is healthy once applied. */
export function needsHealthWait(kind: string): boolean {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CustomResourceDefinition'].includes(kind);
}

/**
 * True for a Namespace being deleted (`status.phase: Terminating`, or its deletionTimestamp where
 * only metadata was read): what is in it goes, whatever cairn applies, until it is gone and made
 * again from Git. Its own health, not a wait: it does not clear while the namespace exists.
 */
export function namespaceTerminating(object: KubeObject): boolean {
  if (object.kind !== 'Namespace') return false;
  const phase = (object.status as { phase?: unknown } | undefined)?.phase;
  return phase === 'Terminating' || object.metadata.deletionTimestamp !== undefined;
}

/**
 * The health of an object, in this order: being deleted, status not yet observed for this
 * generation, then the per-kind rule. Kinds without a rule are healthy.
 */
export function healthOf(object: KubeObject): Health {
  if (object.metadata.deletionTimestamp) return progressing('being deleted');
  const status = (object.status ?? {}) as Status;
  const generation = object.metadata.generation as number | undefined;
  const observed = status.observedGeneration as number | undefined;
  const spec = (object.spec ?? {}) as Readonly<Record<string, unknown>>;
  switch (object.kind) {
    case 'Deployment': {
      if (!observedCurrent(generation, observed))
        return progressing('the controller has not observed the new spec yet');
      const stuck = condition(status, 'Progressing');
      if (stuck?.status === 'False' && stuck.reason === 'ProgressDeadlineExceeded') {
        return { status: 'failed', reason: describe(stuck) };
      }
      const want = (spec.replicas as number | undefined) ?? 1;
      const ready = replicasReady(want, status, ['updatedReplicas', 'availableReplicas']);
      const total = (status.replicas as number | undefined) ?? 0;
      if (ready.status === 'healthy' && total > want)
        return progressing(`${total - want} old replicas are terminating`);
      // A ReplicaSet that cannot create pods (quota, admission) says why here; it may still clear up.
      const replicaFailure = condition(status, 'ReplicaFailure');
      if (ready.status === 'progressing' && replicaFailure?.status === 'True')
        return progressing(`${ready.reason}; ${describe(replicaFailure)}`);
      return ready;
    }
    case 'StatefulSet': {
      if (!observedCurrent(generation, observed))
        return progressing('the controller has not observed the new spec yet');
      const want = (spec.replicas as number | undefined) ?? 1;
      const partition = ((spec.updateStrategy as { rollingUpdate?: { partition?: number } } | undefined)
        ?.rollingUpdate?.partition ?? 0) as number;
      const ready = replicasReady(want, status, ['readyReplicas', 'availableReplicas']);
      if (ready.status !== 'healthy') return ready;
      if (
        partition === 0 &&
        status.updateRevision !== undefined &&
        status.currentRevision !== status.updateRevision
      ) {
        return progressing(`revision ${String(status.updateRevision)} is rolling out`);
      }
      return partition === 0 ? replicasReady(want, status, ['updatedReplicas']) : HEALTHY;
    }
    case 'DaemonSet': {
      if (!observedCurrent(generation, observed))
        return progressing('the controller has not observed the new spec yet');
      const want = (status.desiredNumberScheduled as number | undefined) ?? 0;
      return replicasReady(want, status, ['updatedNumberScheduled', 'numberAvailable']);
    }
    case 'Job': {
      const failed = condition(status, 'Failed');
      if (failed?.status === 'True') return { status: 'failed', reason: describe(failed) };
      if (condition(status, 'Complete')?.status === 'True') return HEALTHY;
      return progressing('the job has not completed');
    }
    case 'CustomResourceDefinition':
      return condition(status, 'Established')?.status === 'True'
        ? HEALTHY
        : progressing('not Established yet');
    default:
      return HEALTHY;
  }
}

/** `Reason: message` of a condition, or its type when it carries neither. */
function describe(c: Condition): string {
  // Messages often end in a full stop; errors built from this add their own punctuation.
  const message = c.message?.replace(/\.\s*$/, '');
  const text = [c.reason, message].filter((x) => x !== undefined && x !== '').join(': ');
  return text === '' ? `${c.type ?? 'condition'} ${c.status ?? ''}`.trim() : text;
}

function observedCurrent(generation: number | undefined, observed: number | undefined): boolean {
  return generation === undefined || (observed !== undefined && observed >= generation);
}

function condition(status: Status, type: string): Condition | undefined {
  return Array.isArray(status.conditions) ? status.conditions.find((c) => c.type === type) : undefined;
}

function replicasReady(want: number, status: Status, fields: readonly string[]): Health {
  for (const field of fields) {
    const have = (status[field] as number | undefined) ?? 0;
    if (have < want) return progressing(`${field} ${have}/${want}`);
  }
  return HEALTHY;
}
