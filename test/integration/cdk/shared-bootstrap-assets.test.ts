/**
 * Two environments deploying with one CDK bootstrap share its asset bucket, and an asset's key is
 * only what the app's manifest claims. These tests run the real applier against moto, through the
 * recording proxy, with the scenario app's Lambda asset (its hash made unique per run).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { silentLog } from '../../../controller/log';
import { BOOTSTRAP } from '../../../cdk/deploy/aws-clients';
import { putOnce } from '../../../cdk/deploy/shared-bucket';
import { zipOf } from '../../helpers/zips';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { Assembly } from '../../../cdk/types';
import { sandboxAwsClientConfig } from '../../sandbox/sandbox-env';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { startCfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import {
  applierThrough,
  changeSetsOf,
  sandboxCredentials,
  sandboxTarget,
  unique,
  workspaceWith,
} from './cdk-fixture';

const s3 = new S3Client(sandboxAwsClientConfig());
const bucket = BOOTSTRAP.bucket(sandboxTarget());
const sha = '5555555eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
let proxy: CfnFaultProxy;

/** The app with one Lambda stack, its code folder holding `marker` (so its asset hash is this run's). */
function synthesizeWith(prefix: string, marker: string): Promise<Assembly> {
  const workspace = workspaceWith({ prefix, stacks: [{ name: 'Fn', lambda: true }] });
  writeFileSync(join(workspace, 'aws-resources', 'lambda', 'marker.js'), `// ${marker}\n`);
  return synthesizeApp({
    workspaceDir: workspace,
    env: 'dev',
    target: sandboxTarget(),
    commitSha: sha,
    log: silentLog(),
  });
}

/** The Lambda asset of the assembly's one stack: its staged folder and the key its manifest claims. */
function lambdaAsset(assembly: Assembly): { folder: string; key: string } {
  const [file] = assembly.stacks[0]!.assetManifests;
  const manifest = JSON.parse(readFileSync(file!, 'utf8')) as {
    files: Record<
      string,
      { source: { path: string; packaging?: string }; destinations: Record<string, { objectKey: string }> }
    >;
  };
  const asset = Object.values(manifest.files).find((f) => f.source.packaging === 'zip')!;
  return {
    folder: join(assembly.dir, asset.source.path),
    key: Object.values(asset.destinations)[0]!.objectKey,
  };
}

const objectBytes = async (key: string) =>
  Buffer.from(
    await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray(),
  );

const putsOf = (key: string) =>
  proxy.signed.filter((r) => r.method === 'PUT' && r.path?.split('?')[0]!.endsWith(`/${key}`));

beforeAll(async () => {
  await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials: sandboxCredentials() });
  proxy = await startCfnFaultProxy(sandboxTarget().endpoint!);
}, 120_000);

afterAll(() => proxy?.close());

