import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteStackCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { noneRunner } from '../../../cdk/synth/synth-runner';
import { destroyClients, makeClients } from '../../../cdk/deploy/aws-clients';
import { waitForStack } from '../../../cdk/deploy/cfn-wait';
import type { Assembly } from '../../../cdk/types';
import { silentLog } from '../../../controller/log';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import {
  applierThrough,
  changeSetsOf,
  only,
  sandboxCredentials,
  sandboxTarget,
  synthesizeBehindProxy,
  unique,
  withTemplates,
} from './cdk-fixture';

// A queue, topic, state machine, KMS alias or Lambda function "created" under the name of another
// environment's existing one: SQS CreateQueue, SNS CreateTopic and CreateStateMachine answer the
// existing resource, and moto's CloudFormation takes an alias or a function over, so the stack would hold it as its own and
// delete it with itself (cdk/deploy/adopted-names.ts).

const prefix = unique('names');
const sha = '7777777fffffffffffffffffffffffffffffffff';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** Clients straight to moto (not through the proxy): what exists, whoever asks. */
const direct = () => {
  const { region, endpoint } = sandboxTarget();
  const common = { region, endpoint: endpoint!, credentials: sandboxCredentials() };
  return { sqs: new SQSClient(common), sns: new SNSClient(common), cfn: new CloudFormationClient(common) };
};

/** Stack `id` of the synthesized app, its template replaced by `template`. */
function withTemplate(id: string, template: object | string): Assembly {
  return withTemplates(assembly, { [id]: template });
}

const named = (queue: string, topic: string, extra: object = {}) => ({
  Resources: {
    Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queue } },
    Events: { Type: 'AWS::SNS::Topic', Properties: { TopicName: topic } },
    ...extra,
  },
});

const theirQueue = unique('env-b-jobs');
const theirTopic = unique('env-b-events');
const theirMachine = unique('env-b-flow');
const theirAlias = `alias/${unique('env-b-key')}`;
const theirFunction = unique('env-b-fn');
/** What b's state machine, alias and function say, as b deployed them (see theirNamed). */
let theirs: Named;

interface Named {
  readonly machine?: string;
  readonly aliasKey?: string;
  readonly fn?: string;
}

const assumedBy = (service: string) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
    },
  },
});

/**
 * Under the names given: a state machine whose one state, and a function whose description, say
 * whose it is, and a key with an alias.
 */
