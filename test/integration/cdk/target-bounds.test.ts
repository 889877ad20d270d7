import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { noneRunner } from '../../../cdk/synth/synth-runner';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { motoFunction, motoIam } from '../../helpers/moto-iam';
import {
  applierThrough,
  changeSetsOf,
  only,
  synthesizeBehindProxy,
  unique,
  withTemplates,
} from './cdk-fixture';

const prefix = unique('target');
const sha = '6666666fffffffffffffffffffffffffffffffff';
const ACCOUNT = '123456789012';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** Stack `id` of the synthesized app, its template replaced by `template`. */
function withTemplate(id: string, template: object | string): Assembly {
  return withTemplates(assembly, { [id]: template });
}

/** The inline policies of a role, as moto's IAM lists them (ListRolePolicies' XML). */
const rolePolicies = (role: string) => motoIam('ListRolePolicies', { RoleName: role });

const theirBucket = unique('env-b-data');
const theirRole = unique('env-b-app');

/** What a commit to environment a declares to reach b's bucket and role. */
const REACHING: Readonly<Record<'BucketPolicy' | 'RolePolicy', object>> = {
  BucketPolicy: {
    Type: 'AWS::S3::BucketPolicy',
    Properties: {
      Bucket: theirBucket,
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/env-a-app` },
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${theirBucket}/*`,
          },
        ],
      },
    },
  },
  RolePolicy: {
    Type: 'AWS::IAM::Policy',
    Properties: {
      PolicyName: 'env-a-was-here',
      Roles: [theirRole],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      },
    },
  },
};

const reaching = (kind: keyof typeof REACHING) => ({
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} }, Reach: REACHING[kind] },
});

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...[
          'Theirs',
          'BucketPolicy',
          'RolePolicy',
          'RoleByParameter',
          'Plan',
          'Listed',
          'ExportBucket',
          'ExportRole',
          'RunAs',
        ].map((name) => ({
          name,
          queues: ['Q'],
        })),
        { name: 'Importer', queues: ['Q'], dependsOn: ['ExportBucket'] },
        { name: 'WiredA', wiring: {} },
        { name: 'WiredC', wiring: {} },
        { name: 'WiredD', wiring: { destinations: true } },
        {
          name: 'WiredB',
          wiring: {
            from: 'WiredA',
            importedRole: `arn:aws:iam::${ACCOUNT}:role/platform-reader`,
            restApi: true,
          },
        },
      ],
    },
    sha,
    // What is checked is the assembly, not the app's isolation: this host may lack bubblewrap.
    noneRunner(),
  ));
  // Environment b's own bucket and role, deployed by cairn.
  const b = applierThrough(proxy, unique('env-b'));
  const theirs = {
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', Properties: { BucketName: theirBucket } },
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: theirRole,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
        },
      },
    },
  };
  expect((await b.apply(withTemplate('Theirs', theirs), sha)).failure).toBeUndefined();
  await b.close();
}, 240_000);

afterAll(() => proxy?.close());

