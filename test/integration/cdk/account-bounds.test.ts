import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { applierThrough, synthesizeBehindProxy, unique, withTemplates } from './cdk-fixture';

const prefix = unique('account');
const sha = '5555555eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** The TemplateBody of every CreateChangeSet the proxy saw for this stack. */
const changeSetsFor = (stack: string) =>
  proxy.requests
    .filter((r) => r.action === 'CreateChangeSet' && r.stackName === stack)
    .map((r) => r.params?.TemplateBody ?? '');

/** Stack `id` of the synthesized app, its template replaced by `template` (an object, or text as is). */
function withTemplate(id: string, template: object | string): Assembly {
  return withTemplates(assembly, { [id]: template });
}

const withResource = (resource: object) => ({
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} }, Extra: resource },
});

const ACCOUNT = '123456789012';
const THEIR_FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:env-b-provider`;

/** Resources whose effect reaches past the environment's own stacks, as a committer would declare them. */
const ACCOUNT_WIDE: readonly (readonly [string, string, object])[] = [
  [
    'a Lambda hook, run on every stack operation of the account',
    'AWS::CloudFormation::LambdaHook',
    {
      Alias: 'Private::Hooks::Watch',
      LambdaFunction: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:watch`,
      ExecutionRole: `arn:aws:iam::${ACCOUNT}:role/hook`,
      HookStatus: 'ENABLED',
      FailureMode: 'FAIL',
      TargetOperations: ['STACK', 'RESOURCE'],
      TargetFilters: { Actions: ['CREATE', 'UPDATE', 'DELETE'] },
    },
  ],
  [
    'a Guard hook',
    'AWS::CloudFormation::GuardHook',
    {
      Alias: 'Private::Guard::Deny',
      RuleLocation: { Uri: 's3://somewhere/rules.guard' },
      ExecutionRole: `arn:aws:iam::${ACCOUNT}:role/hook`,
      HookStatus: 'ENABLED',
      FailureMode: 'FAIL',
      TargetOperations: ['STACK'],
    },
  ],
  [
    "a hook's account-wide configuration",
    'AWS::CloudFormation::HookTypeConfig',
    { TypeName: 'Org::Policy::Hook', Configuration: '{"CloudFormationConfiguration":{}}' },
  ],
  [
    "a registered type's default version",
    'AWS::CloudFormation::ResourceDefaultVersion',
    { TypeVersionArn: `arn:aws:cloudformation:us-east-1:${ACCOUNT}:type/resource/Org-Db-Table/00000002` },
  ],
  [
    'a public type activated for the account',
    'AWS::CloudFormation::TypeActivation',
    {
      PublicTypeArn: 'arn:aws:cloudformation:us-east-1::type/resource/abc/Vendor-Thing-Thing',
      Type: 'RESOURCE',
    },
  ],
  [
    'a StackSet, whose template CloudFormation deploys as stacks of their own',
    'AWS::CloudFormation::StackSet',
    {
      StackSetName: 'elsewhere',
      PermissionModel: 'SELF_MANAGED',
      TemplateBody: JSON.stringify({
        Resources: { T: { Type: 'AWS::SNS::Topic' } },
        Outputs: { Stolen: { Value: { 'Fn::ImportValue': 'env-b-queue-arn' } } },
      }),
      StackInstancesGroup: [{ DeploymentTargets: { Accounts: ['210987654321'] }, Regions: ['eu-west-1'] }],
    },
  ],
  [
    'a Service Catalog product, whose template a launch role provisions',
    'AWS::ServiceCatalog::CloudFormationProduct',
    {
      Name: 'p',
      Owner: 'o',
      ProvisioningArtifactParameters: [{ Info: { LoadTemplateFromURL: 'https://example.com/t.json' } }],
    },
  ],
  [
    "a private registry type, whose handler acts with the type's own role",
    'Org::Secrets::Reader',
    { SecretId: 'env-b/db' },
  ],
];

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...ACCOUNT_WIDE.map((_, i) => `Wide${i}`),
        'WidePlan',
        'WideListed',
        'TokenTheirs',
        'TokenAttr',
        'TokenPlan',
        'TokenOwn',
        'TokenListed',
        'YamlTheirs',
        'Yaml',
      ].map((name) => ({ name, queues: ['Q'] })),
    },
    sha,
  ));
}, 180_000);

afterAll(() => proxy?.close());

