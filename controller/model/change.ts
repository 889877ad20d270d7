import type { Failure } from './failure';

/**
 * The one result vocabulary of both planes, in Flux's words. A plan and an apply speak it alike:
 * what the plan shows is what the next reconcile records.
 */
export type Action = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped';

/** The reason of a Kubernetes change a drift pass re-applied (action `configured`). */
export const DRIFT_REPAIRED = 'drift repaired';

/** Which plane a change belongs to. */
export type Target = 'aws' | 'kubernetes';

/**
 * One change to one subject. Subjects are `Kind/namespace/name` (or `Kind/name`) for Kubernetes
 * objects, `stackName` for a whole stack and `stackName/LogicalId` for a resource inside it.
 */
export interface Change {
  readonly target: Target;
  readonly subject: string;
  readonly action: Action;
  /** Why, when the action alone does not say: `drift repaired`, `prune disabled`, `aws.prune is off`. */
  readonly reason?: string;
  /** The Kubernetes apiVersion, or the CloudFormation resource type. */
  readonly type?: string;
  /** The file in the workspace that declares the subject. */
  readonly file?: string;
  /** A readable diff, secrets redacted. Plans carry it; audit entries may drop it for size. */
  readonly diff?: string;
  /** CloudFormation replaces the resource (true), may replace it (conditional). */
  readonly replacement?: boolean | 'conditional';
  readonly durationMs?: number;
  /**
   * What the API server warned about the subject while it went ahead (a deprecated API, a Pod
   * Security `warn` violation, an admission webhook's warning): neither a failure nor a change.
   */
  readonly warnings?: readonly string[];
}

/**
 * Every warning of `changes`, one line each, naming the file and the subject it is about:
 * `k8s-resources/app.yaml: Deployment/a/web: v1 Endpoints is deprecated ...`. What a plan, the
 * pull-request comment and `cairn sync` print.
 */
export function warningLines(changes: readonly Change[]): string[] {
  return changes.flatMap((c) =>
    (c.warnings ?? []).map((w) => `${c.file ? `${c.file}: ` : ''}${c.subject}: ${w}`),
  );
}

/** What one plane did (or would do): its changes, and the failure that stopped it, if any. */
export interface PlaneResult {
  readonly changes: readonly Change[];
  readonly failure?: Failure;
}
