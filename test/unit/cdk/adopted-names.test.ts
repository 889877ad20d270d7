import { assertNoAdoptedNames, makingIds, type AdoptionCheck } from '../../../cdk/deploy/adopted-names';
import type { AwsClients } from '../../../cdk/deploy/aws-clients';
import { stackTemplate } from '../../../cdk/deploy/template-bounds';
import type { ResourceChange } from '../../../cdk/types';
import { isCairnError } from '../../../controller/model';

// What moto cannot show: it enforces no IAM, so an identity that may not read a queue is a stand-in
// client here that answers as SQS and SNS answer such a read. The names taken are on moto in
// test/integration/cdk/adopted-names.test.ts.

const target = { account: '123456789012', region: 'us-east-1', partition: 'aws' };

/** A check whose SQS and SNS reads answer `answer` (an error to throw, or a value), counting them. */
function checkAnswering(answer: {
  error?: { name: string; message: string };
}): AdoptionCheck & { reads: string[] } {
  const reads: string[] = [];
  const send = (command: { constructor: { name: string } }) => {
    reads.push(command.constructor.name);
    if (answer.error) return Promise.reject(Object.assign(new Error(answer.error.message), answer.error));
    return Promise.resolve({});
  };
  return {
    reads,
    clients: { sqs: { send }, sns: { send } } as unknown as AwsClients,
    target,
    own: () => Promise.resolve([]),
  };
}

const template = stackTemplate(
  JSON.stringify({
    Resources: {
      Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } },
      Events: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'events' } },
      Unnamed: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  }),
);

const change = (
  logicalId: string,
  action: ResourceChange['action'],
  replacement: ResourceChange['replacement'] = null,
) => ({
  logicalId,
  type: 'AWS::SQS::Queue',
  action,
  replacement,
});

