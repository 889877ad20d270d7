import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sqs from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { rememberingCredentials, type AwsTargetConfig } from '../../controller/model';
import { assumeRoleCredentials } from './assume-role';

/** Explicit credentials; absent means the SDK's default chain in cairn's own process, remembered as secrets. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The SDK clients of one environment, with its region, endpoint override and generous throttling retries. */
export interface AwsClients {
  readonly cfn: CloudFormationClient;
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  /**
   * Reads only: whether a queue or topic a stack would create is taken (see assertNoAdoptedNames).
   * Made, and their SDK modules loaded (about 13 ms of a process's start), on first use: only a
   * change adding a named queue or topic needs them.
   */
  readonly sqs: Sqs.SQSClient;
  readonly sns: Sns.SNSClient;
  /**
   * One read of a service cairn has no SDK client of (see JSON_SERVICES), as the same identity:
   * `action` is the operation (`DescribeKey`), or, for Lambda's REST API, the path read with GET.
   */
  readonly readJson: (service: JsonService, action: string, body: object) => Promise<unknown>;
}

/**
 * The services cairn reads without loading an SDK client (a package each): whether a KMS alias, a
 * state machine or a Lambda function of a name exists (see assertNoAdoptedNames). The endpoint
 * prefix (also the SigV4 service name), and the JSON protocol's X-Amz-Target prefix and version,
 * or `rest` for a service read by path (Lambda).
 */
const JSON_SERVICES = {
  kms: { prefix: 'kms', protocol: { target: 'TrentService', version: '1.1' } },
  states: { prefix: 'states', protocol: { target: 'AWSStepFunctions', version: '1.0' } },
  lambda: { prefix: 'lambda', protocol: 'rest' },
} as const;
export type JsonService = keyof typeof JSON_SERVICES;

