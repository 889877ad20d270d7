import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ShopTarget } from './settings';

/** Props of the data stack: the target plus the usual stack props. */
export interface DataStackProps extends cdk.StackProps {
  readonly target: ShopTarget;
}

/**
 * The shop's state: a bucket for uploads, a queue of jobs and a table of orders, and the IAM role
 * the API's pods run as (IRSA). The queue's URL and the role's ARN are outputs that the manifests
 * on the same branch bind (`${aws:<prefix>-<env>-data.QueueUrl}`, `.RoleArn`).
 */
export class DataStack extends cdk.Stack {
  /** The job queue; its name is fixed so the Kubernetes side can name it in a ConfigMap. */
  readonly queue: sqs.Queue;
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  /** The role of the `shop-api` ServiceAccount; the manifests carry its ARN in the IRSA annotation. */
  readonly podRole: iam.Role;

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

    // IRSA: the cluster's OIDC provider lets only the shop-api ServiceAccount of this environment's
    // namespace assume the role. The example has no real cluster, so the issuer is a setting.
    const issuer = target.settings.oidcIssuer ?? 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE';
    this.podRole = new iam.Role(this, 'ApiPods', {
      roleName: target.name('api-pods'),
      description: `The shop-api pods of ${target.prefix} ${target.env} (IRSA)`,
      assumedBy: new iam.FederatedPrincipal(
        this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: issuer }),
        {
          StringEquals: {
            [`${issuer}:sub`]: `system:serviceaccount:${target.prefix}-${target.env}:shop-api`,
            [`${issuer}:aud`]: 'sts.amazonaws.com',
          },
        },
        'sts:AssumeRoleWithWebIdentity',
      ),
    });
    this.queue.grantConsumeMessages(this.podRole);

    new cdk.CfnOutput(this, 'QueueName', { value: this.queue.queueName });
    new cdk.CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new cdk.CfnOutput(this, 'TableName', { value: this.table.tableName });
    new cdk.CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new cdk.CfnOutput(this, 'RoleArn', { value: this.podRole.roleArn });
  }
}
