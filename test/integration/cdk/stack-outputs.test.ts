import {
  CloudFormationClient,
  CreateChangeSetCommand,
  ExecuteChangeSetCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { ENV_TAG } from '../../../cdk/deploy/stack-deployer';
import { silentLog } from '../../../controller/log';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import { sandboxCredentials, sandboxTarget, unique } from './cdk-fixture';

jest.setTimeout(120_000);

const cfn = new CloudFormationClient(sandboxAwsClientConfig());

/** Deploys a template the way cairn does: a tagged change set, executed. */
async function deployByChangeSet(stackName: string, env: string, template: object): Promise<void> {
  const { Id } = await cfn.send(
    new CreateChangeSetCommand({
      StackName: stackName,
      ChangeSetName: `c${Date.now()}`,
      ChangeSetType: 'CREATE',
      TemplateBody: JSON.stringify(template),
      Tags: [{ Key: ENV_TAG, Value: env }],
    }),
  );
  const wait = { client: cfn, maxWaitTime: 60, minDelay: 1, maxDelay: 2 };
  await waitUntilChangeSetCreateComplete(wait, { ChangeSetName: Id! });
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id! }));
  await waitUntilStackCreateComplete(wait, { StackName: stackName });
}

const queueStack = (exportName: string) => ({
  Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
  Outputs: {
    QueueUrl: { Value: { Ref: 'Queue' } },
    QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: exportName } },
  },
});

/**
 * The live outputs a manifest binds, from the sandbox's moto (with the change-set outputs patch):
 * stacks deployed by change sets hold their outputs, an import resolves, and only the
 * environment's own stacks are answered.
 */
describe('live stack outputs for bindings', () => {
  const env = unique('bind');
  const mine = unique('bind-mine');
  const importer = unique('bind-importer');
  const theirs = unique('bind-theirs');
  const exportName = unique('queue-arn');
  const applier = createAwsApplier(env, sandboxTarget(), silentLog(), { credentials: sandboxCredentials() });

  beforeAll(async () => {
    await deployByChangeSet(mine, env, queueStack(exportName));
    await deployByChangeSet(importer, env, {
      Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
      Outputs: { Imported: { Value: { 'Fn::ImportValue': exportName } } },
    });
    await deployByChangeSet(theirs, `${env}-other`, queueStack(unique('their-arn')));
  });

  afterAll(() => applier.close());

  it("answers the outputs of this environment's change-set stacks, imports resolved", async () => {
    const outputs = await applier.outputs([mine, importer]);
    const queue = outputs.get(mine)!;
    expect(queue.get('QueueUrl')).toMatch(new RegExp(`/123456789012/${mine}-Queue`));
    expect(queue.get('QueueArn')).toMatch(/^arn:aws:sqs:us-east-1:123456789012:/);
    expect(outputs.get(importer)!.get('Imported')).toBe(queue.get('QueueArn'));
  });

  it("leaves out another environment's stack and a stack that does not exist (bounds)", async () => {
    const outputs = await applier.outputs([theirs, unique('bind-nowhere'), mine]);
    expect([...outputs.keys()]).toEqual([mine]);
  });
});