/** What a JSON-protocol service answered instead of a result: its error type (`NotFoundException`) as `name`. */
class AwsJsonError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** SHA-256 (HMAC-SHA-256 with a key) in the shape SignatureV4 asks for, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(key?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', bytes(key));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

const bytes = (data: string | ArrayBuffer | ArrayBufferView): Buffer | string =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The service's regional endpoint (the target's endpoint override, for every service, when it has one). */
function jsonEndpoint(target: AwsTargetConfig, prefix: string): URL {
  if (target.endpoint) return new URL(target.endpoint);
  const suffix = target.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${prefix}.${target.region}.${suffix}`);
}

/** A JSON answer, or nothing when it is none (a proxy's or a failing service's HTML page). */
function parsedOrEmpty(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

/**
 * A read signed with SigV4 as `credentials`, answered as JSON; an error answer is thrown as
 * AwsJsonError. Not retried here: a throttled read fails the check as retryable (aws.name-check).
 */
function jsonReader(
  target: AwsTargetConfig,
  credentials: ConstructorParameters<typeof SignatureV4>[0]['credentials'],
): AwsClients['readJson'] {
  return async (service, action, body) => {
    const { prefix, protocol } = JSON_SERVICES[service];
    const base = jsonEndpoint(target, prefix);
    const url =
      protocol === 'rest' ? new URL(action.replace(/^\//, ''), `${base.href.replace(/\/?$/, '/')}`) : base;
    const signer = new SignatureV4({ service: prefix, region: target.region, credentials, sha256: Sha256 });
    const payload = protocol === 'rest' ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method: protocol === 'rest' ? 'GET' : 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        ...(protocol !== 'rest' && {
          'content-type': `application/x-amz-json-${protocol.version}`,
          'x-amz-target': `${protocol.target}.${action}`,
        }),
      },
      ...(payload !== undefined && { body: payload }),
    });
    const response = await fetch(url, {
      method: signed.method,
      headers: signed.headers,
      ...(payload !== undefined && { body: payload }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const answer = parsedOrEmpty(text) as { __type?: string; message?: string; Message?: string };
    if (response.ok) return answer;
    // `__type` is "NotFoundException" or "com.amazonaws.kms#NotFoundException"; Lambda's REST API
    // says it in a header, "ResourceNotFoundException:http://...".
    const type = String(
      answer.__type ?? response.headers.get('x-amzn-errortype') ?? `HTTP${response.status}`,
    );
    throw new AwsJsonError(
      type.split('#').pop()!.split(':')[0]!,
      answer.message ?? answer.Message ?? type,
      response.status,
    );
  };
}

/** The clients of each AwsClients made on first use so far, for destroyClients. */
const madeLater = new WeakMap<AwsClients, { destroy(): void }[]>();

/** The qualifier `cdk bootstrap` and the CDK's default stack synthesizer use unless told another. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The names of an environment's bootstrap, as `cdk bootstrap` makes them for the environment's
 * qualifier (`aws.bootstrapQualifier`, else the default): its version parameter and asset bucket.
 */
export const BOOTSTRAP = {
  version: '30',
  qualifier: (target: AwsTargetConfig): string => target.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER,
  versionParameter: (target: AwsTargetConfig): string =>
    `/cdk-bootstrap/${BOOTSTRAP.qualifier(target)}/version`,
  bucket: (target: AwsTargetConfig): string =>
    `cdk-${BOOTSTRAP.qualifier(target)}-assets-${target.account}-${target.region}`,
} as const;

/** The keys of the bootstrap bucket cairn writes itself (templates too large to send inline); no app's asset may use them. */
export const CAIRN_KEYS = 'cairn/';

/** A role assumed after the environment's own identity: a CDK bootstrap's deploy or publishing role. */
export interface ChainedRole {
  readonly arn: string;
  readonly externalId?: string;
  /** What the role is, for the error when it cannot be assumed (e.g. "the CDK bootstrap's deploy role"). */
  readonly what: string;
  readonly hint: string;
}

/**
 * Creates the environment's CloudFormation, S3, SSM, SQS and SNS clients, and its signed reads of
 * KMS, Step Functions and Lambda (readJson). With `target.roleArn` they share
 * one provider of that role's credentials, assumed (as `cairn-<env>`) with `credentials` or the
 * default chain; without it they use `credentials` or the default chain directly. With `chained`,
 * that identity then assumes the chained role (as `cdk deploy` assumes the bootstrap's deploy
 * role), and the clients use the chained role's credentials.
 */
export function makeClients(
  target: AwsTargetConfig,
  credentials?: AwsCredentials,
  env?: string,
  chained?: ChainedRole,
): AwsClients {
  const roleArn = target.roleArn;
  // What the default chain finds is masked like every other credential: an error may quote it.
  const base = credentials ?? rememberingCredentials(defaultProvider());
  const own = roleArn
    ? assumeRoleCredentials({ env: env ?? 'bootstrap', target: { ...target, roleArn }, base })
    : base;
  const identity = chained
    ? assumeRoleCredentials({
        env: env ?? 'bootstrap',
        target: { ...target, roleArn: chained.arn },
        base: own,
        ...(chained.externalId ? { externalId: chained.externalId } : {}),
        purpose: { what: chained.what, hint: chained.hint },
      })
    : own;
  const common = {
    region: target.region,
    // Throttling and transient errors are retried by the SDK's standard mode with backoff.
    maxAttempts: 8,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    credentials: identity,
  };
  const later: { destroy(): void }[] = [];
  let sqs: Sqs.SQSClient | undefined;
  let sns: Sns.SNSClient | undefined;
  const clients: AwsClients = {
    cfn: new CloudFormationClient(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(target.endpoint) }),
    ssm: new SSMClient(common),
    get sqs() {
      if (!sqs) later.push((sqs = new (require('@aws-sdk/client-sqs') as typeof Sqs).SQSClient(common)));
      return sqs;
    },
    get sns() {
      if (!sns) later.push((sns = new (require('@aws-sdk/client-sns') as typeof Sns).SNSClient(common)));
      return sns;
    },
    readJson: jsonReader(target, identity),
  };
  madeLater.set(clients, later);
  return clients;
}

/** Destroys the clients, closing their keep-alive sockets, so a stopped controller holds no connection open. */
export function destroyClients(clients: AwsClients): void {
  clients.cfn.destroy();
  clients.s3.destroy();
  clients.ssm.destroy();
  for (const client of madeLater.get(clients) ?? []) client.destroy();
}

/** The URL CloudFormation reads a large template from (path style, so an endpoint override works). */
export function objectUrl(target: AwsTargetConfig, bucket: string, key: string): string {
  // moto reads a 127.0.0.1 host as a bucket name; localhost is the same socket and parses as a host.
  const base =
    target.endpoint?.replace('//127.0.0.1', '//localhost') ?? `https://s3.${target.region}.amazonaws.com`;
  return `${base.replace(/\/$/, '')}/${bucket}/${key}`;
}
