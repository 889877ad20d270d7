import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { noneRunner } from '../../../cdk/synth/synth-runner';
import type { Assembly } from '../../../cdk/types';
import type { AwsTargetConfig } from '../../../controller/config/types';
import { stacksOf } from '../../helpers/changes';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { motoIam } from '../../helpers/moto-iam';
import {
  applierThrough,
  changeSetsOf,
  only,
  sandboxTarget,
  synthesizeBehindProxy,
  unique,
  withTemplates,
} from './cdk-fixture';

const prefix = unique('grant');
const sha = '7777777fffffffffffffffffffffffffffffffff';
const { account, region } = sandboxTarget();
let assembly: Assembly;
let proxy: CfnFaultProxy;
const ssm = new SSMClient(sandboxAwsClientConfig());

/** Stack `id` of the synthesized app, its template replaced by `template`. */
function withTemplate(id: string, template: object | string): Assembly {
  return withTemplates(assembly, { [id]: template });
}

// Environment b's data, in the account environment a shares.
const theirBucket = unique('env-b-data');
const theirSecret = unique('env-b-token');
const theirQueue = unique('env-b-jobs');
const theirBucketObjects = `arn:aws:s3:::${theirBucket}/*`;
const theirSecretArn = `arn:aws:secretsmanager:${region}:${account}:secret:${theirSecret}-*`;
const theirQueueArn = `arn:aws:sqs:${region}:${account}:${theirQueue}`;
const theirParameter = `/${unique('env-b')}/db-password`;
const theirRole = unique('env-b-deployer');
const theirUser = unique('env-b-ci');
const theirGroup = unique('env-b-admins');
const theirRoleArn = `arn:aws:iam::${account}:role/${theirRole}`;
const theirRepository = unique('env-b-api');
const theirLogGroup = `/env-b/${unique('api')}`;
const theirRepositoryArn = `arn:aws:ecr:${region}:${account}:repository/${theirRepository}`;
const theirLogGroupArn = `arn:aws:logs:${region}:${account}:log-group:${theirLogGroup}:*`;
// b's database user and file system, as the CDK's grantConnect and an EFS grant write them.
const theirDbUser = `arn:aws:rds-db:${region}:${account}:dbuser:db-ENVBDATABASE0123456789/admin`;
const theirFileSystem = `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0e0b0e0b0e0b0e0b0`;
const theirAccessPoint = `arn:aws:elasticfilesystem:${region}:${account}:access-point/fsap-0e0b0e0b0e0b0e0b0`;
// The CDK bootstrap's deploy role, which trusts the account root: any principal of the account
// whose identity policy allows it may assume it, and through it pass the execution role.
const bootstrapDeployRole = `arn:aws:iam::${account}:role/cdk-hnb659fds-deploy-role-${account}-${region}`;

const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/** A template of environment a: its own role, bucket and parameter, and `policy` attached to the role. */
function granting(policy: object, role: object = {}): object {
  return {
    Resources: {
      Own: { Type: 'AWS::S3::Bucket', Properties: {} },
      Named: { Type: 'AWS::SSM::Parameter', Properties: { Name: theirBucket, Type: 'String', Value: 'x' } },
      Fn: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: LAMBDA_TRUST, ...role } },
      Grant: policy,
    },
  };
}

/** An `AWS::IAM::Policy` on a's own role allowing `Action` on `Resource`. */
const allowing = (Action: unknown, Resource: unknown) => policyOf({ Effect: 'Allow', Action, Resource });

/** An `AWS::IAM::Policy` on a's own role allowing `statements`. */
const policyOf = (...statements: object[]) => ({
  Type: 'AWS::IAM::Policy',
  Properties: {
    PolicyName: 'env-a-reads-b',
    Roles: [{ Ref: 'Fn' }],
    PolicyDocument: { Version: '2012-10-17', Statement: statements },
  },
});

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...['Theirs', 'Applied', 'Planned'].map((name) => ({ name, queues: ['Q'] })),
        ...['AppliedAssume', 'AppliedRewrite', 'AppliedKey', 'AppliedJoin', 'AppliedMfa'].map((name) => ({
          name,
          queues: ['Q'],
        })),
        { name: 'Lends', identities: true },
        ...[
          'AppliedSecretRef',
          'AppliedSsmRef',
          'AppliedTypedParameter',
          'AppliedMappedRef',
          'PlannedRef',
        ].map((name) => ({
          name,
          queues: ['Q'],
        })),
        { name: 'RefsData', references: {} },
        { name: 'RefsUser', references: { from: 'RefsData' }, dependsOn: ['RefsData'] },
        { name: 'NamedData', queues: ['Q'] },
        { name: 'NamedUser', queues: ['Q'], dependsOn: ['NamedData'] },
        { name: 'Unrelated', queues: ['Q'] },
        { name: 'GrantsA', grants: {} },
        { name: 'GrantsB', grants: { from: 'GrantsA' } },
        { name: 'AppliedStacks', queues: ['Q'] },
        { name: 'Signals', signals: true },
        { name: 'AppliedServices', queues: ['Q'] },
        { name: 'AppliedOnAny', queues: ['Q'] },
        { name: 'AppliedReads', queues: ['Q'] },
        { name: 'AppliedContents', queues: ['Q'] },
        { name: 'AppliedSettings', queues: ['Q'] },
        { name: 'AppliedSettingsTail', queues: ['Q'] },
        { name: 'AppliedTagging', queues: ['Q'] },
        { name: 'AppliedById', queues: ['Q'] },
        { name: 'AppliedBilling', queues: ['Q'] },
        { name: 'AppliedStarts', queues: ['Q'] },
        { name: 'AppliedRetag', queues: ['Q'] },
        { name: 'Services', services: true },
      ],
    },
    sha,
    // What is checked is the assembly, not the app's isolation: this host may lack bubblewrap.
    noneRunner(),
  ));
  // Environment b's bucket, secret and queue, deployed by cairn.
  const b = applierThrough(proxy, unique('env-b'));
  const theirs = {
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: theirBucket } },
      Secret: {
        Type: 'AWS::SecretsManager::Secret',
        Properties: { Name: theirSecret, SecretString: 'b-only' },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: theirQueue } },
      Parameter: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: theirParameter, Type: 'String', Value: 'b-only-parameter' },
      },
      User: { Type: 'AWS::IAM::User', Properties: { UserName: theirUser } },
      Repository: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: theirRepository } },
      LogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: theirLogGroup } },
      // A role of b's that trusts the account, as the CDK's bootstrap roles do.
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: theirRole,
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          },
        },
      },
    },
  };
  expect((await b.apply(withTemplate('Theirs', theirs), sha)).failure).toBeUndefined();
  // b's group, made out of band (moto's CloudFormation makes no AWS::IAM::Group).
  expect(await motoIam('CreateGroup', { GroupName: theirGroup })).toContain('<CreateGroupResult>');
  await b.close();
}, 240_000);

afterAll(() => {
  ssm.destroy();
  return proxy?.close();
});

