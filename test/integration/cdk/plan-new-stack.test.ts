import { readFileSync } from 'node:fs';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { silentLog } from '../../../controller/log';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { Assembly } from '../../../cdk/types';
import { resourceSummary, stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import { only, sandboxCredentials, sandboxTarget, unique, synthesizeBehindProxy } from './cdk-fixture';

/**
 * A plan holds no Lease, so it must never create or delete a stack: a stack that does not exist is
 * planned from its template, with no CREATE change set (which would make an empty
 * REVIEW_IN_PROGRESS stack) and no clean-up DeleteStack (which deleted a stack a sync was creating).
 * Against moto; the plan goes through the recording proxy, the sync straight to moto.
 */
const credentials = sandboxCredentials();
const cfn = new CloudFormationClient(sandboxAwsClientConfig());
const prefix = unique('plannew');
const sha = '4444444ddddddddddddddddddddddddddddddddd';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** The plan's applier, through the proxy; `sync` is the same environment's, straight to moto. */
const appliers = () => {
  const env = unique('env');
  return {
    env,
    plan: createAwsApplier(env, sandboxTarget({ endpoint: proxy.url }), silentLog(), { credentials }),
    sync: createAwsApplier(env, sandboxTarget(), silentLog(), { credentials }),
  };
};

/** The CloudFormation actions the plan sent for one stack, in order. */
const actionsFor = (stackName: string) =>
  proxy.requests.filter((r) => r.stackName === stackName).map((r) => r.action);

const statusOf = (name: string) =>
  cfn.send(new DescribeStacksCommand({ StackName: name })).then(
    (o) => o.Stacks?.[0]?.StackStatus ?? 'absent',
    () => 'absent',
  );

/** `created <type>` for each resource of the stack's synthesized template: what the plan must list. */
const templateSummary = (stacks: Assembly) => {
  const template = JSON.parse(readFileSync(stacks.stacks[0]!.templateFile, 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  return Object.values(template.Resources)
    .map((r) => `created ${r.Type}`)
    .sort();
};

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        { name: 'New', queues: ['Jobs'], parameters: { P1: 'one-{env}' } },
        { name: 'Raced', queues: ['Jobs'] },
        { name: 'Shell', queues: ['Jobs'] },
      ],
    },
    sha,
  ));
}, 180_000);

afterAll(() => proxy?.close());

describe('planning a stack that does not exist yet, against moto', () => {
  it('lists the template’s resources as created and sends no CreateChangeSet and no DeleteStack', async () => {
    // given a stack that does not exist
    const name = `${prefix}-New`;
    const stacks = only(assembly, ['New']);
    const { plan, sync } = appliers();
    // when it is planned
    const planned = await plan.plan(stacks, sha);
    // then the plan says created, with one added resource per resource of the template
    expect(planned.failure).toBeUndefined();
    expect(stacksOf(planned).map((s) => [s.subject, s.action])).toEqual([[name, 'created']]);
    expect(resourceSummary(planned, name)).toEqual(templateSummary(stacks));
    expect(resourceSummary(planned, name)).toEqual(
      expect.arrayContaining(['created AWS::SQS::Queue', 'created AWS::SSM::Parameter']),
    );
    // and CloudFormation was only read: no change set, no stack made or deleted
    expect(actionsFor(name)).toEqual(['DescribeStacks']);
    expect(await statusOf(name)).toBe('absent');
    // and the apply that follows creates what the plan listed, in the same words
    const applied = await sync.apply(stacks, sha);
    expect(applied.failure).toBeUndefined();
    expect(resourceSummary(applied, name)).toEqual(resourceSummary(planned, name));
    await Promise.all([plan.close(), sync.close()]);
  }, 60_000);

  it('never deletes the stack a sync creates while the plan runs', async () => {
    // given a plan that has read the stack as absent, and then, before it goes on, the
    // environment's sync creates that stack through a CREATE change set and executes it; right
    // after, CloudFormation may still read the stack REVIEW_IN_PROGRESS (cfn-wait's reviewIsPending)
    const name = `${prefix}-Raced`;
    const stacks = only(assembly, ['Raced']);
    const { plan, sync } = appliers();
    let synced: Awaited<ReturnType<typeof sync.apply>> | undefined;
    proxy.holdAnswer('DescribeStacks', async (request) => {
      if (request.stackName !== name || synced) return;
      synced = await sync.apply(stacks, sha);
      proxy.addRule({ stackName: name, status: 'REVIEW_IN_PROGRESS' });
    });
    try {
      // when the plan runs
      const planned = await plan.plan(stacks, sha);
      // then the sync created its stack, the plan (which read it absent) says created ...
      expect(synced?.failure).toBeUndefined();
      expect(stacksOf(synced!).map((s) => s.action)).toEqual(['created']);
      expect(stacksOf(planned).map((s) => [s.subject, s.action])).toEqual([[name, 'created']]);
      // ... and the sync's stack stands: the plan sent no write for it, no change set, no DeleteStack
      expect(await statusOf(name)).toBe('CREATE_COMPLETE');
      expect(actionsFor(name)).not.toContain('DeleteStack');
      expect(actionsFor(name)).not.toContain('CreateChangeSet');
    } finally {
      proxy.holdAnswer('DescribeStacks', undefined);
      proxy.removeRules(name);
      await Promise.all([plan.close(), sync.close()]);
    }
  }, 90_000);

  it('plans a REVIEW_IN_PROGRESS stack someone else left as created, and leaves it as it was', async () => {
    // given an empty REVIEW_IN_PROGRESS stack of this environment: a CREATE change set never
    // executed (a sync stopped before it executed it, or a sync about to)
    const name = `${prefix}-Shell`;
    const stacks = only(assembly, ['Shell']);
    const { env, plan } = appliers();
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: name,
        ChangeSetName: 'cairn-interrupted',
        ChangeSetType: 'CREATE',
        TemplateBody: readFileSync(stacks.stacks[0]!.templateFile, 'utf8'),
        Tags: [{ Key: 'cairn:environment', Value: env }],
      }),
    );
    expect(await statusOf(name)).toBe('REVIEW_IN_PROGRESS');
    // when it is planned
    const planned = await plan.plan(stacks, sha);
    // then the plan lists the template's resources as created, made no change set on that stack,
    // deleted nothing, and the stack is still there for the sync that will create it
    expect(planned.failure).toBeUndefined();
    expect(stacksOf(planned).map((s) => [s.subject, s.action])).toEqual([[name, 'created']]);
    expect(resourceSummary(planned, name)).toEqual(templateSummary(stacks));
    expect(actionsFor(name)).toEqual(['DescribeStacks']);
    expect(await statusOf(name)).toBe('REVIEW_IN_PROGRESS');
    await plan.close();
  }, 60_000);
});
