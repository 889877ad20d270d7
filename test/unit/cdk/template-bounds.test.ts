import {
  allowedImport,
  assertJsonTemplate,
  assertNoMacroDefinitions,
  assertProvidersInBounds,
  assertResourceTypesInBounds,
  ownProvider,
  providerExports,
  declaredExports,
  literalText,
  nestedStacks,
  s3Object,
  assertNoMacros,
  stackTemplate,
} from '../../../cdk/deploy/template-bounds';
import { isCairnError } from '../../../controller/model';
import {
  assertTargetsInBounds,
  targetExports,
  targetKind,
  type TargetBounds,
} from '../../../cdk/deploy/template-targets';

const refusal = (template: string, allowed = false): string | undefined => {
  try {
    assertNoMacros('app', stackTemplate(template), allowed, 'plan');
    return undefined;
  } catch (error) {
    expect(isCairnError(error) && error.code).toBe('aws.macro-refused');
    return (error as Error).message;
  }
};

describe('assertNoMacros', () => {
  it.each([
    ['a top-level Transform', { Transform: 'AWS::Serverless-2016-10-31', Resources: {} }, '(Transform)'],
    ['a list of transforms', { Transform: ['A', 'B'], Resources: {} }, '(Transform)'],
    [
      'an Fn::Transform in a resource',
      { Resources: { Fn: { Type: 'X', Properties: { 'Fn::Transform': { Name: 'AWS::Include' } } } } },
      '(Resources.Fn.Properties.Fn::Transform)',
    ],
    [
      'an Fn::Transform inside a list',
      { Resources: { Fn: { Type: 'X', Properties: { L: [{ 'Fn::Transform': { Name: 'M' } }] } } } },
      '(Resources.Fn.Properties.L.0.Fn::Transform)',
    ],
  ])('refuses %s, naming where it is', (_label, template, where) => {
    expect(refusal(JSON.stringify(template))).toContain(where);
  });

  it('refuses a template that is not JSON and mentions a transform', () => {
    expect(refusal('Transform: AWS::Serverless-2016-10-31\nResources: {}\n')).toContain('searched as text');
  });

  it('passes a template without macros, and any template when macros are allowed', () => {
    expect(refusal(JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }))).toBeUndefined();
    expect(refusal(JSON.stringify({ Transform: 'M', Resources: {} }), true)).toBeUndefined();
  });
});

describe('declaredExports', () => {
  it('counts only literal export names of outputs without a condition', () => {
    const template = stackTemplate(
      JSON.stringify({
        Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
        Outputs: {
          Always: { Value: 'x', Export: { Name: 'app:always' } },
          Sometimes: { Condition: 'Never', Value: 'x', Export: { Name: 'theirs:export' } },
          Computed: { Value: 'x', Export: { Name: { 'Fn::Sub': '${AWS::StackName}:x' } } },
          Plain: { Value: 'x' },
        },
      }),
    );
    // a false condition makes no export, and the name would import whatever else the account exports
    expect(declaredExports(template)).toEqual(['app:always']);
  });
});