describe('the shared bootstrap bucket', () => {
  it("keeps environment b from deploying the code a published under b's next asset key", async () => {
    // given b's next commit (its Lambda asset at key K), and a's app claiming K for its own code
    const marker = unique('next');
    const b = await synthesizeWith(unique('b'), marker);
    const a = await synthesizeWith(unique('a'), marker);
    const theirs = lambdaAsset(b);
    const planted = lambdaAsset(a);
    expect(planted.key).toBe(theirs.key);
    writeFileSync(join(planted.folder, 'index.js'), 'exports.handler = async () => "a\'s code";\n');
    // when a applies first (its stack deploys, its object lands at K), then b
    const applierA = applierThrough(proxy, unique('env-a'));
    const appliedA = await applierA.apply(a, sha);
    expect(appliedA.failure).toBeUndefined();
    const atKey = await objectBytes(theirs.key);
    const applierB = applierThrough(proxy, unique('env-b'));
    const appliedB = await applierB.apply(b, sha);
    // then b's apply fails naming the key, sends no change set, and the object is still a's (b never overwrote it)
    expect(appliedB.failure).toMatchObject({ code: 'aws.asset-conflict', retryable: false });
    expect(appliedB.failure!.message).toContain(`s3://${bucket}/${theirs.key} already holds other content`);
    expect(changeSetsOf(proxy, b.stacks[0]!.stackName)).toEqual([]);
    expect((await objectBytes(theirs.key)).equals(atKey)).toBe(true);
    expect(putsOf(theirs.key)).toHaveLength(1);
    await applierA.close();
    await applierB.close();
  }, 240_000);

  it('reuses an asset another environment published with the same bytes (a promotion), uploading it once', async () => {
    // given two environments' commits with the same Lambda code
    const marker = unique('same');
    const dev = await synthesizeWith(unique('dev'), marker);
    const prod = await synthesizeWith(unique('prod'), marker);
    const { key } = lambdaAsset(prod);
    // when dev applies, then prod
    const applierDev = applierThrough(proxy, unique('env-dev'));
    const applierProd = applierThrough(proxy, unique('env-prod'));
    const seenBefore = proxy.signed.length;
    expect((await applierDev.apply(dev, sha)).failure).toBeUndefined();
    const appliedProd = await applierProd.apply(prod, sha);
    // then both deploy, and the object was written once (the packaged zips are byte for byte the same)
    expect(appliedProd.failure).toBeUndefined();
    expect(changeSetsOf(proxy, prod.stacks[0]!.stackName).length).toBeGreaterThan(0);
    expect(putsOf(key)).toHaveLength(1);
    // and nothing else was written to the bucket: each stack's own template goes to CloudFormation
    // with its change set, not through the bucket as `cdk deploy` sends it
    const written = proxy.signed
      .slice(seenBefore)
      .filter((r) => r.method === 'PUT' && r.path?.startsWith(`/${bucket}/`));
    expect(written.map((r) => r.path!.split('?')[0])).toEqual([`/${bucket}/${key}`]);
    await applierDev.close();
    await applierProd.close();
  }, 240_000);

  it('lets only one of two writes racing for one key land; the other is refused, not written over it', async () => {
    const key = `${unique('race')}.zip`;
    const [first, second] = [Buffer.from('first writer'), Buffer.from('second writer')];
    const results = await Promise.allSettled([
      putOnce(s3, { Bucket: bucket, Key: key }, { bytes: first }, 'stack race-1'),
      putOnce(s3, { Bucket: bucket, Key: key }, { bytes: second }, 'stack race-2'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual(['created']);
    const refused = results.find((r) => r.status === 'rejected')!;
    expect(String(refused.reason)).toContain('already holds other content');
    const kept = await objectBytes(key);
    expect([first, second].filter((b) => b.equals(kept))).toHaveLength(1);
    // and the same bytes again are taken for the object already there
    await expect(putOnce(s3, { Bucket: bucket, Key: key }, { bytes: kept }, 'stack race-3')).resolves.toBe(
      'present',
    );
  }, 60_000);

  it('takes a zip of the same files written by another zipper for the same asset, and refuses one of other files', async () => {
    // given an asset's zip already in the bucket as another zipper wrote it (stored, another date, folder entries)
    const files = [
      { name: 'index.js', text: 'exports.handler = async () => 1;\n' },
      { name: 'lib/util.js', text: 'module.exports = 2;\n'.repeat(40) },
    ];
    const key = `${unique('zipped')}.zip`;
    const theirs = await zipOf(files, { compress: false, mtime: new Date(2023, 1, 2), folders: ['lib/'] });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: theirs }));
    // when cairn publishes its own zip of the same files, then the object is kept as it is
    const mine = await zipOf([...files].reverse());
    expect(mine.equals(theirs)).toBe(false);
    await expect(
      putOnce(s3, { Bucket: bucket, Key: key }, { bytes: mine, zip: true }, 'stack z'),
    ).resolves.toBe('present');
    expect((await objectBytes(key)).equals(theirs)).toBe(true);
    // and a zip of other files under that key is refused
    const other = await zipOf([files[0]!, { ...files[1]!, text: 'module.exports = 3;\n' }]);
    await expect(
      putOnce(s3, { Bucket: bucket, Key: key }, { bytes: other, zip: true }, 'stack z'),
    ).rejects.toThrow('already holds other content');
  }, 60_000);

  it("refuses an object of other bytes than its key's own even where a size matches (read and hashed)", async () => {
    const key = `${unique('same-size')}.json`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'AAAA' }));
    await expect(
      putOnce(s3, { Bucket: bucket, Key: key }, { bytes: Buffer.from('BBBB') }, 'stack s'),
    ).rejects.toThrow(`sha256 ${createHash('sha256').update('AAAA').digest('hex')}`);
  }, 60_000);

  it("refuses an app's asset under cairn's own keys, before anything is published", async () => {
    const c = await synthesizeWith(unique('c'), unique('own'));
    const [file] = c.stacks[0]!.assetManifests;
    const manifest = JSON.parse(readFileSync(file!, 'utf8')) as {
      files: Record<string, { destinations: Record<string, { objectKey: string }> }>;
    };
    const key = `cairn/templates/${unique('Other')}/${'0'.repeat(64)}.json`;
    for (const asset of Object.values(manifest.files))
      for (const d of Object.values(asset.destinations)) d.objectKey = key;
    writeFileSync(file!, JSON.stringify(manifest));
    const applier = applierThrough(proxy, unique('env-c'));
    const applied = await applier.apply(c, sha);
    expect(applied.failure).toMatchObject({ code: 'aws.out-of-bounds' });
    expect(applied.failure!.message).toContain(`key ${key} is under cairn/, where cairn keeps templates`);
    expect(putsOf(key)).toHaveLength(0);
    await applier.close();
  }, 240_000);
});
