import { readFileSync, writeFileSync } from 'node:fs';
import { noneRunner } from '../../../cdk/synth/synth-runner';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { motoComputeEnvironmentRoles, motoModelRoles, motoNotebookRoles } from '../../helpers/moto-iam';
import {
  applierThrough,
  changeSetsOf,
  only,
  synthesizeBehindProxy,
  unique,
  withTemplates,
} from './cdk-fixture';

// Every property that makes a service act as a role (cdk/deploy/role-properties.generated.ts),
// not only the ones template-targets.ts once listed by hand: environment a's commit must not make
// a SageMaker notebook, a Batch compute environment or an API Gateway integration act as
// environment b's role, while the CDK's own constructs, which write such properties with roles of
// their own, plan clean.

const prefix = unique('roles');
const sha = '7777777fffffffffffffffffffffffffffffffff';
const ACCOUNT = '123456789012';
let assembly: Assembly;
let proxy: CfnFaultProxy;

const theirRole = unique('env-b-worker');
const theirRoleArn = `arn:aws:iam::${ACCOUNT}:role/${theirRole}`;

/**
 * The AWS managed policy the CDK's Batch compute environment attaches to its instance role: what
 * a role may be granted is template-grants.ts's, which asks for it to be listed.
 */
const AWS_MANAGED_POLICIES = ['arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'];

/** What a commit to environment a declares to act as b's role, by type. */
const ACTING_AS_B = {
  Notebook: {
    Type: 'AWS::SageMaker::NotebookInstance',
    Properties: { InstanceType: 'ml.t3.medium', RoleArn: theirRoleArn },
  },
  Model: {
    Type: 'AWS::SageMaker::Model',
    Properties: {
      PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/inference:1' },
      ExecutionRoleArn: theirRoleArn,
    },
  },
  Compute: {
    Type: 'AWS::Batch::ComputeEnvironment',
    Properties: {
      ComputeEnvironmentName: `${prefix}-Compute-ce`,
      Type: 'MANAGED',
      ComputeResources: {
        Type: 'FARGATE',
        MaxvCpus: 4,
        Subnets: [{ Ref: 'Subnet' }],
        SecurityGroupIds: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }],
      },
      ServiceRole: theirRoleArn,
    },
  },
  // b's instance profile (named, as the CDK and the console name them, like b's role)
  Instance: {
    Type: 'AWS::EC2::Instance',
    Properties: { ImageId: 'ami-12345678', InstanceType: 't3.micro', IamInstanceProfile: theirRole },
  },
  Method: {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: { Ref: 'Api' },
      ResourceId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] },
      HttpMethod: 'GET',
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'AWS',
        IntegrationHttpMethod: 'GET',
        Uri: 'arn:aws:apigateway:us-east-1:s3:path/env-b-data/{key}',
        Credentials: theirRoleArn,
      },
    },
  },
} as const;

/** The compute environment's own network (moto's Batch looks its subnets and security groups up). */
const NETWORK = {
  Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.42.0.0/16' } },
  Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.42.0.0/24' } },
  Group: {
    Type: 'AWS::EC2::SecurityGroup',
    Properties: { GroupDescription: 'compute', VpcId: { Ref: 'Vpc' } },
  },
};

/** Stack `id`'s template: resource `kind` of ACTING_AS_B, with `change` applied to its properties. */
function actingAs(kind: keyof typeof ACTING_AS_B, change: Record<string, unknown> = {}): object {
  const resource = ACTING_AS_B[kind];
  return {
    Resources: {
      ...(kind === 'Method'
        ? { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: prefix } } }
        : {}),
      ...(kind === 'Compute' ? NETWORK : {}),
      [kind]: { ...resource, Properties: { ...resource.Properties, ...change } },
    },
  };
}

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...['Theirs', 'Notebook', 'Model', 'Compute', 'Method', 'Instance', 'Kept'].map((name) => ({
          name,
          queues: ['Q'],
        })),
        { name: 'RunsA', runsAs: {} },
        { name: 'RunsB', runsAs: { from: 'RunsA' } },
      ],
    },
    sha,
    // What is checked is the assembly, not the app's isolation: this host may lack bubblewrap.
    noneRunner(),
  ));
  // Environment b's worker role, deployed by cairn.
  const b = applierThrough(proxy, unique('env-b'));
  const theirs = {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: theirRole,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: ['sagemaker', 'batch', 'apigateway'].map((service) => ({
              Effect: 'Allow',
              Principal: { Service: `${service}.amazonaws.com` },
              Action: 'sts:AssumeRole',
            })),
          },
        },
      },
    },
  };
  expect((await b.apply(withTemplates(assembly, { Theirs: theirs }), sha)).failure).toBeUndefined();
  await b.close();
}, 300_000);

afterAll(() => proxy?.close());

