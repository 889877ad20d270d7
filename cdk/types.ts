import type { Action, Failure, PlaneResult, WriteFence } from '../controller/model';

/** One resource change CloudFormation reports for a stack, from a described change set. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  readonly action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  /** CloudFormation's Replacement: True, False or Conditional; null when not applicable. */
  readonly replacement: 'True' | 'False' | 'Conditional' | null;
}

/** A synthesized CDK app for one environment and commit. */
export interface Assembly {
  /** Absolute path of the cloud assembly directory (cdk.out). */
  readonly dir: string;
  readonly stacks: readonly StackArtifact[];
}

export interface StackArtifact {
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The artifact id in the assembly (usually the construct id). */
  readonly id: string;
  readonly templateFile: string;
  /** Artifact ids this stack depends on. */
  readonly dependencies: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  readonly terminationProtection: boolean;
  /** Asset manifest files this stack's assets are published from before it deploys. */
  readonly assetManifests: readonly string[];
  /** The roles the artifact names (the default synthesizer names the bootstrap's), unresolved. */
  readonly roles?: AssemblyRoles;
}

/** The deploy and execution roles a stack artifact names, placeholders (`${AWS::AccountId}`) and all. */
export interface AssemblyRoles {
  readonly deployRoleArn?: string;
  readonly deployRoleExternalId?: string;
  readonly executionRoleArn?: string;
}

/**
 * What deploying (or planning) one stack came to, before it becomes the model's Changes: the
 * stack's own action, the resource changes of its change set, and the failure that stopped it.
 */
export interface StackOutcome {
  readonly stackName: string;
  /** A failed stack is `skipped`, with its Failure beside it. */
  readonly action: Action;
  readonly reason?: string;
  readonly changes: readonly ResourceChange[];
  readonly durationMs: number;
  readonly failure?: Failure;
}

/**
 * The AWS half of one environment: synthesize the CDK app of a workspace, plan its stacks as
 * described change sets, apply them. Created per environment with its target config and a logger.
 */
export interface AwsApplier {
  /**
   * Runs `aws-resources/` in a child process (timeout, scrubbed env) and reads the cloud assembly.
   * `signal`, once aborted, kills the app's process tree and fails the synth (`synth.abandoned`).
   */
  synthesize(
    workspaceDir: string,
    commitSha: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<Assembly>;
  /**
   * Plans each stack: one that exists through a change set described, never executed, and deleted
   * afterwards; one a deploy would create from its template's resources, with no change set. It
   * holds no Lease, so it never creates, updates or deletes a stack. Once `signal` is aborted no
   * further stack is planned (the result is then partial).
   */
  plan(
    assembly: Assembly,
    commitSha: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<PlaneResult>;
  /**
   * Publishes assets and deploys every stack in dependency order; deletes removed stacks when prune
   * is on. `fence` (a Lease) is called right before every write request is sent (each asset and
   * template upload, change set create and execute, stack delete, and each SDK retry of one): once it
   * throws (`shard.lost`), nothing more is written and that failure leads the result.
   */
  apply(
    assembly: Assembly,
    commitSha: string,
    options?: { readonly fence?: WriteFence },
  ): Promise<PlaneResult>;
  /**
   * The live outputs of those of `stackNames` that exist and belong to this environment (the
   * others are absent from the map): what `${aws:<stack>.<key>}` in a manifest is bound to.
   */
  outputs(stackNames: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>>;
  /** Destroys the SDK clients (their keep-alive sockets) and removes the last cloud assembly; the applier is not used afterwards. */
  close(): Promise<void>;
}
