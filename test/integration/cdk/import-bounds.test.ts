import { writeFileSync } from 'node:fs';
import { silentLog } from '../../../controller/log';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { only, sandboxCredentials, sandboxTarget, synthesizeBehindProxy, unique } from './cdk-fixture';

const credentials = sandboxCredentials();
const prefix = unique('imports');
const sha = '4444444ddddddddddddddddddddddddddddddddd';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** An applier for environment `env` that talks to moto through the recording proxy. */
const applierFor = (env: string) =>
  createAwsApplier(env, sandboxTarget({ endpoint: proxy.url }), silentLog(), { credentials });

/** Every CreateChangeSet the proxy saw for this stack. */
const changeSetsFor = (stack: string) =>
  proxy.requests.filter((r) => r.action === 'CreateChangeSet' && r.stackName === stack);

/** The stacks of `ids`, each with its template replaced by the one given. */
function withTemplates(templates: Readonly<Record<string, object>>): Assembly {
  const stacks = only(assembly, Object.keys(templates));
  for (const stack of stacks.stacks) writeFileSync(stack.templateFile, JSON.stringify(templates[stack.id]));
  return stacks;
}

const queueExporting = (exportName: string) => ({
  Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } },
  Outputs: { QueueArn: { Value: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Export: { Name: exportName } } },
});

const topicImporting = (name: unknown) => ({
  Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } },
  Outputs: { Imported: { Value: { 'Fn::ImportValue': name } } },
});

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: [
        ...['Theirs', 'Steal', 'StealSub', 'StealPlan', 'Producer'].map((name) => ({ name, queues: ['Q'] })),
        { name: 'Consumer', queues: ['Q'], dependsOn: ['Producer'] },
      ],
    },
    sha,
  ));
}, 180_000);

afterAll(() => proxy?.close());

/**
 * CloudFormation resolves `Fn::ImportValue` against every export of the account and region, with no
 * IAM check, so a per-environment role cannot keep one environment's template from importing
 * another's export: reading its value (into an output a manifest binds) and pinning it (an export
 * in use can be neither changed nor deleted, nor its stack deleted).
 */
describe("imports stay inside the environment's own app (moto through the recording proxy)", () => {
  const theirExport = unique('their-queue-arn');

  beforeAll(async () => {
    // given environment b's stack, which exports its queue's ARN
    const b = applierFor(unique('env-b'));
    const applied = await b.apply(withTemplates({ Theirs: queueExporting(theirExport) }), sha);
    expect(applied.failure).toBeUndefined();
    await b.close();
  }, 60_000);

  it("refuses a stack importing another environment's export before any change set, and binds nothing of it", async () => {
    // given environment a, whose commit imports b's export into an output of its own stack
    const a = applierFor(unique('env-a'));
    // when it is applied
    const applied = await a.apply(withTemplates({ Steal: topicImporting(theirExport) }), sha);
    // then it fails as aws.out-of-bounds naming the stack and where the import is, CloudFormation
    // never saw the template, and no output of a's carries b's value
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-Steal`);
    expect(applied.failure!.message).toContain('Outputs.Imported.Value.Fn::ImportValue');
    expect(changeSetsFor(`${prefix}-Steal`)).toEqual([]);
    expect((await a.outputs([`${prefix}-Steal`])).get(`${prefix}-Steal`)).toBeUndefined();
    await a.close();
  }, 60_000);

  it('refuses an import whose name is computed, which cairn cannot check', async () => {
    const a = applierFor(unique('env-a'));
    const applied = await a.apply(
      withTemplates({
        StealSub: topicImporting({ 'Fn::Join': ['', [theirExport.slice(0, 3), theirExport.slice(3)]] }),
      }),
      sha,
    );
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain('not a literal export name');
    expect(changeSetsFor(`${prefix}-StealSub`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("plans no change set of a pull request importing another environment's export", async () => {
    const a = applierFor(unique('env-a'));
    const plan = await a.plan(withTemplates({ StealPlan: topicImporting(theirExport) }), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(changeSetsFor(`${prefix}-StealPlan`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("deploys an import of an export of the app's own stack (the CDK's cross-stack reference)", async () => {
    // given one app whose Consumer stack imports what its Producer stack exports
    const own = unique('own-queue-arn');
    const a = applierFor(unique('env-a'));
    // when it is applied
    const applied = await a.apply(
      withTemplates({ Producer: queueExporting(own), Consumer: topicImporting(own) }),
      sha,
    );
    // then both stacks deploy, and the import resolved
    expect(applied.failure).toBeUndefined();
    expect(stacksOf(applied).map((s) => s.action)).toEqual(['created', 'created']);
    const outputs = await a.outputs([`${prefix}-Producer`, `${prefix}-Consumer`]);
    expect(outputs.get(`${prefix}-Consumer`)!.get('Imported')).toBe(
      outputs.get(`${prefix}-Producer`)!.get('QueueArn'),
    );
    await a.close();
  }, 60_000);
});
