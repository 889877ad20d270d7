import { readFileSync } from 'node:fs';
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  CloudFormationClient,
} from '@aws-sdk/client-cloudformation';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { silentLog } from '../../../controller/log';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { AwsTargetConfig } from '../../../controller/config/types';
import type { Assembly } from '../../../cdk/types';
import { resourceSummary, stacksOf } from '../../helpers/changes';
import { startCfnFaultProxy, type CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import {
  only,
  sandboxCredentials,
  sandboxTarget,
  unique,
  workspaceWith,
  type StackSpec,
} from './cdk-fixture';

const credentials = sandboxCredentials();
const cfn = new CloudFormationClient(sandboxAwsClientConfig());
const s3 = new S3Client(sandboxAwsClientConfig());
const prefix = unique('deploy');
const sha1 = '1111111aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const sha2 = '2222222bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
let v1: Assembly;
let v2: Assembly;
let bucketName: string;
let proxy: CfnFaultProxy;

const applierFor = (env: string, target: Partial<AwsTargetConfig> = {}) =>
  createAwsApplier(env, sandboxTarget(target), silentLog(), { credentials });
const stackStatus = (name: string) =>
  cfn.send(new DescribeStacksCommand({ StackName: name })).then(
    (o) => o.Stacks?.[0]?.StackStatus,
    () => 'absent',
  );

beforeAll(async () => {
  // One synth per commit serves every test; each test deploys its own stacks under its own env name.
  ({ bucketName } = await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials }));
  const stacks = [
    { name: 'Keep', queues: ['Q'] },
    { name: 'Gone', queues: ['Q'] },
    { name: 'Big', padding: 220 },
    { name: 'Fn', lambda: true },
    { name: 'Base', queues: ['Q'] },
    { name: 'Top', dependsOn: ['Base'], queues: ['Q'] },
    { name: 'Quiet', queues: ['Q'] },
    { name: 'QuietFn', lambda: true },
  ];
  const synth = (sha: string, upd: StackSpec) =>
    synthesizeApp({
      workspaceDir: workspaceWith({ prefix, stacks: [upd, ...stacks] }),
      env: 'dev',
      target: sandboxTarget(),
      commitSha: sha,
      log: silentLog(),
    });
  [v1, v2] = await Promise.all([
    synth(sha1, { name: 'Upd', parameters: { P1: 'one-{env}', P2: 'two' } }),
    synth(sha2, { name: 'Upd', parameters: { P1: 'changed-{env}' }, queues: ['Added'] }),
  ]);
  proxy = await startCfnFaultProxy(sandboxTarget().endpoint!);
}, 180_000);

afterAll(() => proxy?.close());

