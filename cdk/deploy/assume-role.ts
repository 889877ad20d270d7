import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsTargetConfig } from '../../controller/model';
import { CairnError, errorMessage, rememberSecrets } from '../../controller/model';

/** Credentials with the time they stop working (temporary ones from STS). */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** A function the SDK clients call for credentials; it may return cached ones. */
export type CredentialsProvider = () => Promise<TemporaryCredentials>;

/** How long the assumed credentials are asked for. */
const SESSION_SECONDS = 3600;
/**
 * Fresh credentials are fetched this long before the old ones expire. It is longer than the SDK's
 * own five-minute window, so a client never receives credentials it already counts as expired.
 */
export const REFRESH_MARGIN_MS = 10 * 60 * 1000;

/** The STS call, as a seam: the real STSClient in cairn, a double in unit tests. */
export type AssumeRoleCall = (input: {
  readonly RoleArn: string;
  readonly RoleSessionName: string;
  readonly DurationSeconds: number;
  readonly ExternalId?: string;
}) => Promise<{
  readonly Credentials?: {
    readonly AccessKeyId?: string;
    readonly SecretAccessKey?: string;
    readonly SessionToken?: string;
    readonly Expiration?: Date;
  };
}>;

/** `cairn-<env>`, reduced to the characters and length STS accepts for a session name. */
export function sessionName(env: string): string {
  return `cairn-${env}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

function stsCall(target: AwsTargetConfig, base?: TemporaryCredentials | CredentialsProvider): AssumeRoleCall {
  const client = new STSClient({
    region: target.region,
    maxAttempts: 4,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(base ? { credentials: base } : {}),
  });
  return (input) => client.send(new AssumeRoleCommand(input));
}

/**
 * The credentials of `target.roleArn`, assumed through STS with the session name `cairn-<env>`
 * (CloudTrail shows which environment acted), cached and refreshed REFRESH_MARGIN_MS before they
 * expire. Concurrent callers share one STS call. A role that cannot be assumed fails with an error
 * naming the role and the environment; only the clients of that environment use this provider.
 */
export function assumeRoleCredentials(options: {
  readonly env: string;
  readonly target: AwsTargetConfig & { readonly roleArn: string };
  /** The identity that assumes the role; absent means the SDK's default chain. */
  readonly base?: TemporaryCredentials | CredentialsProvider;
  readonly assumeRole?: AssumeRoleCall;
  readonly now?: () => number;
  /** The external id the role's trust policy asks for (a CDK bootstrap's deploy role may). */
  readonly externalId?: string;
  /**
   * Why this role is assumed, when it is not the environment's own `aws.roleArn` (the CDK bootstrap's
   * deploy role): a role that cannot be assumed is then terminal, with this hint.
   */
  readonly purpose?: { readonly what: string; readonly hint: string };
}): CredentialsProvider {
  const { env, target } = options;
  const call = options.assumeRole ?? stsCall(target, options.base);
  const now = options.now ?? Date.now;
  let current: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;

  const fresh = (c: TemporaryCredentials | undefined): c is TemporaryCredentials =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_MARGIN_MS);

  const assume = async (): Promise<TemporaryCredentials> => {
    try {
      const { Credentials: c } = await call({
        RoleArn: target.roleArn,
        RoleSessionName: sessionName(env),
        DurationSeconds: SESSION_SECONDS,
        ...(options.externalId ? { ExternalId: options.externalId } : {}),
      });
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS answered without credentials');
      rememberSecrets([c.SecretAccessKey, c.SessionToken]);
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
    } catch (error) {
      const purpose = options.purpose;
      throw new CairnError(
        `${purpose ? `(${purpose.what}) ` : ''}could not be assumed for environment ${env}: ${errorMessage(error)}`,
        {
          code: 'aws.assume-role',
          subject: `role ${target.roleArn}`,
          // The environment's own role: an IAM trust policy fixed outside Git takes effect without a
          // new commit, so back off and retry. A bootstrap role that is missing needs a person (a
          // bootstrap), and retrying every few seconds would only hide that: terminal.
          retryable: purpose === undefined,
          hint:
            purpose?.hint ??
            "allow cairn's own identity to assume this role (its trust policy and sts:AssumeRole)",
          cause: error,
        },
      );
    }
  };

  return () => {
    if (fresh(current)) return Promise.resolve(current);
    pending ??= assume().then(
      (credentials) => {
        current = credentials;
        pending = undefined;
        return credentials;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
}
