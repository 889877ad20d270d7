import { ACCOUNT_SETTINGS } from '../../../cdk/deploy/account-settings';
import { stackTemplate } from '../../../cdk/deploy/template-bounds';
import {
  RESOURCELESS_ACTIONS,
  RESOURCELESS_READS,
  RESOURCELESS_TAGGING,
  RESOURCELESS_WRITES,
} from '../../../cdk/deploy/resourceless-actions.generated';
import { RESOURCELESS_TAG_WRITES, TAGGING_DECIDED_ELSEWHERE } from '../../../cdk/deploy/resourceless-tagging';
import { RESOURCELESS_WRITES_BY_ID } from '../../../cdk/deploy/resourceless-writes';
import {
  BOUNDED_APART,
  assertGrantsInBounds,
  namedResources,
  READS_FILED_ELSEWHERE,
} from '../../../cdk/deploy/template-grants';
import { isCairnError } from '../../../controller/model';
import { PSEUDO } from '../../helpers/template-pseudo';

const pseudo = PSEUDO;
const bounds = {
  listed: [],
  pseudo,
  bootstrapBucket: 'cdk-hnb659fds-assets-111111111111-eu-west-1',
};

/** A template with a bucket, a state machine, a parameter and a role, and `statement` in the role's policy. */
function granting(statement: unknown): string {
  return JSON.stringify({
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket' },
      Machine: { Type: 'AWS::StepFunctions::StateMachine' },
      Parameter: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } },
      Role: { Type: 'AWS::IAM::Role' },
      Grant: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [statement] } },
      },
    },
  });
}

/** The message assertGrantsInBounds refuses `template` with, or undefined when it passes. */
function refusal(template: string, accountWideReads = false): string | undefined {
  try {
    assertGrantsInBounds('app', stackTemplate(template), { ...bounds, accountWideReads }, 'plan');
    return undefined;
  } catch (error) {
    expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
    return (error as Error).message;
  }
}

const allow = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
const ownArn = { 'Fn::GetAtt': ['Bucket', 'Arn'] };