/** Plans `template` as stack `Planned` and expects it refused as out of bounds, naming `message`. */
async function expectPlanRefused(template: object, message: string): Promise<void> {
  const a = applierThrough(proxy, unique('env-a'));
  try {
    const plan = await a.plan(withTemplate('Planned', template), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(message);
  } finally {
    await a.close();
  }
}

/** One test a row: a's app granting the row's policy to its role plans nothing, the refusal naming the row's message. */
function itPlansNothingOfGrants(rows: readonly (readonly [string, object, string])[]): void {
  it.each(rows)(
    'plans nothing of %s',
    async (_label, policy, message) => {
      await expectPlanRefused(granting(policy), message);
    },
    60_000,
  );
}

/** Plans `template` as stack `Planned` for an environment configured with `config`, and expects it planned, to be created. */
async function expectPlanned(config: Partial<AwsTargetConfig>, template: object): Promise<void> {
  const a = applierThrough(proxy, unique('env-a'), config);
  try {
    const plan = await a.plan(withTemplate('Planned', template), sha);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['created']);
  } finally {
    await a.close();
  }
}

/**
 * Plans `stacks` of the real synthesized app as an environment listing nothing, and expects each
 * planned, to be created: the CDK's own wiring stays in bounds.
 */
async function expectPlannedClean(stacks: readonly string[]): Promise<void> {
  const a = applierThrough(proxy, unique('env-a'));
  try {
    const plan = await a.plan(only(assembly, stacks), sha);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => [s.subject, s.action])).toEqual(
      stacks.map((s) => [`${prefix}-${s}`, 'created']),
    );
  } finally {
    await a.close();
  }
}

/**
 * Plans stack `stack` of the real app with its nested template changed by `edit` (restored after),
 * and expects the plan refused, naming the nested stack and containing `line`.
 */
async function expectNestedRefused(
  stack: string,
  edit: (nested: NestedTemplate) => void,
  line: string,
): Promise<void> {
  const file = join(
    assembly.dir,
    readdirSync(assembly.dir).find((f) => f.startsWith(stack) && f.endsWith('.nested.template.json'))!,
  );
  const text = readFileSync(file, 'utf8');
  const nested = JSON.parse(text) as NestedTemplate;
  edit(nested);
  writeFileSync(file, JSON.stringify(nested));
  const a = applierThrough(proxy, unique('env-a'));
  try {
    const plan = await a.plan(only(assembly, [stack]), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toMatch(new RegExp(`${stack}, nested stack \\w+`));
    expect(plan.failure!.message).toContain(line);
  } finally {
    writeFileSync(file, text);
    await a.close();
  }
}

/** The parts of a nested template the tests change by hand. */
interface NestedTemplate {
  Parameters?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }
  >;
}

/** The first identity policy of a nested template. */
const nestedPolicy = (nested: NestedTemplate) =>
  Object.values(nested.Resources).find((r) => r.Type === 'AWS::IAM::Policy')!.Properties.PolicyDocument;

