/**
 * Where one environment's stacks go: the AWS target as the config states it and cdk/ takes it. It
 * lives in the model because both the config loader and cdk/ speak it, and neither may import
 * the other.
 */
export interface AwsTargetConfig {
  readonly region: string;
  readonly account: string;
  /** CloudFormation/S3/SSM endpoint override (moto_server, LocalStack). */
  readonly endpoint?: string;
  readonly roleArn?: string;
  /** Delete stacks that disappeared from the app. Off by default: the plan shows "would delete". */
  readonly prune: boolean;
  /**
   * Take over stacks whose ownership tag names another environment (`true`, or these tag values),
   * and untagged stacks named here by stack name (never by `true`: an untagged stack is someone's).
   */
  readonly adopt?: boolean | readonly string[];
  /**
   * Exports from outside the app its stacks may import (`aws.imports`): exact names, or a prefix
   * ending in `*`. Absent: only the app's own exports (see assertImportsInBounds).
   */
  readonly imports?: readonly string[];
  /**
   * Resource types reaching past the environment's own stacks that its templates may declare
   * (`aws.resourceTypes`: hooks, the registry, StackSets, Service Catalog, registry types): exact
   * names, or a prefix ending in `*`. Absent: none (see assertResourceTypesInBounds).
   */
  readonly resourceTypes?: readonly string[];
  /**
   * Custom resource providers from outside the stack that its templates may call
   * (`aws.serviceTokens`): exact ARNs, or a prefix ending in `*`. Absent: only the stack's own
   * (see assertProvidersInBounds).
   */
  readonly serviceTokens?: readonly string[];
  /**
   * Resources from outside the app that its policies, permissions, subscriptions and rules may
   * attach to or change (`aws.externalTargets`): names or ARNs as the template writes them, or a
   * prefix ending in `*`. Absent: only the app's own (see assertTargetsInBounds).
   */
  readonly externalTargets?: readonly string[];
  /**
   * `aws.accountWideReads`: the app's roles may be granted the reads that take no resource and
   * answer with every environment's data of the account (X-Ray traces, CloudWatch metric
   * statistics, ...). Absent: refused (see assertGrantsInBounds).
   */
  readonly accountWideReads?: boolean;
  /** The capabilities sent on every change set (default CAPABILITY_IAM, CAPABILITY_NAMED_IAM). */
  readonly capabilities?: readonly AwsCapability[];
  /** Passed as `RoleARN` on every change set and stack delete; wins over the assembly's role. */
  readonly cloudFormationExecutionRoleArn?: string;
  /**
   * The qualifier of the account's `cdk bootstrap` (`cdk bootstrap --qualifier`): it names the
   * bootstrap's roles, bucket and version parameter. Absent: the CDK's default, `hnb659fds`.
   */
  readonly bootstrapQualifier?: string;
  readonly synthTimeoutMs: number;
  /**
   * Largest total size of the cloud assembly the app writes (`aws.maxAssemblyBytes`); absent in a
   * target built by hand, which gets `DEFAULT_MAX_ASSEMBLY_BYTES`.
   */
  readonly maxAssemblyBytes?: number;
  readonly deployTimeoutMs: number;
  /** How the CDK app is isolated from the controller; absent means bubblewrap as uid/gid 65534. */
  readonly synth?: AwsSynthConfig;
}

/** The CloudFormation capability names `aws.capabilities` accepts. */
export const AWS_CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;

/** One CloudFormation capability. */
export type AwsCapability = (typeof AWS_CAPABILITIES)[number];

/** The capabilities an environment sends when its config names none: no macros (AUTO_EXPAND). */
export const DEFAULT_AWS_CAPABILITIES: readonly AwsCapability[] = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'];

/**
 * The largest cloud assembly an environment's app may write when its config names no
 * `aws.maxAssemblyBytes`: 256 MiB, room for Lambda's largest package (250 MB unzipped). cairn
 * reads each asset whole in the controller every environment shares (1 GiB in the manifests
 * `cairn install` writes), so an app's output is bounded before any of it is read.
 */
export const DEFAULT_MAX_ASSEMBLY_BYTES = 256 * 1024 * 1024;

/**
 * `aws.synth` and `kubernetes.render`: how repository code (the CDK app, a kustomization or a chart)
 * is kept away from the controller's credentials and authority.
 */
export interface AwsSynthConfig {
  /**
   * `bubblewrap` (namespaces, another uid under root), `sidecar` (a separate container holding no
   * credentials, reached over a Unix socket) or `none` (no isolation, explicit opt-out).
   */
  readonly isolation: 'bubblewrap' | 'sidecar' | 'none';
  /** With `sidecar`: the absolute path of the synth runner's Unix socket. */
  readonly socket?: string;
  /** The uid the app runs as when cairn runs as root. */
  readonly uid: number;
  /** The gid the app runs as when cairn runs as root. */
  readonly gid: number;
}

/** Where the synth runner's socket is when `aws.synth.socket` names none: on the pod's shared volume. */
export const DEFAULT_SYNTH_SOCKET = '/var/lib/cairn/runner/synth.sock';

/** Where the synth runner accepts jobs by default: the workspaces folder on the pod's shared volume. */
export const DEFAULT_SYNTH_WORK_ROOT = '/var/lib/cairn/workspaces';
