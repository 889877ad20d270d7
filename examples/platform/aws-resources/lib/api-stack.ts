import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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
    // The data stack's names are fixed per environment, so this stack refers to them by name rather
    // than through CloudFormation exports: the two stacks deploy and change independently (and
    // moto, which keeps no exports for stacks made through change sets, can run the example).
    this.addDependency(data);
    const queue = sqs.Queue.fromQueueAttributes(this, 'Jobs', {
      queueArn: this.formatArn({ service: 'sqs', resource: target.name('jobs') }),
      queueUrl: `https://sqs.${this.region}.${this.urlSuffix}/${this.account}/${target.name('jobs')}`,
    });
    const table = dynamodb.Table.fromTableName(this, 'Orders', target.name('orders'));

    const handler = new lambda.Function(this, 'Handler', {
      functionName: target.name('api'),
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'lambda')),
      memorySize: api.memoryMb,
      timeout: cdk.Duration.seconds(api.timeoutSeconds),
      environment: {
        QUEUE_URL: queue.queueUrl,
        TABLE_NAME: table.tableName,
        SHOP_ENVIRONMENT: target.env,
        LOG_LEVEL: api.logLevel,
      },
    });
    queue.grantSendMessages(handler);
    table.grantReadWriteData(handler);

    new cdk.CfnOutput(this, 'FunctionName', { value: handler.functionName });
  }
}
