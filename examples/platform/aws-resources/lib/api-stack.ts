import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { DataStack } from './data-stack';
import type { ShopTarget } from './settings';

/** Props of the API stack: the target and the data stack it reads from. */
export interface ApiStackProps extends cdk.StackProps {
  readonly target: ShopTarget;
  readonly data: DataStack;
}

/** The shop's API: one small function whose code is a file asset (`lambda/`). */
export class ApiStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { target, data } = props;
    const { api } = target.settings;

    const handler = new lambda.Function(this, 'Handler', {
      functionName: target.name('api'),
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'lambda')),
      memorySize: api.memoryMb,
      timeout: cdk.Duration.seconds(api.timeoutSeconds),
      // The queue URL and table name cross the stack boundary as CloudFormation exports.
      environment: {
        QUEUE_URL: data.queue.queueUrl,
        TABLE_NAME: data.table.tableName,
        SHOP_ENVIRONMENT: target.env,
        LOG_LEVEL: api.logLevel,
      },
    });
    data.queue.grantSendMessages(handler);
    data.table.grantReadWriteData(handler);

    new cdk.CfnOutput(this, 'FunctionName', { value: handler.functionName });
  }
}
