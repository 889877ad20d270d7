import { silentLog } from '../../../controller/log';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { only, sandboxCredentials, sandboxTarget, unique, synthesizeBehindProxy } from './cdk-fixture';

// moto never fails, rolls back, throttles or reports resource events; the fault proxy in front of it
// answers as CloudFormation would for the named stacks, so the real SDK path is what runs.
const credentials = sandboxCredentials();
const prefix = unique('faults');
const sha1 = '3333333ccccccccccccccccccccccccccccccccc';
const sha2 = '4444444ddddddddddddddddddddddddddddddddd';
let v1: Assembly;
let proxy: CfnFaultProxy;

const EXEC_ROLE = 'arn:aws:iam::123456789012:role/cairn-faults-exec';
const applier = () =>
  createAwsApplier(
    unique('faults'),
    sandboxTarget({
      endpoint: proxy.url,
      deployTimeoutMs: 30_000,
      cloudFormationExecutionRoleArn: EXEC_ROLE,
    }),
    silentLog(),
    { credentials },
  );
const actionsFor = (stackName: string, from: number) =>
  proxy.requests
    .slice(from)
    .filter((r) => r.stackName === stackName)
    .map((r) => r.action);

beforeAll(async () => {
  const stacks = ['Failing', 'Stuck', 'Busy', 'Throttled'].map((name) => ({ name, queues: ['Q'] }));
  ({ assembly: v1, proxy } = await synthesizeBehindProxy({ prefix, stacks }, sha1));
}, 120_000);

afterAll(() => proxy?.close());

// SDK backoff on throttled calls alone takes seconds; the default 5 s is too tight on a loaded CI machine.
jest.setTimeout(60_000);

describe('CloudFormation failure states, through the fault proxy', () => {
  it('reports a failed first create with the stack, resources and reasons, and recreates it on the next commit', async () => {
    // given CloudFormation will roll the first create back, with a failed queue
    const name = `${prefix}-Failing`;
    proxy.addRule({
      stackName: name,
      status: 'ROLLBACK_COMPLETE',
      statusReason: 'The following resource(s) failed to create: [Q63C6E3AB].',
      until: 'DeleteStack',
      events: [
        {
          logicalId: 'Q63C6E3AB',
          type: 'AWS::SQS::Queue',
          status: 'CREATE_FAILED',
          reason: 'Queue name is invalid',
        },
      ],
    });
    const target = applier();
    // when the first commit is applied
    const first = await target.apply(only(v1, ['Failing']), sha1);
    // then the outcome is failed and names the stack, the resource and CloudFormation's reason
    expect(first.changes).toEqual([
      expect.objectContaining({ subject: name, action: 'skipped', reason: 'ended ROLLBACK_COMPLETE' }),
    ]);
    // a template CloudFormation refuses is terminal: the same commit would fail the same way
    expect(first.failure).toMatchObject({ code: 'aws.stack-failed', subject: name, retryable: false });
    expect(first.failure?.message).toContain(name);
    expect(first.failure?.message).toContain('Q63C6E3AB (AWS::SQS::Queue): Queue name is invalid');
    // when the next commit is applied
    const from = proxy.requests.length;
    const second = await target.apply(only(v1, ['Failing']), sha2);
    // then the rolled-back stack is deleted and created again
    expect(second.failure).toBeUndefined();
    expect(stacksOf(second).map((s) => s.action)).toEqual(['created']);
    expect(actionsFor(name, from)).toContain('DeleteStack');
  });

  it('continues a failed update rollback before updating', async () => {
    // given a deployed stack that CloudFormation reports as UPDATE_ROLLBACK_FAILED
    const name = `${prefix}-Stuck`;
    const target = applier();
    await target.apply(only(v1, ['Stuck']), sha1);
    proxy.addRule({
      stackName: name,
      status: 'UPDATE_ROLLBACK_FAILED',
      until: 'ContinueUpdateRollback',
      answer: ['ContinueUpdateRollback'],
    });
    const from = proxy.requests.length;
    // when the next commit is applied
    const result = await target.apply(only(v1, ['Stuck']), sha2);
    // then the rollback is continued and the deploy goes on
    expect(result.changes.map((s) => s.action)).toEqual(['unchanged']);
    expect(actionsFor(name, from)).toContain('ContinueUpdateRollback');
    // as the execution role, like the change sets: never with the caller's own credentials
    const continued = proxy.requests
      .slice(from)
      .filter((r) => r.stackName === name && r.action === 'ContinueUpdateRollback');
    expect(continued.map((r) => r.params?.RoleARN)).toEqual([EXEC_ROLE]);
  });

  it('waits for a stack busy with another operation', async () => {
    // given a deployed stack that reads UPDATE_IN_PROGRESS three more times
    const name = `${prefix}-Busy`;
    const target = applier();
    await target.apply(only(v1, ['Busy']), sha1);
    proxy.addRule({ stackName: name, status: 'UPDATE_IN_PROGRESS', statusTimes: 3 });
    const from = proxy.requests.length;
    // when the next commit is applied
    const result = await target.apply(only(v1, ['Busy']), sha2);
    // then it waited (polled past the busy answers) and then deployed
    expect(result.changes.map((s) => s.action)).toEqual(['unchanged']);
    expect(actionsFor(name, from).filter((a) => a === 'DescribeStacks').length).toBeGreaterThanOrEqual(4);
  });

  it('retries throttled calls and deploys', async () => {
    // given CloudFormation throttles the next three calls about the stack
    const name = `${prefix}-Throttled`;
    proxy.addRule({ stackName: name, throttle: 3 });
    const from = proxy.requests.length;
    // when it is applied
    const result = await applier().apply(only(v1, ['Throttled']), sha1);
    // then it is created anyway, after the throttled attempts
    expect(result.failure).toBeUndefined();
    expect(stacksOf(result).map((s) => s.action)).toEqual(['created']);
    expect(actionsFor(name, from).slice(0, 4)).toEqual([
      'DescribeStacks',
      'DescribeStacks',
      'DescribeStacks',
      'DescribeStacks',
    ]);
  });
});
