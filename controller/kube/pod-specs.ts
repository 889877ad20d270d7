import type { KubeObject } from './types';

// Where an object holds pod specs; read by cluster policy, shared credentials and host claims.

/**
 * The pod specs of an object, with their paths: a Pod's `spec`, a workload's `spec.template.spec`
 * (Deployments, StatefulSets, DaemonSets, Jobs, ReplicaSets, and custom kinds of that shape), a
 * CronJob's `spec.jobTemplate.spec.template.spec`, a KEDA ScaledJob's `spec.jobTargetRef.template.spec`
 * (its `jobTargetRef` is a Job's spec, KEDA `apis/keda/v1alpha1/scaledjob_types.go`).
 */
export function podSpecs(
  object: KubeObject,
): readonly (readonly [string, Readonly<Record<string, unknown>>])[] {
  const o = object as {
    spec?: {
      template?: { spec?: Record<string, unknown> };
      jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } };
      jobTargetRef?: { template?: { spec?: Record<string, unknown> } };
    };
  };
  const found: [string, Record<string, unknown> | undefined][] = [
    ['spec', object.kind === 'Pod' ? (o.spec as Record<string, unknown> | undefined) : undefined],
    ['spec.template.spec', o.spec?.template?.spec],
    ['spec.jobTemplate.spec.template.spec', o.spec?.jobTemplate?.spec?.template?.spec],
    ['spec.jobTargetRef.template.spec', o.spec?.jobTargetRef?.template?.spec],
  ];
  return found.filter(
    (f): f is [string, Record<string, unknown>] => typeof f[1] === 'object' && f[1] !== null,
  );
}
