import type { PlaneResult } from '../model';

/** A Kubernetes object as written in Git, with where it came from. */
export interface Manifest {
  /** The object exactly as in Git (namespace filled in for namespaced kinds that named none). */
  readonly object: KubeObject;
  /** Path relative to the workspace root, e.g. `k8s-resources/apps/deploy.yaml`. */
  readonly file: string;
  /** 0-based index of the YAML document in that file. */
  readonly documentIndex: number;
}

/** The parts of a Kubernetes object cairn reads; everything else passes through untouched. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** `Kind/namespace/name` or `Kind/name`, plus the API version, identifying one object. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export type PlannedObjectAction = 'create' | 'update' | 'unchanged' | 'prune';

/** What a server-side dry run says would happen to one object. */
export interface ObjectPlan {
  readonly ref: ObjectRef;
  readonly action: PlannedObjectAction;
  /** A readable unified-style diff of live → desired; Secret values redacted. Absent for unchanged. */
  readonly diff?: string;
  readonly file?: string;
}

export interface KubePlan {
  readonly objects: readonly ObjectPlan[];
}

export type AppliedObjectAction =
  'created' | 'updated' | 'unchanged' | 'pruned' | 'drift-repaired' | 'skipped' | 'failed';

/** What was done to one object. */
export interface ObjectOutcome {
  readonly ref: ObjectRef;
  readonly action: AppliedObjectAction;
  readonly durationMs: number;
  readonly diff?: string;
  readonly file?: string;
  readonly error?: string;
}

export interface KubeApplyResult {
  readonly objects: readonly ObjectOutcome[];
  /** False when any object failed, a health wait timed out, or the prune cap stopped the apply. */
  readonly ok: boolean;
  readonly error?: Error;
}

export interface KubeApplyOptions {
  /** A drift pass: re-apply only what differs from Git and report it as `drift-repaired`. */
  readonly drift?: boolean;
}

/**
 * The Kubernetes half of one environment: manifests in, the model's Changes (one per object) out.
 * Created per environment with its target config and a logger.
 */
export interface KubeApplier {
  /** Reads and validates `k8s-resources/` of a workspace. Throws a CairnError naming file, line and column. */
  load(workspaceDir: string): Promise<readonly Manifest[]>;
  /** Server-side dry run of every manifest plus prune candidates from the inventory; changes nothing. */
  plan(manifests: readonly Manifest[]): Promise<PlaneResult>;
  /** Applies in waves, waits for health, records the inventory, prunes. */
  apply(manifests: readonly Manifest[], options?: KubeApplyOptions): Promise<PlaneResult>;
  /** Closes the keep-alive connections to the cluster; the applier is not used afterwards. */
  close(): Promise<void>;
}
