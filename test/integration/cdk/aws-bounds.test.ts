import { readFileSync, writeFileSync } from 'node:fs';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { silentLog } from '../../../controller/log';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { AwsTargetConfig } from '../../../controller/config/types';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import { only, sandboxCredentials, sandboxTarget, unique, synthesizeBehindProxy } from './cdk-fixture';

const credentials = sandboxCredentials();
const cfn = new CloudFormationClient(sandboxAwsClientConfig());
const s3 = new S3Client(sandboxAwsClientConfig());
const prefix = unique('bounds');
const sha = '3333333ccccccccccccccccccccccccccccccccc';
const EXEC_ROLE = 'arn:aws:iam::123456789012:role/cairn-exec-dev';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** An applier for a fresh environment that talks to moto through the recording proxy. */
const applierFor = (target: Partial<AwsTargetConfig> = {}) =>
  createAwsApplier(unique('env'), sandboxTarget({ endpoint: proxy.url, ...target }), silentLog(), {
    credentials,
  });

/** The form parameters of every CreateChangeSet the proxy saw for this stack. */
const changeSetsFor = (stack: string) =>
  proxy.requests
    .filter((r) => r.action === 'CreateChangeSet' && r.stackName === stack)
    .map((r) => r.params ?? {});

/** `Capabilities.member.N` values of one request, in order. */
const capabilitiesOf = (params: Readonly<Record<string, string>>) =>
  Object.keys(params)
    .filter((k) => k.startsWith('Capabilities.member.'))
    .sort()
    .map((k) => params[k]);

/**
 * Adds a queue to the template of stack `id`: a change to a deployed stack, which a plan describes
 * through a change set (a stack that does not exist yet is planned from its template, with none).
 */
const withExtraQueue = (id: string): Assembly => {
  const stacks = only(assembly, [id]);
  const file = stacks.stacks[0]!.templateFile;
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, unknown> };
  template.Resources.Extra = { Type: 'AWS::SQS::Queue', Properties: {} };
  writeFileSync(file, JSON.stringify(template));
  return stacks;
};

const statusOf = async (name: string) =>
  (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.StackStatus;

/** Creates a stack outside cairn (another team's), untagged, and waits until it is complete. */
async function createForeignStack(name: string): Promise<void> {
  await cfn
    .send(
      new CreateStackCommand({
        StackName: name,
        TemplateBody: JSON.stringify({
          Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: {} } },
        }),
      }),
    )
    .catch((error: Error) => {
      // A create the SDK retried may find its first attempt done.
      if (error.name !== 'AlreadyExistsException') throw error;
    });
  for (let i = 0; i < 100 && (await statusOf(name)) !== 'CREATE_COMPLETE'; i++)
    await new Promise((r) => setTimeout(r, 200));
  expect(await statusOf(name)).toBe('CREATE_COMPLETE');
}

const stackTags = async (name: string) =>
  Object.fromEntries(
    ((await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.Tags ?? []).map((t) => [
      t.Key,
      t.Value,
    ]),
  );

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...[
          'Role',
          'CapsA',
          'CapsB',
          'Plan',
          'Theirs',
          'Adopted',
          'MacroPlan',
          'MacroDeploy',
          'MacroAllowed',
          'MacroDefine',
          'MacroDefineTrusted',
        ].map((name) => ({ name, queues: ['Q'] })),
        { name: 'Fn', lambda: true },
      ],
    },
    sha,
  ));
}, 180_000);

afterAll(() => proxy?.close());

