import { CreateBucketCommand, HeadBucketCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsTargetConfig } from '../../controller/model';
import { CairnError, errorMessage, isCairnError } from '../../controller/model';
import type { Log } from '../../controller/model';
import { BOOTSTRAP, destroyClients, makeClients, type AwsClients, type AwsCredentials } from './aws-clients';

/**
 * Prepares an account and region for deploys, like `cdk bootstrap` does for what cairn needs:
 * the bootstrap version parameter (synthesized templates check it) and the assets bucket
 * (file assets and large templates). The CDK's deploy roles are not created: cairn deploys
 * with its own credentials, or with the environment's `aws.roleArn`.
 */
export async function bootstrapEnvironment(
  target: AwsTargetConfig,
  log: Log,
  options: { credentials?: AwsCredentials; env?: string } = {},
): Promise<{ bucketName: string; version: string }> {
  const clients = makeClients(target, options.credentials, options.env);
  const { s3, ssm } = clients;
  try {
    const bucketName = BOOTSTRAP.bucket(target);
    const exists = await s3.send(new HeadBucketCommand({ Bucket: bucketName })).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucketName,
          ...(target.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: { LocationConstraint: target.region as BucketLocationConstraint },
              }),
        }),
      );
    }
    await ssm.send(
      new PutParameterCommand({
        Name: BOOTSTRAP.versionParameter,
        Value: BOOTSTRAP.version,
        Type: 'String',
        Overwrite: true,
      }),
    );
    log.info(
      { bucket: bucketName, version: BOOTSTRAP.version, region: target.region },
      'environment bootstrapped',
    );
    return { bucketName, version: BOOTSTRAP.version };
  } finally {
    destroyClients(clients);
  }
}

/** Throws a CairnError saying to run `cairn bootstrap` when the version parameter is missing. */
export async function requireBootstrap(
  clients: AwsClients,
  env: string,
  target: AwsTargetConfig,
): Promise<void> {
  try {
    await clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP.versionParameter }));
  } catch (error) {
    if (isCairnError(error)) throw error; // the environment's role could not be assumed: it says so
    const missing = (error as { name?: string }).name === 'ParameterNotFound';
    throw new CairnError(
      missing ? 'is not bootstrapped' : `could not read the bootstrap version: ${errorMessage(error)}`,
      {
        code: missing ? 'aws.not-bootstrapped' : 'aws.bootstrap-check',
        phase: 'apply-aws',
        retryable: !missing,
        subject: `AWS account ${target.account} in ${target.region}`,
        hint: missing ? `run \`cairn bootstrap --config <file> --env ${env}\` once` : undefined,
      },
    );
  }
}
