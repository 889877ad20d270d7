import { stackTemplate } from '../../../cdk/deploy/template-bounds';
import { INSTANCE_PROFILE_PROPERTIES, ROLE_PROPERTIES } from '../../../cdk/deploy/role-properties.generated';
import { assertTargetsInBounds, type TargetBounds } from '../../../cdk/deploy/template-targets';
import { isCairnError } from '../../../controller/model';
import { cdkRoleReferences, deriveRoleProperties } from '../../tools/role-properties';

const THEIRS = 'arn:aws:iam::123456789012:role/env-b-worker';
const BOUNDS: TargetBounds = {
  listed: [],
  pseudo: { 'AWS::Partition': 'aws', 'AWS::AccountId': '123456789012', 'AWS::Region': 'us-east-1' },
};

describe('the table of properties that name a role a service acts as', () => {
  it('is what test/tools/role-properties.ts derives from the installed spec (run it when this fails)', () => {
    // given the spec installed with the CDK; when the table is derived again
    const derived = deriveRoleProperties();
    // then it is the checked-in table: a CDK or spec upgrade that brings a new one shows here
    expect(ROLE_PROPERTIES).toEqual(derived.role);
    expect(INSTANCE_PROFILE_PROPERTIES).toEqual(derived.instanceProfile);
  });

  it("holds every property aws-cdk-lib's own L1 classes type as a role or instance profile reference", () => {
    // given the properties the installed aws-cdk-lib types as IRoleRef or IInstanceProfileRef
    const references = cdkRoleReferences();
    expect(references.length).toBeGreaterThan(50);
    // then each has a path in the table for its type whose last name is the property's
    const last = (path: string) =>
      path
        .split('.')
        .pop()!
        .replace(/\[\]|\{\}/g, '')
        .toLowerCase();
    const missing = references.filter(([type, name]) => {
      const paths = [...(ROLE_PROPERTIES[type] ?? []), ...(INSTANCE_PROFILE_PROPERTIES[type] ?? [])];
      return !paths.some((path) => last(path) === name.toLowerCase());
    });
    expect(missing).toEqual([]);
  });

  it.each([
    ['aws::lambda::function', 'Role'],
    ['aws::kinesisfirehose::deliverystream', 'ExtendedS3DestinationConfiguration.RoleARN'],
    ['aws::kinesisfirehose::deliverystream', 'RedshiftDestinationConfiguration.S3Configuration.RoleARN'],
    ['aws::apigateway::method', 'Integration.Credentials'],
    ['aws::apigatewayv2::integration', 'CredentialsArn'],
    ['aws::sagemaker::model', 'ExecutionRoleArn'],
    ['aws::batch::computeenvironment', 'ServiceRole'],
    ['aws::emr::cluster', 'ServiceRole'],
    ['aws::dms::endpoint', 'S3Settings.ServiceAccessRoleArn'],
    ['aws::datasync::locations3', 'S3Config.BucketAccessRoleArn'],
    ['aws::kinesisanalyticsv2::application', 'ServiceExecutionRole'],
    ['aws::codepipeline::pipeline', 'RoleArn'],
    ['aws::codepipeline::pipeline', 'Stages[].Actions[].RoleArn'],
    ['aws::config::configurationrecorder', 'RoleARN'],
    ['aws::backup::backupselection', 'BackupSelection.IamRoleArn'],
    ['aws::iot::topicrule', 'TopicRulePayload.Actions[].Sqs.RoleArn'],
    ['aws::cognito::identitypoolroleattachment', 'Roles{}'],
    ['aws::pipes::pipe', 'RoleArn'],
    ['aws::ecs::service', 'Role'],
    ['aws::events::rule', 'Targets[].RoleArn'],
    ['aws::amplify::app', 'IAMServiceRole'],
    ['aws::transfer::server', 'LoggingRole'],
    ['aws::ec2::flowlog', 'DeliverLogsPermissionArn'],
  ])('holds %s %s (a role)', (type, path) => {
    expect(ROLE_PROPERTIES[type]).toContain(path);
  });

  it.each([
    ['aws::ec2::instance', 'IamInstanceProfile'],
    ['aws::ec2::launchtemplate', 'LaunchTemplateData.IamInstanceProfile.Arn'],
    ['aws::batch::computeenvironment', 'ComputeResources.InstanceRole'],
    ['aws::autoscaling::launchconfiguration', 'IamInstanceProfile'],
  ])('holds %s %s (an instance profile)', (type, path) => {
    expect(INSTANCE_PROFILE_PROPERTIES[type]).toContain(path);
  });

  it.each([
    ['aws::iam::role', 'RoleName', 'the name of the role it creates'],
    ['aws::elasticache::globalreplicationgroup', 'Members[].Role', 'PRIMARY or SECONDARY'],
    [
      'aws::kinesisfirehose::deliverystream',
      'SnowflakeDestinationConfiguration.SnowflakeRoleConfiguration.SnowflakeRole',
      "Snowflake's",
    ],
    ['aws::datapipeline::pipeline', 'PipelineObjects[].Fields[].StringValue', 'any field value'],
    ['aws::lambda::permission', 'Principal', 'a grant, not a role acted as'],
    ['aws::codebuild::project', 'Environment.ImagePullCredentialsType', 'CODEBUILD or SERVICE_ROLE'],
  ])('leaves out %s %s (%s)', (type, path) => {
    expect(ROLE_PROPERTIES[type] ?? []).not.toContain(path);
    expect(INSTANCE_PROFILE_PROPERTIES[type] ?? []).not.toContain(path);
  });
});