describe('nested stack URLs', () => {
  const pseudo = { 'AWS::Region': 'us-east-1', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::AccountId': '1' };

  it("evaluates the CDK's NestedStack TemplateURL, and nothing that depends on a parameter", () => {
    const url = {
      'Fn::Join': [
        '',
        [
          'https://s3.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/',
          { 'Fn::Sub': 'b-${AWS::AccountId}' },
          '/k.json',
        ],
      ],
    };
    expect(literalText(url, pseudo)).toBe('https://s3.us-east-1.amazonaws.com/b-1/k.json');
    expect(literalText({ Ref: 'TemplateParam' }, pseudo)).toBeUndefined();
    expect(literalText({ 'Fn::Sub': 'https://${Bucket}.s3.amazonaws.com/k' }, pseudo)).toBeUndefined();
    expect(literalText({ 'Fn::GetAtt': ['B', 'RegionalDomainName'] }, pseudo)).toBeUndefined();
  });

  it('reads an Fn::Select of an Fn::Split or of a list, as CloudFormation does, and nothing past its end', () => {
    const region = {
      'Fn::Select': [3, { 'Fn::Split': [':', 'arn:aws:ecs:eu-west-1:1:task-definition/f:2'] }],
    };
    expect(literalText(region, pseudo)).toBe('eu-west-1');
    expect(literalText({ 'Fn::Select': ['1', ['a', { Ref: 'AWS::Region' }]] }, pseudo)).toBe('us-east-1');
    expect(literalText({ 'Fn::Select': [9, { 'Fn::Split': [':', 'a:b'] }] }, pseudo)).toBeUndefined();
    expect(
      literalText({ 'Fn::Select': [0, { 'Fn::Split': [':', { Ref: 'Param' }] }] }, pseudo),
    ).toBeUndefined();
    expect(literalText({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, pseudo)).toBeUndefined();
  });

  it('reads bucket and key of path-style and virtual-hosted S3 URLs only', () => {
    expect(s3Object('https://s3.us-east-1.amazonaws.com/b/k/x.json')).toEqual({
      bucket: 'b',
      key: 'k/x.json',
    });
    expect(s3Object('https://b.s3.us-east-1.amazonaws.com/x.json')).toEqual({ bucket: 'b', key: 'x.json' });
    expect(s3Object('http://s3.amazonaws.com/b/x.json')).toBeUndefined();
    expect(s3Object('https://s3.amazonaws.com/b/x.json?versionId=1')).toBeUndefined();
    expect(s3Object('https://example.com/x.json')).toBeUndefined();
    expect(s3Object('https://b.s3.example.com/x.json')).toBeUndefined();
  });
});

describe('allowedImport', () => {
  it.each([
    ['an exact name', 'platform:VpcId', ['platform:VpcId'], true],
    ['another name', 'platform:VpcIdX', ['platform:VpcId'], false],
    ['a prefix ending in *', 'platform:SubnetA', ['platform:*'], true],
    ['a name outside the prefix', 'team-b:QueueArn', ['platform:*'], false],
    ['nothing listed', 'platform:VpcId', [], false],
  ])('%s', (_case, name, allowed, expected) => {
    expect(allowedImport(name, allowed)).toBe(expected);
  });
});

describe('assertNoMacroDefinitions', () => {
  const defining = JSON.stringify({
    Resources: { Squat: { Type: 'AWS::CloudFormation::Macro', Properties: { Name: 'Shared' } } },
  });
  const refused = (body: string, trusted: boolean): string | undefined => {
    try {
      assertNoMacroDefinitions('app', stackTemplate(body), trusted, 'apply-aws');
      return undefined;
    } catch (error) {
      expect(isCairnError(error) && error.code).toBe('aws.macro-refused');
      return (error as Error).message;
    }
  };

  it.each([
    ['a macro resource, untrusted', defining, false, 'Resources.Squat'],
    ['a macro resource, trusted with macros', defining, true, undefined],
    [
      'a macro resource spelled in another case, untrusted',
      JSON.stringify({ Resources: { Odd: { Type: ' aws::cloudformation::MACRO', Properties: {} } } }),
      false,
      'Resources.Odd',
    ],
    [
      'no macro resource',
      JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }),
      false,
      undefined,
    ],
    [
      'YAML naming one, searched as text',
      'Resources:\n  M:\n    Type: AWS::CloudFormation::Macro\n',
      false,
      'searched as text',
    ],
  ])('%s', (_case, body, trusted, expected) => {
    const message = refused(body, trusted);
    if (expected === undefined) expect(message).toBeUndefined();
    else expect(message).toContain(expected);
  });
});

/** The message of a refusal by `check`, or undefined when it passes. */
const refusedBy = (check: () => void): string | undefined => {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};

