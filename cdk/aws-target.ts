// cdk/ imports nothing of the controller but its model, where the AWS target is stated once.
export type { AwsSynthConfig, AwsTargetConfig } from '../controller/model';
