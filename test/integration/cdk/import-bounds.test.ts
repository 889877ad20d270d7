import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import {
  applierThrough,
  changeSetsOf,
  only,
  synthesizeBehindProxy,
  unique,
  withTemplates,
} from './cdk-fixture';

const prefix = unique('imports');
const sha = '4444444ddddddddddddddddddddddddddddddddd';
let assembly: Assembly;
let proxy: CfnFaultProxy;

/** The stacks of `ids`, each with its template replaced by the one given. */
function withTemplatesOf(templates: Readonly<Record<string, object>>): Assembly {
  return withTemplates(assembly, templates);
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
        ...[
          'Theirs',
          'TheirsNested',
          'Steal',
          'StealSub',
          'StealPlan',
          'Producer',
          'Decoy',
          'DecoyImporter',
          'NestSteal',
          'NestElsewhere',
          'NestOwn',
          'NestPrune',
          'Listed',
          'ListedPrefix',
        ].map((name) => ({ name, queues: ['Q'] })),
        { name: 'Consumer', queues: ['Q'], dependsOn: ['Producer'] },
        { name: 'OnceProducer', queues: ['Q'] },
        { name: 'OnceConsumer', queues: ['Q'], dependsOn: ['OnceProducer'] },
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
    const b = applierThrough(proxy, unique('env-b'));
    const applied = await b.apply(withTemplatesOf({ Theirs: queueExporting(theirExport) }), sha);
    expect(applied.failure).toBeUndefined();
    await b.close();
  }, 60_000);

  it("refuses a stack importing another environment's export before any change set, and binds nothing of it", async () => {
    // given environment a, whose commit imports b's export into an output of its own stack
    const a = applierThrough(proxy, unique('env-a'));
    // when it is applied
    const applied = await a.apply(withTemplatesOf({ Steal: topicImporting(theirExport) }), sha);
    // then it fails as aws.out-of-bounds naming the stack and where the import is, CloudFormation
    // never saw the template, and no output of a's carries b's value
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-Steal`);
    expect(applied.failure!.message).toContain('Outputs.Imported.Value.Fn::ImportValue');
    expect(changeSetsOf(proxy, `${prefix}-Steal`)).toEqual([]);
    expect((await a.outputs([`${prefix}-Steal`])).get(`${prefix}-Steal`)).toBeUndefined();
    await a.close();
  }, 60_000);

  it('refuses an import whose name is computed, which cairn cannot check', async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const applied = await a.apply(
      withTemplatesOf({
        StealSub: topicImporting({ 'Fn::Join': ['', [theirExport.slice(0, 3), theirExport.slice(3)]] }),
      }),
      sha,
    );
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain('not a literal export name');
    expect(changeSetsOf(proxy, `${prefix}-StealSub`)).toEqual([]);
    await a.close();
  }, 60_000);

  it("plans no change set of a pull request importing another environment's export", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const plan = await a.plan(withTemplatesOf({ StealPlan: topicImporting(theirExport) }), sha);
    expect(plan.failure).toMatchObject({ code: 'aws.out-of-bounds', phase: 'plan' });
    expect(changeSetsOf(proxy, `${prefix}-StealPlan`)).toEqual([]);
    await a.close();
  }, 60_000);

  it('refuses an import of a name the app declares only where it is never exported, or not before the importer', async () => {
    // given environment a, whose app declares b's export name in an output that is never made
    // (a false condition) and, in a stack that does not depend on that one, imports the name
    const a = applierThrough(proxy, unique('env-a'));
    const decoy = {
      Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
      Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } },
      Outputs: {
        Decoy: { Condition: 'Never', Value: { Ref: 'Queue' }, Export: { Name: theirExport } },
      },
    };
    // when it is applied
    const applied = await a.apply(
      withTemplatesOf({ Decoy: decoy, DecoyImporter: topicImporting(theirExport) }),
      sha,
    );
    // then the importer is refused before any change set, and holds nothing of b's
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`${prefix}-DecoyImporter`);
    expect(changeSetsOf(proxy, `${prefix}-DecoyImporter`)).toEqual([]);
    expect((await a.outputs([`${prefix}-DecoyImporter`])).get(`${prefix}-DecoyImporter`)).toBeUndefined();
    await a.close();
  }, 60_000);

  it.each([
    ['by its exact name', 'Listed', (name: string) => name],
    ['by a prefix ending in *', 'ListedPrefix', (name: string) => `${name.slice(0, 8)}*`],
  ])(
    "deploys an import of an export from outside the app that the environment's aws.imports lists %s",
    async (_how, id, listed) => {
      // given environment a, whose config lets it import b's export (a platform team's, say)
      const a = applierThrough(proxy, unique('env-a'), { imports: [listed(theirExport)] });
      // when its stack importing that export is applied
      const applied = await a.apply(withTemplatesOf({ [id]: topicImporting(theirExport) }), sha);
      // then it deploys, and the import resolved to b's value
      expect(applied.failure).toBeUndefined();
      const outputs = await a.outputs([`${prefix}-${id}`]);
      expect(outputs.get(`${prefix}-${id}`)!.get('Imported')).toMatch(/^arn:aws:sqs:/);
      await a.close();
    },
    60_000,
  );

  it("deploys an import of an export of the app's own stack (the CDK's cross-stack reference)", async () => {
    // given one app whose Consumer stack imports what its Producer stack exports
    const own = unique('own-queue-arn');
    const a = applierThrough(proxy, unique('env-a'));
    // when it is applied
    const applied = await a.apply(
      withTemplatesOf({ Producer: queueExporting(own), Consumer: topicImporting(own) }),
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

  it('reads each stack template once per apply and once per plan, for its imports and its checks', async () => {
    // given one app whose consumer imports what its producer exports, and every file cairn opens
    // counted (every read of the assembly opens its file: readAssemblyFile)
    const own = unique('once-queue-arn');
    const a = applierThrough(proxy, unique('env-a'));
    const app = withTemplatesOf({ OnceProducer: queueExporting(own), OnceConsumer: topicImporting(own) });
    const templates = app.stacks.map((s) => s.templateFile).sort();
    const reads = jest.spyOn(fs, 'openSync');
    const templateReads = () =>
      reads.mock.calls.map(([path]) => String(path)).filter((path) => templates.includes(path));
    try {
      // when it is applied, then planned
      const applied = await a.apply(app, sha);
      const afterApply = templateReads().sort();
      reads.mockClear();
      const plan = await a.plan(app, sha);

      // then both succeed, and each template was read once by each (imports, checks, deploy)
      expect(applied.failure).toBeUndefined();
      expect(plan.failure).toBeUndefined();
      expect(afterApply).toEqual(templates);
      expect(templateReads().sort()).toEqual(templates);
    } finally {
      reads.mockRestore();
      await a.close();
    }
  }, 60_000);
});

const cfn = new CloudFormationClient(sandboxAwsClientConfig());
const s3 = new S3Client(sandboxAwsClientConfig());

/**
 * The outputs of the live stack whose name holds `part` (moto names a nested stack
 * `<parent>-<logical id>-<random>`, as CloudFormation does), or undefined when there is none.
 */
async function outputsOf(part: string): Promise<Record<string, string> | undefined> {
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand(token ? { NextToken: token } : {}));
    const stack = page.Stacks?.find(
      (s) => s.StackName?.includes(part) && s.StackStatus !== 'DELETE_COMPLETE',
    );
    if (stack) return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey!, o.OutputValue!]));
    token = page.NextToken;
  } while (token);
  return undefined;
}

/**
 * Stack `id` as the CDK's NestedStack makes it: its template nests a stack whose template is a file
 * asset of the stack (published to the bootstrap bucket), at a URL joined from pseudo parameters;
 * or, with `url`, at that URL instead. Answers the nested stack's logical id (moto names the
 * nested stack after it; CloudFormation after the parent and it).
 */
function withNested(id: string, nested: object, url?: string): { assembly: Assembly; logicalId: string } {
  const stacks = only(assembly, [id]);
  const stack = stacks.stacks[0]!;
  const manifestFile = stack.assetManifests[0]!;
  const hash = randomBytes(32).toString('hex');
  writeFileSync(join(dirname(manifestFile), `${hash}.nested.template.json`), JSON.stringify(nested));
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    files: Record<string, { destinations: Record<string, object> }>;
  };
  const [destination] = Object.values(Object.values(manifest.files)[0]!.destinations);
  manifest.files[hash] = {
    source: { path: `${hash}.nested.template.json`, packaging: 'file' },
    destinations: { nested: { ...destination, objectKey: `${hash}.json` } },
  } as never;
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const logicalId = `Inner${hash.slice(0, 12)}`;
  const templateUrl = url ?? {
    'Fn::Join': [
      '',
      [
        'https://s3.',
        { Ref: 'AWS::Region' },
        '.',
        { Ref: 'AWS::URLSuffix' },
        '/',
        { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' },
        `/${hash}.json`,
      ],
    ],
  };
  writeFileSync(
    stack.templateFile,
    JSON.stringify({
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
        [logicalId]: { Type: 'AWS::CloudFormation::Stack', Properties: { TemplateURL: templateUrl } },
      },
    }),
  );
  return { assembly: stacks, logicalId };
}

/**
 * A nested stack's template is read by CloudFormation from its TemplateURL, so every check of a
 * stack's template would stop at it: cairn follows it to a file the stack publishes, or refuses.
 */
describe('nested stacks are held to the same bounds (moto through the recording proxy)', () => {
  const theirExport = unique('their-nested-arn');

  beforeAll(async () => {
    const b = applierThrough(proxy, unique('env-b'));
    expect(
      (await b.apply(withTemplatesOf({ TheirsNested: queueExporting(theirExport) }), sha)).failure,
    ).toBeUndefined();
    await b.close();
  }, 60_000);

  it("refuses a nested stack whose template imports another environment's export", async () => {
    // given environment a, whose stack nests a template (its own asset) importing b's export
    const a = applierThrough(proxy, unique('env-a'));
    const { assembly: commit, logicalId } = withNested('NestSteal', topicImporting(theirExport));
    // when it is applied
    const applied = await a.apply(commit, sha);
    // then it fails as aws.out-of-bounds naming the nested stack and the import; no change set was
    // made, and no nested stack holds b's value
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(applied.failure!.message).toContain(`nested stack ${logicalId}`);
    expect(applied.failure!.message).toContain('Outputs.Imported.Value.Fn::ImportValue');
    expect(changeSetsOf(proxy, `${prefix}-NestSteal`)).toEqual([]);
    expect(await outputsOf(logicalId)).toBeUndefined();
    await a.close();
  }, 60_000);

  it('refuses a nested stack whose template is not a file the stack publishes', async () => {
    // given a template in some other bucket (anyone's public one, say)
    const elsewhere = unique('elsewhere');
    await s3.send(new CreateBucketCommand({ Bucket: elsewhere }));
    await s3.send(
      new PutObjectCommand({
        Bucket: elsewhere,
        Key: 'nested.json',
        Body: JSON.stringify(topicImporting(theirExport)),
      }),
    );
    const a = applierThrough(proxy, unique('env-a'));
    const { assembly: commit, logicalId } = withNested(
      'NestElsewhere',
      queueExporting(unique('unused')),
      `https://s3.us-east-1.amazonaws.com/${elsewhere}/nested.json`,
    );
    // when it is applied, and planned
    const applied = await a.apply(commit, sha);
    const plan = await a.plan(commit, sha);
    // then both fail before any change set, naming the nested stack's TemplateURL
    for (const result of [applied, plan]) {
      expect(result.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
      expect(result.failure!.message).toContain(`Resources.${logicalId}.Properties.TemplateURL`);
      expect(result.failure!.message).toContain(
        "is not a file this stack publishes to the environment's bootstrap bucket",
      );
    }
    expect(changeSetsOf(proxy, `${prefix}-NestElsewhere`)).toEqual([]);
    expect(await outputsOf(logicalId)).toBeUndefined();
    await a.close();
  }, 60_000);

  it("deploys a nested stack whose template is the stack's own asset, as the CDK's NestedStack makes it", async () => {
    const a = applierThrough(proxy, unique('env-a'));
    const { assembly: commit, logicalId } = withNested('NestOwn', queueExporting(unique('nested-own')));
    const applied = await a.apply(commit, sha);
    expect(applied.failure).toBeUndefined();
    expect(Object.keys((await outputsOf(logicalId)) ?? {})).toEqual(['QueueArn']);
    await a.close();
  }, 60_000);

  it('neither plans to delete nor prunes its own nested stack, which CloudFormation tags like its parent', async () => {
    // given environment a with aws.prune on, whose stack nests one, described as CloudFormation
    // describes a nested stack (its parent's id and tags, which moto leaves out)
    const a = applierThrough(proxy, unique('env-a'), { prune: true });
    const { assembly: commit, logicalId } = withNested('NestPrune', queueExporting(unique('nested-prune')));
    expect((await a.apply(commit, sha)).failure).toBeUndefined();
    const parent = await describe1(`${prefix}-NestPrune`);
    const nested = await describe1(logicalId);
    expect(parent.Tags?.some((t) => t.Key === 'cairn:environment')).toBe(true);
    proxy.addRule({
      stackName: nested.StackName!,
      nestedIn: {
        stackId: parent.StackId!,
        tags: parent.Tags!.map((t) => ({ Key: t.Key!, Value: t.Value! })),
      },
    });
    // when the same commit is planned and applied again
    const plan = await a.plan(commit, sha);
    const applied = await a.apply(commit, sha);
    // then the nested stack is no stack of a's own to delete: the root stack manages it
    expect(plan.failure).toBeUndefined();
    expect(applied.failure).toBeUndefined();
    for (const result of [plan, applied])
      expect(stacksOf(result).map((s) => s.subject)).toEqual([`${prefix}-NestPrune`]);
    expect(
      proxy.requests.filter((r) => r.action === 'DeleteStack' && r.stackName === nested.StackName),
    ).toEqual([]);
    expect(Object.keys((await outputsOf(logicalId)) ?? {})).toEqual(['QueueArn']);
    await a.close();
  }, 60_000);
});

/** The live stack whose name holds `part` (see outputsOf). */
async function describe1(part: string): Promise<Stack> {
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStacksCommand(token ? { NextToken: token } : {}));
    const stack = page.Stacks?.find(
      (s) => s.StackName?.includes(part) && s.StackStatus !== 'DELETE_COMPLETE',
    );
    if (stack) return stack;
    token = page.NextToken;
  } while (token);
  throw new Error(`no live stack named like ${part}`);
}
