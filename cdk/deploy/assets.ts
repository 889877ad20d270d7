import { ReadStream } from 'node:fs';
import { GetBucketEncryptionCommand, GetBucketLocationCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import {
  AssetPublishing,
  DestinationPattern,
  FileManifestEntry,
  type IAws,
  type IS3Client,
} from '@aws-cdk/cdk-assets-lib';
import type { StackArtifact } from '../types';
import type { AwsTargetConfig, WriteFence } from '../../controller/model';
import { CairnError, isCairnError } from '../../controller/model';
import type { AwsClients } from './aws-clients';
import { loadAssetManifest } from './asset-bounds';
import { packagedContent, putOnce } from './shared-bucket';

/** The file cdk-assets hands over to be uploaded: a stream it opened on the packaged file. */
function packagedFile(body: unknown, key: string): string {
  if (body instanceof ReadStream && typeof body.path === 'string') {
    body.destroy();
    return body.path;
  }
  // cdk-assets opens a stream on the file it packaged (or the asset's own file) for every upload.
  throw new Error(`cdk-assets handed over no file to upload at ${key}`);
}

/**
 * The AWS access cdk-assets needs, served by the environment's clients (so an endpoint override
 * and the environment's identity, `aws.roleArn` when set, apply). A role named in the asset
 * manifest is not assumed: the manifest is the app's output, and the app does not choose identities.
 * Whether an asset is there already is decided by putOnce, by its bytes: cdk-assets' own check
 * (is the key taken?) is told no, so that each asset comes to `upload` packaged.
 */
function awsFor(
  clients: AwsClients,
  target: AwsTargetConfig,
  stackName: string,
  fence: WriteFence | undefined,
  refusals: CairnError[],
): IAws {
  const s3: IS3Client = {
    getBucketEncryption: (input) => clients.s3.send(new GetBucketEncryptionCommand(input)),
    getBucketLocation: (input) => clients.s3.send(new GetBucketLocationCommand(input)),
    listObjectsV2: async () => ({ $metadata: {} }),
    upload: async (input) => {
      const { Body, Bucket, Key, ChecksumAlgorithm: _computedHere, ...rest } = input;
      if (!Bucket || !Key) throw new Error('cdk-assets named no bucket or key to upload to');
      try {
        const content = await packagedContent(packagedFile(Body, Key), rest.ContentType);
        await putOnce(clients.s3, { ...rest, Bucket, Key }, content, `stack ${stackName}`, fence);
      } catch (error) {
        if (isCairnError(error)) refusals.push(error);
        throw error;
      }
      return {} as never;
    },
  };
  const account = { accountId: target.account, partition: 'aws' };
  const unsupported = async (): Promise<never> => {
    throw new CairnError('Docker image assets are not supported yet', {
      code: 'aws.docker-assets',
      phase: 'apply-aws',
      hint: 'build the image outside cairn and reference it by URI',
    });
  };
  return {
    discoverPartition: async () => 'aws',
    discoverDefaultRegion: async () => target.region,
    discoverCurrentAccount: async () => account,
    discoverTargetAccount: async () => account,
    s3Client: async () => s3,
    ecrClient: unsupported,
    secretsManagerClient: unsupported,
  };
}

/**
 * Publishes the file assets of a stack's asset manifests (zipping folders; an object with the same
 * content already there is kept, one with other content refused: see putOnce); with a fence, every
 * upload is fenced right before it is sent, not once per stack: a replica paused between the
 * stack's check and an upload put its stale asset after losing its Lease. The stack's own
 * template, which the CDK lists as an asset for `cdk deploy` to name by URL, is not published:
 * cairn sends each template itself (see templateArgument), so that object would only be written.
 */
export async function publishAssets(
  stack: Pick<StackArtifact, 'assetManifests' | 'stackName' | 'templateFile'>,
  clients: AwsClients,
  target: AwsTargetConfig,
  fence?: WriteFence,
): Promise<void> {
  const { stackName } = stack;
  for (const file of stack.assetManifests) {
    const listed = loadAssetManifest(file, stackName);
    if (listed.entries.some((e) => e.type === 'docker-image')) {
      throw new CairnError('has a Docker image asset, which cairn does not support yet', {
        code: 'aws.docker-assets',
        phase: 'apply-aws',
        subject: `stack ${stackName}`,
        hint: 'build the image outside cairn and reference it by URI',
      });
    }
    const published = listed.entries.filter(
      (e) =>
        !(
          e instanceof FileManifestEntry &&
          e.source.path &&
          join(listed.directory, e.source.path) === stack.templateFile
        ),
    );
    if (published.length === 0) continue;
    const manifest = listed.select(
      published.map((e) => new DestinationPattern(e.id.assetId, e.id.destinationId)),
    );
    // cdk-assets reports a failed upload as text of its own ("Error publishing: …"): cairn's own
    // refusal is kept to be thrown as it was, with its code.
    const refusals: CairnError[] = [];
    const publishing = new AssetPublishing(manifest, {
      aws: awsFor(clients, target, stackName, fence, refusals),
      throwOnError: true,
      quiet: true,
    });
    try {
      await publishing.publish();
    } catch (error) {
      throw refusals[0] ?? error;
    }
  }
}