describe('deploying a synthesized app to moto through change sets', () => {
  it('bootstraps idempotently: the version parameter and the assets bucket exist', async () => {
    // given an environment bootstrapped once (beforeAll), when it is bootstrapped again
    const again = await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials });
    // then the result is the same and the bucket is there
    expect(again.bucketName).toBe(bucketName);
    expect(again.version).toMatch(/^\d+$/);
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: bucketName, MaxKeys: 1 })),
    ).resolves.toBeDefined();
  });

  it('refuses to deploy to an account and region that is not bootstrapped, saying to run cairn bootstrap', async () => {
    // given a region nobody bootstrapped
    const applier = applierFor(unique('nobs'), { region: 'ap-southeast-3' });
    // when the app is applied
    const result = await applier.apply(only(v1, ['Keep']), sha1);
    // then nothing deploys and the error says what to do
    expect(result.changes).toEqual([]);
    // a terminal failure: the same commit fails the same way until someone bootstraps
    expect(result.failure).toMatchObject({
      code: 'aws.not-bootstrapped',
      phase: 'apply-aws',
      retryable: false,
    });
    expect(result.failure?.message).toContain('cairn bootstrap --config <file> --env');
  });

  it('plans without deploying, creates, updates (add, modify, remove) and then sees a no-op', async () => {
    const applier = applierFor(unique('upd'));
    // when the first commit is planned, then nothing exists yet and the plan says create, and the
    // plan made no stack (not even an empty REVIEW_IN_PROGRESS one)
    const plan = await applier.plan(only(v1, ['Upd']), sha1);
    expect(stacksOf(plan).map((s) => [s.subject, s.action])).toEqual([[`${prefix}-Upd`, 'created']]);
    expect(await stackStatus(`${prefix}-Upd`)).toBe('absent');
    // when it is applied, then the stack is created with two parameters
    const created = await applier.apply(only(v1, ['Upd']), sha1);
    expect(stacksOf(created).map((s) => s.action)).toEqual(['created']);
    expect(await stackStatus(`${prefix}-Upd`)).toBe('CREATE_COMPLETE');
    expect(resourceSummary(created, `${prefix}-Upd`)).toEqual([
      'created AWS::SSM::Parameter',
      'created AWS::SSM::Parameter',
    ]);
    expect(resourceSummary(plan, `${prefix}-Upd`)).toEqual(resourceSummary(created, `${prefix}-Upd`));
    // when the second commit is applied, then one parameter changes, one goes and a queue comes
    const updated = await applier.apply(only(v2, ['Upd']), sha2);
    expect(stacksOf(updated)[0]!.action).toBe('configured');
    expect(resourceSummary(updated, `${prefix}-Upd`)).toEqual([
      'configured AWS::SSM::Parameter',
      'created AWS::SQS::Queue',
      'deleted AWS::SSM::Parameter',
    ]);
    // when the same commit is applied again, then it is a no-op
    const again = await applier.apply(only(v2, ['Upd']), sha2);
    expect(again.changes.map((s) => s.action)).toEqual(['unchanged']);
    // Plans and applies through several change sets: seconds on a loaded machine, over jest's default 5 s.
  }, 30_000);

  it('costs no change set and no execution for a stack whose template did not change', async () => {
    // given a deployed stack, deployed through the counting proxy
    const applier = createAwsApplier(unique('quiet'), sandboxTarget({ endpoint: proxy.url }), silentLog(), {
      credentials,
    });
    await applier.apply(only(v1, ['Quiet']), sha1);
    const before = proxy.requests.length;
    // when the same template is applied again
    const result = await applier.apply(only(v2, ['Quiet']), sha2);
    // then it is a no-op and CloudFormation saw no change set
    expect(result.changes.map((s) => s.action)).toEqual(['unchanged']);
    const actions = proxy.requests
      .slice(before)
      .filter((r) => r.stackName === `${prefix}-Quiet` || /ChangeSet/.test(r.action));
    expect(actions.map((r) => r.action)).not.toContain('CreateChangeSet');
    expect(actions.map((r) => r.action)).not.toContain('ExecuteChangeSet');
  });

  it('asks S3 nothing about the assets of a stack whose template did not change', async () => {
    // given a Lambda stack, its code a file asset, deployed through the recording proxy
    const applier = createAwsApplier(
      unique('quiet-fn'),
      sandboxTarget({ endpoint: proxy.url }),
      silentLog(),
      {
        credentials,
      },
    );
    const first = await applier.apply(only(v1, ['QuietFn']), sha1);
    expect(stacksOf(first).map((s) => s.action)).toEqual(['created']);
    const before = proxy.signed.length;
    // when the next commit applies the same template (another stack of the app changed)
    const result = await applier.apply(only(v2, ['QuietFn']), sha2);
    // then it is unchanged, and cdk-assets did not look for (or upload) its zip again
    expect(stacksOf(result).map((s) => s.action)).toEqual(['unchanged']);
    const s3 = proxy.signed.slice(before).filter((r) => r.service === 's3');
    expect(s3.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it.each([
    [false, 'skipped', 'CREATE_COMPLETE'],
    [true, 'deleted', 'absent'],
  ])('with prune %s, a stack gone from the app is %s', async (prune, action, status) => {
    // given an environment with stacks Keep and Gone deployed
    const env = unique('prune');
    await applierFor(env).apply(only(v1, ['Keep', 'Gone']), sha1);
    // when the next commit has only Keep
    const result = await applierFor(env, { prune }).apply(only(v1, ['Keep']), sha2);
    // then Gone is reported (and deleted only with prune)
    const gone = result.changes.find((s) => s.subject === `${prefix}-Gone`);
    expect(gone?.action).toBe(action);
    if (!prune) expect(gone?.reason).toBe('aws.prune is off');
    expect(result.changes.find((s) => s.subject === `${prefix}-Keep`)?.action).toBe('unchanged');
    const deleted = await stackStatus(`${prefix}-Gone`);
    expect(deleted === 'DELETE_COMPLETE' ? 'absent' : deleted).toBe(status);
    if (!prune) await applierFor(env, { prune: true }).apply(only(v1, []), sha2);
  });

  it('sends a template over 51,200 bytes through the assets bucket', async () => {
    // given a stack whose template is larger than the inline limit
    const big = v1.stacks.find((s) => s.id === 'Big')!;
    expect(Buffer.byteLength(readFileSync(big.templateFile))).toBeGreaterThan(51_200);
    // when it is applied
    const result = await applierFor(unique('big')).apply(only(v1, ['Big']), sha1);
    // then it is created, from a template object in the bucket
    expect(stacksOf(result).map((s) => s.action)).toEqual(['created']);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucketName, Prefix: `cairn/templates/${big.stackName}/` }),
    );
    expect(listed.KeyCount).toBe(1);
  });

  it('publishes a Lambda function’s file asset before its stack deploys', async () => {
    // given a stack with a Lambda function whose code is a file asset
    const fn = v1.stacks.find((s) => s.id === 'Fn')!;
    const manifest = JSON.parse(readFileSync(fn.assetManifests[0]!, 'utf8')) as {
      files: Record<string, { destinations: Record<string, { objectKey: string }> }>;
    };
    const keys = Object.values(manifest.files).flatMap((f) =>
      Object.values(f.destinations).map((d) => d.objectKey),
    );
    // when it is applied
    const result = await applierFor(unique('fn')).apply(only(v1, ['Fn']), sha1);
    // then the zip is in the assets bucket and the function exists
    expect(result.failure).toBeUndefined();
    expect(stacksOf(result).map((s) => s.action)).toEqual(['created']);
    for (const key of keys.filter((k) => k.endsWith('.zip'))) {
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }))).resolves.toBeDefined();
    }
    const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: fn.stackName }));
    expect(resources.StackResources?.map((r) => r.ResourceType)).toContain('AWS::Lambda::Function');
  });

  it('deploys a stack only after the stack it depends on has finished', async () => {
    // given Top depends on Base, deployed through the recording proxy
    const applier = createAwsApplier(unique('deps'), sandboxTarget({ endpoint: proxy.url }), silentLog(), {
      credentials,
    });
    const before = proxy.requests.length;
    // when both are applied
    const result = await applier.apply(only(v1, ['Top', 'Base']), sha1);
    // then both are created, and no request about Top came before Base was done
    expect(stacksOf(result).map((s) => s.action)).toEqual(['created', 'created']);
    const names = proxy.requests.slice(before).map((r) => r.stackName);
    expect(names.indexOf(`${prefix}-Top`)).toBeGreaterThan(names.lastIndexOf(`${prefix}-Base`));
  });
});