async function failureOf(
  promise: Promise<void>,
): Promise<{ code: string; message: string; retryable: boolean }> {
  try {
    await promise;
  } catch (error) {
    if (isCairnError(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('assertNoAdoptedNames', () => {
  it.each([
    [
      'SQS',
      'Jobs',
      { name: 'AccessDenied', message: 'not authorized to perform: sqs:GetQueueUrl' },
      'sqs:GetQueueUrl',
    ],
    [
      'SNS',
      'Events',
      { name: 'AuthorizationErrorException', message: 'not authorized to perform: SNS:GetTopicAttributes' },
      'sns:GetTopicAttributes',
    ],
  ])(
    'fails closed, naming the permission, when %s may not be asked',
    async (_service, id, error, permission) => {
      const check = checkAnswering({ error });
      const failure = await failureOf(
        assertNoAdoptedNames('app-a', template, makingIds([change(id, 'Add')]), check, {}, 'apply-aws'),
      );
      expect(failure).toMatchObject({ code: 'aws.name-check', retryable: false });
      expect(failure.message).toContain('stack app-a');
      expect(failure.message).toContain(`allow it ${permission}`);
    },
  );

  it("fails closed, naming the permission, when the environment's stacks may not be listed", async () => {
    const check: AdoptionCheck = {
      ...checkAnswering({}),
      own: () =>
        Promise.reject(
          Object.assign(new Error('not authorized to perform: cloudformation:ListStackResources'), {
            name: 'AccessDenied',
          }),
        ),
    };
    const failure = await failureOf(assertNoAdoptedNames('app-a', template, 'all', check, {}, 'plan'));
    expect(failure).toMatchObject({ code: 'aws.name-check', retryable: false });
    expect(failure.message).toContain('allow it cloudformation:ListStackResources');
  });

  it('refuses a name it cannot read: a parameter, or properties written whole as an Fn::If', async () => {
    const unreadable = stackTemplate(
      JSON.stringify({
        Parameters: { Name: { Type: 'String' } },
        Resources: {
          ByParameter: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Name' } } },
          Chosen: {
            Type: 'AWS::SNS::Topic',
            Properties: { 'Fn::If': ['C', { TopicName: 'env-b-events' }, {}] },
          },
        },
      }),
    );
    const check = checkAnswering({});
    for (const [id, where] of [
      ['ByParameter', 'Resources.ByParameter.Properties.QueueName of AWS::SQS::Queue'],
      ['Chosen', 'Resources.Chosen.Properties of AWS::SNS::Topic'],
    ] as const) {
      const failure = await failureOf(
        assertNoAdoptedNames('app-a', unreadable, new Set([id]), check, {}, 'plan'),
      );
      expect(failure).toMatchObject({ code: 'aws.out-of-bounds' });
      expect(failure.message).toContain(`${where} is not a name cairn can read`);
    }
    expect(check.reads).toEqual([]);
  });

  it('retries a read that failed for another reason (throttling)', async () => {
    const check = checkAnswering({ error: { name: 'ThrottlingException', message: 'Rate exceeded' } });
    const failure = await failureOf(
      assertNoAdoptedNames('app-a', template, makingIds([change('Jobs', 'Add')]), check, {}, 'plan'),
    );
    expect(failure).toMatchObject({ code: 'aws.name-check', retryable: true });
  });

  it('reads the names of what the change makes: an Add or a replacement, not an update in place', async () => {
    const check = checkAnswering({ error: { name: 'QueueDoesNotExist', message: 'no queue' } });
    const changes = [change('Jobs', 'Modify', 'False'), change('Unnamed', 'Add')];
    await assertNoAdoptedNames('app-a', template, makingIds(changes), check, {}, 'apply-aws');
    // an update in place and a queue CloudFormation names itself ask nothing
    expect(check.reads).toEqual([]);
    await assertNoAdoptedNames(
      'app-a',
      template,
      makingIds([change('Jobs', 'Modify', 'Conditional')]),
      check,
      {},
      'apply-aws',
    );
    expect(check.reads).toEqual(['GetQueueUrlCommand']);
  });

  it("refuses a taken name that is not among the environment's own resources, and passes one that is", async () => {
    const taken = checkAnswering({});
    const failure = await failureOf(assertNoAdoptedNames('app-a', template, 'all', taken, {}, 'apply-aws'));
    expect(failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(failure.message).toContain('Resources.Jobs.Properties.QueueName of AWS::SQS::Queue names "jobs"');
    const own: AdoptionCheck = {
      ...taken,
      own: () =>
        Promise.resolve([
          { type: 'AWS::SQS::Queue', physicalId: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' },
          { type: 'AWS::SNS::Topic', physicalId: 'arn:aws:sns:us-east-1:123456789012:events' },
        ]),
    };
    await assertNoAdoptedNames('app-a', template, 'all', own, {}, 'apply-aws');
  });
});

describe('assertNoAdoptedNames, state machines, KMS aliases and functions (read without an SDK client)', () => {
  const machineAndAlias = stackTemplate(
    JSON.stringify({
      Resources: {
        Flow: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'flow' } },
        KeyAlias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/env-b/key', TargetKeyId: 'k' } },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'env-b-fn' } },
      },
    }),
  );

  /** A check whose JSON reads answer as `answer` does (a state machine exists; ListAliases' pages), recording them. */
  function checkReading(
    answer: (service: string, action: string, body: Record<string, unknown>) => unknown,
  ): AdoptionCheck & { reads: string[] } {
    const reads: string[] = [];
    const readJson = (service: string, action: string, body: Record<string, unknown>) => {
      reads.push(`${service}:${action}${typeof body.Marker === 'string' ? `@${body.Marker}` : ''}`);
      try {
        return Promise.resolve(answer(service, action, body));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    };
    return { reads, clients: { readJson } as unknown as AwsClients, target, own: () => Promise.resolve([]) };
  }
  const denied = (): never => {
    throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
  };

  it.each([
    ['Flow', 'states:DescribeStateMachine'],
    ['KeyAlias', 'kms:ListAliases'],
    ['Fn', 'lambda:GetFunctionConfiguration'],
  ])('fails closed, naming the permission, when %s may not be asked', async (id, permission) => {
    const failure = await failureOf(
      assertNoAdoptedNames('app-a', machineAndAlias, new Set([id]), checkReading(denied), {}, 'plan'),
    );
    expect(failure).toMatchObject({ code: 'aws.name-check', retryable: false });
    expect(failure.message).toContain(`allow it ${permission}`);
  });

  it("reads the state machine's ARN, and refuses it when it exists outside the environment", async () => {
    const check = checkReading((_service, _action, body) => ({ stateMachineArn: body.stateMachineArn }));
    const failure = await failureOf(
      assertNoAdoptedNames('app-a', machineAndAlias, new Set(['Flow']), check, {}, 'apply-aws'),
    );
    expect(failure.message).toContain(
      'Resources.Flow.Properties.StateMachineName of AWS::StepFunctions::StateMachine names "flow"',
    );
    expect(check.reads).toEqual(['states:DescribeStateMachine']);
    const free = checkReading(() => {
      throw Object.assign(new Error('no such machine'), { name: 'StateMachineDoesNotExist' });
    });
    await assertNoAdoptedNames('app-a', machineAndAlias, new Set(['Flow']), free, {}, 'apply-aws');
  });

  it("pages through the account's aliases, and passes an alias that is the environment's own", async () => {
    const pages = (_service: string, _action: string, body: Record<string, unknown>) =>
      body.Marker === undefined
        ? { Aliases: [{ AliasName: 'alias/aws/s3' }], Truncated: true, NextMarker: 'm2' }
        : { Aliases: [{ AliasName: 'alias/env-b/key' }], Truncated: false };
    const taken = checkReading(pages);
    const failure = await failureOf(
      assertNoAdoptedNames('app-a', machineAndAlias, new Set(['KeyAlias']), taken, {}, 'plan'),
    );
    expect(failure.message).toContain(
      'Resources.KeyAlias.Properties.AliasName of AWS::KMS::Alias names "alias/env-b/key"',
    );
    expect(taken.reads).toEqual(['kms:ListAliases', 'kms:ListAliases@m2']);
    // an alias's physical id is its whole name, slashes and all
    const own: AdoptionCheck = {
      ...checkReading(pages),
      own: () => Promise.resolve([{ type: 'AWS::KMS::Alias', physicalId: 'alias/env-b/key' }]),
    };
    await assertNoAdoptedNames('app-a', machineAndAlias, new Set(['KeyAlias']), own, {}, 'plan');
    const elsewhere: AdoptionCheck = {
      ...checkReading(pages),
      own: () => Promise.resolve([{ type: 'AWS::KMS::Alias', physicalId: 'alias/env-a/key' }]),
    };
    await expect(
      assertNoAdoptedNames('app-a', machineAndAlias, new Set(['KeyAlias']), elsewhere, {}, 'plan'),
    ).rejects.toMatchObject({ code: 'aws.out-of-bounds' });
  });

  it("reads a function's configuration by its name, and passes a name no function has", async () => {
    const free = checkReading(() => {
      throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
    });
    await assertNoAdoptedNames('app-a', machineAndAlias, new Set(['Fn']), free, {}, 'apply-aws');
    expect(free.reads).toEqual(['lambda:/2015-03-31/functions/env-b-fn/configuration']);
    const taken = checkReading(() => ({ FunctionName: 'env-b-fn' }));
    const failure = await failureOf(
      assertNoAdoptedNames('app-a', machineAndAlias, new Set(['Fn']), taken, {}, 'apply-aws'),
    );
    expect(failure.message).toContain(
      'Resources.Fn.Properties.FunctionName of AWS::Lambda::Function names "env-b-fn"',
    );
  });
});
