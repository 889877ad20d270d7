import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsTargetConfig } from '../../controller/model';
import { CairnError, errorMessage, isCairnError } from '../../controller/model';
import type { Log } from '../../controller/model';
import { BOOTSTRAP, destroyClients, makeClients, type AwsClients, type AwsCredentials } from './aws-clients';

// The description cairn writes on the version parameter it creates: a parameter without it was
// made by someone else (`cdk bootstrap`), and cairn never overwrites that.
const MADE_BY_CAIRN = 'Made by cairn bootstrap';
// The stack `cdk bootstrap` deploys its resources in.
const CDK_TOOLKIT_STACK = 'CDKToolkit';

/** What `cairn bootstrap` found or made. */
export interface BootstrapResult {
  readonly bucketName: string;
  readonly version: string;
  /** `cdk`: a bootstrap cairn did not make, used as it is; `cairn`: cairn's own, made or refreshed now. */
  readonly madeBy: 'cdk' | 'cairn';
}

/**
 * Prepares an account and region for deploys, like `cdk bootstrap` does for what cairn needs:
 * the bootstrap version parameter (synthesized templates check it) and the assets bucket
 * (file assets and large templates). A bootstrap cairn did not make (a `CDKToolkit` stack, or a
 * version parameter without cairn's mark) is read and used exactly as it is: overwriting it would
 * downgrade the real bootstrap that `cdk deploy` relies on (and whose deploy, execution and
 * publishing roles cairn then uses, see stackIdentity). cairn's own bootstrap makes no roles: there
 * it deploys with its own credentials, the environment's `aws.roleArn`, and
 * `aws.cloudFormationExecutionRoleArn`.
 */
export async function bootstrapEnvironment(
  target: AwsTargetConfig,
  log: Log,
  options: { credentials?: AwsCredentials; env?: string } = {},
): Promise<BootstrapResult> {
  const clients = makeClients(target, options.credentials, options.env);
  const { s3, ssm } = clients;
  try {
    const found = await existingBootstrap(clients, target);
    if (found) {
      log.info(
        { bucket: found.bucketName, version: found.version, region: target.region },
        'a CDK bootstrap is already there: used as it is',
      );
      return found;
    }
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
        Name: BOOTSTRAP.versionParameter(target),
        Value: BOOTSTRAP.version,
        Description: MADE_BY_CAIRN,
        Type: 'String',
        Overwrite: true,
      }),
    );
    log.info(
      { bucket: bucketName, version: BOOTSTRAP.version, region: target.region },
      'environment bootstrapped',
    );
    return { bucketName, version: BOOTSTRAP.version, madeBy: 'cairn' };
  } finally {
    destroyClients(clients);
  }
}

/** The bootstrap someone else made (the CDKToolkit stack, or an unmarked version parameter), or null. */
async function existingBootstrap(
  clients: AwsClients,
  target: AwsTargetConfig,
): Promise<BootstrapResult | null> {
  const toolkit = await clients.cfn
    .send(new DescribeStacksCommand({ StackName: CDK_TOOLKIT_STACK }))
    .then((r) => r.Stacks?.[0])
    .catch((error: { name?: string; message?: string }) => {
      if (/does not exist/.test(error.message ?? '')) return undefined;
      throw error;
    });
  const described = await clients.ssm.send(
    new DescribeParametersCommand({
      ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [BOOTSTRAP.versionParameter(target)] }],
    }),
  );
  const parameter = described.Parameters?.[0];
  if (!toolkit && (!parameter || parameter.Description === MADE_BY_CAIRN)) return null;
  const output = (key: string) => toolkit?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const version = parameter
    ? ((await clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP.versionParameter(target) })))
        .Parameter?.Value ?? '')
    : (output('BootstrapVersion') ?? '');
  return {
    bucketName: output('BucketName') ?? BOOTSTRAP.bucket(target),
    version,
    madeBy: 'cdk',
  };
}

// The AWS SDK found no credentials at all: not a permission to grant, credentials to give.
const NO_CREDENTIALS_HINT =
  "give cairn AWS credentials the way the AWS SDK reads them: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or its host's role";

function noCredentials(error: unknown): boolean {
  return (error as { name?: string }).name === 'CredentialsProviderError';
}

// The SDK reached no server at all (its retries spent): not a permission either, an address to check.
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The hint for an error that is neither a permission nor an answer: no credentials, or no server. */
function reachHint(error: unknown, target: AwsTargetConfig): string | undefined {
  if (noCredentials(error)) return NO_CREDENTIALS_HINT;
  const { code, name } = error as { code?: string; name?: string };
  if (!UNREACHABLE.has(code ?? '') && name !== 'TimeoutError') return undefined;
  return target.endpoint
    ? `check that ${target.endpoint} is reachable (aws.endpoint)`
    : `check that AWS in ${target.region} is reachable from this host (its network, proxy and DNS)`;
}

/**
 * Who made the account's bootstrap, from its version parameter: `cdk` (a `cdk bootstrap`, whose
 * deploy, execution and publishing roles the assembly names), `cairn` (`cairn bootstrap`, which
 * makes no roles: the environment's own identity deploys), or `none` (not bootstrapped).
 */
export type BootstrapKind = 'cdk' | 'cairn' | 'none';

/** Reads the bootstrap's kind (one DescribeParameters call: only it returns cairn's mark). */
export async function bootstrapKind(clients: AwsClients, target: AwsTargetConfig): Promise<BootstrapKind> {
  try {
    const described = await clients.ssm.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [BOOTSTRAP.versionParameter(target)] }],
      }),
    );
    const parameter = described.Parameters?.[0];
    if (!parameter) return 'none';
    return parameter.Description === MADE_BY_CAIRN ? 'cairn' : 'cdk';
  } catch (error) {
    if (isCairnError(error)) throw error; // the environment's role could not be assumed: it says so
    throw new CairnError(`could not read who made the bootstrap: ${errorMessage(error)}`, {
      code: 'aws.bootstrap-check',
      retryable: true,
      subject: `AWS account ${target.account} in ${target.region}`,
      hint:
        reachHint(error, target) ??
        `allow the environment's identity ssm:DescribeParameters on ${BOOTSTRAP.versionParameter(target)}`,
    });
  }
}

/** Throws a CairnError saying to run `cairn bootstrap` when the version parameter is missing. */
export async function requireBootstrap(
  clients: AwsClients,
  env: string,
  target: AwsTargetConfig,
): Promise<void> {
  try {
    await clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP.versionParameter(target) }));
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
        hint: missing
          ? `run \`cairn bootstrap --config <file> --env ${env}\` once`
          : reachHint(error, target),
      },
    );
  }
}
