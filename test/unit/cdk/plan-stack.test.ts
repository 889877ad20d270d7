import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsClients } from '../../../cdk/deploy/aws-clients';
import type { AwsTargetConfig } from '../../../controller/model';
import { planStack } from '../../../cdk/deploy/stack-deployer';
import type { StackArtifact } from '../../../cdk/types';
import { silentLog } from '../../../controller/log';

/**
 * A CloudFormation double that answers by command name, as moto cannot be made to fail a change
 * set on demand: it records every command and holds one stack's status.
 */
function cloudFormation(changeSet: { status: 'CREATE_COMPLETE' | 'FAILED'; reason?: string }) {
  const sent: string[] = [];
  let status: string | undefined;
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    sent.push(name);
    switch (name) {
      case 'DescribeStacks':
        if (!status) throw new Error('Stack with id app-dev does not exist');
        return { Stacks: [{ StackName: 'app-dev', StackStatus: status, Tags: [] }] };
      case 'CreateChangeSet':
        status = 'REVIEW_IN_PROGRESS'; // what CloudFormation does for a CREATE change set
        return { Id: 'arn:aws:cloudformation:us-east-1:1:changeSet/cairn-x/1' };
      case 'DescribeChangeSet':
        return {
          Status: changeSet.status,
          StatusReason: changeSet.reason,
          Changes: [
            { ResourceChange: { Action: 'Add', LogicalResourceId: 'Jobs', ResourceType: 'AWS::SQS::Queue' } },
          ],
        };
      case 'DeleteChangeSet':
        return {};
      case 'DeleteStack':
        status = undefined;
        return {};
      default:
        throw new Error(`unexpected ${name}`);
    }
  };
  return { sent, send, stackLeft: () => status };
}

function artifact(): StackArtifact {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-plan-stack-'));
  const templateFile = join(dir, 'app-dev.template.json');
  writeFileSync(templateFile, JSON.stringify({ Resources: { Jobs: { Type: 'AWS::SQS::Queue' } } }));
  return {
    stackName: 'app-dev',
    id: 'App',
    templateFile,
    dependencies: [],
    tags: {},
    terminationProtection: false,
    assetManifests: [],
  };
}

const context = (cfn: ReturnType<typeof cloudFormation>) => ({
  env: 'dev',
  envTag: 'dev@abc',
  target: { region: 'us-east-1', account: '1' } as AwsTargetConfig,
  clients: { cfn: { send: cfn.send } } as unknown as AwsClients,
  log: silentLog(),
});

describe('planStack of a stack that does not exist yet', () => {
  it('describes the CREATE change set, deletes it and the empty stack it made', async () => {
    const cfn = cloudFormation({ status: 'CREATE_COMPLETE' });
    const outcome = await planStack(context(cfn), artifact(), 'a'.repeat(40));
    expect(outcome).toMatchObject({ stackName: 'app-dev', action: 'created' });
    expect(outcome.changes).toEqual([
      { logicalId: 'Jobs', type: 'AWS::SQS::Queue', action: 'Add', replacement: null },
    ]);
    expect(cfn.sent).not.toContain('ExecuteChangeSet');
    expect(cfn.sent).toContain('DeleteChangeSet');
    expect(cfn.stackLeft()).toBeUndefined();
  });

  it('a change set that fails is the stack failure, not a throw, and leaves no REVIEW_IN_PROGRESS stack', async () => {
    const cfn = cloudFormation({
      status: 'FAILED',
      reason: 'Template format error: Unresolved resource dependencies',
    });
    const outcome = await planStack(context(cfn), artifact(), 'b'.repeat(40));
    expect(outcome).toMatchObject({
      action: 'skipped',
      reason: 'plan failed',
      failure: { code: 'aws.change-set', phase: 'plan', subject: 'stack app-dev' },
    });
    expect(outcome.failure?.message).toContain('Unresolved resource dependencies');
    expect(cfn.sent.slice(-2)).toEqual(['DescribeStacks', 'DeleteStack']);
    expect(cfn.stackLeft()).toBeUndefined();
  });
});