describe('assertGrantsInBounds', () => {
  it.each([
    [
      "an Fn::Sub of its own bucket's ARN and its objects",
      allow('s3:GetObject', { 'Fn::Sub': '${Bucket.Arn}/*' }),
    ],
    [
      "its own state machine's executions, by the name the CDK selects from its ARN",
      allow('states:DescribeExecution', {
        'Fn::Join': [
          '',
          [
            'arn:aws:states:eu-west-1:111111111111:execution:',
            { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
            ':*',
          ],
        ],
      }),
    ],
    [
      "its own parameter, by its type's ARN prefix and its Ref",
      allow('ssm:GetParameter', {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter', { Ref: 'Parameter' }],
        ],
      }),
    ],
    [
      "the bootstrap asset bucket's objects",
      allow('s3:GetObject*', 'arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1/*'),
    ],
    ['a Deny of everything', { Effect: 'Deny', Action: '*', Resource: '*' }],
    [
      'account-level actions of other services on * (they take no resource type)',
      allow(['xray:PutTraceSegments', 'ecr:GetAuthorizationToken', 'ec2:DescribeInstances'], '*'),
    ],
  ])('passes %s', (_label, statement) => {
    expect(refusal(granting(statement))).toBeUndefined();
  });

  it.each([
    [
      "the name of its state machine selected at another index (a machine named 'arn')",
      allow('states:StartExecution', {
        'Fn::Join': [
          '',
          [
            'arn:aws:states:eu-west-1:111111111111:execution:',
            { 'Fn::Select': [0, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
          ],
        ],
      }),
      'allows states:StartExecution on {"Fn::Join"',
    ],
    [
      "its parameter's Ref after another account's ARN prefix",
      allow('ssm:GetParameter', {
        'Fn::Join': ['', ['arn:aws:ssm:eu-west-1:222222222222:parameter', { Ref: 'Parameter' }]],
      }),
      'allows ssm:GetParameter on {"Fn::Join"',
    ],
    [
      "the parameters under its own parameter's name (anyone's)",
      allow('ssm:GetParameter', {
        'Fn::Join': ['', ['arn:aws:ssm:eu-west-1:111111111111:parameter', { Ref: 'Parameter' }, '/*']],
      }),
      'allows ssm:GetParameter on {"Fn::Join"',
    ],
    ['NotAction, on *', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }, 'allows * on *'],
    ['a wildcard of every service on *', allow('s*:Get*', '*'), 'allows s*:Get* on *'],
    ['an action on a wildcard service ARN', allow('*', 'arn:aws:*:*:*:*'), 'allows * on arn:aws:*:*:*:*'],
    // Too short to read a service from: a glob over every ARN if IAM takes it, refused rather than skipped.
    [
      'an action on an ARN glob with no service',
      allow('s3:GetObject', 'arn:*'),
      'allows s3:GetObject on arn:*',
    ],
    [
      'settings on an ARN glob with no service',
      allow('ec2:DisableEbsEncryptionByDefault', 'arn:*'),
      'on arn:*',
    ],
    [
      'a statement written as an Fn::If (not readable)',
      { 'Fn::If': ['C', allow('s3:*', '*'), { Ref: 'AWS::NoValue' }] },
      'Statement 0 (not readable) of AWS::IAM::Policy allows * on *',
    ],
    [
      'a resource written as an Fn::If',
      allow('s3:GetObject', { 'Fn::If': ['C', ownArn, '*'] }),
      'allows s3:GetObject on {"Fn::If"',
    ],
  ])('refuses %s', (_label, statement, message) => {
    expect(refusal(granting(statement))).toContain(message);
  });

  describe('on resources of other services', () => {
    const theirs = (service: string, resource: string, account = '111111111111') =>
      `arn:aws:${service}:eu-west-1:${account}:${resource}`;
    const THEIR_POINT = theirs('elasticfilesystem', 'access-point/fsap-0b0b0b0b0b0b0b0b0');
    const OWN_POINT = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':elasticfilesystem:eu-west-1:111111111111:access-point/',
          { Ref: 'Point' },
        ],
      ],
    };
    const at = (service: string) => [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:eu-west-1:111111111111:`,
    ];
    /** A template with resources of other services, and `statement` in its role's policy. */
    const serving = (statement: unknown) =>
      JSON.stringify({
        Resources: {
          Images: { Type: 'AWS::ECR::Repository' },
          Logs: { Type: 'AWS::Logs::LogGroup' },
          Db: { Type: 'AWS::RDS::DBInstance' },
          Api: { Type: 'AWS::ApiGateway::RestApi' },
          Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' } } },
          Task: { Type: 'AWS::ECS::TaskDefinition' },
          Build: { Type: 'AWS::CodeBuild::Project' },
          Point: { Type: 'AWS::EFS::AccessPoint' },
          Cluster: { Type: 'AWS::ECS::Cluster' },
          Role: { Type: 'AWS::IAM::Role' },
          Grant: {
            Type: 'AWS::IAM::Policy',
            Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [statement] } },
          },
        },
      });
    /** An ECS task definition's ARN as the CDK's run-task writes it: its Ref taken apart at `indices`, and `:*`. */
    const family = (indices: number[]) => {
      const part = (i: number) => ({ 'Fn::Select': [i, { 'Fn::Split': [':', { Ref: 'Task' }] }] });
      return { 'Fn::Join': ['', ['arn:', ...indices.flatMap((i) => [part(i), ':']), '*']] };
    };

    it.each([
      [
        'its own repository, log group and log streams, by ARN and by Ref',
        allow(
          ['ecr:PutImage', 'ecr:BatchGetImage', 'logs:GetLogEvents'],
          [
            { 'Fn::GetAtt': ['Images', 'Arn'] },
            { 'Fn::Join': ['', [...at('ecr'), 'repository/', { Ref: 'Images' }]] },
            { 'Fn::Join': ['', [...at('logs'), 'log-group:', { Ref: 'Logs' }, ':*']] },
          ],
        ),
      ],
      [
        "its own database's users by its resource id (the CDK's grantConnect)",
        allow('rds-db:connect', {
          'Fn::Join': ['', [...at('rds-db'), 'dbuser:', { 'Fn::GetAtt': ['Db', 'DbiResourceId'] }, '/app']],
        }),
      ],
      [
        "its own API's stage, by the Refs of both (the CDK's grantExecute)",
        allow('execute-api:Invoke', {
          'Fn::Join': ['', [...at('execute-api'), { Ref: 'Api' }, '/', { Ref: 'Stage' }, '/GET/']],
        }),
      ],
      [
        "every revision of its own task definition's family (the CDK's ECS run-task)",
        allow('ecs:RunTask', family([1, 2, 3, 4, 5])),
      ],
      [
        "its own CodeBuild project's log groups and report groups",
        allow(
          ['logs:PutLogEvents', 'codebuild:CreateReport'],
          [
            { 'Fn::Join': ['', [...at('logs'), 'log-group:/aws/codebuild/', { Ref: 'Build' }, ':*']] },
            { 'Fn::Join': ['', [...at('codebuild'), 'report-group/', { Ref: 'Build' }, '-*']] },
          ],
        ),
      ],
      [
        "what the CDK grants on * by itself that reaches no other environment's (a metric, ECS exec's log writes)",
        allow(
          [
            'cloudwatch:PutMetricData',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:DescribeLogStreams',
          ],
          '*',
        ),
      ],
      [
        "an EFS mount on * on the condition of its own access point (the CDK's fromEfsAccessPoint)",
        {
          ...allow('elasticfilesystem:ClientMount', '*'),
          Condition: {
            StringEquals: {
              'elasticfilesystem:AccessPointArn': {
                'Fn::Join': ['', [...at('elasticfilesystem'), 'access-point/', { Ref: 'Point' }]],
              },
            },
          },
        },
      ],
      [
        "an ECS task's wait on *, on the condition of its own cluster (keys compare case-insensitively)",
        {
          ...allow(['ecs:StopTask', 'ecs:DescribeTasks'], '*'),
          Condition: { ArnEquals: { 'ECS:Cluster': [{ 'Fn::GetAtt': ['Cluster', 'Arn'] }] } },
        },
      ],
      [
        "another account's repository (only its resource policy opens it)",
        allow('ecr:BatchGetImage', theirs('ecr', 'repository/shared', '222222222222')),
      ],
      [
        "AWS's own: a foundation model, and Step Functions' rule for ECS tasks",
        allow(
          ['bedrock:InvokeModel', 'events:PutRule'],
          [
            'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2',
            theirs('events', 'rule/StepFunctionsGetEventsForECSTaskRule'),
          ],
        ),
      ],
    ])('passes %s', (_label, statement) => {
      expect(refusal(serving(statement))).toBeUndefined();
    });

    it.each([
      [
        "another environment's repository, pushed to",
        allow('ecr:PutImage', theirs('ecr', 'repository/env-b-api')),
        "allows ecr:PutImage on arn:aws:ecr:eu-west-1:111111111111:repository/env-b-api, which is not this app's own: a role of this environment could read or change another environment's resources",
      ],
      [
        "another environment's log group, read",
        allow('logs:FilterLogEvents', theirs('logs', 'log-group:/aws/lambda/env-b-*')),
        'allows logs:FilterLogEvents on arn:aws:logs:eu-west-1:111111111111:log-group:/aws/lambda/env-b-*',
      ],
      [
        "another environment's database, as a user",
        allow('rds-db:connect', theirs('rds-db', 'dbuser:db-ABCDEFGHIJKL/admin')),
        'allows rds-db:connect on arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABCDEFGHIJKL/admin',
      ],
      [
        'every log group of any account and region',
        allow('logs:GetLogEvents', 'arn:aws:logs:*:*:*'),
        'allows logs:GetLogEvents on arn:aws:logs:*:*:*',
      ],
      ['every log read on *', allow('logs:GetLogEvents', '*'), 'allows logs:GetLogEvents on *'],
      ['every ECR action on *', allow('ecr:*', '*'), 'allows ecr:* on *'],
      [
        "every EC2 Describe on * (DescribeInstanceAttribute reads instances' user data)",
        allow('ec2:Describe*', '*'),
        'allows ec2:Describe* on *',
      ],
      ['any private API, invoked', allow('execute-api:Invoke', '*'), 'allows execute-api:Invoke on *'],
      ['an action cairn does not know, on *', allow('newservice:ReadEverything', '*'), 'on *'],
      [
        'a Route 53 zone, whose ARN has no account',
        allow('route53:ChangeResourceRecordSets', 'arn:aws:route53:::hostedzone/Z0123456789'),
        'allows route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/Z0123456789',
      ],
      [
        "a database user by its database's name (another's resource id may be that name)",
        allow('rds-db:connect', {
          'Fn::Join': ['', [...at('rds-db'), 'dbuser:', { Ref: 'Db' }, '/app']],
        }),
        'allows rds-db:connect on {"Fn::Join"',
      ],
      [
        "its task definition's ARN cut before its name (every task definition)",
        allow('ecs:RunTask', family([1, 2, 3, 4])),
        'allows ecs:RunTask on',
      ],
      [
        "its project's name run on with '-' into another log group",
        allow('logs:GetLogEvents', {
          'Fn::Join': ['', [...at('logs'), 'log-group:/aws/codebuild/', { Ref: 'Build' }, '-*']],
        }),
        'allows logs:GetLogEvents on {"Fn::Join"',
      ],
      [
        "the repositories under its own repository's name (ECR names hold '/', anyone's)",
        allow('ecr:PutImage', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Images', 'Arn'] }, '/*']] }),
        'allows ecr:PutImage on {"Fn::Join"',
      ],
      [
        "the log groups under its own log group's name ('/aws/lambda' under '/aws')",
        allow('logs:GetLogEvents', {
          'Fn::Join': ['', [...at('logs'), 'log-group:', { Ref: 'Logs' }, '/*']],
        }),
        'allows logs:GetLogEvents on {"Fn::Join"',
      ],
      [
        "its own repository's name run on, and then anything",
        allow('ecr:PutImage', {
          'Fn::Join': ['', [...at('ecr'), 'repository/', { Ref: 'Images' }, { Ref: 'Stage' }]],
        }),
        'allows ecr:PutImage on {"Fn::Join"',
      ],
      [
        "log retention on * (the CDK's logRetention: another environment's log groups' retention shortened, its logs deleted)",
        allow(['logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy'], '*'),
        "allows logs:PutRetentionPolicy on *, which is not this app's own: a role of this environment could read or change another environment's resources of the account (its images, logs, databases, file systems, event buses, APIs, ...); no Condition bounds it to this app's log groups: give the function a log group of its own",
      ],
      [
        "an ECS task's wait on * with no condition (the CDK's EcsRunTask: another environment's tasks stopped)",
        allow(['ecs:StopTask', 'ecs:DescribeTasks'], '*'),
        "allows ecs:StopTask on *, which is not this app's own: a role of this environment could read or change another environment's resources of the account (its images, logs, databases, file systems, event buses, APIs, ...); give it a Condition ArnEquals ecs:cluster",
      ],
    ])('refuses %s', (_label, statement, message) => {
      expect(refusal(serving(statement))).toContain(message);
    });
    it.each([
      ['naming its access point', { StringEquals: { 'elasticfilesystem:AccessPointArn': THEIR_POINT } }],
      ['by StringLike *', { StringLike: { 'elasticfilesystem:AccessPointArn': '*' } }],
      [
        'by StringEqualsIfExists (a request without the key passes)',
        { StringEqualsIfExists: { 'elasticfilesystem:AccessPointArn': OWN_POINT } },
      ],
      [
        'by ForAnyValue:StringEquals',
        { 'ForAnyValue:StringEquals': { 'elasticfilesystem:AccessPointArn': OWN_POINT } },
      ],
      ['by Null', { Null: { 'elasticfilesystem:AccessPointArn': 'false' } }],
      ['by StringNotEquals', { StringNotEquals: { 'elasticfilesystem:AccessPointArn': THEIR_POINT } }],
      [
        "by its own and another environment's access point",
        { StringEquals: { 'elasticfilesystem:AccessPointArn': [OWN_POINT, THEIR_POINT] } },
      ],
      ['by another key', { StringEquals: { 'aws:ResourceArn': OWN_POINT } }],
      ['by an empty list', { StringEquals: { 'elasticfilesystem:AccessPointArn': [] } }],
      [
        'by ArnEquals with a wildcard (ArnEquals matches wildcards, as ArnLike does)',
        { ArnEquals: { 'elasticfilesystem:AccessPointArn': theirs('elasticfilesystem', 'access-point/*') } },
      ],
      [
        "by its own access point's ARN run on with a wildcard",
        {
          StringEquals: {
            'elasticfilesystem:AccessPointArn': {
              'Fn::Join': ['', [...at('elasticfilesystem'), 'access-point/', { Ref: 'Point' }, '*']],
            },
          },
        },
      ],
      [
        'by a Condition that is a list',
        [{ StringEquals: { 'elasticfilesystem:AccessPointArn': OWN_POINT } }],
      ],
    ])(
      'refuses an EFS mount on * on a condition that does not pin it to its own access point: %s',
      (_how, Condition) => {
        expect(refusal(serving({ ...allow('elasticfilesystem:ClientMount', '*'), Condition }))).toContain(
          "allows elasticfilesystem:ClientMount on *, which is not this app's own",
        );
      },
    );
  });

  describe('on identities', () => {
    const ownRole = { 'Fn::GetAtt': ['Role', 'Arn'] };
    const roleOf = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

    it.each([
      [
        'passing and assuming its own role by ARN',
        allow(['iam:PassRole', 'sts:AssumeRole', 'sts:TagSession'], ownRole),
      ],
      ['every STS action on its own role (which this check bounds)', allow('sts:*', ownRole)],
      [
        "its own role by its type's ARN prefix and its Ref (the CDK's Role.fromRoleName)",
        allow('iam:PassRole', { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}' }),
      ],
      [
        'reading identities on *',
        allow(['iam:Get*', 'iam:List*', 'iam:GenerateCredentialReport', 'iam:SimulatePrincipalPolicy'], '*'),
      ],
      [
        "the caller's own session on *",
        allow(['sts:GetCallerIdentity', 'sts:GetSessionToken', 'sts:DecodeAuthorizationMessage'], '*'),
      ],
      ["a service-linked role, AWS's own (the CDK's EKS and EMR)", allow('iam:CreateServiceLinkedRole', '*')],
      [
        'data actions on an IAM ARN (which holds no data)',
        allow('s3:GetObject', roleOf('111111111111', 'any')),
      ],
    ])('passes %s', (_label, statement) => {
      expect(refusal(granting(statement))).toBeUndefined();
    });

    it.each([
      [
        "another environment's role, assumed",
        allow('sts:AssumeRole', roleOf('111111111111', 'env-b')),
        "allows sts:AssumeRole on arn:aws:iam::111111111111:role/env-b, which is not this app's own role",
      ],
      [
        'any role, by web identity',
        allow('sts:AssumeRoleWithWebIdentity', '*'),
        'allows sts:AssumeRoleWithWebIdentity on *',
      ],
      ['a session tag on any role', allow('sts:TagSession', '*'), 'allows sts:TagSession on *'],
      [
        'every STS action on every role',
        allow('sts:*', 'arn:aws:iam::111111111111:role/*'),
        'allows sts:* on arn:aws:iam::111111111111:role/*',
      ],
      [
        "another environment's role, passed by a wildcard action",
        allow('iam:Pass*', '*'),
        'allows iam:Pass* on *',
      ],
      [
        'an IAM pattern written with no read verb before its wildcard',
        allow('iam:G*', '*'),
        'allows iam:G* on *',
      ],
      [
        "its own role's policy, written (which then grants it anything)",
        allow('iam:PutRolePolicy', ownRole),
        'allows iam:PutRolePolicy on {"Fn::GetAtt":["Role","Arn"]}, which aws.externalTargets does not list',
      ],
      ['every action on its own role', allow('*', ownRole), 'allows * on {"Fn::GetAtt":["Role","Arn"]}'],
      [
        'every action but reads of data (NotAction)',
        { Effect: 'Allow', NotAction: 's3:*', Resource: ownRole },
        'allows * on',
      ],
      [
        'the roles under a path named like its own role',
        allow('iam:PassRole', { 'Fn::Join': ['', [ownRole, '/*']] }),
        'allows iam:PassRole on {"Fn::Join"',
      ],
      [
        "its role's Ref after another account's role prefix",
        allow('sts:AssumeRole', { 'Fn::Join': ['', ['arn:aws:iam::222222222222:role/', { Ref: 'Role' }]] }),
        'allows sts:AssumeRole on {"Fn::Join"',
      ],
      [
        'a role of the name its own bucket has',
        allow('iam:PassRole', { 'Fn::Join': ['', ['arn:aws:iam::111111111111:role/', { Ref: 'Bucket' }]] }),
        'allows iam:PassRole on {"Fn::Join"',
      ],
    ])('refuses %s', (_label, statement, message) => {
      expect(refusal(granting(statement))).toContain(message);
    });

    it('passes a listed role to assume, and identities to write only when listed', () => {
      const listed = (externalTargets: string[], statement: unknown) => {
        const template = stackTemplate(granting(statement));
        return () => assertGrantsInBounds('app', template, { ...bounds, listed: externalTargets }, 'plan');
      };
      const theirs = roleOf('111111111111', 'env-b');
      expect(listed([theirs], allow('sts:AssumeRole', theirs))).not.toThrow();
      expect(listed([theirs], allow('sts:AssumeRole', `${theirs}/x`))).toThrow(
        /on arn:aws:iam::111111111111:role\/env-b\/x/,
      );
      expect(
        listed(
          ['arn:aws:iam::111111111111:role/team-*'],
          allow('iam:PutRolePolicy', theirs.replace('env-b', 'team-x')),
        ),
      ).not.toThrow();
      expect(listed(['*'], allow('iam:*', '*'))).not.toThrow();
    });
  });

  describe("account-wide reads (actions with no resource type that answer with every environment's data)", () => {
    it.each([
      ["every environment's trace summaries", 'xray:GetTraceSummaries'],
      ["every environment's traces, which AWS files under List", 'xray:BatchGetTraces'],
      ["every environment's service graph", 'xray:GetServiceGraph'],
      ["every environment's metric statistics", 'cloudwatch:GetMetricStatistics'],
      ["every environment's log queries' text, which AWS files under List", 'logs:DescribeQueries'],
      ["every task definition's container environment", 'ecs:DescribeTaskDefinition'],
      ["every job definition's container environment", 'batch:DescribeJobDefinitions'],
      ["every launch template's user data, which AWS files under List", 'ec2:DescribeLaunchTemplateVersions'],
      [
        "every launch configuration's user data, which AWS files under List",
        'autoscaling:DescribeLaunchConfigurations',
      ],
      ["every Spot Fleet request's user data, which AWS files under List", 'ec2:DescribeSpotFleetRequests'],
      ["every VPN connection's pre-shared keys, which AWS files under List", 'ec2:DescribeVpnConnections'],
      ["every environment's traces, which AWS files under Write", 'cloudwatch:QueryTraces'],
    ])('refuses %s on *, unless aws.accountWideReads', (_label, action) => {
      const template = granting(allow(action, '*'));
      expect(refusal(template)).toContain(
        `allows ${action} on *, which answers with every environment's data of the account, and aws.accountWideReads is not set`,
      );
      expect(refusal(template, true)).toBeUndefined();
    });

    it.each([...READS_FILED_ELSEWHERE])(
      'refuses %s, which takes no resource type and AWS files under List or Write, on *, naming what it answers with',
      (action, answers) => {
        // An entry that AWS gives a resource type is bounded as any other action is: it would be dead here.
        const [service, name] = action.split(':') as [string, string];
        expect(RESOURCELESS_ACTIONS[service]?.split(' ')).toContain(name);
        expect(RESOURCELESS_READS[service]?.split(' ') ?? []).not.toContain(name);
        const template = granting(allow(action, '*'));
        expect(refusal(template)).toContain(
          `allows ${action} on *, which answers with every environment's data of the account, and aws.accountWideReads is not set`,
        );
        expect(refusal(template)).toContain(`; ${action} answers with ${answers}`);
        expect(refusal(template, true)).toBeUndefined();
      },
    );

    it('passes the listings beside them, which answer with names, ids and states: launch templates, instances, groups', () => {
      const template = granting(
        allow(
          [
            'ec2:DescribeLaunchTemplates',
            'ec2:DescribeInstances',
            'ec2:DescribeFleets',
            'autoscaling:DescribeAutoScalingGroups',
            'ecs:ListTaskDefinitions',
            'batch:ListJobs',
          ],
          '*',
        ),
      );
      expect(refusal(template)).toBeUndefined();
    });

    it.each([
      ['a wildcard ARN', 'arn:aws:xray:eu-west-1:111111111111:*'],
      ['every resource but one (NotResource)', undefined],
    ])('refuses them on %s, which may be *', (_label, resource) => {
      const statement =
        resource === undefined
          ? { Effect: 'Allow', Action: 'xray:GetTraceSummaries', NotResource: 'arn:aws:s3:::x' }
          : allow('xray:GetTraceSummaries', resource);
      expect(refusal(granting(statement))).toContain(
        `allows xray:GetTraceSummaries on ${resource ?? '*'}, which answers with every environment's data of the account`,
      );
    });

    it("passes them on a resource named whole, which IAM never matches to an action that takes none (the CDK's MSK event source)", () => {
      const template = granting(
        allow(
          ['kafka:GetBootstrapBrokers', 'kafka:DescribeCluster'],
          'arn:aws:kafka:eu-west-1:222222222222:cluster/shared/0b0b0b0b-0b0b-0b0b-0b0b-0b0b0b0b0b0b-1',
        ),
      );
      expect(refusal(template)).toBeUndefined();
    });

    it("passes the CDK's own on * that answer with no environment's data or only write: ECR tokens, X-Ray's sampling and segments, a state machine's log delivery, a metric, a listing", () => {
      const template = granting(
        allow(
          [
            'ecr:GetAuthorizationToken',
            'ecr-public:GetAuthorizationToken',
            'logs:GetLogDelivery',
            'xray:GetSamplingRules',
            'xray:GetSamplingTargets',
            'xray:PutTraceSegments',
            'xray:PutTelemetryRecords',
            'cloudwatch:PutMetricData',
            'logs:DescribeLogGroups',
          ],
          '*',
        ),
      );
      expect(refusal(template)).toBeUndefined();
    });
  });

  describe('changes of a setting of the account or Region every environment shares (actions with no resource type)', () => {
    const settingRefusal = (action: string, listed: string[] = []) => {
      try {
        assertGrantsInBounds(
          'app',
          stackTemplate(granting(allow(action, '*'))),
          { ...bounds, listed },
          'plan',
        );
        return undefined;
      } catch (error) {
        expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
        return (error as Error).message;
      }
    };
    const refused = (action: string) =>
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ${action} on *, which changes a setting of the account or Region every environment shares, and aws.externalTargets does not list it`;

    it.each([
      ["the Region's EBS encryption by default", 'ec2:DisableEbsEncryptionByDefault'],
      ["the Region's default EBS key", 'ec2:ModifyEbsDefaultKmsKeyId'],
      ["the Region's instance metadata defaults", 'ec2:ModifyInstanceMetadataDefaults'],
      ['serial console access to every instance', 'ec2:EnableSerialConsoleAccess'],
      ["the Region's block public access for AMIs", 'ec2:DisableImageBlockPublicAccess'],
      ["the Region's block public access for snapshots", 'ec2:DisableSnapshotBlockPublicAccess'],
      ["the account's organization membership", 'organizations:LeaveOrganization'],
      ["every registered domain's owner account", 'route53domains:TransferDomainToAnotherAwsAccount'],
      ["every environment's GuardDuty findings", 'guardduty:ArchiveFindings'],
      ["the account's Security Hub", 'securityhub:DisableSecurityHubV2'],
      ["the account's ECR registry policy", 'ecr:PutRegistryPolicy'],
      ["the account's X-Ray encryption", 'xray:PutEncryptionConfig'],
      ["the account's default IoT authorizer", 'iot:ClearDefaultAuthorizer'],
      ["a suppression of every environment's Device Defender findings", 'iot:CreateAuditSuppression'],
      ["a Chime account's SCIM key", 'chime:CreateApiKey'],
      ["the account's QuickSight subscription", 'quicksight:Unsubscribe'],
      ["another environment's SageMaker resource policy", 'sagemaker:PutResourcePolicy'],
      ["a permission set's policy in Identity Center", 'sso:PutPermissionsPolicy'],
      ["an Identity Center group's members", 'sso-directory:AddMemberToGroup'],
      ["another environment's SES identity's notification topic", 'ses:SetIdentityNotificationTopic'],
      ["another environment's SES identity's sending authorization policy", 'ses:PutIdentityPolicy'],
      ['the active SES receipt rule set', 'ses:SetActiveReceiptRuleSet'],
      ["the account's OpenSearch Serverless data access policies", 'aoss:CreateAccessPolicy'],
      ["Shield's response team role", 'shield:AssociateDRTRole'],
      ["the account's Shield Advanced subscription", 'shield:CreateSubscription'],
      ["the Shield Response Team's access to another environment's bucket", 'shield:AssociateDRTLogBucket'],
      ["an organizational unit's Control Tower guardrails", 'controltower:DisableGuardrail'],
      ["Control Tower's account factory", 'controltower:UpdateAccountFactoryConfig'],
      ["the account's Compute Optimizer enrollment", 'compute-optimizer:UpdateEnrollmentStatus'],
      ["the account's cost allocation tags", 'ce:UpdateCostAllocationTagsStatus'],
      [
        "Trusted Advisor's exclusion of another environment's resources",
        'trustedadvisor:BatchUpdateRecommendationResourceExclusion',
      ],
      ["the account's Marketplace subscriptions", 'aws-marketplace:Unsubscribe'],
      ["the account's payment instruments", 'payments:DeletePaymentInstrument'],
      ["the account's tax registrations", 'tax:PutTaxRegistration'],
      ['a Savings Plan (a purchase)', 'savingsplans:CreateSavingsPlan'],
      ['a reserved instance (a purchase)', 'ec2:PurchaseReservedInstancesOffering'],
      ["the account's support plan", 'supportplans:StartSupportPlanUpdate'],
      ["the account's Service Quotas management", 'servicequotas:StartAutoManagement'],
    ])('refuses %s on *, naming what the action changes, unless * is listed', (_label, action) => {
      const message = settingRefusal(action);
      expect(message).toContain(refused(action));
      expect(message).toContain(`; ${action} changes ${ACCOUNT_SETTINGS.get(action.toLowerCase())!}`);
      expect(settingRefusal(action, ['*'])).toBeUndefined();
    });

    it.each([...ACCOUNT_SETTINGS])(
      "refuses %s, which takes no resource type and is no other bound's, on *",
      (action, changes) => {
        // An entry that AWS gives a resource type, or of a service bounded apart, is refused
        // elsewhere already: it would be dead here.
        const [service, name] = action.split(':') as [string, string];
        expect(RESOURCELESS_ACTIONS[service]?.split(' ')).toContain(name);
        expect(RESOURCELESS_READS[service]?.split(' ') ?? []).not.toContain(name);
        expect(BOUNDED_APART).not.toContain(service);
        expect(settingRefusal(action)).toContain(`; ${action} changes ${changes}`);
      },
    );

    it.each([
      ['a wildcard ARN', 'arn:aws:ec2:eu-west-1:111111111111:*'],
      ['every resource but one (NotResource)', undefined],
    ])('refuses them on %s, which may be *', (_label, resource) => {
      const statement =
        resource === undefined
          ? { Effect: 'Allow', Action: 'ec2:DisableEbsEncryptionByDefault', NotResource: 'arn:aws:s3:::x' }
          : allow('ec2:DisableEbsEncryptionByDefault', resource);
      expect(refusal(granting(statement))).toContain(
        `allows ec2:DisableEbsEncryptionByDefault on ${resource ?? '*'}, which changes a setting of the account or Region`,
      );
    });

    it("passes tag:TagResources and UntagResources on *, which tag nothing without the tagged service's own tagging action, bounded by its resource", () => {
      // AWS's TagResources reference: the caller needs the permissions of the service the resource
      // belongs to as well as tag:TagResources; EC2's CreateTags takes a resource type, so on `*`
      // it is refused as any action that reaches every environment's resource of its kind.
      expect(refusal(granting(allow(['tag:TagResources', 'tag:UntagResources'], '*')))).toBeUndefined();
      expect(refusal(granting(allow(['tag:TagResources', 'ec2:CreateTags'], '*')))).toContain(
        "allows ec2:CreateTags on *, which is not this app's own",
      );
    });

    it('is not opened by aws.accountWideReads, which opens reads only', () => {
      expect(refusal(granting(allow('organizations:LeaveOrganization', '*')), true)).toContain(
        'which changes a setting of the account or Region every environment shares',
      );
    });

    it("passes the resourceless writes that make something new of the app's own, which the CDK grants on *", () => {
      const template = granting(
        allow(
          [
            'ec2:DescribeNetworkInterfaces',
            'logs:CreateLogDelivery',
            'logs:PutResourcePolicy',
            'xray:PutTraceSegments',
            'events:PutPartnerEvents',
            'acm:RequestCertificate',
          ],
          '*',
        ),
      );
      expect(refusal(template)).toBeUndefined();
    });
  });

  describe('tagging actions that take no resource type (any resource of the service, by the ARN or id in the request)', () => {
    const tagRefusal = (statement: unknown, listed: string[] = []) => {
      try {
        assertGrantsInBounds('app', stackTemplate(granting(statement)), { ...bounds, listed }, 'plan');
        return undefined;
      } catch (error) {
        expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
        return (error as Error).message;
      }
    };
    const refused = (action: string, resource = '*') =>
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ${action} on ${resource}, which tags or untags any resource of its service by the ARN or id in the request, and aws.externalTargets does not list it: a role of this environment could tag or untag another environment's resources`;

    it.each([...RESOURCELESS_TAG_WRITES])(
      'refuses %s on *, quoting what it tags, unless * is listed',
      (action, tags) => {
        // An entry AWS gives a resource type, a read, a bounded service's or one ACCOUNT_SETTINGS
        // decides would be dead here, or decided twice.
        const [service, name] = action.split(':') as [string, string];
        expect(RESOURCELESS_ACTIONS[service]?.split(' ')).toContain(name);
        expect(RESOURCELESS_READS[service]?.split(' ') ?? []).not.toContain(name);
        expect(BOUNDED_APART).not.toContain(service);
        expect(ACCOUNT_SETTINGS.has(action)).toBe(false);
        const message = tagRefusal(allow(action, '*'));
        expect(message).toContain(refused(action));
        expect(message).toContain(`; ${action} changes ${tags}`);
        expect(tagRefusal(allow(action, '*'), ['*'])).toBeUndefined();
      },
    );

    it.each(
      Object.entries(RESOURCELESS_TAGGING).flatMap(([service, names]) =>
        names.split(' ').map((name) => `${service}:${name}`),
      ),
    )('has judged %s, which AWS files under Tagging, in one place', (action) => {
      // A release that adds a resourceless tagging action fails here until it is judged.
      expect(RESOURCELESS_TAG_WRITES.has(action) !== TAGGING_DECIDED_ELSEWHERE.has(action)).toBe(true);
    });

    it.each([
      [
        'a wildcard ARN',
        allow('servicediscovery:TagResource', 'arn:aws:servicediscovery:eu-west-1:111111111111:*'),
        'arn:aws:servicediscovery:eu-west-1:111111111111:*',
      ],
      [
        'every resource but one (NotResource)',
        { Effect: 'Allow', Action: 'servicediscovery:TagResource', NotResource: 'arn:aws:s3:::x' },
        '*',
      ],
    ])('refuses them on %s, which may be *', (_label, statement, resource) => {
      expect(tagRefusal(statement)).toContain(refused('servicediscovery:TagResource', resource));
    });

    it("refuses tag:TagResources beside a service's resourceless tagging action, and passes it alone", () => {
      expect(tagRefusal(allow(['tag:TagResources', 'workspaces:CreateTags'], '*'))).toContain(
        refused('workspaces:CreateTags'),
      );
      expect(tagRefusal(allow(['tag:TagResources', 'tag:UntagResources'], '*'))).toBeUndefined();
    });

    it('is not opened by aws.accountWideReads, which opens reads only', () => {
      expect(refusal(granting(allow('aoss:TagResource', '*')), true)).toContain(refused('aoss:TagResource'));
    });
  });

  describe('writes that take no resource type and change any resource of their service by the id or name in the request', () => {
    const byIdRefusal = (statement: unknown, listed: string[] = []) => {
      try {
        assertGrantsInBounds('app', stackTemplate(granting(statement)), { ...bounds, listed }, 'plan');
        return undefined;
      } catch (error) {
        expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
        return (error as Error).message;
      }
    };
    const refused = (action: string, resource = '*') =>
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ${action} on ${resource}, which changes, stops or deletes any resource of its service by the id or name in the request, and aws.externalTargets does not list it: a role of this environment could change, disable, stop or delete another environment's resources`;

    it.each([
      ["another environment's AppStream user", 'appstream:DisableUser'],
      ["another environment's WorkDocs user and its admin rights", 'workdocs:UpdateUser'],
      ["another environment's AppSync resolver", 'appsync:UpdateResolver'],
      ["another environment's Cognito identity pool's roles", 'cognito-identity:SetIdentityPoolRoles'],
      ["another environment's Glue job bookmark", 'glue:ResetJobBookmark'],
      ["another environment's ECS task definition", 'ecs:DeregisterTaskDefinition'],
      ["another environment's CodeDeploy deployment", 'codedeploy:StopDeployment'],
      ["another environment's stack's Git sync", 'codeconnections:UpdateSyncConfiguration'],
      ["another environment's MediaLive channels", 'medialive:BatchStop'],
      ["another environment's CloudFront key group", 'cloudfront:UpdateKeyGroup'],
      ["another environment's Route 53 Profile on a VPC", 'route53profiles:AssociateProfile'],
      [
        "another environment's Service Catalog provisioned product",
        'servicecatalog:TerminateProvisionedProduct',
      ],
      ["another environment's pipeline's third-party job", 'codepipeline:PutThirdPartyJobSuccessResult'],
      ["another environment's CodeDeploy lifecycle hook", 'codedeploy:PutLifecycleEventHookExecutionStatus'],
      ["another environment's Connect instance's outbound calls", 'connect:StartOutboundVoiceContact'],
      ["another environment's Config remediation", 'config:StartRemediationExecution'],
      ["another environment's provisioned product plan", 'servicecatalog:ExecuteProvisionedProductPlan'],
      ["another environment's AppSync schema", 'appsync:StartSchemaCreation'],
      ["another environment's CloudTrail Lake event data store", 'cloudtrail:StartImport'],
      ["another environment's backup in progress", 'backup-storage:PutObject'],
      ["another environment's SMS replication run", 'sms:StartOnDemandReplicationRun'],
    ])('refuses %s on *, quoting what the action changes, unless * is listed', (_label, action) => {
      const message = byIdRefusal(allow(action, '*'));
      expect(message).toContain(refused(action));
      expect(message).toContain(
        `; ${action} changes ${RESOURCELESS_WRITES_BY_ID.get(action.toLowerCase())!}`,
      );
      expect(byIdRefusal(allow(action, '*'), ['*'])).toBeUndefined();
    });

    it.each([...RESOURCELESS_WRITES_BY_ID])(
      'refuses %s, which takes no resource type, is filed under Write and is in no other table, on *',
      (action, changes) => {
        // An entry AWS gives a resource type or files elsewhere, a bounded service's, or one another
        // table decides would be dead here, or decided twice.
        const [service, name] = action.split(':') as [string, string];
        expect(RESOURCELESS_ACTIONS[service]?.split(' ')).toContain(name);
        expect(RESOURCELESS_WRITES[service]?.split(' ')).toContain(name);
        expect(RESOURCELESS_READS[service]?.split(' ') ?? []).not.toContain(name);
        expect(BOUNDED_APART).not.toContain(service);
        expect(ACCOUNT_SETTINGS.has(action)).toBe(false);
        expect(RESOURCELESS_TAG_WRITES.has(action)).toBe(false);
        expect(READS_FILED_ELSEWHERE.has(action)).toBe(false);
        expect(byIdRefusal(allow(action, '*'))).toContain(`; ${action} changes ${changes}`);
      },
    );

    it.each([
      [
        'a wildcard ARN',
        allow('appstream:DisableUser', 'arn:aws:appstream:eu-west-1:111111111111:*'),
        'arn:aws:appstream:eu-west-1:111111111111:*',
      ],
      [
        'every resource but one (NotResource)',
        { Effect: 'Allow', Action: 'appstream:DisableUser', NotResource: 'arn:aws:s3:::x' },
        '*',
      ],
    ])('refuses them on %s, which may be *', (_label, statement, resource) => {
      expect(byIdRefusal(statement)).toContain(refused('appstream:DisableUser', resource));
    });

    it('is not opened by aws.accountWideReads, which opens reads only', () => {
      expect(refusal(granting(allow('glue:ResetJobBookmark', '*')), true)).toContain(
        refused('glue:ResetJobBookmark'),
      );
    });

    it("passes the CDK's own resourceless writes on * that act by id: a pipeline's Lambda job results, a state machine's log delivery", () => {
      // aws-codepipeline-actions' LambdaInvokeAction grants PutJobSuccessResult and
      // PutJobFailureResult on `*`; aws-stepfunctions' StateMachine logging grants the log
      // delivery writes on `*`: left passing, so still reaching another environment's of their kind.
      const template = granting(
        allow(
          [
            'codepipeline:PutJobSuccessResult',
            'codepipeline:PutJobFailureResult',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
          ],
          '*',
        ),
      );
      expect(refusal(template)).toBeUndefined();
    });

    it("passes the CDK's own grants of them on one resource's ARN: a Lambda deployment group's hook status, an Inspector schedule target", () => {
      // aws-codedeploy's LambdaDeploymentGroup.grantPutLifecycleEventHookExecutionStatus grants on
      // the group's ARN; aws-scheduler-targets' InspectorStartAssessmentRun on the template's ARN.
      const hook = allow(
        'codedeploy:PutLifecycleEventHookExecutionStatus',
        'arn:aws:codedeploy:eu-west-1:111111111111:deploymentgroup:app/group',
      );
      const run = allow(
        'inspector:StartAssessmentRun',
        'arn:aws:inspector:eu-west-1:111111111111:target/0-a/template/0-b',
      );
      expect(refusal(granting(hook))).toBeUndefined();
      expect(refusal(granting(run))).toBeUndefined();
    });
  });

  describe('on stacks', () => {
    const stackArn = (name: string, id = '*', region = 'eu-west-1') =>
      `arn:aws:cloudformation:${region}:111111111111:stack/${name}/${id}`;
    /** The refusal of `statement` in stack env-a-app's template (with a nested stack, Child), or undefined. */
    const refusalOfStack = (statement: unknown, listed: string[] = []) => {
      const template = JSON.parse(granting(statement)) as { Resources: Record<string, unknown> };
      template.Resources.Child = { Type: 'AWS::CloudFormation::Stack', Properties: {} };
      try {
        assertGrantsInBounds(
          'env-a-app',
          stackTemplate(JSON.stringify(template)),
          { ...bounds, listed, stackName: 'env-a-app' },
          'plan',
        );
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };

    it.each([
      [
        "signalling its own stack (the CDK's cfn-init and an Auto Scaling group's signals)",
        allow(['cloudformation:DescribeStackResource', 'cloudformation:SignalResource'], {
          Ref: 'AWS::StackId',
        }),
      ],
      [
        "its own stack's outputs by its name (the CDK's weak cross-stack reference)",
        allow('cloudformation:DescribeStacks', {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:eu-west-1:111111111111:stack/env-a-app/*'],
          ],
        }),
      ],
      [
        'its own stack by AWS::StackName in an Fn::Sub, all but what sets its tags',
        allow(['cloudformation:Describe*', 'cloudformation:DeleteStack', 'cloudformation:SignalResource'], {
          'Fn::Sub':
            'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*',
        }),
      ],
      [
        'its nested stack, by its Ref (its stack id)',
        allow('cloudformation:DescribeStacks', { Ref: 'Child' }),
      ],
      [
        'the account-level reads that return no stack of anyone',
        allow(
          ['cloudformation:ValidateTemplate', 'cloudformation:ListStacks', 'cloudformation:DescribeType'],
          '*',
        ),
      ],
    ])('passes %s', (_label, statement) => {
      expect(refusalOfStack(statement)).toBeUndefined();
    });

    it.each([
      [
        "changing another environment's stack",
        allow(['cloudformation:UpdateStack', 'cloudformation:DeleteStack'], stackArn('env-b-app')),
        `allows cloudformation:UpdateStack on ${stackArn('env-b-app')}, which is not this stack's own: a role of this environment could update or delete another environment's stacks`,
      ],
      ['every stack (cloudformation:* on *)', allow('cloudformation:*', '*'), 'allows cloudformation:* on *'],
      [
        "every stack's outputs",
        allow('cloudformation:DescribeStacks', '*'),
        'allows cloudformation:DescribeStacks on *',
      ],
      [
        "every export's value",
        allow('cloudformation:ListExports', '*'),
        'allows cloudformation:ListExports on *',
      ],
      [
        'every action on every stack (a wildcard action)',
        allow('*', stackArn('env-b-app')),
        `allows * on ${stackArn('env-b-app')}`,
      ],
      [
        'a stack whose name starts with its own',
        allow('cloudformation:DeleteStack', stackArn('env-a-app*')),
        "which is not this stack's own",
      ],
      [
        'its own name in another region',
        allow('cloudformation:UpdateStack', stackArn('env-a-app', '*', 'us-east-1')),
        'on arn:aws:cloudformation:us-east-1:',
      ],
      [
        'change sets of any stack',
        allow('cloudformation:ExecuteChangeSet', 'arn:aws:cloudformation:eu-west-1:111111111111:changeSet/*'),
        'allows cloudformation:ExecuteChangeSet on arn:aws:cloudformation:eu-west-1:111111111111:changeSet/*',
      ],
      [
        'a stack set',
        allow(
          'cloudformation:UpdateStackSet',
          'arn:aws:cloudformation:eu-west-1:111111111111:stackset/env-b:*',
        ),
        'allows cloudformation:UpdateStackSet on',
      ],
      [
        'a pattern of the harmless lists (List* takes ListExports)',
        allow('cloudformation:List*', '*'),
        'allows cloudformation:List* on *',
      ],
      [
        "another stack's template by its name",
        allow('cloudformation:GetTemplate', stackArn('env-b-app', '0a1b')),
        'allows cloudformation:GetTemplate on',
      ],
    ])('refuses %s', (_label, statement, message) => {
      expect(refusalOfStack(statement)).toContain(message);
    });

    it.each([
      ['TagResource', 'cloudformation:TagResource'],
      ['UntagResource', 'cloudformation:UntagResource'],
      ['UpdateStack (its Tags)', 'cloudformation:UpdateStack'],
      ['CreateChangeSet (its Tags)', 'cloudformation:CreateChangeSet'],
      ['CreateStack (its name again, after a delete)', 'cloudformation:CreateStack'],
      ['every action (cloudformation:*)', 'cloudformation:*'],
      ['a pattern (cloudformation:Update*)', 'cloudformation:Update*'],
    ])(
      'refuses %s on its own stack, which could set cairn:environment to another environment, unless listed',
      (_label, action) => {
        const own = { Ref: 'AWS::StackId' };
        expect(refusalOfStack(allow(action, own))).toContain(
          `allows ${action} on {"Ref":"AWS::StackId"}, which sets a stack's tags (its own too), and aws.externalTargets does not list the stack: a role of this environment could retag a stack with another environment's cairn:environment`,
        );
        const byName = stackArn('env-a-app');
        expect(refusalOfStack(allow(action, byName))).toContain("which sets a stack's tags (its own too)");
        expect(refusalOfStack(allow(action, byName), [byName])).toBeUndefined();
      },
    );

    it("refuses another environment's stack's tags, directly or through the Tagging API", () => {
      const theirs = stackArn('env-b-app');
      expect(refusalOfStack(allow(['tag:TagResources', 'cloudformation:TagResource'], theirs))).toContain(
        `allows cloudformation:TagResource on ${theirs}, which is not this stack's own`,
      );
      // tag:TagResources on `*` alone tags no stack: CloudFormation's own TagResource is needed too.
      expect(refusalOfStack(allow('tag:TagResources', '*'))).toBeUndefined();
    });

    it("passes another environment's stack only when listed", () => {
      const theirs = stackArn('env-b-app');
      expect(refusalOfStack(allow('cloudformation:DescribeStacks', theirs), [theirs])).toBeUndefined();
      expect(refusalOfStack(allow('cloudformation:DescribeStacks', theirs), ['*'])).toBeUndefined();
    });
  });

  it('reads a policy document written as a JSON string', () => {
    const template = JSON.parse(granting(allow('s3:*', '*'))) as {
      Resources: { Grant: { Properties: { PolicyDocument: unknown } } };
    };
    const policy = template.Resources.Grant.Properties;
    policy.PolicyDocument = JSON.stringify(policy.PolicyDocument);
    expect(refusal(JSON.stringify(template))).toContain('Statement 0 of AWS::IAM::Policy allows s3:* on *');
  });

  it("lists the literal names of a template's data-bearing resources, by type", () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: {
          Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-jobs' } },
          Orders: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: { Ref: 'Name' } } },
          Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'shop-role' } },
        },
      }),
    );
    expect(namedResources(template)).toEqual(['aws::sqs::queue shop-jobs']);
  });
});
