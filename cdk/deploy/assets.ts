import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { AssetPublishing, type IAws, type IS3Client } from '@aws-cdk/cdk-assets-lib';
import type { AwsTargetConfig, WriteFence } from '../../controller/model';
import { CairnError } from '../../controller/model';
import type { AwsClients } from './aws-clients';
import { loadAssetManifest } from './asset-bounds';
import { fencedWrite } from '../../controller/model/fenced-write';

/**
 * The AWS access cdk-assets needs, served by the environment's clients (so an endpoint override
 * and the environment's identity, `aws.roleArn` when set, apply). A role named in the asset
 * manifest is not assumed: the manifest is the app's output, and the app does not choose identities.
 * Each upload is a fenced write (see fencedWrite).
 */
function awsFor(clients: AwsClients, target: AwsTargetConfig, fence: WriteFence | undefined): IAws {
  const s3: IS3Client = {
    getBucketEncryption: (input) => clients.s3.send(new GetBucketEncryptionCommand(input)),
    getBucketLocation: (input) => clients.s3.send(new GetBucketLocationCommand(input)),
    listObjectsV2: (input) => clients.s3.send(new ListObjectsV2Command(input)),
    upload: async (input) =>
      (await clients.s3.send(fencedWrite(new PutObjectCommand(input), fence))) as never,
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
 * Publishes the file assets of a stack's asset manifests (zipping folders, skipping what is already
 * there); with a fence, every upload is fenced right before it is sent, not once per stack: a
 * replica paused between the stack's check and an upload put its stale asset after losing its Lease.
 */
export async function publishAssets(
  manifestFiles: readonly string[],
  clients: AwsClients,
  target: AwsTargetConfig,
  stackName: string,
  fence?: WriteFence,
): Promise<void> {
  for (const file of manifestFiles) {
    const manifest = loadAssetManifest(file, stackName);
    if (manifest.entries.some((e) => e.type === 'docker-image')) {
      throw new CairnError('has a Docker image asset, which cairn does not support yet', {
        code: 'aws.docker-assets',
        phase: 'apply-aws',
        subject: `stack ${stackName}`,
        hint: 'build the image outside cairn and reference it by URI',
      });
    }
    const publishing = new AssetPublishing(manifest, {
      aws: awsFor(clients, target, fence),
      throwOnError: true,
      quiet: true,
    });
    await publishing.publish();
  }
}