describe("an identity policy of the environment's own role granting another environment's data", () => {
  it("applies nothing of a commit giving its role b's bucket, secret and queue", async () => {
    // given environment a's commit: its own role, named, with a policy reading b's data
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        { Effect: 'Allow', Action: 's3:GetObject', Resource: theirBucketObjects },
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: theirSecretArn },
        { Effect: 'Allow', Action: 'sqs:*', Resource: theirQueueArn },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('Applied', template), sha);
    // then it fails naming the stack, the policy, its type, the statement, the action and b's
    // bucket, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-Applied`);
    expect(applied.failure!.message).toContain(
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows s3:GetObject on ${theirBucketObjects}`,
    );
    expect(applied.failure!.message).toContain('aws.externalTargets');
    expect(changeSetsOf(proxy, `${prefix}-Applied`)).toEqual([]);
    // and moto's IAM has no such role (without the check it listed env-a-reads-b on it)
    const policies = await motoIam('ListRolePolicies', { RoleName: roleName });
    expect(policies).toContain('NoSuchEntity');
    expect(policies).not.toContain('env-a-reads-b');
    await a.close();
  }, 60_000);

  it.each([
    [
      "a role's inline policy on b's secret",
      granting(
        { Type: 'AWS::SQS::Queue', Properties: {} },
        {
          Policies: [
            {
              PolicyName: 'inline',
              PolicyDocument: {
                Statement: [
                  { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: theirSecretArn },
                ],
              },
            },
          ],
        },
      ),
      `Resources.Fn.Properties.Policies.0.PolicyDocument Statement 0 of AWS::IAM::Role allows secretsmanager:GetSecretValue on ${theirSecretArn}`,
    ],
    [
      'a managed policy allowing every queue (`*`)',
      granting({
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Roles: [{ Ref: 'Fn' }],
          PolicyDocument: { Statement: [{ Sid: 'Queues', Effect: 'Allow', Action: 'sqs:*', Resource: '*' }] },
        },
      }),
      'Statement 0 (Sid Queues) of AWS::IAM::ManagedPolicy allows sqs:* on *',
    ],
    [
      'a wildcard ARN of every bucket',
      granting(policyOf({ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::*' })),
      'allows s3:Get* on arn:aws:s3:::*',
    ],
    [
      "b's function, invoked",
      granting(
        policyOf({
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: {
            'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:env-b-fn',
          },
        }),
      ),
      `allows lambda:InvokeFunction on arn:aws:lambda:${region}:${account}:function:env-b-fn`,
    ],
    [
      'every resource but its own (NotResource)',
      granting(
        policyOf({
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          NotResource: { 'Fn::GetAtt': ['Own', 'Arn'] },
        }),
      ),
      'allows dynamodb:GetItem on *',
    ],
    [
      "its own bucket's ARN run on into another bucket's name",
      granting(
        policyOf({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Own', 'Arn'] }, '-of-b/*']] },
        }),
      ),
      'Statement 0 of AWS::IAM::Policy allows s3:GetObject on {"Fn::Join"',
    ],
    [
      "b's bucket, named by its own parameter named like it",
      granting(
        policyOf({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', ['arn:aws:s3:::', { Ref: 'Named' }, '/*']] },
        }),
      ),
      'allows s3:GetObject on {"Fn::Join"',
    ],
    [
      'an AWS managed policy reading every bucket',
      granting(
        { Type: 'AWS::SQS::Queue', Properties: {} },
        {
          ManagedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        },
      ),
      'Resources.Fn.Properties.ManagedPolicyArns.0 of AWS::IAM::Role attaches arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
    ],
  ])(
    'plans nothing of %s',
    async (_label, template, message) => {
      await expectPlanRefused(template, message);
    },
    60_000,
  );

  it.each([
    [
      "b's bucket, listed by its ARN (its objects with it)",
      { externalTargets: [`arn:aws:s3:::${theirBucket}`] },
      policyOf({ Effect: 'Allow', Action: 's3:GetObject', Resource: theirBucketObjects }),
    ],
    [
      'every queue, for an environment listing `*`',
      { externalTargets: ['*'] },
      policyOf({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }),
    ],
    [
      'account-level and harmless actions on `*`, and any Deny',
      {},
      policyOf(
        {
          Effect: 'Allow',
          Action: ['ec2:DescribeInstances', 'xray:PutTraceSegments', 'cloudwatch:PutMetricData'],
          Resource: '*',
        },
        { Effect: 'Allow', Action: ['logs:CreateLogGroup', 'dynamodb:ListStreams'], Resource: '*' },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ),
    ],
  ])(
    'plans %s',
    async (_label, config, policy) => {
      await expectPlanned(config, granting(policy));
    },
    60_000,
  );
});

describe('grants naming, by ARN, what a stack of the app names literally', () => {
  // given a data stack naming its queue and table, as the platform example does, and a stack
  // granting them by ARN (the CDK's Queue.fromQueueAttributes and Table.fromTableName)
  const queue = unique('env-a-jobs');
  const table = unique('env-a-orders');
  const data = {
    Resources: {
      Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queue } },
      Orders: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: table,
          KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
    },
  };
  const user = granting(
    policyOf(
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:${region}:${account}:${queue}` },
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: [
          {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:${region}:${account}:table/${table}`],
            ],
          },
          `arn:aws:dynamodb:${region}:${account}:table/${table}/index/*`,
        ],
      },
    ),
  );

  it('plans the grants of a stack depending on the one that names them', async () => {
    withTemplate('NamedData', data);
    withTemplate('NamedUser', user);
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(only(assembly, ['NamedData', 'NamedUser']), sha);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['created', 'created']);
    await a.close();
  }, 60_000);

  it("refuses them in a stack that does not depend on it (whose name may be anyone's then)", async () => {
    withTemplate('NamedData', data);
    withTemplate('Unrelated', user);
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(only(assembly, ['NamedData', 'Unrelated']), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(
      `allows sqs:SendMessage on arn:aws:sqs:${region}:${account}:${queue}`,
    );
    await a.close();
  }, 60_000);
});

describe("the CDK's own grants stay in bounds", () => {
  it('plans grants of its own data, BucketDeployment, a log group with retention, a logging state machine, a Provider, a NestedStack and cross-stack grants', async () => {
    // given the app's function with a log group of its own, not the deprecated logRetention's
    // provider (logs:PutRetentionPolicy on *, which cairn refuses)
    const template = readFileSync(join(assembly.dir, 'GrantsA.template.json'), 'utf8');
    expect(template).not.toContain('logs:PutRetentionPolicy');
    // and a state machine's logging, which reads log deliveries on * (no environment's data)
    expect(template).toContain('"logs:GetLogDelivery"');
    await expectPlannedClean(['GrantsA', 'GrantsB']);
  }, 120_000);

  it("refuses a nested stack's role given b's bucket, naming the nested stack", async () => {
    // given the app's nested template changed by hand: its role's policy names b's objects
    await expectNestedRefused(
      'GrantsA',
      (nested) => {
        nestedPolicy(nested).Statement[0]!.Resource = theirBucketObjects;
      },
      `on ${theirBucketObjects}`,
    );
  }, 60_000);
});

describe("an identity policy of the environment's own role taking on or rewriting identities", () => {
  it.each([
    [
      "assuming b's role and the CDK's deploy role",
      [
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: [theirRoleArn, bootstrapDeployRole],
        },
      ],
      `Statement 0 of AWS::IAM::Policy allows sts:AssumeRole on ${theirRoleArn}`,
      'AppliedAssume',
    ],
    [
      'writing any role, user or policy (iam:* on *)',
      [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
      'Statement 0 of AWS::IAM::Policy allows iam:* on *',
      'AppliedRewrite',
    ],
  ])(
    'applies nothing of a commit %s',
    async (_label, statements, message, stack) => {
      // given environment a's commit: its own role, named, with a policy on identities
      const a = applierThrough(proxy, unique('env-a'));
      const roleName = unique('env-a-fn');
      const template = granting(policyOf(...statements), { RoleName: roleName });
      // when it is applied
      const applied = await a.apply(withTemplate(stack, template), sha);
      // then it fails naming the stack, the policy, the statement, the action and the resource,
      // before any change set
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`${prefix}-${stack}`);
      expect(applied.failure!.message).toContain(`Resources.Grant.Properties.PolicyDocument ${message}`);
      expect(changeSetsOf(proxy, `${prefix}-${stack}`)).toEqual([]);
      // and moto's IAM has no such role (without the check it listed env-a-reads-b on it)
      const policies = await motoIam('ListRolePolicies', { RoleName: roleName });
      expect(policies).toContain('NoSuchEntity');
      expect(policies).not.toContain('env-a-reads-b');
      await a.close();
    },
    60_000,
  );

  itPlansNothingOfGrants([
    [
      'assuming any role by web identity',
      allowing('sts:AssumeRoleWithWebIdentity', '*'),
      'allows sts:AssumeRoleWithWebIdentity on *',
    ],
    [
      'every sts action on every role',
      allowing('sts:*', `arn:aws:iam::${account}:role/*`),
      `allows sts:* on arn:aws:iam::${account}:role/*`,
    ],
    ["passing b's role", allowing('iam:PassRole', theirRoleArn), `allows iam:PassRole on ${theirRoleArn}`],
    [
      "an access key of b's user",
      allowing('iam:CreateAccessKey', `arn:aws:iam::${account}:user/env-b-ci`),
      `allows iam:CreateAccessKey on arn:aws:iam::${account}:user/env-b-ci`,
    ],
    [
      'writing the policy of its own role (which then grants it anything)',
      allowing(['iam:PutRolePolicy'], { 'Fn::GetAtt': ['Fn', 'Arn'] }),
      'allows iam:PutRolePolicy on {"Fn::GetAtt":["Fn","Arn"]}',
    ],
    [
      "every action on its own role's ARN (which holds iam:PutRolePolicy)",
      allowing('*', { 'Fn::GetAtt': ['Fn', 'Arn'] }),
      'allows * on {"Fn::GetAtt":["Fn","Arn"]}',
    ],
    [
      "the roles under a path named like its own role (its ARN run on with '/')",
      allowing('iam:PassRole', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Fn', 'Arn'] }, '/*']] }),
      'allows iam:PassRole on {"Fn::Join"',
    ],
  ]);

  it.each([
    [
      'passing and assuming its own role, by ARN and by name',
      {},
      allowing(
        ['iam:PassRole', 'sts:AssumeRole', 'sts:TagSession'],
        [
          { 'Fn::GetAtt': ['Fn', 'Arn'] },
          { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Fn}' },
        ],
      ),
    ],
    [
      'reading identities and its own caller identity on *',
      {},
      allowing(['iam:Get*', 'iam:List*', 'sts:GetCallerIdentity', 'iam:CreateServiceLinkedRole'], '*'),
    ],
    [
      "assuming b's role, listed",
      { externalTargets: [theirRoleArn] },
      allowing('sts:AssumeRole', theirRoleArn),
    ],
  ])(
    'plans %s',
    async (_label, config, policy) => {
      await expectPlanned(config, granting(policy));
    },
    60_000,
  );

  it("applies nothing of a commit making an access key for b's user", async () => {
    // given environment a's commit declaring an access key of b's user, its secret in an output
    const a = applierThrough(proxy, unique('env-a'));
    const template = {
      Resources: { Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: theirUser } } },
      Outputs: { Secret: { Value: { 'Fn::GetAtt': ['Key', 'SecretAccessKey'] } } },
    };
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedKey', template), sha);
    // then it fails naming the stack, the property and b's user, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedKey`);
    expect(applied.failure!.message).toContain(
      `Resources.Key.Properties.UserName of AWS::IAM::AccessKey names "${theirUser}"`,
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedKey`)).toEqual([]);
    // and b's user has no access key (without the check moto listed one, made by a's stack)
    const keys = await motoIam('ListAccessKeys', { UserName: theirUser });
    expect(keys).toContain('<ListAccessKeysResult>');
    expect(keys).not.toContain('<AccessKeyId>');
    await a.close();
  }, 60_000);

  it("applies nothing of a commit putting a user of its own in b's group", async () => {
    // given environment a's commit declaring its own user, in b's group, with an access key
    const a = applierThrough(proxy, unique('env-a'));
    const userName = unique('env-a-ci');
    const template = {
      Resources: {
        Joiner: { Type: 'AWS::IAM::User', Properties: { UserName: userName, Groups: [theirGroup] } },
        Key: { Type: 'AWS::IAM::AccessKey', Properties: { UserName: { Ref: 'Joiner' } } },
      },
    };
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedJoin', template), sha);
    // then it fails naming the stack, the property and b's group, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(
      `Resources.Joiner.Properties.Groups.0 of AWS::IAM::User names "${theirGroup}"`,
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedJoin`)).toEqual([]);
    // and b's group has no member (without the check moto listed a's user in it)
    const group = await motoIam('GetGroup', { GroupName: theirGroup });
    expect(group).toContain('<GetGroupResult>');
    expect(group).not.toContain(userName);
    await a.close();
  }, 60_000);

  it("applies nothing of a commit making b's user answer its MFA with a device of a's", async () => {
    // given environment a's commit declaring a virtual MFA device for b's user, and its own user's
    const a = applierThrough(proxy, unique('env-a'));
    const template = {
      Resources: {
        Own: { Type: 'AWS::IAM::User', Properties: {} },
        OwnDevice: { Type: 'AWS::IAM::VirtualMFADevice', Properties: { Users: [{ Ref: 'Own' }] } },
        Device: { Type: 'AWS::IAM::VirtualMFADevice', Properties: { Users: [theirUser] } },
      },
    };
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedMfa', template), sha);
    // then it fails naming the stack, the property and b's user, before any change set (without
    // the check the stack was created; moto makes no virtual MFA device from a template, so what
    // AWS would do to b's user is its documented behaviour, not seen here)
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedMfa`);
    expect(applied.failure!.message).toContain(
      `Resources.Device.Properties.Users.0 of AWS::IAM::VirtualMFADevice names "${theirUser}"`,
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedMfa`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("plans the CDK's own: an ECS run-task (its wait pinned to its own cluster), task credentials, grantPassRole and grantAssumeRole, a NestedStack's, a user in its own group with a key", async () => {
    // given the run-task's StopTask on * with the Condition the app adds to it
    const template = readFileSync(join(assembly.dir, 'Lends.template.json'), 'utf8');
    expect(template).toContain('"ecs:StopTask"');
    expect(template).toContain('"ecs:cluster"');
    await expectPlannedClean(['Lends']);
  }, 120_000);
});

describe("an identity policy of the environment's own role on CloudFormation stacks", () => {
  // Environment b's stack as the CDK writes a stack's ARN (its name, any id).
  const theirStack = `arn:aws:cloudformation:${region}:${account}:stack/${prefix}-Theirs/*`;

  it("applies nothing of a commit giving its role cloudformation:* on b's stack", async () => {
    // given environment a's commit: its own role, named, allowed every CloudFormation action on b's
    // stack (UpdateStack without a RoleARN deploys with the role b's stack was last deployed with,
    // AWS documents, so a's function could rewrite or delete b's stack with b's execution role)
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        { Effect: 'Allow', Action: 'cloudformation:*', Resource: theirStack },
        {
          Effect: 'Allow',
          Action: [
            'cloudformation:DescribeStacks',
            'cloudformation:ListExports',
            'cloudformation:GetTemplate',
          ],
          Resource: '*',
        },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedStacks', template), sha);
    // then it fails naming the stack, the policy, the statement, the action and b's stack, before
    // any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedStacks`);
    expect(applied.failure!.message).toContain(
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows cloudformation:* on ${theirStack}, which is not this stack's own`,
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedStacks`)).toEqual([]);
    // and moto's IAM has no such role (without the check it listed env-a-reads-b on it)
    const policies = await motoIam('ListRolePolicies', { RoleName: roleName });
    expect(policies).toContain('NoSuchEntity');
    expect(policies).not.toContain('env-a-reads-b');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "every stack's outputs (DescribeStacks on *)",
      policyOf({ Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: '*' }),
      'Statement 0 of AWS::IAM::Policy allows cloudformation:DescribeStacks on *',
    ],
    [
      "b's stack, deleted through a managed policy",
      {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Roles: [{ Ref: 'Fn' }],
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'cloudformation:DeleteStack', Resource: theirStack }],
          },
        },
      },
      `allows cloudformation:DeleteStack on ${theirStack}`,
    ],
  ]);

  it.each([
    [
      "its own stack by AWS::StackName (all but what sets its tags), and the account's stack list and template validation on *",
      {},
      policyOf(
        {
          Effect: 'Allow',
          Action: [
            'cloudformation:Describe*',
            'cloudformation:GetTemplate',
            'cloudformation:SignalResource',
            'cloudformation:DeleteStack',
          ],
          Resource: {
            'Fn::Sub':
              'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*',
          },
        },
        {
          Effect: 'Allow',
          Action: ['cloudformation:ListStacks', 'cloudformation:ValidateTemplate'],
          Resource: '*',
        },
      ),
    ],
    [
      "b's stack, listed",
      { externalTargets: [theirStack] },
      policyOf({ Effect: 'Allow', Action: 'cloudformation:DescribeStacks', Resource: theirStack }),
    ],
  ])(
    'plans %s',
    async (_label, config, policy) => {
      await expectPlanned(config, granting(policy));
    },
    60_000,
  );

  it("applies nothing of a commit giving its role its own stack's tags, cairn:environment among them", async () => {
    // given environment a's commit: its own role, named, allowed to set its own stack's tags
    // (TagResource directly or through tag:TagResources, UpdateStack with Tags): a's function could
    // retag the stack cairn:environment=<b's>, and b's cairn would update, prune and bind outputs
    // of a stack a made (one named as b will name its own, keeping a's notification topics)
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        {
          Effect: 'Allow',
          Action: ['cloudformation:TagResource', 'cloudformation:UpdateStack'],
          Resource: { Ref: 'AWS::StackId' },
        },
        { Effect: 'Allow', Action: 'tag:TagResources', Resource: '*' },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedRetag', template), sha);
    // then it fails naming the stack, the statement and the action, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedRetag`);
    expect(applied.failure!.message).toContain(
      'Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows cloudformation:TagResource on {"Ref":"AWS::StackId"}, which sets a stack\'s tags (its own too), and aws.externalTargets does not list the stack',
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedRetag`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('cloudformation:TagResource');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "b's stack's tags (cloudformation:TagResource on b's stack)",
      allowing('cloudformation:TagResource', theirStack),
      `allows cloudformation:TagResource on ${theirStack}, which is not this stack's own`,
    ],
  ]);

  it("plans the CDK's own: cfn-init's and an Auto Scaling group's signals, in the stack and a NestedStack", async () => {
    // given the app's templates, whose instance roles the CDK grants SignalResource on their own stack
    const templates = readdirSync(assembly.dir).filter((f) => f.startsWith('Signals') && f.endsWith('.json'));
    const signalling = templates.filter((f) =>
      readFileSync(join(assembly.dir, f), 'utf8').includes('cloudformation:SignalResource'),
    );
    expect(signalling.some((f) => f.endsWith('.nested.template.json'))).toBe(true);
    expect(signalling.some((f) => !f.endsWith('.nested.template.json'))).toBe(true);
    // and the app plans clean
    await expectPlannedClean(['Signals']);
  }, 120_000);

  it("refuses a nested stack's role given b's stack, naming the nested stack", async () => {
    // given the app's nested template changed by hand: its instance's role may update b's stack
    await expectNestedRefused(
      'Signals',
      (nested) => {
        const signalling = nestedPolicy(nested).Statement.find((st) =>
          JSON.stringify(st.Action).includes('cloudformation:'),
        )!;
        signalling.Action = 'cloudformation:UpdateStack';
        signalling.Resource = theirStack;
      },
      `allows cloudformation:UpdateStack on ${theirStack}`,
    );
  }, 60_000);
});

describe("an identity policy of the environment's own role on another environment's resources of other services", () => {
  it("applies nothing of a commit giving its role b's images, logs, database and file system", async () => {
    // given environment a's commit: its own role, named, allowed to push to and pull from b's ECR
    // repository, read b's log group, connect to b's database and mount b's file system
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        {
          Effect: 'Allow',
          Action: ['ecr:PutImage', 'ecr:BatchGetImage', 'ecr:InitiateLayerUpload'],
          Resource: theirRepositoryArn,
        },
        {
          Effect: 'Allow',
          Action: ['logs:GetLogEvents', 'logs:FilterLogEvents'],
          Resource: theirLogGroupArn,
        },
        { Effect: 'Allow', Action: 'rds-db:connect', Resource: theirDbUser },
        {
          Effect: 'Allow',
          Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'],
          Resource: theirFileSystem,
        },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedServices', template), sha);
    // then it fails naming the stack, the policy, the statement, the action and b's repository,
    // before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedServices`);
    expect(applied.failure!.message).toContain(
      `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ecr:PutImage on ${theirRepositoryArn}, which is not this app's own`,
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedServices`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it, naming b's
    // repository, log group, database user and file system)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain(theirRepository);
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "b's log group, read through a managed policy",
      {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Roles: [{ Ref: 'Fn' }],
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'logs:FilterLogEvents', Resource: theirLogGroupArn }],
          },
        },
      },
      `allows logs:FilterLogEvents on ${theirLogGroupArn}`,
    ],
    ["every log group's events (on *)", allowing('logs:GetLogEvents', '*'), 'allows logs:GetLogEvents on *'],
    ['every ECR action on every repository', allowing('ecr:*', '*'), 'allows ecr:* on *'],
    [
      "b's Aurora cluster, through the Data API",
      allowing('rds-data:ExecuteStatement', `arn:aws:rds:${region}:${account}:cluster:env-b-db`),
      `allows rds-data:ExecuteStatement on arn:aws:rds:${region}:${account}:cluster:env-b-db`,
    ],
    [
      "b's event bus and private API",
      allowing(
        ['events:PutEvents', 'execute-api:Invoke'],
        [
          `arn:aws:events:${region}:${account}:event-bus/env-b-orders`,
          `arn:aws:execute-api:${region}:${account}:a1b2c3d4e5/*`,
        ],
      ),
      `allows events:PutEvents on arn:aws:events:${region}:${account}:event-bus/env-b-orders`,
    ],
    [
      "every EC2 Describe (DescribeInstanceAttribute reads other instances' user data)",
      allowing('ec2:Describe*', '*'),
      'allows ec2:Describe* on *',
    ],
  ]);

  it.each([
    [
      "b's repository, listed",
      { externalTargets: [theirRepositoryArn] },
      allowing('ecr:BatchGetImage', theirRepositoryArn),
    ],
    [
      "another account's repository, and AWS's foundation models",
      {},
      allowing(
        ['ecr:BatchGetImage', 'bedrock:InvokeModel'],
        [
          `arn:aws:ecr:${region}:222222222222:repository/shared`,
          `arn:aws:bedrock:${region}::foundation-model/amazon.titan-text-express-v1`,
        ],
      ),
    ],
  ])(
    'plans %s',
    async (_label, config, policy) => {
      await expectPlanned(config, granting(policy));
    },
    60_000,
  );

  it("applies nothing of a commit giving its role, on *, every log group's retention, every task's stop and b's access point by a Condition", async () => {
    // given environment a's commit: its own role, named, allowed what the CDK grants on * (its
    // logRetention provider's PutRetentionPolicy, an EcsRunTask's StopTask with no condition, an
    // EFS mount) where the Condition names b's access point instead of one of a's
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        {
          Effect: 'Allow',
          Action: ['logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy'],
          Resource: '*',
        },
        { Effect: 'Allow', Action: ['ecs:StopTask', 'ecs:DescribeTasks'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'elasticfilesystem:ClientMount',
          Resource: '*',
          Condition: { StringEquals: { 'elasticfilesystem:AccessPointArn': theirAccessPoint } },
        },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedOnAny', template), sha);
    // then it fails naming the stack, the statement, the action and what the CDK offers instead,
    // before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedOnAny`);
    expect(applied.failure!.message).toContain(
      "Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows logs:PutRetentionPolicy on *, which is not this app's own",
    );
    expect(applied.failure!.message).toContain("instead of the CDK's deprecated logRetention");
    expect(changeSetsOf(proxy, `${prefix}-AppliedOnAny`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it on a's role,
    // with b's access point in its Condition)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('PutRetentionPolicy');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "every task's stop with no Condition (the CDK's EcsRunTask as it writes it)",
      allowing(['ecs:StopTask', 'ecs:DescribeTasks'], '*'),
      "allows ecs:StopTask on *, which is not this app's own: a role of this environment could read or change another environment's resources of the account (its images, logs, databases, file systems, event buses, APIs, ...); give it a Condition ArnEquals ecs:cluster",
    ],
    ...(
      [
        ['StringLike *', { StringLike: { 'elasticfilesystem:AccessPointArn': '*' } }],
        [
          'StringEqualsIfExists (a mount without an access point passes)',
          { StringEqualsIfExists: { 'elasticfilesystem:AccessPointArn': theirAccessPoint } },
        ],
        [
          'ForAnyValue:StringEquals',
          { 'ForAnyValue:StringEquals': { 'elasticfilesystem:AccessPointArn': theirAccessPoint } },
        ],
        ['Null', { Null: { 'elasticfilesystem:AccessPointArn': 'false' } }],
      ] as const
    ).map(
      ([how, Condition]) =>
        [
          `every file system's mount on a Condition that pins nothing: ${how}`,
          policyOf({ Effect: 'Allow', Action: 'elasticfilesystem:ClientMount', Resource: '*', Condition }),
          "allows elasticfilesystem:ClientMount on *, which is not this app's own",
        ] as const,
    ),
  ]);

  it("applies nothing of a commit giving its role every environment's traces, metric statistics and log queries on *", async () => {
    // given environment a's commit: its own role, named, allowed the account-level reads of X-Ray,
    // CloudWatch and CloudWatch Logs, which take no resource and answer with b's data as well
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const reads = [
      'xray:BatchGetTraces',
      'xray:GetTraceSummaries',
      'cloudwatch:GetMetricStatistics',
      'logs:DescribeQueries',
    ];
    const template = granting(policyOf({ Effect: 'Allow', Action: reads, Resource: '*' }), {
      RoleName: roleName,
    });
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedReads', template), sha);
    // then it fails naming the stack, the statement, the action and the setting that would allow
    // it, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedReads`);
    expect(applied.failure!.message).toContain(
      "Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows xray:BatchGetTraces on *, which answers with every environment's data of the account, and aws.accountWideReads is not set",
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedReads`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('BatchGetTraces');
    await a.close();
  }, 60_000);

  it("applies nothing of a commit giving its role, on *, every launch template's user data and every task definition's environment", async () => {
    // given environment a's commit: its own role, named, allowed reads that take no resource and
    // that AWS files under List (launch templates' and launch configurations' user data, Spot
    // requests', VPN connections' pre-shared keys) and under Read (task and job definitions, with
    // their containers' environment): each answers with b's as well as a's
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf(
        {
          Effect: 'Allow',
          Action: [
            'ec2:DescribeLaunchTemplateVersions',
            'autoscaling:DescribeLaunchConfigurations',
            'ec2:DescribeSpotFleetRequests',
            'ec2:DescribeVpnConnections',
          ],
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Action: ['ecs:DescribeTaskDefinition', 'batch:DescribeJobDefinitions'],
          Resource: '*',
        },
      ),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedContents', template), sha);
    // then it fails naming the stack, the statement, the action, what it answers with and the
    // setting that would allow it, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedContents`);
    expect(applied.failure!.message).toContain(
      "Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ec2:DescribeLaunchTemplateVersions on *, which answers with every environment's data of the account, and aws.accountWideReads is not set",
    );
    expect(applied.failure!.message).toContain(
      "ec2:DescribeLaunchTemplateVersions answers with every launch template version's data, its user data",
    );
    expect(applied.failure!.message).toContain(
      "(xray:GetTraceSummaries, ecs:DescribeTaskDefinition or ec2:DescribeLaunchTemplateVersions on *) needs the environment's aws.accountWideReads",
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedContents`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('DescribeLaunchTemplateVersions');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "every VPN connection's pre-shared keys (on *), which AWS files under List",
      allowing('ec2:DescribeVpnConnections', '*'),
      "allows ec2:DescribeVpnConnections on *, which answers with every environment's data of the account",
    ],
    [
      "every task definition's container environment (on *)",
      allowing('ecs:DescribeTaskDefinition', '*'),
      "allows ecs:DescribeTaskDefinition on *, which answers with every environment's data of the account",
    ],
  ]);

  it("applies nothing of a commit giving its role, on *, the Region's EBS encryption by default and the account's organization", async () => {
    // given environment a's commit: its own role, named, allowed writes that take no resource and
    // change what every environment shares: b's new volumes unencrypted, b's instances' metadata
    // defaults, the account out of its organization
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const template = granting(
      policyOf({
        Effect: 'Allow',
        Action: [
          'ec2:DisableEbsEncryptionByDefault',
          'ec2:ModifyInstanceMetadataDefaults',
          'organizations:LeaveOrganization',
        ],
        Resource: '*',
      }),
      { RoleName: roleName },
    );
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedSettings', template), sha);
    // then it fails naming the stack, the statement, the action, what it changes and the setting
    // that would allow it, before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedSettings`);
    expect(applied.failure!.message).toContain(
      'Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ec2:DisableEbsEncryptionByDefault on *, which changes a setting of the account or Region every environment shares, and aws.externalTargets does not list it',
    );
    expect(applied.failure!.message).toContain(
      "ec2:DisableEbsEncryptionByDefault changes the Region's EBS encryption by default and its default KMS key, for every environment's new volumes",
    );
    expect(applied.failure!.message).toContain('only `*` in aws.externalTargets opens');
    expect(changeSetsOf(proxy, `${prefix}-AppliedSettings`)).toEqual([]);
    // and moto's IAM has no such policy (without the check GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('DisableEbsEncryptionByDefault');
    await a.close();
  }, 60_000);

  it("applies nothing of a commit giving its role, on *, b's SES identities, Identity Center's permission sets and groups, IoT's default authorizer and SageMaker's resource policies", async () => {
    // given environment a's commit: its own role, named, allowed writes that take no resource type
    // (the tail of services first left out): redirect b's SES bounces and complaints to a topic of
    // a's and let another account send as b's domain (the v1 API names an identity only in its
    // parameters), put a group of a's choosing in Identity Center and rewrite a permission set's
    // policy (every account of the organization), clear the account's default IoT authorizer and
    // open any SageMaker resource to another account by its ARN
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const tail = [
      'ses:SetIdentityNotificationTopic',
      'ses:PutIdentityPolicy',
      'sso-directory:AddMemberToGroup',
      'sso:PutPermissionsPolicy',
      'iot:ClearDefaultAuthorizer',
      'sagemaker:PutResourcePolicy',
    ];
    const template = granting(policyOf({ Effect: 'Allow', Action: tail, Resource: '*' }), {
      RoleName: roleName,
    });
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedSettingsTail', template), sha);
    // then it fails naming the stack, the statement, the first such action and what it changes,
    // before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedSettingsTail`);
    expect(applied.failure!.message).toContain(
      'Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ses:SetIdentityNotificationTopic on *, which changes a setting of the account or Region every environment shares, and aws.externalTargets does not list it',
    );
    expect(applied.failure!.message).toContain(
      "ses:SetIdentityNotificationTopic changes any SES identity, receipt rule set, template or configuration set of the account by name (SES's v1 API gives them no resource type)",
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedSettingsTail`)).toEqual([]);
    // and moto's IAM has no such policy (without the table's new groups GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('SetIdentityNotificationTopic');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants(
    (
      [
        ['sso-directory:AddMemberToGroup', 'the IAM Identity Center directory: its users'],
        ['sso:PutPermissionsPolicy', "the account's IAM Identity Center"],
        ['iot:ClearDefaultAuthorizer', "the account's AWS IoT settings"],
        ['sagemaker:PutResourcePolicy', 'the resource policy of any resource of the service by its ARN'],
      ] as const
    ).map(
      ([action, changes]) =>
        [`${action} (on *)`, allowing(action, '*'), `; ${action} changes ${changes}`] as const,
    ),
  );

  it('applies nothing of a commit giving its role, on *, the tagging actions of Cloud Map, OpenSearch Serverless, WorkSpaces and Transcribe', async () => {
    // given environment a's commit: its own role, named, allowed tagging actions that take no
    // resource type (the request names the resource by ARN or id, any environment's): a's function
    // could tag b's Cloud Map service or WorkSpace with a's tags, and ABAC conditions on
    // aws:ResourceTag would then give a's roles b's resources (or untag them from b's)
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const tagging = [
      'servicediscovery:TagResource',
      'servicediscovery:UntagResource',
      'aoss:TagResource',
      'workspaces:CreateTags',
      'transcribe:TagResource',
      'tag:TagResources',
    ];
    const template = granting(policyOf({ Effect: 'Allow', Action: tagging, Resource: '*' }), {
      RoleName: roleName,
    });
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedTagging', template), sha);
    // then it fails naming the stack, the statement, the first such action and what it tags, before
    // any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedTagging`);
    expect(applied.failure!.message).toContain(
      'Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows servicediscovery:TagResource on *, which tags or untags any resource of its service by the ARN or id in the request, and aws.externalTargets does not list it',
    );
    expect(applied.failure!.message).toContain(
      "servicediscovery:TagResource changes any Cloud Map namespace's or service's tags by its ARN",
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedTagging`)).toEqual([]);
    // and moto's IAM has no such policy (without the table GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('servicediscovery:TagResource');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants(
    (
      [
        [
          'workspaces:CreateTags',
          "any WorkSpace's, directory's, bundle's, image's or IP access group's tags by its id",
        ],
        ['aoss:UntagResource', "any OpenSearch Serverless collection's tags by its ARN"],
      ] as const
    ).map(
      ([action, tags]) => [`${action} (on *)`, allowing(action, '*'), `; ${action} changes ${tags}`] as const,
    ),
  );

  it("applies nothing of a commit giving its role, on *, b's AppStream users, AppSync resolvers, identity pool's roles and Glue job bookmarks", async () => {
    // given environment a's commit: its own role, named, allowed writes that take no resource type
    // and change an existing resource by the id or name in the request, any environment's: disable
    // b's AppStream users, rewrite the resolvers of b's GraphQL API, set which roles b's identity
    // pool hands out, reset b's Glue job bookmark, deregister b's task definitions
    const a = applierThrough(proxy, unique('env-a'));
    const roleName = unique('env-a-fn');
    const byId = [
      'appstream:DisableUser',
      'appsync:UpdateResolver',
      'cognito-identity:SetIdentityPoolRoles',
      'glue:ResetJobBookmark',
      'ecs:DeregisterTaskDefinition',
    ];
    const template = granting(policyOf({ Effect: 'Allow', Action: byId, Resource: '*' }), {
      RoleName: roleName,
    });
    // when it is applied
    const applied = await a.apply(withTemplate('AppliedById', template), sha);
    // then it fails naming the stack, the statement, the first such action and what it changes,
    // before any change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-AppliedById`);
    expect(applied.failure!.message).toContain(
      'Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows appstream:DisableUser on *, which changes, stops or deletes any resource of its service by the id or name in the request, and aws.externalTargets does not list it',
    );
    expect(applied.failure!.message).toContain(
      "appstream:DisableUser changes any AppStream 2.0 user of the account's user pool by its user name",
    );
    expect(changeSetsOf(proxy, `${prefix}-AppliedById`)).toEqual([]);
    // and moto's IAM has no such policy (without the table GetRolePolicy returned it on a's role)
    const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
    expect(policy).toContain('NoSuchEntity');
    expect(policy).not.toContain('appstream:DisableUser');
    await a.close();
  }, 60_000);

  itPlansNothingOfGrants(
    (
      [
        ['workdocs:UpdateUser', "any WorkDocs site's users, groups, folders and documents by id"],
        ['cognito-identity:SetIdentityPoolRoles', "any Cognito identity pool's roles by the pool's id"],
        [
          'codeconnections:UpdateSyncConfiguration',
          'any Git sync configuration by the name of the resource it syncs',
        ],
      ] as const
    ).map(
      ([action, changes]) =>
        [`${action} (on *)`, allowing(action, '*'), `; ${action} changes ${changes}`] as const,
    ),
  );

  it.each([
    [
      'AppliedBilling',
      "the account's Shield Advanced subscription, Control Tower guardrails, cost allocation tags and a Savings Plan",
      [
        'shield:CreateSubscription',
        'controltower:DisableGuardrail',
        'ce:UpdateCostAllocationTagsStatus',
        'savingsplans:CreateSavingsPlan',
      ],
      'which changes a setting of the account or Region every environment shares',
      "shield:CreateSubscription changes the account's Shield Advanced subscription (a year's commitment",
    ],
    [
      'AppliedStarts',
      "b's pipeline's third-party job, Connect instance's outbound calls, CloudTrail Lake event data store and AppSync schema",
      [
        'codepipeline:PutThirdPartyJobSuccessResult',
        'connect:StartOutboundVoiceContact',
        'cloudtrail:StartImport',
        'appsync:StartSchemaCreation',
      ],
      'which changes, stops or deletes any resource of its service by the id or name in the request',
      'codepipeline:PutThirdPartyJobSuccessResult changes any CodePipeline third-party job by its id',
    ],
  ])(
    'applies nothing of a commit giving its role (%s), on *, %s',
    async (stack, _what, actions, bound, changes) => {
      // given environment a's commit: its own role, named, allowed on `*` writes that take no
      // resource type and change what every environment runs under or pays, or an existing resource
      // of another environment's by the id in the request
      const a = applierThrough(proxy, unique('env-a'));
      const roleName = unique('env-a-fn');
      const template = granting(policyOf({ Effect: 'Allow', Action: actions, Resource: '*' }), {
        RoleName: roleName,
      });
      // when it is applied
      const applied = await a.apply(withTemplate(stack, template), sha);
      // then it fails naming the stack, the statement, the first such action and what it changes,
      // before any change set
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`${prefix}-${stack}`);
      expect(applied.failure!.message).toContain(
        `Resources.Grant.Properties.PolicyDocument Statement 0 of AWS::IAM::Policy allows ${actions[0]!} on *, ${bound}, and aws.externalTargets does not list it`,
      );
      expect(applied.failure!.message).toContain(changes);
      expect(changeSetsOf(proxy, `${prefix}-${stack}`)).toEqual([]);
      // and moto's IAM has no such policy (without the new entries the apply returned no failure)
      const policy = await motoIam('GetRolePolicy', { RoleName: roleName, PolicyName: 'env-a-reads-b' });
      expect(policy).toContain('NoSuchEntity');
      expect(policy).not.toContain(actions[0]!);
      await a.close();
    },
    60_000,
  );

  it('plans the same writes for an environment trusted with the whole account (* in aws.externalTargets)', async () => {
    await expectPlanned(
      { externalTargets: ['*'] },
      granting(allowing(['appstream:DisableUser', 'glue:ResetJobBookmark'], '*')),
    );
  }, 60_000);

  it('plans the same tagging for an environment trusted with the whole account (* in aws.externalTargets)', async () => {
    await expectPlanned(
      { externalTargets: ['*'] },
      granting(allowing(['servicediscovery:TagResource', 'workspaces:CreateTags', 'tag:TagResources'], '*')),
    );
  }, 60_000);

  itPlansNothingOfGrants([
    [
      "every registered domain's owner account (on *)",
      allowing('route53domains:TransferDomainToAnotherAwsAccount', '*'),
      'allows route53domains:TransferDomainToAnotherAwsAccount on *, which changes a setting of the account or Region every environment shares',
    ],
  ]);

  it('plans the same settings for an environment trusted with the whole account (* in aws.externalTargets)', async () => {
    await expectPlanned(
      { externalTargets: ['*'] },
      granting(
        allowing(
          [
            'ec2:DisableEbsEncryptionByDefault',
            'ec2:ModifyInstanceMetadataDefaults',
            'organizations:LeaveOrganization',
            'route53domains:TransferDomainToAnotherAwsAccount',
            'ses:SetIdentityNotificationTopic',
            'sso-directory:AddMemberToGroup',
            'iot:ClearDefaultAuthorizer',
          ],
          '*',
        ),
      ),
    );
  }, 60_000);

  it('plans the same reads for an environment that sets aws.accountWideReads', async () => {
    await expectPlanned(
      { accountWideReads: true },
      granting(
        allowing(
          [
            'xray:BatchGetTraces',
            'xray:GetTraceSummaries',
            'cloudwatch:GetMetricStatistics',
            'logs:DescribeQueries',
            'ec2:DescribeLaunchTemplateVersions',
            'autoscaling:DescribeLaunchConfigurations',
            'ecs:DescribeTaskDefinition',
          ],
          '*',
        ),
      ),
    );
  }, 60_000);

  it("plans the CDK's own: a VPC function given its own repository, log group, database, Aurora Data API, file system and access point, event bus, OpenSearch domain, Firehose stream, API method and metric; an ECS service's execute command, a canary", async () => {
    // given the app's template, whose roles the CDK grants these services' actions on its own
    const template = readFileSync(join(assembly.dir, 'Services.template.json'), 'utf8');
    for (const action of [
      'ecr:PutImage',
      'logs:GetLogEvents',
      'rds-db:connect',
      'rds-data:ExecuteStatement',
      'elasticfilesystem:ClientWrite',
      'events:PutEvents',
      'es:ESHttpGet',
      'firehose:PutRecord',
      'execute-api:Invoke',
      'cloudwatch:PutMetricData',
      'ssmmessages:CreateControlChannel',
    ])
      expect(template).toContain(`"${action}"`);
    expect(template).toContain('log-group:/aws/lambda/cwsyn-*');
    // the function's EFS mount is on *, on the condition of its own access point
    expect(template).toContain('"elasticfilesystem:AccessPointArn"');
    // and the app plans clean
    await expectPlannedClean(['Services']);
  }, 120_000);

  it("refuses a nested stack's role given b's log group, naming the nested stack", async () => {
    // given the app's nested template changed by hand: its role's policy reads b's logs
    await expectNestedRefused(
      'GrantsA',
      (nested) => {
        const statement = nestedPolicy(nested).Statement[0]!;
        statement.Action = 'logs:GetLogEvents';
        statement.Resource = theirLogGroupArn;
      },
      `allows logs:GetLogEvents on ${theirLogGroupArn}`,
    );
  }, 60_000);
});

describe("a dynamic reference to another environment's secret or parameter", () => {
  /** A template of a's copying `value` into a parameter of its own, and out as an output. */
  const copying = (value: unknown, parameters: object = {}) => ({
    Parameters: parameters,
    Resources: {
      Copy: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: unique('env-a-copy'), Type: 'String', Value: value },
      },
    },
    Outputs: { Copied: { Value: { 'Fn::GetAtt': ['Copy', 'Value'] } } },
  });

  it.each([
    [
      'AppliedSecretRef',
      copying(`{{resolve:secretsmanager:${theirSecret}:SecretString:::}}`),
      `Resources.Copy.Properties.Value reads secret ${theirSecret} by a dynamic reference`,
    ],
    [
      'AppliedSsmRef',
      copying(`{{resolve:ssm:${theirParameter}}}`),
      `Resources.Copy.Properties.Value reads parameter ${theirParameter} by a dynamic reference`,
    ],
    [
      'AppliedTypedParameter',
      copying(
        { Ref: 'Theirs' },
        { Theirs: { Type: 'AWS::SSM::Parameter::Value<String>', Default: theirParameter } },
      ),
      `Parameters.Theirs.Default reads parameter ${theirParameter} by its type AWS::SSM::Parameter::Value<String>`,
    ],
    [
      'AppliedMappedRef',
      {
        // The reference's start in a mapping, completed by b's parameter's name: no one value holds it.
        Mappings: { Refs: { Any: { Start: '{{resolve:ssm:' } } },
        ...copying({
          'Fn::Join': ['', [{ 'Fn::FindInMap': ['Refs', 'Any', 'Start'] }, `${theirParameter}}}`]],
        }),
      },
      'Mappings.Refs.Any.Start holds the start of a dynamic reference ({{resolve:…) that another value completes',
    ],
  ])(
    'applies nothing of %s',
    async (stack, template, message) => {
      // given environment a's commit copying b's secret or parameter into an output of its own
      const a = applierThrough(proxy, unique('env-a'));
      // when it is applied
      const applied = await a.apply(withTemplate(stack, template), sha);
      // then it fails naming the stack, the property and what it reads, before any change set
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`${prefix}-${stack}`);
      expect(applied.failure!.message).toContain(message);
      expect(changeSetsOf(proxy, `${prefix}-${stack}`)).toEqual([]);
      // and a's copy does not exist (without the check moto created it: the typed parameter's copy
      // held b's value; moto leaves `{{resolve:…}}` as text, where CloudFormation reads b's)
      const copy = (template as { Resources: { Copy: { Properties: { Name: string } } } }).Resources.Copy;
      await expect(ssm.send(new GetParameterCommand({ Name: copy.Properties.Name }))).rejects.toMatchObject({
        name: 'ParameterNotFound',
      });
      await a.close();
    },
    60_000,
  );

  const theirSecretFullArn = `arn:aws:secretsmanager:${region}:${account}:secret:${theirSecret}-AbCdEf`;

  it.each([
    [
      "b's secure parameter",
      copying(`{{resolve:ssm-secure:${theirParameter}:1}}`),
      `reads parameter ${theirParameter} by a dynamic reference ({{resolve:ssm-secure:…}})`,
    ],
    [
      "b's secret by its ARN, in a tag",
      {
        Resources: {
          Bucket: {
            Type: 'AWS::S3::Bucket',
            Properties: { Tags: [{ Key: 'k', Value: `{{resolve:secretsmanager:${theirSecretFullArn}}}` }] },
          },
        },
      },
      `Resources.Bucket.Properties.Tags.0.Value reads secret ${theirSecretFullArn} by a dynamic reference`,
    ],
    [
      "b's secret joined from parts, as the CDK joins its own",
      copying({
        'Fn::Join': ['', ['{{resolve:secretsmanager:', theirSecret, ':SecretString:password::}}']],
      }),
      `reads secret ${theirSecret} by a dynamic reference`,
    ],
    [
      "b's parameter by an Fn::Sub naming a String parameter of a's (whose value is anyone's)",
      copying(
        { 'Fn::Sub': '{{resolve:ssm:${Name}}}' },
        { Name: { Type: 'String', Default: theirParameter } },
      ),
      'Resources.Copy.Properties.Value reads parameter {"Ref":"Name"} by a dynamic reference',
    ],
    [
      "b's parameter, typed, beside a parameter of a's that takes its name (read before that create fails)",
      {
        ...copying(
          { Ref: 'Theirs' },
          { Theirs: { Type: 'AWS::SSM::Parameter::Value<String>', Default: theirParameter } },
        ),
        Resources: {
          ...copying('x').Resources,
          Taken: {
            Type: 'AWS::SSM::Parameter',
            Properties: { Name: theirParameter, Type: 'String', Value: 'x' },
          },
        },
      },
      `Parameters.Theirs.Default reads parameter ${theirParameter}`,
    ],
  ])(
    'plans nothing of %s',
    async (_label, template, message) => {
      const a = applierThrough(proxy, unique('env-a'));
      const plan = await a.plan(withTemplate('PlannedRef', template), sha);
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toContain(message);
      await a.close();
    },
    60_000,
  );

  it("plans b's secret and parameter, listed", async () => {
    const a = applierThrough(proxy, unique('env-a'), { externalTargets: [theirSecret, theirParameter] });
    const template = copying(`{{resolve:secretsmanager:${theirSecret}:SecretString:::}}`, {
      Theirs: { Type: 'AWS::SSM::Parameter::Value<String>', Default: theirParameter },
    });
    const plan = await a.plan(withTemplate('PlannedRef', template), sha);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['created']);
    await a.close();
  }, 60_000);

  it("plans the CDK's own: a secret's value and JSON field, a parameter of a stack it depends on (typed and {{resolve:ssm}}), the latest AMI", async () => {
    await expectPlannedClean(['RefsData', 'RefsUser']);
  }, 120_000);

  it("refuses a nested stack's SSM-typed parameter naming b's parameter, naming the nested stack", async () => {
    // given the app's nested template changed by hand: a parameter typed to read b's parameter
    await expectNestedRefused(
      'GrantsA',
      (nested) => {
        nested.Parameters = {
          ...nested.Parameters,
          Theirs: { Type: 'AWS::SSM::Parameter::Value<String>', Default: theirParameter },
        };
      },
      `Parameters.Theirs.Default reads parameter ${theirParameter}`,
    );
  }, 60_000);
});
