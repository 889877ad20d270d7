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
  /** Take over stacks whose ownership tag names another environment: all (`true`) or these owners. */
  readonly adopt?: boolean | readonly string[];
  readonly synthTimeoutMs: number;
  readonly deployTimeoutMs: number;
  /** How the CDK app is isolated from the controller; absent means bubblewrap as uid/gid 65534. */
  readonly synth?: AwsSynthConfig;
}

/** `aws.synth`: how repository code (the CDK app) is kept away from the controller's credentials. */
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
