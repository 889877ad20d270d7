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
