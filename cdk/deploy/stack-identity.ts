import type { AwsTargetConfig, Log } from '../../controller/model';
import { CairnError } from '../../controller/model';
import {
  BOOTSTRAP,
  destroyClients,
  makeClients,
  type AwsClients,
  type AwsCredentials,
  type ChainedRole,
} from './aws-clients';
import type { BootstrapKind } from './bootstrap';
import type { StackArtifact } from '../types';

/** The partition of a region's ARNs (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Resolves the CDK's `${AWS::AccountId}`/`${AWS::Region}`/`${AWS::Partition}` placeholders for the target. */
export function resolvePlaceholders(value: string, target: AwsTargetConfig): string {
  return value
    .replaceAll('${AWS::AccountId}', target.account)
    .replaceAll('${AWS::Region}', target.region)
    .replaceAll('${AWS::Partition}', partitionOf(target.region));
}

/** The ARN of one role of the environment's standard `cdk bootstrap` (with its qualifier). */
export function bootstrapRoleArn(
  role: 'deploy' | 'cfn-exec' | 'file-publishing',
  target: AwsTargetConfig,
): string {
  const { account, region } = target;
  return `arn:${partitionOf(region)}:iam::${account}:role/cdk-${BOOTSTRAP.qualifier(target)}-${role}-role-${account}-${region}`;
}

/** Who deploys one stack: the role assumed for its CloudFormation calls, and the `RoleARN` passed. */
export interface StackIdentity {
  /** Absent: the environment's own identity (its credentials, or `aws.roleArn`). */
  readonly deploy?: ChainedRole;
  /** Passed as `RoleARN` on its change sets and deletes. */
  readonly executionRoleArn?: string;
}

const DEPLOY_HINT =
  'bootstrap the account and region with `cdk bootstrap --trust <the account of cairn’s identity>` (it makes this role and trusts that account), or let cairn’s identity assume it';

/**
 * The identity a stack deploys with, as `cdk deploy` chooses it: on an account a standard `cdk
 * bootstrap` prepared, the deploy role the stack artifact names (assumed after the environment's
 * own identity) and its execution role as `RoleARN`; a configured
 * `aws.cloudFormationExecutionRoleArn` wins over the assembly's. A `cairn bootstrap` makes no
 * roles, so there the environment's own identity deploys and the assembly's roles are not used.
 * The assembly is the app's output, so its roles must be exactly this environment's bootstrap
 * roles: any other (another account's, another qualifier's, an arbitrary role) is refused as
 * `aws.out-of-bounds`, naming the stack and the role, before anything is assumed. A role the
 * artifact leaves out is the bootstrap's all the same: leaving them out (another synthesizer, or an
 * edited manifest) must not make the stack deploy as the environment's own identity (cairn's own
 * credentials without `aws.roleArn`) with no execution role, past what the bootstrap allows.
 */
export function stackIdentity(
  artifact: Pick<StackArtifact, 'stackName' | 'roles'>,
  target: AwsTargetConfig,
  bootstrap: BootstrapKind,
): StackIdentity {
  const configured = target.cloudFormationExecutionRoleArn;
  if (bootstrap !== 'cdk') return configured ? { executionRoleArn: configured } : {};
  const roles = artifact.roles ?? {};
  const bounded = (raw: string | undefined, role: 'deploy' | 'cfn-exec'): string => {
    const expected = bootstrapRoleArn(role, target);
    if (raw === undefined) return expected;
    const arn = resolvePlaceholders(raw, target);
    if (arn === expected) return arn;
    throw new CairnError(
      `names the role ${arn}, which is not this environment's bootstrap role ${expected}`,
      {
        code: 'aws.out-of-bounds',
        phase: 'apply-aws',
        retryable: false,
        subject: `stack ${artifact.stackName}`,
        hint: 'use the default stack synthesizer (it names the bootstrap’s roles); an app does not choose the identity it deploys as',
      },
    );
  };
  const deployArn = bounded(roles.deployRoleArn, 'deploy');
  const execution = bounded(roles.executionRoleArn, 'cfn-exec');
  const executionRoleArn = configured ?? execution;
  return {
    deploy: {
      arn: deployArn,
      ...(roles.deployRoleExternalId ? { externalId: roles.deployRoleExternalId } : {}),
      what: `the CDK bootstrap's deploy role, for stack ${artifact.stackName}`,
      hint: DEPLOY_HINT,
    },
    executionRoleArn,
  };
}

/** The publishing role of a CDK bootstrap, for file assets and large templates. */
export function publishingRole(target: AwsTargetConfig): ChainedRole {
  return {
    arn: bootstrapRoleArn('file-publishing', target),
    what: "the CDK bootstrap's file publishing role",
    hint: DEPLOY_HINT.replace('this role', 'its roles'),
  };
}

/**
 * The SDK clients of one environment per identity: its own, and one set per chained role, each
 * made once and kept (their credential providers cache and refresh the assumed credentials).
 */
export class IdentityClients {
  private readonly chained = new Map<string, AwsClients>();

  constructor(
    readonly own: AwsClients,
    private readonly target: AwsTargetConfig,
    private readonly env: string,
    private readonly credentials: AwsCredentials | undefined,
    private readonly log: Log,
  ) {}

  /** The clients acting as `role`, or the environment's own clients when there is none. */
  for(role: ChainedRole | undefined): AwsClients {
    if (!role) return this.own;
    const key = `${role.arn}\n${role.externalId ?? ''}`;
    let clients = this.chained.get(key);
    if (!clients) {
      this.log.info({ env: this.env, role: role.arn }, 'deploying as the CDK bootstrap role');
      clients = makeClients(this.target, this.credentials, this.env, role);
      this.chained.set(key, clients);
    }
    return clients;
  }

  /** Destroys every set of clients, the environment's own included. */
  destroy(): void {
    destroyClients(this.own);
    for (const clients of this.chained.values()) destroyClients(clients);
    this.chained.clear();
  }
}
