import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteStackCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { noneRunner } from '../../../cdk/synth/synth-runner';
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

// A queue or topic "created" under the name of another environment's existing one: SQS CreateQueue
// and SNS CreateTopic answer the existing resource, so the stack would hold it as its own and
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
        ...['Theirs', 'Taken', 'TakenPlan', 'Free', 'Unreadable'].map((name) => ({ name, queues: ['Q'] })),
        { name: 'Nesting', wiring: {} },
      ],
    },
    sha,
    // What is checked is the assembly, not the app's isolation: this host may lack bubblewrap.
    noneRunner(),
  ));
  // Environment b's own queue and topic, deployed by cairn.
  const b = applierThrough(proxy, unique('env-b'));
  expect((await b.apply(withTemplate('Theirs', named(theirQueue, theirTopic)), sha)).failure).toBeUndefined();
  await b.close();
  expect(await theirsExist()).toEqual({ queue: true, topic: true });
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