describe("account-wide resources stay out of an environment's templates (moto through the recording proxy)", () => {
  it.each(ACCOUNT_WIDE.map(([label, type, properties], i) => [label, type, properties, i] as const))(
    'applies nothing of a commit declaring %s (%s)',
    async (_label, type, properties, i) => {
      // given environment a, whose commit declares the resource
      const a = applierThrough(proxy, unique('env-a'));
      const commit = withTemplate(`Wide${i}`, withResource({ Type: type, Properties: properties }));
      // when it is applied
      const applied = await a.apply(commit, sha);
      // then it fails as aws.out-of-bounds naming the stack, the resource and its type, and
      // CloudFormation never saw the template
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`${prefix}-Wide${i}`);
      expect(applied.failure!.message).toContain(`Resources.Extra (${type})`);
      expect(changeSetsFor(`${prefix}-Wide${i}`)).toEqual([]);
      await a.close();
    },
    60_000,
  );

  it('plans no change set of a pull request declaring a hook', async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const [, type, properties] = ACCOUNT_WIDE[0]!;
    const plan = await a.plan(
      withTemplate('WidePlan', withResource({ Type: type, Properties: properties })),
      sha,
    );
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(changeSetsFor(`${prefix}-WidePlan`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("deploys a type the environment's aws.resourceTypes lists (a platform environment's hook)", async () => {
    // given an environment trusted with the account's hooks (and the role its hook runs as, a
    // role from outside the app like any other a service acts as)
    const a = applierThrough(proxy, unique('env-platform'), {
      resourceTypes: ['AWS::CloudFormation::LambdaHook'],
      externalTargets: [`arn:aws:iam::${ACCOUNT}:role/hook`],
    });
    const [, type, properties] = ACCOUNT_WIDE[0]!;
    // when its commit declaring one is applied
    await a.apply(withTemplate('WideListed', withResource({ Type: type, Properties: properties })), sha);
    // then its change set was sent (moto does not implement the type; CloudFormation would register the hook)
    expect(changeSetsFor(`${prefix}-WideListed`)).toHaveLength(1);
    await a.close();
  }, 60_000);
});

/** A custom resource whose provider is `serviceToken`, beside the stack's own provider function and its role. */
const customResource = (serviceToken: unknown, extra: Record<string, object> = {}) => ({
  Resources: {
    ProviderRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
      },
    },
    Provider: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['ProviderRole', 'Arn'] },
        Code: { ZipFile: 'exports.handler = async () => ({})' },
      },
    },
    ...extra,
    Call: { Type: 'Custom::Anything', Properties: { ServiceToken: serviceToken, Command: 'drop-table' } },
  },
});

describe("custom resources call only the environment's own providers", () => {
  it.each([
    ["another environment's function, by its ARN", 'TokenTheirs', THEIR_FUNCTION, {}],
    [
      "an attribute of the stack's own custom resource (whatever its provider answered)",
      'TokenAttr',
      { 'Fn::GetAtt': ['Lookup', 'Arn'] },
      {
        Lookup: {
          Type: 'AWS::CloudFormation::CustomResource',
          Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } },
        },
      },
    ],
  ])(
    'applies nothing of a custom resource whose ServiceToken is %s',
    async (_label, id, token, extra) => {
      // given environment a, whose commit has CloudFormation call a provider it does not own
      const a = applierThrough(proxy, unique('env-a'));
      const applied = await a.apply(withTemplate(id, customResource(token, extra)), sha);
      // then it fails as aws.out-of-bounds naming the stack and the field, before any change set
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`${prefix}-${id}`);
      expect(applied.failure!.message).toContain('Resources.Call.Properties.ServiceToken');
      expect(changeSetsFor(`${prefix}-${id}`)).toEqual([]);
      await a.close();
    },
    60_000,
  );

  it("plans no change set of a pull request calling another environment's provider", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(withTemplate('TokenPlan', customResource(THEIR_FUNCTION)), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(changeSetsFor(`${prefix}-TokenPlan`)).toEqual([]);
    await a.close();
  }, 60_000);

  it.each([
    ["the stack's own function (the CDK's providers)", 'TokenOwn', { 'Fn::GetAtt': ['Provider', 'Arn'] }, {}],
    [
      'a provider the environment lists in aws.serviceTokens',
      'TokenListed',
      THEIR_FUNCTION,
      { serviceTokens: [THEIR_FUNCTION] },
    ],
  ])(
    'plans a custom resource whose ServiceToken is %s',
    async (_label, id, token, config) => {
      const a = applierThrough(proxy, unique('env-a'), config);
      const plan = await a.plan(withTemplate(id, customResource(token)), sha);
      expect(plan.failure).toBeUndefined();
      expect(stacksOf(plan).map((s) => s.action)).toEqual(['created']);
      await a.close();
    },
    60_000,
  );
});

describe('templates cairn cannot read as JSON', () => {
  it("applies nothing of a YAML template, whose escapes hid an import of another environment's export", async () => {
    // given environment b's export, and environment a's commit importing it from a YAML template,
    // the function's name spelled with a YAML escape that no search of the text finds
    const theirExport = unique('their-yaml-arn');
    const b = applierThrough(proxy, unique('env-b'));
    const exporting = {
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } },
      Outputs: { Arn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: theirExport } } },
    };
    expect((await b.apply(withTemplate('YamlTheirs', exporting), sha)).failure).toBeUndefined();
    await b.close();
    const a = applierThrough(proxy, unique('env-a'));
    const yaml = [
      'Resources:',
      '  Topic:',
      '    Type: AWS::SNS::Topic',
      'Outputs:',
      '  Stolen:',
      '    Value:',
      `      "Fn::Import\\x56alue": ${theirExport}`,
      '',
    ].join('\n');
    const stack = `${prefix}-Yaml`;
    // when it is applied
    const applied = await a.apply(withTemplate('Yaml', yaml), sha);
    // then it fails as aws.template-invalid naming the stack, and no change set carried it
    expect(applied.failure).toMatchObject({ code: 'aws.template-invalid', retryable: false });
    expect(applied.failure!.message).toContain(stack);
    expect(applied.failure!.message).toContain('template is not JSON');
    expect(changeSetsFor(stack)).toEqual([]);
    expect((await a.outputs([stack])).get(stack)).toBeUndefined();
    await a.close();
  }, 60_000);
});
