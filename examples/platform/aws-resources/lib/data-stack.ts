import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ShopTarget } from './settings';

/** Props of the data stack: the target plus the usual stack props. */
export interface DataStackProps extends cdk.StackProps {
  readonly target: ShopTarget;
}

/** The shop's state: a bucket for uploads, a queue of jobs and a table of orders. */
export class DataStack extends cdk.Stack {
  /** The job queue; its name is fixed so the Kubernetes side can name it in a ConfigMap. */
  readonly queue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { target } = props;
    const { table, queue } = target.settings;

    // Demo data: deleting the stack (or the environment) must not leave orphans behind in the account.
    const removalPolicy = cdk.RemovalPolicy.DESTROY;

    this.bucket = new s3.Bucket(this, 'Uploads', {
      removalPolicy,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
    });

    this.queue = new sqs.Queue(this, 'Jobs', {
      queueName: target.name('jobs'),
      retentionPeriod: cdk.Duration.days(queue.retentionDays),
      visibilityTimeout: cdk.Duration.seconds(queue.visibilityTimeoutSeconds),
      removalPolicy,
    });

    this.table = new dynamodb.Table(this, 'Orders', {
      tableName: target.name('orders'),
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      removalPolicy,
      ...(table.billing === 'provisioned'
        ? {
            billingMode: dynamodb.BillingMode.PROVISIONED,
            readCapacity: table.readCapacity,
            writeCapacity: table.writeCapacity,
          }
        : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }),
    });

    new cdk.CfnOutput(this, 'QueueName', { value: this.queue.queueName });
    new cdk.CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new cdk.CfnOutput(this, 'TableName', { value: this.table.tableName });
    new cdk.CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
  }
}
