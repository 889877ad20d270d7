/**
 * Where one environment's stacks go, as cdk/ needs it. cdk/ imports nothing of the controller but
 * its model, so it states its own input; the controller's loaded `AwsTargetConfig`
 * (controller/config/types.ts) has the same shape and is passed as it is.
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
  /** `bubblewrap` (namespaces, another uid under root) or `none` (no isolation, explicit opt-out). */
  readonly isolation: 'bubblewrap' | 'none';
  /** The uid the app runs as when cairn runs as root. */
  readonly uid: number;
  /** The gid the app runs as when cairn runs as root. */
  readonly gid: number;
}