const namedResources = (
  { machine, alias, fn }: { machine?: string; alias?: string; fn?: string },
  whose: string,
) => ({
  Resources: {
    ...(fn && {
      FnRole: assumedBy('lambda.amazonaws.com'),
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: fn,
          Description: whose,
          Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] },
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Code: { ZipFile: 'exports.handler = async () => 1;' },
        },
      },
    }),
    ...(machine && {
      FlowRole: assumedBy('states.amazonaws.com'),
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: machine,
          RoleArn: { 'Fn::GetAtt': ['FlowRole', 'Arn'] },
          DefinitionString: JSON.stringify({
            StartAt: 'P',
            States: { P: { Type: 'Pass', Comment: whose, End: true } },
          }),
        },
      },
    }),
    ...(alias && {
      Key: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: whose,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${sandboxTarget().account}:root` },
                Action: 'kms:*',
                Resource: '*',
              },
            ],
          },
        },
      },
      KeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: alias, TargetKeyId: { Ref: 'Key' } } },
    }),
  },
});

/**
 * What b's state machine says (its Pass state's comment), the key b's alias points at, and b's
 * function's description; absent: gone.
 */
async function theirNamed(): Promise<Named> {
  const { region, account } = sandboxTarget();
  const clients = makeClients(sandboxTarget(), sandboxCredentials());
  const stateMachineArn = `arn:aws:states:${region}:${account}:stateMachine:${theirMachine}`;
  const machine = await clients.readJson('states', 'DescribeStateMachine', { stateMachineArn }).then(
    (answer) =>
      (JSON.parse((answer as { definition: string }).definition) as { States: { P: { Comment: string } } })
        .States.P.Comment,
    () => undefined,
  );
  // moto's DescribeKey fails on a key its CloudFormation made: b's alias is found in the list.
  const { Aliases } = (await clients.readJson('kms', 'ListAliases', { Limit: 1000 })) as {
    Aliases: { AliasName: string; TargetKeyId?: string }[];
  };
  const aliasKey = Aliases.find((a) => a.AliasName === theirAlias)?.TargetKeyId;
  const fn = await clients
    .readJson('lambda', `/2015-03-31/functions/${theirFunction}/configuration`, {})
    .then(
      (answer) => (answer as { Description: string }).Description,
      () => undefined,
    );
  destroyClients(clients);
  return {
    ...(machine !== undefined && { machine }),
    ...(aliasKey !== undefined && { aliasKey }),
    ...(fn !== undefined && { fn }),
  };
}

/** Whether moto still has b's queue and topic. */
async function theirsExist(): Promise<{ queue: boolean; topic: boolean }> {
  const { sqs, sns } = direct();
  const { region, account } = sandboxTarget();
  const queue = await sqs.send(new GetQueueUrlCommand({ QueueName: theirQueue })).then(
    () => true,
    () => false,
  );
  const topic = await sns
    .send(new GetTopicAttributesCommand({ TopicArn: `arn:aws:sns:${region}:${account}:${theirTopic}` }))
    .then(
      () => true,
      () => false,
    );
  sqs.destroy();
  sns.destroy();
  return { queue, topic };
}

/** Deletes a stack as an environment's prune would, and waits for it to go. */
async function deleteStack(name: string): Promise<void> {
  const { cfn } = direct();
  await cfn.send(new DeleteStackCommand({ StackName: name }));
  await waitForStack(cfn, name, { log: silentLog(), since: new Date(), timeoutMs: 60_000 });
  cfn.destroy();
}

const executions = () => proxy.requests.filter((r) => r.action === 'ExecuteChangeSet').length;

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...[
          'Theirs',
          'Taken',
          'TakenPlan',
          'Free',
          'Unreadable',
          'TheirsMore',
          'TakenMore',
          'TakenMorePlan',
        ].map((name) => ({
          name,
          queues: ['Q'],
        })),
        { name: 'Nesting', wiring: {} },
        {
          name: 'Named',
          names: {
            stateMachine: unique('env-a-flow'),
            alias: `alias/${unique('env-a-key')}`,
            function: unique('env-a-fn'),
          },
        },
      ],
    },
    sha,
    // What is checked is the assembly, not the app's isolation: this host may lack bubblewrap.
    noneRunner(),
  ));
  // Environment b's own queue and topic, deployed by cairn.
  const b = applierThrough(proxy, unique('env-b'));
  expect((await b.apply(withTemplate('Theirs', named(theirQueue, theirTopic)), sha)).failure).toBeUndefined();
  const more = await b.apply(
    withTemplate(
      'TheirsMore',
      namedResources({ machine: theirMachine, alias: theirAlias, fn: theirFunction }, 'b'),
    ),
    sha,
  );
  expect(more.failure).toBeUndefined();
  await b.close();
  expect(await theirsExist()).toEqual({ queue: true, topic: true });
  theirs = await theirNamed();
  expect(theirs).toEqual({ machine: 'b', aliasKey: expect.any(String), fn: 'b' });
}, 240_000);

afterAll(() => proxy?.close());

describe("a queue or topic named like another environment's (moto through the recording proxy)", () => {
  it("executes nothing of a stack adding b's queue and topic names, and b keeps them", async () => {
    // given environment a's commit declaring a queue and a topic under b's names
    const a = applierThrough(proxy, unique('env-a'));
    const before = executions();
    // when it is applied
    const applied = await a.apply(withTemplate('Taken', named(theirQueue, theirTopic)), sha);
    await a.close();
    // then it fails as aws.out-of-bounds naming the stack, the resource, its type and the name
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`stack ${prefix}-Taken`);
    expect(applied.failure!.message).toContain(
      `Resources.Jobs.Properties.QueueName of AWS::SQS::Queue names "${theirQueue}"`,
    );
    expect(applied.failure!.message).toContain('belongs to something outside this app');
    // and no change set was executed
    expect(executions()).toBe(before);
    // and deleting a's stack (a prune, or the resource leaving a's template) leaves b's queue and
    // topic: without the check, a's stack held them as its own and this deleted them on moto
    await deleteStack(`${prefix}-Taken`);
    expect(await theirsExist()).toEqual({ queue: true, topic: true });
  }, 120_000);

  it("refuses b's topic name alone, naming the topic", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const applied = await a.apply(withTemplate('Taken', named(unique('env-a-jobs'), theirTopic)), sha);
    await a.close();
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds' });
    expect(applied.failure!.message).toContain(
      `Resources.Events.Properties.TopicName of AWS::SNS::Topic names "${theirTopic}"`,
    );
    await deleteStack(`${prefix}-Taken`);
    expect(await theirsExist()).toEqual({ queue: true, topic: true });
  }, 120_000);

  it("plans no stack adding b's queue name", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(withTemplate('TakenPlan', named(theirQueue, unique('env-a-events'))), sha);
    await a.close();
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(`names "${theirQueue}"`);
    expect(changeSetsOf(proxy, `${prefix}-TakenPlan`)).toEqual([]);
  }, 60_000);

  it('applies free names, and the same stack again once they are its own', async () => {
    // given environment a's queue and topic under names nobody holds
    const env = unique('env-a');
    const [queue, topic] = [unique('env-a-jobs'), unique('env-a-events')];
    const a = applierThrough(proxy, env);
    // when applied, then applied again with one more resource (the queue and topic are no longer added)
    const first = await a.apply(withTemplate('Free', named(queue, topic)), sha);
    const again = await a.apply(
      withTemplate('Free', named(queue, topic, { More: { Type: 'AWS::SQS::Queue', Properties: {} } })),
      sha,
    );
    // and planned again with the queue replaced by another logical id under its own name (an Add
    // of a name the environment's stack holds)
    const moved = await a.plan(
      withTemplate('Free', {
        Resources: {
          JobsRenamed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: queue } },
          Events: { Type: 'AWS::SNS::Topic', Properties: { TopicName: topic } },
        },
      }),
      sha,
    );
    await a.close();
    // then each passes
    expect(first.failure).toBeUndefined();
    expect(stacksOf(first).map((s) => s.action)).toEqual(['created']);
    expect(again.failure).toBeUndefined();
    expect(stacksOf(again).map((s) => s.action)).toEqual(['configured']);
    expect(moved.failure).toBeUndefined();
    expect(stacksOf(moved).map((s) => s.action)).toEqual(['configured']);
  }, 180_000);

  it('refuses a queue name cairn cannot read before CloudFormation does', async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(
      withTemplate('Unreadable', {
        Parameters: { Name: { Type: 'String', Default: theirQueue } },
        Resources: { Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Name' } } } },
      }),
      sha,
    );
    await a.close();
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(
      'Resources.Jobs.Properties.QueueName of AWS::SQS::Queue is not a name',
    );
  }, 60_000);

  it("refuses b's queue name in a NestedStack's template, and plans the unchanged app", async () => {
    // given the CDK's NestedStack, its template's queue given b's name by hand
    const stacks = only(assembly, ['Nesting']);
    const nestedFile = join(
      assembly.dir,
      readdirSync(assembly.dir).find((f) => f.startsWith('Nesting') && f.endsWith('.nested.template.json'))!,
    );
    const original = readFileSync(nestedFile, 'utf8');
    const nested = JSON.parse(original) as {
      Resources: Record<string, { Type: string; Properties?: object }>;
    };
    const queueId = Object.keys(nested.Resources).find(
      (id) => nested.Resources[id]!.Type === 'AWS::SQS::Queue',
    )!;
    const a = applierThrough(proxy, unique('env-a'), {
      externalTargets: ['platform-reader'],
      resourceTypes: ['AWS::ApiGateway::Account'],
    });
    try {
      const unchanged = await a.plan(stacks, sha);
      nested.Resources[queueId]!.Properties = {
        ...nested.Resources[queueId]!.Properties,
        QueueName: theirQueue,
      };
      writeFileSync(nestedFile, JSON.stringify(nested));
      const plan = await a.plan(stacks, sha);
      // then the unchanged app is planned, and the changed one refused naming the nested stack's queue
      expect(unchanged.failure).toBeUndefined();
      expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
      expect(plan.failure!.message).toMatch(/stack \S+-Nesting, nested stack \w+: /);
      expect(plan.failure!.message).toContain(
        `Resources.${queueId}.Properties.QueueName of AWS::SQS::Queue names "${theirQueue}"`,
      );
    } finally {
      writeFileSync(nestedFile, original);
      await a.close();
    }
  }, 120_000);
});

describe("a state machine, KMS alias or Lambda function named like another environment's (moto through the recording proxy)", () => {
  it.each([
    [
      'state machine',
      namedResources({ machine: theirMachine }, 'a'),
      'Flow.Properties.StateMachineName of AWS::StepFunctions::StateMachine',
      theirMachine,
    ],
    [
      'KMS alias',
      namedResources({ alias: theirAlias }, 'a'),
      'KeyAlias.Properties.AliasName of AWS::KMS::Alias',
      theirAlias,
    ],
    [
      'Lambda function',
      namedResources({ fn: theirFunction }, 'a'),
      'Fn.Properties.FunctionName of AWS::Lambda::Function',
      theirFunction,
    ],
  ])(
    "executes nothing of a stack adding b's %s name, and b keeps it",
    async (_what, template, where, name) => {
      // given environment a's commit declaring b's state machine or alias name
      const a = applierThrough(proxy, unique('env-a'));
      const before = executions();
      // when it is applied
      const applied = await a.apply(withTemplate('TakenMore', template), sha);
      await a.close();
      // then it fails as aws.out-of-bounds naming the stack, the resource, its type and the name
      expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(applied.failure!.message).toContain(`stack ${prefix}-TakenMore`);
      expect(applied.failure!.message).toContain(`Resources.${where} names "${name}"`);
      expect(executions()).toBe(before);
      // and deleting a's stack leaves b's resource as b made it: without the check, a's stack
      // completed holding b's state machine, alias and function (the function rewritten with a's
      // code), and this deleted them on moto
      await deleteStack(`${prefix}-TakenMore`);
      expect(await theirNamed()).toEqual(theirs);
    },
    120_000,
  );

  it("plans no stack adding b's alias name", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(withTemplate('TakenMorePlan', namedResources({ alias: theirAlias }, 'a')), sha);
    await a.close();
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(plan.failure!.message).toContain(`names "${theirAlias}"`);
    expect(changeSetsOf(proxy, `${prefix}-TakenMorePlan`)).toEqual([]);
  }, 60_000);

  it("applies the CDK's named state machine, key alias and function, again, and with each moved to a new logical id", async () => {
    // given the CDK's StateMachine (stateMachineName), Key (alias) and Function (functionName) under
    // names nobody holds
    const stacks = only(assembly, ['Named']);
    const a = applierThrough(proxy, unique('env-a'));
    // when it is planned and applied, then applied again (nothing is added)
    const plan = await a.plan(stacks, sha);
    const first = await a.apply(stacks, sha);
    const again = await a.apply(stacks, sha);
    // and planned with the state machine, the alias and the function under other logical ids (an Add, of the
    // names the environment's own stack holds)
    const template = JSON.parse(readFileSync(stacks.stacks[0]!.templateFile, 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const renamed = Object.fromEntries(
      Object.entries(template.Resources).map(([id, resource]) =>
        /^AWS::(StepFunctions::StateMachine|KMS::Alias|Lambda::Function)$/.test(resource.Type)
          ? [`${id}Moved`, resource]
          : [id, resource],
      ),
    );
    const moved = await a.plan(withTemplate('Named', { ...template, Resources: renamed }), sha);
    await a.close();
    // then each passes
    expect(plan.failure).toBeUndefined();
    expect(first.failure).toBeUndefined();
    expect(stacksOf(first).map((s) => s.action)).toEqual(['created']);
    expect(again.failure).toBeUndefined();
    expect(moved.failure).toBeUndefined();
    expect(stacksOf(moved).map((s) => s.action)).toEqual(['configured']);
  }, 180_000);
});
