import { readFileSync } from 'node:fs';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLog } from '../../../controller/log';
import { shardLost } from '../../../controller/shard/lease';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { Assembly } from '../../../cdk/types';
import { stacksOf } from '../../helpers/changes';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import { only, sandboxCredentials, sandboxTarget, unique, synthesizeBehindProxy } from './cdk-fixture';

// The AWS half's write fence, on moto through the recording proxy: the fence stands for a
// replica's Lease (see WriteFence) and reports it lost once the proxy has seen a given request,
// which is when a paused or cut-off replica's renew deadline passes while that request is in
// flight. A request already sent cannot be recalled; every write sent after that must not be.
const credentials = sandboxCredentials();
const prefix = unique('wfence');
const sha1 = '5555555eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
let v1: Assembly;
let proxy: CfnFaultProxy;

const applier = (env: string, prune = false) =>
  createAwsApplier(env, sandboxTarget({ endpoint: proxy.url, deployTimeoutMs: 30_000, prune }), silentLog(), {
    credentials,
  });
const cfnCount = (action: string, from: number) =>
  proxy.requests.slice(from).filter((r) => r.action === action).length;
const s3Puts = (from: number) =>
  proxy.signed.slice(from).filter((r) => r.service === 's3' && r.method === 'PUT');
/** A fence that holds until `lostOnce()` is true, then throws `shard.lost` as a replica's does. */
const fenceLostWhen = (env: string, lostOnce: () => boolean) => () => {
  if (lostOnce())
    throw shardLost(env, 'no successful renewal for 12500 ms (the bound is 12000 ms)', 'apply-aws');
};

/** Deletes the objects a stack's asset manifests name, so that its next apply uploads them. */
async function removeAssets(id: string): Promise<void> {
  const { account, region } = sandboxTarget();
  const s3 = new S3Client(sandboxAwsClientConfig());
  for (const file of v1.stacks.find((s) => s.id === id)!.assetManifests) {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
      files: Record<string, { destinations: Record<string, { bucketName: string; objectKey: string }> }>;
    };
    for (const d of Object.values(manifest.files).flatMap((f) => Object.values(f.destinations))) {
      const bucket = d.bucketName.replace('${AWS::AccountId}', account).replace('${AWS::Region}', region);
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: d.objectKey }));
    }
  }
  s3.destroy();
}

beforeAll(async () => {
  const stacks = [
    { name: 'Exec', queues: ['Q'] },
    { name: 'Keep', queues: ['Q'] },
    { name: 'Gone', queues: ['Q'] },
    { name: 'Fn', lambda: true },
    { name: 'Big', padding: 220 },
  ];
  ({ assembly: v1, proxy } = await synthesizeBehindProxy({ prefix, stacks }, sha1));
}, 180_000);

afterAll(() => proxy?.close());

jest.setTimeout(90_000);

describe('the AWS write fence holds before every request sent, retries included', () => {
  it('does not send the SDK’s retry of a throttled ExecuteChangeSet once the Lease is lost', async () => {
    // given the first ExecuteChangeSet is throttled, and the Lease is lost while it is in flight
    const env = unique('exec');
    const from = proxy.requests.length;
    proxy.throttleNext('ExecuteChangeSet', 1);
    const fence = fenceLostWhen(env, () => cfnCount('ExecuteChangeSet', from) > 0);
    // when the stack is applied
    const result = await applier(env).apply(only(v1, ['Exec']), sha1, { fence });
    // then the retry is not sent: the apply stops with shard.lost naming the Lease
    expect(cfnCount('ExecuteChangeSet', from)).toBe(1);
    expect(result.failure).toEqual(expect.objectContaining({ code: 'shard.lost', phase: 'apply-aws' }));
    expect(result.failure?.message).toContain('no longer holds the Lease');
  });

  it('does not send the SDK’s retry of a throttled prune DeleteStack once the Lease is lost', async () => {
    // given an environment with two stacks, one of which leaves the app
    const env = unique('prune');
    const first = await applier(env, true).apply(only(v1, ['Keep', 'Gone']), sha1);
    expect(first.failure).toBeUndefined();
    const from = proxy.requests.length;
    proxy.throttleNext('DeleteStack', 1);
    const fence = fenceLostWhen(env, () => cfnCount('DeleteStack', from) > 0);
    // when the next commit (without Gone) is applied and the Lease is lost during the delete
    const result = await applier(env, true).apply(only(v1, ['Keep']), sha1, { fence });
    // then the delete is sent once, not retried after the loss
    expect(cfnCount('DeleteStack', from)).toBe(1);
    expect(result.failure?.code).toBe('shard.lost');
    expect(result.failure?.message).toContain('-Gone');
  });

  it('does not upload a file asset once the Lease is lost after the stack’s fence check', async () => {
    // given the stack's assets are not in the bucket yet, and the Lease is lost once cdk-assets
    // has asked S3 whether they are there
    await removeAssets('Fn');
    const env = unique('asset');
    const from = proxy.signed.length;
    const fence = fenceLostWhen(env, () => proxy.signed.slice(from).some((r) => r.service === 's3'));
    // when the Lambda stack is applied
    const result = await applier(env).apply(only(v1, ['Fn']), sha1, { fence });
    // then no object is put, and no change set is made
    expect(s3Puts(from).map((r) => r.path)).toEqual([]);
    expect(stacksOf(result).map((s) => s.reason)).toEqual(['assets not published']);
    expect(result.failure?.code).toBe('shard.lost');
  });

  it('does not create the change set of a large template once the Lease is lost during its upload', async () => {
    // given the Lease is lost while the template goes to the assets bucket
    const env = unique('big');
    const from = proxy.requests.length;
    const signedFrom = proxy.signed.length;
    const templatePuts = () => s3Puts(signedFrom).filter((r) => r.path?.includes('/cairn/templates/'));
    const fence = fenceLostWhen(env, () => templatePuts().length > 0);
    // when the stack is applied
    const result = await applier(env).apply(only(v1, ['Big']), sha1, { fence });
    // then the template was put (in flight when the Lease was lost), and no change set was created
    expect(templatePuts()).toHaveLength(1);
    expect(cfnCount('CreateChangeSet', from)).toBe(0);
    expect(result.failure?.code).toBe('shard.lost');
  });
});