describe("resources that attach to another environment's (moto through the recording proxy)", () => {
  it("applies nothing of a commit writing b's bucket policy", async () => {
    // given environment a's commit declaring a policy on b's bucket
    const a = applierThrough(proxy, unique('env-a'));
    // when it is applied
    const applied = await a.apply(withTemplate('BucketPolicy', reaching('BucketPolicy')), sha);
    // then it fails as aws.out-of-bounds naming the stack, the resource and the property, and
    // CloudFormation never saw the template (moto's CloudFormation does not implement
    // AWS::S3::BucketPolicy, so b's policy cannot be read back here; the role below can)
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-BucketPolicy`);
    expect(applied.failure!.message).toContain('Resources.Reach.Properties.Bucket of AWS::S3::BucketPolicy');
    expect(changeSetsOf(proxy, `${prefix}-BucketPolicy`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("applies nothing of a commit attaching a policy to b's role, which keeps none", async () => {
    // given environment a's commit attaching an allow-everything policy to b's role by its name
    const a = applierThrough(proxy, unique('env-a'));
    const applied = await a.apply(withTemplate('RolePolicy', reaching('RolePolicy')), sha);
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain('Resources.Reach.Properties.Roles.0 of AWS::IAM::Policy');
    expect(applied.failure!.message).toContain(`names "${theirRole}"`);
    expect(changeSetsOf(proxy, `${prefix}-RolePolicy`)).toEqual([]);
    // and b's role has no policy of a's (without the check, moto listed env-a-was-here here)
    const policies = await rolePolicies(theirRole);
    expect(policies).toContain('<ListRolePoliciesResult>');
    expect(policies).not.toContain('env-a-was-here');
    await a.close();
  }, 60_000);

  it("applies nothing of a commit naming b's role by a Ref of its own parameter of that name", async () => {
    // given environment a's commit making an SSM parameter named like b's role (names are unique
    // only among resources of one type) and attaching its policy to the parameter's Ref
    const a = applierThrough(proxy, unique('env-a'));
    const template = {
      Resources: {
        Named: { Type: 'AWS::SSM::Parameter', Properties: { Name: theirRole, Type: 'String', Value: 'x' } },
        Reach: {
          ...REACHING.RolePolicy,
          Properties: {
            ...(REACHING.RolePolicy as { Properties: object }).Properties,
            Roles: [{ Ref: 'Named' }],
          },
        },
      },
    };
    const applied = await a.apply(withTemplate('RoleByParameter', template), sha);
    // then it fails naming the property, and b's role has no policy of a's
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain('Resources.Reach.Properties.Roles.0 of AWS::IAM::Policy');
    expect(changeSetsOf(proxy, `${prefix}-RoleByParameter`)).toEqual([]);
    const policies = await rolePolicies(theirRole);
    expect(policies).toContain('<ListRolePoliciesResult>');
    expect(policies).not.toContain('env-a-was-here');
    await a.close();
  }, 60_000);

  it("applies nothing of a commit running its own function as b's role", async () => {
    // given environment a's commit declaring a function whose execution role is b's, by its ARN
    const a = applierThrough(proxy, unique('env-a'));
    const functionName = `${prefix}-runs-as-b`;
    const template = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: functionName,
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Code: { ZipFile: 'exports.handler = async () => process.env;' },
            Role: `arn:aws:iam::${ACCOUNT}:role/${theirRole}`,
          },
        },
      },
    };
    const applied = await a.apply(withTemplate('RunAs', template), sha);
    // then it fails naming the property and the role, CloudFormation never saw it, and no
    // function runs as b's role (without the check, moto made it with b's role as its own)
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain('Resources.Fn.Properties.Role of AWS::Lambda::Function');
    expect(applied.failure!.message).toContain(`names "arn:aws:iam::${ACCOUNT}:role/${theirRole}"`);
    expect(changeSetsOf(proxy, `${prefix}-RunAs`)).toEqual([]);
    expect(await motoFunction(functionName)).toEqual({ status: 404 });
    await a.close();
  }, 60_000);

  it("plans no change set of a pull request writing b's bucket policy", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(withTemplate('Plan', reaching('BucketPolicy')), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(changeSetsOf(proxy, `${prefix}-Plan`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("plans a policy on a role the environment lists in aws.externalTargets (a platform team's)", async () => {
    const a = applierThrough(proxy, unique('env-a'), { externalTargets: [theirRole] });
    // (a policy granting no data: what it grants is assertGrantsInBounds's, grant-bounds.test.ts)
    const tracing = { Statement: [{ Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' }] };
    const listed = reaching('RolePolicy');
    const policy = listed.Resources.Reach as { Properties: object };
    listed.Resources.Reach = { ...policy, Properties: { ...policy.Properties, PolicyDocument: tracing } };
    const plan = await a.plan(withTemplate('Listed', listed), sha);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['created']);
    await a.close();
  }, 60_000);
});

describe('cross-stack references name what the exporting stack made', () => {
  it('refuses an import two stacks of the app export as different things (a bucket and a role)', async () => {
    // given the stack the importer depends on exporting a bucket's name (named like b's role),
    // and another stack exporting a role under the same export name
    const shared = unique('shared-export');
    const exporting = (resource: object) => ({
      Resources: { Made: resource },
      Outputs: { Out: { Value: { Ref: 'Made' }, Export: { Name: shared } } },
    });
    withTemplate(
      'ExportBucket',
      exporting({ Type: 'AWS::S3::Bucket', Properties: { BucketName: theirRole } }),
    );
    withTemplate('ExportRole', exporting({ Type: 'AWS::IAM::Role', Properties: {} }));
    const importer = {
      Resources: {
        Reach: {
          ...REACHING.RolePolicy,
          Properties: {
            ...(REACHING.RolePolicy as { Properties: object }).Properties,
            Roles: [{ 'Fn::ImportValue': shared }],
          },
        },
      },
    };
    withTemplate('Importer', importer);
    // when the three are planned
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(only(assembly, ['ExportBucket', 'ExportRole', 'Importer']), sha);
    // then the importer's policy is refused, naming the property
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain('Resources.Reach.Properties.Roles.0 of AWS::IAM::Policy');
    await a.close();
  }, 60_000);
});

describe("the CDK's own wiring stays in bounds", () => {
  const wired = () => only(assembly, ['WiredA', 'WiredB']);

  it('plans grants, subscriptions, rule targets, event sources, auto-delete, nested stacks and cross-stack references', async () => {
    // given an environment listing the role the app imports by ARN and the API Gateway account
    // setting its RestApi declares
    const a = applierThrough(proxy, unique('env-a'), {
      externalTargets: ['platform-reader'],
      resourceTypes: ['AWS::ApiGateway::Account'],
    });
    // when the app is planned
    const plan = await a.plan(wired(), sha);
    // then both stacks are planned, to be created
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => [s.subject, s.action])).toEqual([
      [`${prefix}-WiredA`, 'created'],
      [`${prefix}-WiredB`, 'created'],
    ]);
    await a.close();
  }, 120_000);

  it.each([
    [
      'the role it imports by ARN (Role.fromRoleArn given grantRead)',
      { resourceTypes: ['AWS::ApiGateway::Account'] },
      'names "platform-reader"',
      'aws.externalTargets',
    ],
    [
      'the API Gateway account setting its RestApi declares',
      { externalTargets: ['platform-reader'] },
      '(AWS::ApiGateway::Account)',
      'cloudWatchRole: false',
    ],
  ])(
    'refuses, before any change set, %s unless listed',
    async (_label, config, message, hint) => {
      const a = applierThrough(proxy, unique('env-a'), config);
      const plan = await a.plan(wired(), sha);
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toContain(message);
      expect(plan.failure!.message).toContain(hint);
      await a.close();
    },
    120_000,
  );
});

describe('dead letters, bucket notifications and invocation destinations go to what the app made', () => {
  type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  /** Plans WiredD with its template changed by `change` (as a committer could write it), putting it back afterwards. */
  async function planChanged(change: (template: Template) => void) {
    const stacks = only(assembly, ['WiredD']);
    const file = stacks.stacks[0]!.templateFile;
    const text = readFileSync(file, 'utf8');
    const template = JSON.parse(text) as Template;
    change(template);
    writeFileSync(file, JSON.stringify(template));
    const a = applierThrough(proxy, unique('env-a'));
    try {
      return await a.plan(stacks, sha);
    } finally {
      writeFileSync(file, text);
      await a.close();
    }
  }
  const ofType = (template: Template, type: string) =>
    Object.entries(template.Resources).find(([, r]) => r.Type === type)!;

  it("plans the CDK's deadLetterQueue, addEventNotification and configureAsyncInvoke", async () => {
    const plan = await planChanged(() => undefined);
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => [s.subject, s.action])).toEqual([[`${prefix}-WiredD`, 'created']]);
  }, 60_000);

  it.each([
    [
      "b's bucket in the CDK's bucket notifications",
      (t: Template) => (ofType(t, 'Custom::S3BucketNotifications')[1].Properties.BucketName = theirBucket),
      /Resources\.\w+\.Properties\.BucketName of Custom::S3BucketNotifications names "env-b-data-/,
    ],
    [
      "b's queue as a dead-letter queue",
      (t: Template) => {
        const [, queue] = Object.entries(t.Resources).find(([id]) => id.startsWith('WiredRedriven'))!;
        (queue.Properties.RedrivePolicy as Record<string, unknown>).deadLetterTargetArn =
          `arn:aws:sqs:us-east-1:${ACCOUNT}:env-b-jobs`;
      },
      /Properties\.RedrivePolicy\.deadLetterTargetArn of AWS::SQS::Queue names "arn:aws:sqs:/,
    ],
    [
      "b's topic as a function's success destination",
      (t: Template) => {
        const config = ofType(t, 'AWS::Lambda::EventInvokeConfig')[1].Properties.DestinationConfig as {
          OnSuccess: { Destination: unknown };
        };
        config.OnSuccess.Destination = `arn:aws:sns:us-east-1:${ACCOUNT}:env-b-events`;
      },
      /Properties\.DestinationConfig\.OnSuccess\.Destination of AWS::Lambda::EventInvokeConfig/,
    ],
  ])(
    'refuses %s',
    async (_label, change, message) => {
      const plan = await planChanged(change);
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toMatch(message);
    },
    60_000,
  );
});

describe("a NestedStack's parameters and outputs name only the app's own", () => {
  type Template = {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    Outputs?: Record<string, { Value: unknown }>;
    Parameters?: Record<string, unknown>;
  };
  const THEIR_QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/env-b-jobs`;

  /**
   * Plans WiredC with its template and its nested stack's template changed by `change` (as a
   * committer could write them by hand), and puts both files back afterwards.
   */
  async function planChanged(change: (parent: Template, nested: Template, nestedId: string) => void) {
    const stacks = only(assembly, ['WiredC']);
    const parentFile = stacks.stacks[0]!.templateFile;
    const nestedFile = join(
      assembly.dir,
      readdirSync(assembly.dir).find((f) => f.startsWith('WiredC') && f.endsWith('.nested.template.json'))!,
    );
    const [parentText, nestedText] = [readFileSync(parentFile, 'utf8'), readFileSync(nestedFile, 'utf8')];
    const [parent, nested] = [JSON.parse(parentText) as Template, JSON.parse(nestedText) as Template];
    const nestedId = Object.keys(parent.Resources).find(
      (id) => parent.Resources[id]!.Type === 'AWS::CloudFormation::Stack',
    )!;
    change(parent, nested, nestedId);
    writeFileSync(parentFile, JSON.stringify(parent));
    writeFileSync(nestedFile, JSON.stringify(nested));
    const a = applierThrough(proxy, unique('env-a'));
    try {
      return await a.plan(stacks, sha);
    } finally {
      writeFileSync(parentFile, parentText);
      writeFileSync(nestedFile, nestedText);
      await a.close();
    }
  }

  it("refuses a nested queue policy on the queue its parent passes, when the parent passes b's", async () => {
    const plan = await planChanged((parent, _nested, nestedId) => {
      const passed = parent.Resources[nestedId]!.Properties.Parameters as Record<string, unknown>;
      for (const name of Object.keys(passed).filter((p) => p.endsWith('Ref'))) passed[name] = THEIR_QUEUE_URL;
    });
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(
      'Resources.ParentQueuePolicy.Properties.Queues.0 of AWS::SQS::QueuePolicy',
    );
  }, 60_000);

  it("refuses a parent's subscription to a nested stack's output, when the output is b's topic", async () => {
    const plan = await planChanged((_parent, nested) => {
      for (const [name, output] of Object.entries(nested.Outputs!))
        if (name.includes('NestedTopic')) output.Value = `arn:aws:sns:us-east-1:${ACCOUNT}:env-b-topic`;
    });
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toMatch(
      /Resources\.WiredFnNestedTopic\w*\.Properties\.TopicArn of AWS::SNS::Subscription/,
    );
  }, 60_000);

  it('refuses, without looping, an output and a parameter that name each other', async () => {
    // given a nested output that is its parameter, and a parent passing that output as the parameter
    const plan = await planChanged((parent, nested, nestedId) => {
      nested.Parameters = { ...nested.Parameters, Loop: { Type: 'String' } };
      nested.Outputs = { ...nested.Outputs, Loop: { Value: { Ref: 'Loop' } } };
      const properties = parent.Resources[nestedId]!.Properties;
      properties.Parameters = {
        ...(properties.Parameters as object),
        Loop: { 'Fn::GetAtt': [nestedId, 'Outputs.Loop'] },
      };
      parent.Resources.Looped = {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: { Queues: [{ 'Fn::GetAtt': [nestedId, 'Outputs.Loop'] }], PolicyDocument: {} },
      };
    });
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain('Resources.Looped.Properties.Queues.0 of AWS::SQS::QueuePolicy');
  }, 60_000);

  it('plans the unchanged app', async () => {
    const plan = await planChanged(() => undefined);
    expect(plan.failure).toBeUndefined();
  }, 60_000);
});
