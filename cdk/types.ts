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
}

export type PlannedStackAction = 'create' | 'update' | 'no-op' | 'delete' | 'would-delete';

export interface StackPlan {
  readonly stackName: string;
  readonly action: PlannedStackAction;
  readonly changes: readonly ResourceChange[];
}

export interface AwsPlan {
  readonly stacks: readonly StackPlan[];
}

export type AppliedStackAction =
  'created' | 'updated' | 'no-op' | 'deleted' | 'would-delete' | 'failed' | 'skipped';

/** What was done to one stack. */
export interface StackOutcome {
  readonly stackName: string;
  readonly action: AppliedStackAction;
  readonly changes: readonly ResourceChange[];
  readonly outputs: Readonly<Record<string, string>>;
  readonly durationMs: number;
  /** CloudFormation's final status, e.g. CREATE_COMPLETE. */
  readonly status?: string;
  /** For a failure: the failing resources and CloudFormation's reasons. */
  readonly error?: string;
}

export interface AwsApplyResult {
  readonly stacks: readonly StackOutcome[];
  readonly ok: boolean;
  readonly error?: Error;
}

/**
 * The AWS half of one environment: synthesize the CDK app of a workspace, plan its stacks as
 * described change sets, apply them. Created per environment with its target config and a logger.
 */
export interface AwsApplier {
  /** Runs `aws-resources/` in a child process (timeout, scrubbed env) and reads the cloud assembly. */
  synthesize(workspaceDir: string, commitSha: string): Promise<Assembly>;
  /** Creates and describes change sets without executing them (and deletes them afterwards). */
  plan(assembly: Assembly, commitSha: string): Promise<AwsPlan>;
  /** Publishes assets and deploys every stack in dependency order; deletes removed stacks when prune is on. */
  apply(assembly: Assembly, commitSha: string): Promise<AwsApplyResult>;
  /** Destroys the SDK clients (their keep-alive sockets) and removes the last cloud assembly; the applier is not used afterwards. */
  close(): Promise<void>;
}
