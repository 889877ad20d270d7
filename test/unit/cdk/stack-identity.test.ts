import { bootstrapRoleArn, stackIdentity } from '../../../cdk/deploy/stack-identity';
import type { AwsTargetConfig } from '../../../controller/model';
import { isCairnError } from '../../../controller/model';

const target = (over: Partial<AwsTargetConfig> = {}): AwsTargetConfig => ({
  region: 'eu-west-1',
  account: '111111111111',
  prune: false,
  synthTimeoutMs: 1,
  deployTimeoutMs: 1,
  ...over,
});
const DEPLOY =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-deploy-role-${AWS::AccountId}-${AWS::Region}';
const EXEC =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}';
const artifact = (roles?: {
  deployRoleArn?: string;
  executionRoleArn?: string;
  deployRoleExternalId?: string;
}) => ({
  stackName: 'app',
  ...(roles ? { roles } : {}),
});

describe('stackIdentity', () => {
  it.each([
    [
      'a CDK bootstrap: the assembly’s roles, resolved',
      'cdk',
      {},
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-1',
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1',
    ],
    [
      'a CDK bootstrap with a configured execution role: it wins',
      'cdk',
      { cloudFormationExecutionRoleArn: 'arn:aws:iam::111111111111:role/mine' },
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-eu-west-1',
      'arn:aws:iam::111111111111:role/mine',
    ],
    ['cairn’s bootstrap: no deploy role', 'cairn', {}, undefined, undefined],
    [
      'cairn’s bootstrap with a configured execution role',
      'cairn',
      { cloudFormationExecutionRoleArn: 'arn:aws:iam::111111111111:role/mine' },
      undefined,
      'arn:aws:iam::111111111111:role/mine',
    ],
    ['no bootstrap', 'none', {}, undefined, undefined],
    [
      'a China region: its partition',
      'cdk',
      { region: 'cn-north-1' },
      'arn:aws-cn:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-cn-north-1',
      'arn:aws-cn:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-cn-north-1',
    ],
  ] as const)('%s', (_label, bootstrap, over, deploy, exec) => {
    const identity = stackIdentity(
      artifact({ deployRoleArn: DEPLOY, executionRoleArn: EXEC }),
      target(over),
      bootstrap,
    );
    expect(identity.deploy?.arn).toBe(deploy);
    expect(identity.executionRoleArn).toBe(exec);
  });

  it('passes the external id the artifact names', () => {
    const identity = stackIdentity(
      artifact({ deployRoleArn: DEPLOY, deployRoleExternalId: 'x-1' }),
      target(),
      'cdk',
    );
    expect(identity.deploy?.externalId).toBe('x-1');
  });

  it.each([
    ['no role at all (another synthesizer)', undefined],
    ['an empty roles entry', {}],
    ['an execution role only', { executionRoleArn: EXEC }],
    ['a deploy role only', { deployRoleArn: DEPLOY }],
  ])(
    'deploys an artifact naming %s as the bootstrap’s roles, never as the environment’s own identity',
    (_label, roles) => {
      // an app that leaves its roles out must not deploy as cairn's credentials without the execution role
      const identity = stackIdentity(artifact(roles), target(), 'cdk');
      expect(identity.deploy?.arn).toBe(bootstrapRoleArn('deploy', target()));
      expect(identity.executionRoleArn).toBe(bootstrapRoleArn('cfn-exec', target()));
    },
  );

  it.each([
    ['another account', 'arn:aws:iam::222222222222:role/cdk-hnb659fds-deploy-role-222222222222-eu-west-1'],
    ['another qualifier', 'arn:aws:iam::111111111111:role/cdk-other-deploy-role-111111111111-eu-west-1'],
    ['any other role', 'arn:aws:iam::111111111111:role/Admin'],
  ])('refuses a deploy role of %s as aws.out-of-bounds, naming stack and role', (_label, role) => {
    let thrown: unknown;
    try {
      stackIdentity(artifact({ deployRoleArn: role }), target(), 'cdk');
    } catch (error) {
      thrown = error;
    }
    expect(isCairnError(thrown) && thrown.code).toBe('aws.out-of-bounds');
    expect((thrown as Error).message).toContain('stack app');
    expect((thrown as Error).message).toContain(role);
  });

  it('names the bootstrap roles by the CDK’s convention', () => {
    expect(bootstrapRoleArn('file-publishing', target())).toBe(
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-file-publishing-role-111111111111-eu-west-1',
    );
  });
});
