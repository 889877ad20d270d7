import type { InputTransform } from './render/types';
import type { PlaneResult, WriteFence } from '../model';

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

/**
 * What the audit trail's legacy record calls an object's action (the reconcile maps model changes
 * onto it until the audit entry speaks `Change`).
 */
export type AppliedObjectAction =
  'created' | 'updated' | 'unchanged' | 'pruned' | 'drift-repaired' | 'skipped' | 'failed';

/** How `load` reads a workspace. */
export interface KubeLoadOptions {
  /** Applied to every manifest file's text before parsing: AWS outputs bound into manifests. */
  readonly transform?: InputTransform;
  /** Aborted when the caller gives up (a pull request's plan past its deadline): a render under way is killed. */
  readonly signal?: AbortSignal;
}

/** How one apply runs. */
export interface KubeApplyOptions {
  /** The reconcile is a periodic drift pass (a log field only: every apply finds and repairs drift). */
  readonly drift?: boolean;
  /**
   * With sharding: called before each wave, each request of a group of `kubernetes.concurrency`
   * objects, each prune delete and the inventory write. When it throws (`shard.lost`) the apply
   * stops before its next write and returns what it did so far with that failure.
   */
  readonly fence?: WriteFence;
}

/**
 * The Kubernetes half of one environment: manifests in, the model's `PlaneResult` out (a `Change`
 * per object with subject `Kind/namespace/name`, and the `Failure` that stopped it, if any).
 * Plan and apply decide each object's action with the same function (`decide`).
 */
export interface KubeApplier {
  /** Reads and validates `k8s-resources/` of a workspace. Throws a CairnError naming file, line and column. */
  load(workspaceDir: string, options?: KubeLoadOptions): Promise<readonly Manifest[]>;
  /**
   * What the next apply would do, from server-side dry runs and the inventory; changes nothing.
   * Once `signal` is aborted no further dry run is sent (the result is then partial, led by the
   * signal's reason).
   */
  plan(manifests: readonly Manifest[], options?: { readonly signal?: AbortSignal }): Promise<PlaneResult>;
  /** Applies in waves, repairs drift, prunes (only what this environment owns), records the inventory, waits for health. */
  apply(manifests: readonly Manifest[], options?: KubeApplyOptions): Promise<PlaneResult>;
  /**
   * The objects of the inventory that changed on the server (or vanished) since cairn left them,
   * from one LIST per collection and no manifest: how a reconcile of an unchanged tree finds a hand
   * edit without checking out or parsing anything. Empty when all are as cairn left them.
   */
  drifted(): Promise<readonly string[]>;
  /** Closes the connections to the cluster. */
  close(): Promise<void>;
}