describe('assertResourceTypesInBounds', () => {
  const declaring = (type: string) =>
    stackTemplate(JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' }, R: { Type: type } } }));

  it.each([
    'AWS::CloudFormation::Hook',
    'AWS::CloudFormation::HookVersion',
    'AWS::CloudFormation::HookDefaultVersion',
    'AWS::CloudFormation::HookTypeConfig',
    'AWS::CloudFormation::LambdaHook',
    'AWS::CloudFormation::GuardHook',
    'AWS::CloudFormation::TypeActivation',
    'AWS::CloudFormation::ResourceVersion',
    'AWS::CloudFormation::ResourceDefaultVersion',
    'AWS::CloudFormation::ModuleVersion',
    'AWS::CloudFormation::ModuleDefaultVersion',
    'AWS::CloudFormation::PublicTypeVersion',
    'AWS::CloudFormation::Publisher',
    'AWS::CloudFormation::StackSet',
    'aws::cloudformation::stackset',
    'AWS::CloudFormation::LambdaHook ',
    'AWS::ServiceCatalog::CloudFormationProduct',
    'AWS::ServiceCatalog::CloudFormationProvisionedProduct',
    'Org::Secrets::Reader',
    'Org::Network::Vpc::MODULE',
    'AWS::Config::ConfigurationRecorder',
    'AWS::Config::DeliveryChannel',
    'AWS::Config::ConfigRule',
    'AWS::Config::OrganizationConfigRule',
    'AWS::Config::ConformancePack',
    'AWS::Config::AggregationAuthorization',
    'AWS::Config::RemediationConfiguration',
    'AWS::Organizations::Policy',
    'AWS::RAM::ResourceShare',
    'AWS::SSO::Assignment',
    'AWS::CloudTrail::Trail',
    'AWS::CloudTrail::EventDataStore',
    'AWS::GuardDuty::Detector',
    'AWS::GuardDuty::Filter',
    'AWS::SecurityHub::Hub',
    'AWS::Macie::Session',
    'AWS::AccessAnalyzer::Analyzer',
    'AWS::ApiGateway::Account',
    'AWS::ECR::RegistryPolicy',
    'AWS::ECR::ReplicationConfiguration',
    'AWS::Logs::AccountPolicy',
    'AWS::Logs::ResourcePolicy',
    'AWS::EC2::SnapshotBlockPublicAccess',
    'AWS::S3::StorageLens',
  ])('refuses %s, naming the resource and its type', (type) => {
    const message = refusedBy(() => assertResourceTypesInBounds('app', declaring(type), [], 'plan'));
    expect(message).toContain(`Resources.R (${type.trim()})`);
  });

  it.each([
    'AWS::SQS::Queue',
    'AWS::CloudFormation::WaitConditionHandle',
    'AWS::CloudFormation::Stack',
    'Custom::Anything',
    'AWS::ApiGateway::RestApi',
    'AWS::ECR::Repository',
    'AWS::Logs::LogGroup',
    'AWS::EC2::SecurityGroup',
  ])('passes %s', (type) => {
    expect(refusedBy(() => assertResourceTypesInBounds('app', declaring(type), [], 'plan'))).toBeUndefined();
  });

  it("says how to leave out the account's API Gateway logging role the CDK's RestApi declares", () => {
    let hint: string | undefined;
    try {
      assertResourceTypesInBounds('app', declaring('AWS::ApiGateway::Account'), [], 'plan');
    } catch (error) {
      hint = (error as { hint?: string }).hint;
    }
    expect(hint).toContain('cloudWatchRole: false');
    expect(hint).toContain('aws.resourceTypes');
  });

  it('passes a type aws.resourceTypes lists, exactly or by a prefix ending in *', () => {
    const hook = declaring('AWS::CloudFormation::LambdaHook');
    expect(
      refusedBy(() => assertResourceTypesInBounds('app', hook, ['AWS::CloudFormation::LambdaHook'], 'plan')),
    ).toBeUndefined();
    expect(
      refusedBy(() => assertResourceTypesInBounds('app', hook, ['AWS::CloudFormation::*'], 'plan')),
    ).toBeUndefined();
    expect(
      refusedBy(() => assertResourceTypesInBounds('app', hook, ['AWS::CloudFormation::GuardHook'], 'plan')),
    ).toBeDefined();
  });
});

describe('custom resource providers', () => {
  const bounds = {
    listed: ['arn:aws:lambda:us-east-1:123456789012:function:shared-*'],
    pseudo: { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' },
  };
  const calling = (token: unknown, extra: object = {}) =>
    stackTemplate(
      JSON.stringify({
        Parameters: {
          ProviderArn: { Type: 'String', Default: 'arn:aws:lambda:us-east-1:123456789012:function:theirs' },
        },
        Resources: {
          Fn: { Type: 'AWS::Lambda::Function' },
          Topic: { Type: 'AWS::SNS::Topic' },
          Alias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: 'theirs' } },
          Lookup: { Type: 'Custom::Lookup', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
          Call: { Type: 'Custom::Call', Properties: { ServiceToken: token } },
          ...extra,
        },
      }),
    );
  const refused = (
    token: unknown,
    more: Partial<typeof bounds> & {
      fromParent?: (p: string) => boolean;
      imported?: ReadonlySet<string>;
    } = {},
  ) => refusedBy(() => assertProvidersInBounds('app', calling(token), { ...bounds, ...more }, 'apply-aws'));

  it.each([
    ['a GetAtt Arn of its own function', { 'Fn::GetAtt': ['Fn', 'Arn'] }],
    ['the short GetAtt form', { 'Fn::GetAtt': 'Fn.Arn' }],
    ['a Ref of its own topic', { Ref: 'Topic' }],
    ['a listed ARN', 'arn:aws:lambda:us-east-1:123456789012:function:shared-provider'],
    [
      'a listed ARN written with Fn::Sub',
      { 'Fn::Sub': 'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:shared-x' },
    ],
  ])('passes %s', (_label, token) => {
    expect(refused(token)).toBeUndefined();
  });

  it.each([
    ["another's function ARN", 'arn:aws:lambda:us-east-1:123456789012:function:theirs'],
    ["an alias (of anyone's function)", { Ref: 'Alias' }],
    ['an attribute its own custom resource answers', { 'Fn::GetAtt': ['Lookup', 'Arn'] }],
    ["a parameter (its default is the committer's)", { Ref: 'ProviderArn' }],
    ['an import of no provider export', { 'Fn::ImportValue': 'Parent:SomeArn' }],
    ['a computed value', { 'Fn::If': ['C', { 'Fn::GetAtt': ['Fn', 'Arn'] }, 'x'] }],
    ['nothing', undefined],
  ])('refuses %s, naming the field', (_label, token) => {
    expect(refused(token)).toContain('Resources.Call.Properties.ServiceToken');
  });

  it("passes a parameter its parent passes its own provider as, and an import of another stack's provider export", () => {
    expect(refused({ Ref: 'ProviderArn' }, { fromParent: (p) => p === 'ProviderArn' })).toBeUndefined();
    expect(
      refused({ 'Fn::ImportValue': 'Parent:ProvArn' }, { imported: new Set(['Parent:ProvArn']) }),
    ).toBeUndefined();
  });

  it('lists as provider exports only unconditional exports of its own functions and topics', () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: { Fn: { Type: 'AWS::Lambda::Function' }, Topic: { Type: 'AWS::SNS::Topic' } },
        Outputs: {
          A: { Value: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Export: { Name: 'fn' } },
          B: { Value: { Ref: 'Topic' }, Export: { Name: 'topic' } },
          C: { Value: 'arn:aws:lambda:us-east-1:123456789012:function:theirs', Export: { Name: 'literal' } },
          D: { Condition: 'Never', Value: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Export: { Name: 'conditional' } },
        },
      }),
    );
    expect(providerExports(template)).toEqual(['fn', 'topic']);
    expect(ownProvider(template, { Ref: 'Topic' }, { listed: [], pseudo: {} })).toBe(true);
  });
});