describe("what a commit makes acts as no role of another environment's (moto through the recording proxy)", () => {
  it("applies nothing of a commit running a SageMaker notebook instance as b's role", async () => {
    // given environment a's commit declaring a notebook instance whose role is b's, by its ARN
    const a = applierThrough(proxy, unique('env-a'));
    const stack = `${prefix}-Notebook`;
    // when it is applied
    const applied = await a.apply(withTemplates(assembly, { Notebook: actingAs('Notebook') }), sha);
    // then no notebook of a's stack runs as b's role (without the check, moto described one that did)
    expect(Object.values(await motoNotebookRoles(stack))).not.toContain(theirRoleArn);
    // and it fails as aws.out-of-bounds naming the stack, the resource, the property and the role,
    // before CloudFormation saw a change set
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(stack);
    expect(applied.failure!.message).toContain(
      'Resources.Notebook.Properties.RoleArn of AWS::SageMaker::NotebookInstance',
    );
    expect(applied.failure!.message).toContain(`names "${theirRoleArn}"`);
    expect(applied.failure!.message).toContain('would act as whatever role that names');
    expect(changeSetsOf(proxy, stack)).toEqual([]);
    await a.close();
  }, 90_000);

  it("applies nothing of a commit serving a SageMaker model as b's role", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const stack = `${prefix}-Model`;
    const applied = await a.apply(withTemplates(assembly, { Model: actingAs('Model') }), sha);
    // then no model of a's stack runs as b's role (without the check, moto described one that did)
    expect(Object.values(await motoModelRoles(stack))).not.toContain(theirRoleArn);
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(
      'Resources.Model.Properties.ExecutionRoleArn of AWS::SageMaker::Model',
    );
    expect(changeSetsOf(proxy, stack)).toEqual([]);
    await a.close();
  }, 90_000);

  it("applies nothing of a commit running a Batch compute environment as b's role", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const stack = `${prefix}-Compute`;
    const applied = await a.apply(withTemplates(assembly, { Compute: actingAs('Compute') }), sha);
    // then no compute environment of a's runs as b's service role (without the check, moto described one)
    expect(Object.values(await motoComputeEnvironmentRoles(stack))).not.toContain(theirRoleArn);
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(
      'Resources.Compute.Properties.ServiceRole of AWS::Batch::ComputeEnvironment',
    );
    expect(changeSetsOf(proxy, stack)).toEqual([]);
    await a.close();
  }, 90_000);

  it.each([
    ['Notebook', 'Resources.Notebook.Properties.RoleArn of AWS::SageMaker::NotebookInstance'],
    ['Compute', 'Resources.Compute.Properties.ServiceRole of AWS::Batch::ComputeEnvironment'],
    ['Method', 'Resources.Method.Properties.Integration.Credentials of AWS::ApiGateway::Method'],
    ['Instance', 'Resources.Instance.Properties.IamInstanceProfile of AWS::EC2::Instance'],
  ] as const)(
    'plans no change set of a pull request whose %s acts as b’s role',
    async (kind, where) => {
      const a = applierThrough(proxy, unique('env-a'));
      const plan = await a.plan(withTemplates(assembly, { [kind]: actingAs(kind) }), sha);
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toContain(where);
      expect(changeSetsOf(proxy, `${prefix}-${kind}`)).toEqual([]);
      await a.close();
    },
    90_000,
  );

  it("refuses b's role passed as the parameter a NestedStack's function runs as", async () => {
    // given the CDK's app whose nested function runs as its parent's role, the parent's template
    // changed (as a committer could write it) to pass b's role instead
    const stacks = only(assembly, ['RunsA']);
    const file = stacks.stacks[0]!.templateFile;
    const text = readFileSync(file, 'utf8');
    const parent = JSON.parse(text) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const nested = Object.values(parent.Resources).find((r) => r.Type === 'AWS::CloudFormation::Stack')!;
    const passed = nested.Properties.Parameters as Record<string, unknown>;
    const roleParameters = Object.keys(passed).filter((name) => name.includes('RunsRole'));
    expect(roleParameters).not.toEqual([]);
    for (const name of roleParameters) passed[name] = theirRoleArn;
    writeFileSync(file, JSON.stringify(parent));
    const a = applierThrough(proxy, unique('env-a'), { externalTargets: [...AWS_MANAGED_POLICIES] });
    try {
      // when it is planned
      const plan = await a.plan(stacks, sha);
      // then the nested function is refused, naming its Role, before any change set
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toMatch(
        /Resources\.NestedFn\w*\.Properties\.Role of AWS::Lambda::Function/,
      );
      expect(changeSetsOf(proxy, `${prefix}-RunsA`)).toEqual([]);
    } finally {
      writeFileSync(file, text);
      await a.close();
    }
  }, 90_000);

  it.each([
    ['the role, when the environment lists it in aws.externalTargets', 'Notebook', {}, [theirRoleArn]],
    [
      "Batch's service-linked role (AWS's, one per account)",
      'Compute',
      {
        ServiceRole: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch`,
      },
      [],
    ],
    [
      "the caller's own identity (API Gateway's credentials passthrough)",
      'Method',
      { Integration: { ...ACTING_AS_B.Method.Properties.Integration, Credentials: 'arn:aws:iam::*:user/*' } },
      [],
    ],
  ] as const)(
    'plans %s',
    async (_label, kind, change, externalTargets) => {
      const a = applierThrough(proxy, unique('env-a'), { externalTargets: [...externalTargets] });
      const plan = await a.plan(withTemplates(assembly, { Kept: actingAs(kind, change) }), sha);
      expect(plan.failure).toBeUndefined();
      expect(stacksOf(plan).map((s) => s.action)).toEqual(['created']);
      await a.close();
    },
    90_000,
  );
});

describe("the CDK's constructs that run as a role of their own stay in bounds", () => {
  it('plans a delivery stream, API Gateway AWS integrations, a pipeline, Batch, an instance, a nested and a cross-stack role', async () => {
    // given the app as the CDK synthesized it (the instance's AMI is an SSM parameter it reads)
    const a = applierThrough(proxy, unique('env-a'), { externalTargets: [...AWS_MANAGED_POLICIES] });
    // when it is planned
    const plan = await a.plan(only(assembly, ['RunsA', 'RunsB']), sha);
    // then both stacks are planned, to be created
    expect(plan.failure).toBeUndefined();
    expect(stacksOf(plan).map((s) => [s.subject, s.action])).toEqual([
      [`${prefix}-RunsA`, 'created'],
      [`${prefix}-RunsB`, 'created'],
    ]);
    await a.close();
  }, 180_000);
});