/** The refusal of a template of one resource, or undefined. */
function refusal(resources: object): string | undefined {
  try {
    assertTargetsInBounds('app', stackTemplate(JSON.stringify({ Resources: resources })), BOUNDS, 'plan');
    return undefined;
  } catch (error) {
    expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
    return (error as Error).message;
  }
}

const ROLE = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } };
const PROFILE = { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'Role' }] } };
const attachment = (roles: unknown) => ({
  Role: ROLE,
  Attach: {
    Type: 'AWS::Cognito::IdentityPoolRoleAttachment',
    Properties: { IdentityPoolId: 'p', Roles: roles },
  },
});
const instance = (profile: unknown) => ({
  Role: ROLE,
  Profile: PROFILE,
  Instance: { Type: 'AWS::EC2::Instance', Properties: { ImageId: 'ami-1', IamInstanceProfile: profile } },
});
const serviceRole = (role: unknown) => ({
  Env: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { Type: 'MANAGED', ServiceRole: role } },
});

describe('assertTargetsInBounds on roles a service acts as', () => {
  it.each([
    [
      "each value of a map (an identity pool's Roles)",
      attachment({ authenticated: THEIRS }),
      'Roles.authenticated',
    ],
    ['a map written whole', attachment({ 'Fn::If': ['C', { authenticated: THEIRS }, {}] }), 'Roles of'],
    ["an instance's profile named by an own role's name", instance({ Ref: 'Role' }), 'IamInstanceProfile'],
    [
      'a lookalike of a service-linked role outside its path',
      serviceRole(
        'arn:aws:iam::123456789012:role/aws-service-role-x/batch.amazonaws.com/AWSServiceRoleForBatch',
      ),
      'ServiceRole',
    ],
    [
      'a service-linked path under another path',
      serviceRole('arn:aws:iam::123456789012:role/team/aws-service-role/batch.amazonaws.com/B'),
      'ServiceRole',
    ],
    [
      "a user's identity that is not the caller's",
      serviceRole('arn:aws:iam::123456789012:user/ops'),
      'ServiceRole',
    ],
  ])('refuses %s', (_label, resources, where) => {
    expect(refusal(resources)).toContain(where);
  });

  it.each([
    ['an own role by Fn::GetAtt Arn', attachment({ authenticated: { 'Fn::GetAtt': ['Role', 'Arn'] } })],
    ["an instance's own profile by Ref", instance({ Ref: 'Profile' })],
    [
      'a service-linked role, as the CDK writes it with the partition and account',
      serviceRole({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::',
            { Ref: 'AWS::AccountId' },
            ':role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch',
          ],
        ],
      }),
    ],
  ])('passes %s', (_label, resources) => {
    expect(refusal(resources)).toBeUndefined();
  });
});