describe('assertJsonTemplate', () => {
  it.each([
    ['YAML', 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n'],
    ['a JSON list', '[]'],
    ['JSON null', 'null'],
  ])('refuses %s as aws.template-invalid', (_label, body) => {
    try {
      assertJsonTemplate('app', stackTemplate(body), 'plan');
      throw new Error('not refused');
    } catch (error) {
      expect(isCairnError(error) && error.code).toBe('aws.template-invalid');
    }
  });
});

describe('nestedStacks', () => {
  it('finds a nested stack whose type is spelled with blanks or in another case, as the other checks read types', () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: {
          Plain: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'a' } },
          Spaced: { Type: ' aws::cloudformation::STACK ', Properties: { TemplateURL: 'b' } },
          Queue: { Type: 'AWS::SQS::Queue' },
        },
      }),
    );
    expect(nestedStacks(template).map((n) => n.templateUrl)).toEqual(['a', 'b']);
  });
});

describe('resources that attach to what their properties name', () => {
  const THEIR_ROLE = 'env-b-app-role';
  const pseudo = { 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012', 'AWS::Partition': 'aws' };
  const attaching = (type: string, properties: object) =>
    stackTemplate(
      JSON.stringify({
        Parameters: { Passed: { Type: 'String' }, Defaulted: { Type: 'String', Default: THEIR_ROLE } },
        Resources: {
          Bucket: { Type: 'AWS::S3::Bucket' },
          Role: { Type: 'AWS::IAM::Role' },
          Fn: { Type: 'AWS::Lambda::Function' },
          Queue: { Type: 'AWS::SQS::Queue' },
          Topic: { Type: 'AWS::SNS::Topic' },
          Param: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: THEIR_ROLE } },
          Lookup: { Type: 'Custom::Lookup', Properties: { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
          Nested: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: 'https://x' } },
          Attach: { Type: type, Properties: properties },
        },
      }),
    );
  const refused = (type: string, properties: object, more: Partial<TargetBounds> = {}) =>
    refusedBy(() =>
      assertTargetsInBounds('app', attaching(type, properties), { listed: [], pseudo, ...more }, 'apply-aws'),
    );

  it.each([
    ['AWS::S3::BucketPolicy', { Bucket: 'env-b-data', PolicyDocument: {} }, 'Properties.Bucket'],
    ['AWS::SQS::QueuePolicy', { Queues: [{ Ref: 'Queue' }, 'https://sqs/b'] }, 'Properties.Queues.1'],
    ['AWS::SNS::TopicPolicy', { Topics: ['arn:aws:sns:us-east-1:123456789012:b'] }, 'Properties.Topics.0'],
    ['AWS::IAM::Policy', { Roles: [{ Ref: 'Role' }, THEIR_ROLE] }, 'Properties.Roles.1'],
    ['AWS::IAM::Policy', { Users: ['b-deployer'] }, 'Properties.Users.0'],
    ['AWS::IAM::ManagedPolicy', { Groups: ['b-admins'] }, 'Properties.Groups.0'],
    ['AWS::IAM::RolePolicy', { RoleName: THEIR_ROLE }, 'Properties.RoleName'],
    ['AWS::IAM::UserToGroupAddition', { GroupName: 'b-admins', Users: [] }, 'Properties.GroupName'],
    ['AWS::IAM::InstanceProfile', { Roles: [THEIR_ROLE] }, 'Properties.Roles.0'],
    ['AWS::Lambda::Permission', { FunctionName: 'b-fn', Principal: '*' }, 'Properties.FunctionName'],
    [
      'AWS::Lambda::EventSourceMapping',
      { FunctionName: { Ref: 'Fn' }, EventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:b-jobs' },
      'Properties.EventSourceArn',
    ],
    ['AWS::Lambda::Url', { TargetFunctionArn: 'b-fn', AuthType: 'NONE' }, 'Properties.TargetFunctionArn'],
    ['AWS::Logs::SubscriptionFilter', { LogGroupName: '/aws/lambda/b-fn' }, 'Properties.LogGroupName'],
    [
      'AWS::SNS::Subscription',
      { TopicArn: 'arn:aws:sns:us-east-1:123456789012:b', Protocol: 'email', Endpoint: 'me@example.com' },
      'Properties.TopicArn',
    ],
    [
      'AWS::SNS::Subscription',
      {
        TopicArn: { Ref: 'Topic' },
        Protocol: 'lambda',
        Endpoint: 'arn:aws:lambda:us-east-1:123456789012:function:b',
      },
      'Properties.Endpoint',
    ],
    [
      'AWS::Events::Rule',
      {
        Targets: [
          { Id: 'a', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
          { Id: 'b', Arn: 'arn:aws:lambda:::b' },
        ],
      },
      'Properties.Targets.1.Arn',
    ],
    ['AWS::Events::Rule', { EventBusName: 'b-bus', Targets: [] }, 'Properties.EventBusName'],
    ['AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-0b', IpProtocol: '-1' }, 'Properties.GroupId'],
    ['AWS::Route53::RecordSet', { HostedZoneId: 'Z0B', Name: 'b.example.com' }, 'Properties.HostedZoneId'],
    ['AWS::KMS::Alias', { AliasName: 'alias/x', TargetKeyId: 'b-key' }, 'Properties.TargetKeyId'],
    ['AWS::SecretsManager::ResourcePolicy', { SecretId: 'b/db' }, 'Properties.SecretId'],
    ['AWS::SecretsManager::RotationSchedule', { SecretId: 'b/db' }, 'Properties.SecretId'],
    ['AWS::ApiGateway::Method', { RestApiId: 'b-api', HttpMethod: 'GET' }, 'Properties.RestApiId'],
    ['AWS::ApiGatewayV2::Route', { ApiId: 'b-api', RouteKey: '$default' }, 'Properties.ApiId'],
    ['aws::iam::policy ', { Roles: [THEIR_ROLE] }, 'Properties.Roles.0'],
    [
      'AWS::Events::Rule',
      { Targets: [{ 'Fn::If': ['C', { Id: 'b', Arn: 'b-fn' }, {}] }] },
      'Properties.Targets.0',
    ],
    ['AWS::Events::Rule', { Targets: { Ref: 'Passed' } }, 'Properties.Targets'],
    [
      'AWS::SQS::Queue',
      {
        RedrivePolicy: {
          deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:b-dlq',
          maxReceiveCount: 3,
        },
      },
      'Properties.RedrivePolicy.deadLetterTargetArn',
    ],
    [
      'AWS::SQS::Queue',
      {
        RedrivePolicy:
          '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:b-dlq","maxReceiveCount":3}',
      },
      'Properties.RedrivePolicy.deadLetterTargetArn',
    ],
    ['AWS::SQS::Queue', { RedrivePolicy: 'not json, b-dlq' }, 'Properties.RedrivePolicy'],
    [
      'AWS::Lambda::EventInvokeConfig',
      {
        FunctionName: { Ref: 'Fn' },
        Qualifier: '$LATEST',
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:123456789012:b-jobs' } },
      },
      'Properties.DestinationConfig.OnFailure.Destination',
    ],
    [
      'AWS::Lambda::EventInvokeConfig',
      {
        FunctionName: { Ref: 'Fn' },
        Qualifier: '$LATEST',
        DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sns:us-east-1:123456789012:b-events' } },
      },
      'Properties.DestinationConfig.OnSuccess.Destination',
    ],
    [
      'AWS::Lambda::EventSourceMapping',
      {
        FunctionName: { Ref: 'Fn' },
        EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:us-east-1:123456789012:b-events' } },
      },
      'Properties.DestinationConfig.OnFailure.Destination',
    ],
    [
      'Custom::S3BucketNotifications',
      {
        ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] },
        BucketName: 'env-b-data',
        NotificationConfiguration: {},
      },
      'Properties.BucketName',
    ],
    ['AWS::Lambda::Function', { Role: `arn:aws:iam::123456789012:role/${THEIR_ROLE}` }, 'Properties.Role'],
    [
      'AWS::StepFunctions::StateMachine',
      { RoleArn: { 'Fn::Sub': 'arn:aws:iam::${AWS::AccountId}:role/b' } },
      'Properties.RoleArn',
    ],
    [
      'AWS::ECS::TaskDefinition',
      {
        TaskRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/b-exec',
      },
      'Properties.ExecutionRoleArn',
    ],
    ['AWS::CodeBuild::Project', { ServiceRole: THEIR_ROLE }, 'Properties.ServiceRole'],
    [
      'AWS::Events::Rule',
      { Targets: [{ Id: 't', Arn: { Ref: 'Topic' }, RoleArn: 'arn:aws:iam::123456789012:role/b' }] },
      'Properties.Targets.0.RoleArn',
    ],
    [
      'AWS::Scheduler::Schedule',
      { Target: { Arn: { Ref: 'Topic' }, RoleArn: 'arn:aws:iam::123456789012:role/b' } },
      'Properties.Target.RoleArn',
    ],
    ['AWS::EC2::Instance', { IamInstanceProfile: 'env-b-profile' }, 'Properties.IamInstanceProfile'],
    [
      'AWS::EC2::LaunchTemplate',
      { LaunchTemplateData: { IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/b' } } },
      'Properties.LaunchTemplateData.IamInstanceProfile.Arn',
    ],
  ])('refuses a %s naming what is not its own, naming the property', (type, properties, where) => {
    expect(refused(type, properties)).toContain(`Resources.Attach.${where} of ${type}`);
  });

  it.each([
    ['AWS::Lambda::Function', { Role: { 'Fn::GetAtt': ['Role', 'Arn'] } }],
    [
      'AWS::ECS::TaskDefinition',
      { TaskRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] }, ExecutionRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } },
    ],
    [
      'AWS::Events::Rule',
      { Targets: [{ Id: 't', Arn: { Ref: 'Topic' }, RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] } }] },
    ],
  ])('passes a %s running as a role of its own (the CDK writes its Fn::GetAtt Arn)', (type, properties) => {
    expect(() =>
      assertTargetsInBounds('app', attaching(type, properties), { listed: [], pseudo }, 'apply-aws'),
    ).not.toThrow();
  });

  it.each([
    ["a parameter's default (the committer's)", { Ref: 'Defaulted' }],
    ['an attribute its own custom resource answers', { 'Fn::GetAtt': ['Lookup', 'Name'] }],
    ['the value of its own SSM parameter', { 'Fn::GetAtt': ['Param', 'Value'] }],
    ["a nested stack's output nobody checked", { 'Fn::GetAtt': ['Nested', 'Outputs.RoleName'] }],
    ['an import of no export of the app', { 'Fn::ImportValue': 'env-b:RoleName' }],
    ['a name built with Fn::Sub', { 'Fn::Sub': 'env-b-${AWS::Region}' }],
    ['a choice', { 'Fn::If': ['C', { Ref: 'Role' }, THEIR_ROLE] }],
  ])('refuses %s as the target', (_label, value) => {
    expect(refused('AWS::IAM::RolePolicy', { RoleName: value })).toContain(
      'Resources.Attach.Properties.RoleName',
    );
    expect(refused('AWS::IAM::Policy', { Roles: value })).toContain('Resources.Attach.Properties.Roles');
  });

  it("reads the properties beside a macro's Fn::Transform as written (what a macro the environment may run returns is not checked)", () => {
    const template = (queue: object) =>
      stackTemplate(
        JSON.stringify({ Resources: { Attach: { Type: 'AWS::SQS::Queue', Properties: queue } } }),
      );
    const check = (queue: object) => () =>
      assertTargetsInBounds('app', template(queue), { listed: [], pseudo }, 'apply-aws');
    expect(check({ 'Fn::Transform': { Name: 'AWS::Include' }, VisibilityTimeout: 30 })).not.toThrow();
    expect(
      refusedBy(
        check({
          'Fn::Transform': { Name: 'AWS::Include' },
          RedrivePolicy: {
            deadLetterTargetArn: 'arn:aws:sqs:us-east-1:123456789012:b-dlq',
            maxReceiveCount: 3,
          },
        }),
      ),
    ).toContain('Resources.Attach.Properties.RedrivePolicy.deadLetterTargetArn of AWS::SQS::Queue');
  });

  it('refuses properties written as a whole with an intrinsic, which cannot be read into', () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: {
          Attach: {
            Type: 'AWS::S3::BucketPolicy',
            Properties: { 'Fn::If': ['C', { Bucket: 'env-b-data' }, {}] },
          },
        },
      }),
    );
    expect(refusedBy(() => assertTargetsInBounds('app', template, { listed: [], pseudo }, 'plan'))).toContain(
      'Resources.Attach.Properties of AWS::S3::BucketPolicy',
    );
  });

  it.each([
    ["its own SSM parameter's name (named like b's role)", { Ref: 'Param' }, {}],
    ["its own queue's URL", { Ref: 'Queue' }, {}],
    [
      "a parent's parameter passing its own bucket's name",
      { Ref: 'Passed' },
      { fromParent: () => 'aws::s3::bucket' },
    ],
    [
      "an import of another stack's bucket name",
      { 'Fn::ImportValue': 'A:B' },
      { imported: new Map([['A:B', 'aws::s3::bucket']]) },
    ],
  ])(
    "refuses as a role %s: a name is another environment's only among resources of its type",
    (_l, value, more) => {
      expect(refused('AWS::IAM::Policy', { Roles: [value] }, more)).toContain(
        'Resources.Attach.Properties.Roles.0',
      );
    },
  );

  it("passes a log group's ARN joined as the CDK joins it, and no other ARN joined around its name", () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: {
          Logs: { Type: 'AWS::Logs::LogGroup' },
          Param: { Type: 'AWS::SSM::Parameter' },
          Attach: { Type: 'AWS::Events::Rule', Properties: {} },
        },
      }),
    );
    const joined = (prefix: string, id: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, prefix, { Ref: id }]],
    });
    const kind = (value: unknown) => targetKind(template, value, { listed: [], pseudo });
    expect(kind(joined(':logs:us-east-1:123456789012:log-group:', 'Logs'))).toBe('arn');
    expect(kind(joined(':lambda:us-east-1:123456789012:function:', 'Logs'))).toBeUndefined();
    expect(kind(joined(':logs:us-east-1:123456789012:log-group:', 'Param'))).toBeUndefined();
    expect(kind(joined(':logs:us-east-1:123456789012:log-group:env-b-', 'Logs'))).toBeUndefined();
  });

  it.each([
    ['AWS::SQS::Queue', { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } } }],
    [
      'AWS::Lambda::EventInvokeConfig',
      {
        FunctionName: { Ref: 'Fn' },
        DestinationConfig: {
          OnSuccess: { Destination: { Ref: 'Topic' } },
          OnFailure: { Destination: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
        },
      },
    ],
    [
      'Custom::S3BucketNotifications',
      { ServiceToken: { 'Fn::GetAtt': ['Fn', 'Arn'] }, BucketName: { Ref: 'Bucket' } },
    ],
  ])('passes a %s naming its own, as the CDK writes it', (type, properties) => {
    expect(() =>
      assertTargetsInBounds('app', attaching(type, properties), { listed: [], pseudo }, 'plan'),
    ).not.toThrow();
  });

  it('names a literal target in the message, so that it can be listed as written', () => {
    expect(refused('AWS::IAM::Policy', { Roles: [THEIR_ROLE] })).toContain(`names "${THEIR_ROLE}"`);
  });

  it.each([
    ['a Ref to its own resource', { Ref: 'Role' }, {}],
    ['a GetAtt Arn of its own resource', { 'Fn::GetAtt': ['Role', 'Arn'] }, {}],
    ['the short GetAtt form', { 'Fn::GetAtt': 'Role.Arn' }, {}],
    [
      'a parameter its parent passes its own resource as',
      { Ref: 'Passed' },
      { fromParent: (p: string) => (p === 'Passed' ? 'aws::iam::role' : undefined) },
    ],
    [
      "a nested stack's checked output",
      { 'Fn::GetAtt': ['Nested', 'Outputs.RoleName'] },
      {
        nestedOutput: (id: string, o: string) =>
          id === 'Nested' && o === 'RoleName' ? 'aws::iam::role' : undefined,
      },
    ],
    [
      "an import of another stack's own resource",
      { 'Fn::ImportValue': 'A:Role' },
      { imported: new Map([['A:Role', 'aws::iam::role']]) },
    ],
    ['a name aws.externalTargets lists', THEIR_ROLE, { listed: [THEIR_ROLE] }],
    ['a name a prefix in aws.externalTargets covers', THEIR_ROLE, { listed: ['env-b-*'] }],
    [
      'an ARN written with Fn::Sub that aws.externalTargets lists',
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x' },
      { listed: ['arn:aws:iam::123456789012:role/x'] },
    ],
  ])('passes %s', (_label, value, more) => {
    expect(refused('AWS::IAM::Policy', { Roles: [value] }, more)).toBeUndefined();
  });

  it('passes what reaches nothing outside: an email subscription to its own topic, a rule on the default bus', () => {
    expect(
      refused('AWS::SNS::Subscription', {
        TopicArn: { Ref: 'Topic' },
        Protocol: 'email',
        Endpoint: 'me@example.com',
      }),
    ).toBeUndefined();
    expect(
      refused('AWS::Events::Rule', { Targets: [{ Id: 'a', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] }),
    ).toBeUndefined();
    expect(refused('AWS::S3::Bucket', { BucketName: 'env-b-data' })).toBeUndefined();
  });

  it('lists as target exports only unconditional exports of its own resources', () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: { Role: { Type: 'AWS::IAM::Role' }, Lookup: { Type: 'Custom::Lookup' } },
        Outputs: {
          A: { Value: { Ref: 'Role' }, Export: { Name: 'role' } },
          B: { Value: { 'Fn::GetAtt': ['Role', 'Arn'] }, Export: { Name: 'role-arn' } },
          C: { Value: THEIR_ROLE, Export: { Name: 'literal' } },
          D: { Value: { 'Fn::GetAtt': ['Lookup', 'Arn'] }, Export: { Name: 'answered' } },
          E: { Condition: 'Never', Value: { Ref: 'Role' }, Export: { Name: 'conditional' } },
        },
      }),
    );
    expect(targetExports(template)).toEqual([
      ['role', 'aws::iam::role'],
      ['role-arn', 'arn'],
    ]);
    expect(targetKind(template, { Ref: 'Lookup' }, { listed: [], pseudo: {} })).toBeUndefined();
  });
});