describe('AWS bounds of an environment, against moto through the recording proxy', () => {
  it('passes the configured execution role as RoleARN on every change set', async () => {
    // given an environment with aws.cloudFormationExecutionRoleArn
    const applier = applierFor({ cloudFormationExecutionRoleArn: EXEC_ROLE });
    // when a stack is applied, and then a change to it is planned
    const applied = await applier.apply(only(assembly, ['Role']), sha);
    const plan = await applier.plan(withExtraQueue('Role'), sha);
    // then both change sets carried the role
    expect(stacksOf(applied).map((s) => s.action)).toEqual(['created']);
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['configured']);
    const sent = changeSetsFor(`${prefix}-Role`);
    expect(sent).toHaveLength(2);
    expect(sent.map((p) => p.RoleARN)).toEqual([EXEC_ROLE, EXEC_ROLE]);
    await applier.close();
  }, 60_000);

  it.each([
    ['the default', 'CapsA', undefined, ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM']],
    [
      'a configured list',
      'CapsB',
      ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] as const,
      ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
    ],
  ])(
    'sends %s capabilities when it deploys, no more',
    async (_label, id, capabilities, expected) => {
      // given a stack deployed with these capabilities
      const applier = applierFor(capabilities ? { capabilities } : {});
      const applied = await applier.apply(only(assembly, [id]), sha);
      expect(applied.failure).toBeUndefined();
      // then its change set asked for exactly those
      const sent = changeSetsFor(`${prefix}-${id}`);
      expect(sent.map(capabilitiesOf)).toEqual([expected]);
      await applier.close();
    },
    60_000,
  );

  it('never sends CAPABILITY_AUTO_EXPAND for a plan, even when the environment lists it', async () => {
    // given an environment that allows macros
    const applier = applierFor({ capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] });
    // when its stack is applied, and then a commit (a pull request's) that changes it is planned
    await applier.apply(only(assembly, ['Plan']), sha);
    const plan = await applier.plan(withExtraQueue('Plan'), sha);
    // then the apply's change set had AUTO_EXPAND and the plan's none: macros never run on unmerged code
    expect(stacksOf(plan).map((s) => s.action)).toEqual(['configured']);
    const sent = changeSetsFor(`${prefix}-Plan`);
    expect(sent.map(capabilitiesOf)).toEqual([
      ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'],
      ['CAPABILITY_IAM'],
    ]);
    await applier.close();
  }, 60_000);

  /** Makes the template of stack `id` call a macro: `Transform` at its top, or `Fn::Transform` in a resource. */
  const withMacro = (id: string, how: 'Transform' | 'Fn::Transform'): Assembly => {
    const stacks = only(assembly, [id]);
    const file = stacks.stacks[0]!.templateFile;
    const template = JSON.parse(readFileSync(file, 'utf8')) as {
      Transform?: string;
      Resources: Record<string, { Properties?: Record<string, unknown> }>;
    };
    if (how === 'Transform') template.Transform = 'AWS::Include';
    else
      for (const resource of Object.values(template.Resources))
        resource.Properties = { ...resource.Properties, 'Fn::Transform': { Name: 'OtherTeamsMacro' } };
    writeFileSync(file, JSON.stringify(template));
    return stacks;
  };

  it('makes no change set to plan a template that calls a macro, even when the environment allows macros', async () => {
    // given an environment that allows macros, and a pull request whose template calls one
    // (CloudFormation runs macros while it creates a change set, whatever its capabilities)
    const applier = applierFor({ capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] });
    // when it is planned
    const plan = await applier.plan(withMacro('MacroPlan', 'Transform'), sha);
    // then the stack's plan failed as aws.macro-refused, naming the stack and the field, and
    // CloudFormation never saw its template
    expect(plan.failure).toMatchObject({ code: 'aws.macro-refused', retryable: false, phase: 'plan' });
    expect(plan.failure!.message).toContain(`${prefix}-MacroPlan`);
    expect(plan.failure!.message).toContain('(Transform)');
    expect(changeSetsFor(`${prefix}-MacroPlan`)).toEqual([]);
    await applier.close();
  }, 60_000);

  it('applies nothing of a commit whose template calls a macro when the environment does not list CAPABILITY_AUTO_EXPAND', async () => {
    // given an environment with the default capabilities, and a commit with a stack whose resource calls a macro
    const applier = applierFor();
    const commit: Assembly = {
      dir: assembly.dir,
      stacks: [
        ...only(assembly, ['MacroSibling']).stacks,
        ...withMacro('MacroDeploy', 'Fn::Transform').stacks,
      ],
    };
    // when it is applied
    const applied = await applier.apply(commit, sha);
    // then it failed as aws.macro-refused, naming the stack and where the macro is, and no change set was made for any stack
    expect(applied.failure).toMatchObject({ code: 'aws.macro-refused', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-MacroDeploy`);
    expect(applied.failure!.message).toMatch(/Resources\.\w+\.Properties\.Fn::Transform/);
    expect(changeSetsFor(`${prefix}-MacroDeploy`)).toEqual([]);
    expect(changeSetsFor(`${prefix}-MacroSibling`)).toEqual([]);
    await applier.close();
  }, 60_000);

  it('deploys a template that calls a macro when the environment lists CAPABILITY_AUTO_EXPAND', async () => {
    // given an environment that allows macros
    const applier = applierFor({ capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] });
    // when a commit whose template calls one is applied
    await applier.apply(withMacro('MacroAllowed', 'Fn::Transform'), sha);
    // then its change set was sent (moto ignores the macro; CloudFormation would run it)
    expect(changeSetsFor(`${prefix}-MacroAllowed`)).toHaveLength(1);
    await applier.close();
  }, 60_000);

  /** Adds to the template of stack `id` the definition of a macro, as a squatter would name one. */
  const definingMacro = (id: string): Assembly => {
    const stacks = only(assembly, [id]);
    const file = stacks.stacks[0]!.templateFile;
    const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, unknown> };
    template.Resources.Squat = {
      Type: 'AWS::CloudFormation::Macro',
      Properties: {
        Name: 'OtherTeamsMacro',
        FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:f',
      },
    };
    writeFileSync(file, JSON.stringify(template));
    return stacks;
  };

  it('makes no change set of a template defining a macro, in a plan or an apply, unless the environment allows macros', async () => {
    // given an environment with the default capabilities, and a commit whose stack defines a macro
    const applier = applierFor();
    const commit = definingMacro('MacroDefine');
    // when it is planned and applied
    const plan = await applier.plan(commit, sha);
    const applied = await applier.apply(commit, sha);
    // then both fail as aws.macro-refused naming the stack and the resource, before any change set
    for (const result of [plan, applied]) {
      expect(result.failure).toMatchObject({ code: 'aws.macro-refused', retryable: false });
      expect(result.failure!.message).toContain(`${prefix}-MacroDefine`);
      expect(result.failure!.message).toContain('Resources.Squat');
    }
    expect(changeSetsFor(`${prefix}-MacroDefine`)).toEqual([]);
    await applier.close();
  }, 60_000);

  it('applies a template defining a macro when the environment lists CAPABILITY_AUTO_EXPAND', async () => {
    const applier = applierFor({ capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] });
    await applier.apply(definingMacro('MacroDefineTrusted'), sha);
    expect(changeSetsFor(`${prefix}-MacroDefineTrusted`)).toHaveLength(1);
    await applier.close();
  }, 60_000);

  it('refuses an existing stack without a cairn:environment tag, naming it, and leaves it standing', async () => {
    // given another team's stack, made outside cairn, with the name this app uses
    const name = `${prefix}-Theirs`;
    await createForeignStack(name);
    const applier = applierFor();
    // when the app is planned and applied
    const plan = await applier.plan(only(assembly, ['Theirs']), sha);
    const applied = await applier.apply(only(assembly, ['Theirs']), sha);
    // then both fail as aws.unowned naming the stack, no change set was made, and the stack is untouched
    for (const result of [plan, applied]) {
      expect(result.failure).toMatchObject({ code: 'aws.unowned', retryable: false });
      expect(result.failure!.message).toContain(name);
    }
    expect(changeSetsFor(name)).toEqual([]);
    expect(await stackTags(name)).toEqual({});
    expect(await statusOf(name)).toBe('CREATE_COMPLETE');
    await applier.close();
  }, 60_000);

  it('adopts an untagged stack that aws.adopt names, and tags it as the environment’s', async () => {
    // given an untagged stack named in aws.adopt
    const name = `${prefix}-Adopted`;
    await createForeignStack(name);
    const applier = applierFor({ adopt: [name] });
    // when the app is applied
    const applied = await applier.apply(only(assembly, ['Adopted']), sha);
    // then it is updated, and its change set tags it as the environment's (moto 5 does not copy an
    // UPDATE change set's tags onto the stack, so the request is what shows it)
    expect(applied.failure).toBeUndefined();
    expect(stacksOf(applied).map((s) => s.action)).toEqual(['configured']);
    const [sent] = changeSetsFor(name);
    expect(
      Object.entries(sent ?? {})
        .filter(([k]) => /^Tags\.member\.\d+\.Key$/.test(k))
        .map(([, v]) => v),
    ).toContain('cairn:environment');
    await applier.close();
  }, 60_000);

  it('refuses an asset aimed at another bucket, naming it, before anything is written or deployed', async () => {
    // given another environment's bucket, and an app whose asset manifest sends its Lambda code there
    const theirs = unique('theirs-bucket');
    await s3.send(new CreateBucketCommand({ Bucket: theirs }));
    const fn = only(assembly, ['Fn']);
    for (const file of fn.stacks[0]!.assetManifests) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
        files?: Record<string, { destinations: Record<string, { bucketName: string }> }>;
      };
      for (const asset of Object.values(manifest.files ?? {}))
        for (const d of Object.values(asset.destinations)) d.bucketName = theirs;
      writeFileSync(file, JSON.stringify(manifest));
    }
    const applier = applierFor();
    // when it is applied
    const applied = await applier.apply(fn, sha);
    // then it fails as aws.out-of-bounds naming the asset, the bucket stays empty and no change set was made
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toMatch(/asset \w+ is aimed outside the environment: bucket/);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: theirs }))).KeyCount ?? 0).toBe(0);
    expect(changeSetsFor(`${prefix}-Fn`)).toEqual([]);
    await applier.close();
  }, 60_000);
});
