import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsClients } from '../../../cdk/deploy/aws-clients';
import type { AwsTargetConfig } from '../../../controller/model';
import { planStack } from '../../../cdk/deploy/stack-deployer';
import type { StackArtifact } from '../../../cdk/types';
import { silentLog } from '../../../controller/log';

const MINE = [{ Key: 'cairn:environment', Value: 'dev@abc' }];

/**
 * A CloudFormation double that answers by command name, as moto cannot be made to fail a change
 * set on demand: it records every command and holds one stack (its status and tags, or none).
 */
function cloudFormation(
  stack: { status: string; tags?: readonly { Key: string; Value: string }[] } | undefined,
  changeSet: { status: 'CREATE_COMPLETE' | 'FAILED'; reason?: string } = { status: 'CREATE_COMPLETE' },
) {
  const sent: string[] = [];
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name.replace(/Command$/, '');
    sent.push(name);
    switch (name) {
      case 'DescribeStacks':
        if (!stack) throw new Error('Stack with id app-dev does not exist');
        return { Stacks: [{ StackName: 'app-dev', StackStatus: stack.status, Tags: stack.tags ?? MINE }] };
      case 'GetTemplate':
        return { TemplateBody: JSON.stringify({ Resources: {} }) };
      case 'CreateChangeSet':
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
      default:
        throw new Error(`unexpected ${name}`);
    }
  };
  return { sent, send };
}

/** The URL of the nested template `artifact` publishes, in the bootstrap bucket of `context`'s target. */
const CHILD_URL = 'https://s3.us-east-1.amazonaws.com/cdk-hnb659fds-assets-1-us-east-1/child.json';

/**
 * A stack artifact with this template, publishing a nested stack's template (`child.json`, a
 * queue) to its bootstrap bucket as the CDK's NestedStack does.
 */
function artifact(template: unknown = { Resources: { Jobs: { Type: 'AWS::SQS::Queue' } } }): StackArtifact {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-plan-stack-'));
  const templateFile = join(dir, 'app-dev.template.json');
  writeFileSync(templateFile, typeof template === 'string' ? template : JSON.stringify(template));
  writeFileSync(join(dir, 'child.json'), JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }));
  const assets = join(dir, 'app-dev.assets.json');
  writeFileSync(
    assets,
    JSON.stringify({
      version: '36.0.0',
      files: {
        child: {
          source: { path: 'child.json', packaging: 'file' },
          destinations: {
            d: {
              bucketName: 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}',
              objectKey: 'child.json',
            },
          },
        },
      },
      dockerImages: {},
    }),
  );
  return {
    stackName: 'app-dev',
    id: 'App',
    templateFile,
    dependencies: [],
    tags: {},
    terminationProtection: false,
    assetManifests: [assets],
  };
}

const context = (cfn: ReturnType<typeof cloudFormation>) => ({
  env: 'dev',
  envTag: 'dev@abc',
  target: { region: 'us-east-1', account: '1' } as AwsTargetConfig,
  clients: { cfn: { send: cfn.send } } as unknown as AwsClients,
  log: silentLog(),
});

const sha = 'a'.repeat(40);

describe('planStack of a stack a deploy would create', () => {
  it.each([
    ['that does not exist', undefined, undefined],
    ['left REVIEW_IN_PROGRESS by a change set never executed', { status: 'REVIEW_IN_PROGRESS' }, undefined],
    [
      'whose first create failed (ROLLBACK_COMPLETE)',
      { status: 'ROLLBACK_COMPLETE' },
      'replaces the stack a failed first create left ROLLBACK_COMPLETE',
    ],
    [
      'whose first create failed (ROLLBACK_FAILED)',
      { status: 'ROLLBACK_FAILED' },
      'replaces the stack a failed first create left ROLLBACK_FAILED',
    ],
  ])(
    'of a stack %s lists its template’s resources as added and writes nothing',
    async (_label, stack, reason) => {
      // given a stack a deploy would create, and a template with a queue and a nested stack
      const cfn = cloudFormation(stack);
      const template = {
        Resources: {
          Jobs: { Type: 'AWS::SQS::Queue', Properties: {} },
          Child: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: CHILD_URL } },
        },
      };
      // when it is planned
      const outcome = await planStack(context(cfn), artifact(template), sha);
      // then it is created with one Add per resource, in the change-set vocabulary, and only read
      expect(outcome).toMatchObject({ stackName: 'app-dev', action: 'created' });
      expect(outcome.reason).toBe(reason);
      expect(outcome.failure).toBeUndefined();
      expect(outcome.changes).toEqual([
        { logicalId: 'Jobs', type: 'AWS::SQS::Queue', action: 'Add', replacement: null },
        { logicalId: 'Child', type: 'AWS::CloudFormation::Stack', action: 'Add', replacement: null },
      ]);
      expect(cfn.sent).toEqual(['DescribeStacks']);
    },
  );

  it.each([
    ['not JSON', 'Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n', 'template is not JSON'],
    ['without resources', { Resources: {} }, 'template has no Resources'],
    ['with a resource without a Type', { Resources: { Jobs: { Properties: {} } } }, 'resource Jobs'],
  ])('fails a template %s as aws.template-invalid, not a throw', async (_label, template, message) => {
    const cfn = cloudFormation(undefined);
    const outcome = await planStack(context(cfn), artifact(template), sha);
    expect(outcome).toMatchObject({
      action: 'skipped',
      reason: 'plan failed',
      failure: { code: 'aws.template-invalid', phase: 'plan', retryable: false, subject: 'stack app-dev' },
    });
    expect(outcome.failure?.message).toContain(message);
    expect(cfn.sent).toEqual(['DescribeStacks']);
  });

  it('refuses a REVIEW_IN_PROGRESS stack another environment owns, as a deploy would', async () => {
    const cfn = cloudFormation({
      status: 'REVIEW_IN_PROGRESS',
      tags: [{ Key: 'cairn:environment', Value: 'prod@abc' }],
    });
    const outcome = await planStack(context(cfn), artifact(), sha);
    expect(outcome.failure).toMatchObject({ code: 'aws.owned-elsewhere', phase: 'plan' });
    expect(cfn.sent).toEqual(['DescribeStacks']);
  });
});

describe('planStack of a stack that exists', () => {
  it('describes an UPDATE change set and deletes it, never the stack', async () => {
    const cfn = cloudFormation({ status: 'UPDATE_COMPLETE' });
    const outcome = await planStack(context(cfn), artifact(), sha);
    expect(outcome).toMatchObject({ stackName: 'app-dev', action: 'configured' });
    expect(outcome.changes).toEqual([
      { logicalId: 'Jobs', type: 'AWS::SQS::Queue', action: 'Add', replacement: null },
    ]);
    expect(cfn.sent).toEqual([
      'DescribeStacks',
      'GetTemplate',
      'CreateChangeSet',
      'DescribeChangeSet',
      'DeleteChangeSet',
    ]);
  });

  it('a change set that fails is the stack failure, not a throw, and deletes only the change set', async () => {
    const cfn = cloudFormation(
      { status: 'UPDATE_COMPLETE' },
      { status: 'FAILED', reason: 'Template format error: Unresolved resource dependencies' },
    );
    const outcome = await planStack(context(cfn), artifact(), 'b'.repeat(40));
    expect(outcome).toMatchObject({
      action: 'skipped',
      reason: 'plan failed',
      failure: { code: 'aws.change-set', phase: 'plan', subject: 'stack app-dev' },
    });
    expect(outcome.failure?.message).toContain('Unresolved resource dependencies');
    expect(cfn.sent.slice(-1)).toEqual(['DeleteChangeSet']);
  });
});
