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
  readonly synthTimeoutMs: number;
  readonly deployTimeoutMs: number;
}
