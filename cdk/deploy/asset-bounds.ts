import { dirname, join } from 'node:path';
import { AssetManifest, FileManifestEntry } from '@aws-cdk/cdk-assets-lib';
import type { AssetManifest as AssetManifestJson } from '@aws-cdk/cloud-assembly-schema';
import { MAX_MANIFEST_BYTES, readAssemblyJson } from '../assembly-files';
import { CairnError } from '../../controller/model';
import { BOOTSTRAP, CAIRN_KEYS } from './aws-clients';
import { bootstrapRoleArn, resolvePlaceholders } from './stack-identity';
import type { AwsTargetConfig } from '../../controller/model';
import type { StackArtifact } from '../types';

const resolved = resolvePlaceholders;

/**
 * A stack's asset manifest, read as every file of the app's output is (no link, no FIFO, under the
 * cap) rather than by cdk-assets' own reader.
 */
export function loadAssetManifest(file: string, stackName: string): AssetManifest {
  const json = readAssemblyJson(file, MAX_MANIFEST_BYTES, `stack ${stackName} asset manifest`);
  return new AssetManifest(dirname(file), json as AssetManifestJson);
}

/** Why a file asset's destination is not this environment's bootstrap bucket, or undefined when it is. */
function outOfBounds(
  destination: { bucketName: string; objectKey: string; region?: string; assumeRoleArn?: string },
  target: AwsTargetConfig,
): string | undefined {
  const bucket = resolved(destination.bucketName, target);
  if (bucket !== BOOTSTRAP.bucket(target))
    return `bucket ${bucket} is not the environment's ${BOOTSTRAP.bucket(target)}`;
  // Where cairn puts the templates too large to send inline, named by their digests: an app's
  // asset there could be taken for a template cairn uploads later (see putOnce).
  const key = resolved(destination.objectKey, target);
  if (key.startsWith(CAIRN_KEYS)) return `key ${key} is under ${CAIRN_KEYS}, where cairn keeps templates`;
  if (destination.region && resolved(destination.region, target) !== target.region)
    return `region ${destination.region} is not the environment's ${target.region}`;
  const role = destination.assumeRoleArn && resolved(destination.assumeRoleArn, target);
  // The standard synthesizer names the bootstrap's publishing role (assumed on a CDK bootstrap); any
  // other role is the app choosing an identity.
  if (role && role !== bootstrapRoleArn('file-publishing', target))
    return `role ${role} is not the environment's bootstrap publishing role`;
  return undefined;
}

/**
 * Refuses, before anything is published or deployed, an assembly whose asset manifests send a file
 * asset anywhere but this environment's bootstrap bucket (another bucket, region or account, or a
 * role to publish as): the app must not write into another environment's storage.
 */
export function assertAssetBounds(stacks: readonly StackArtifact[], target: AwsTargetConfig): void {
  for (const stack of stacks) {
    for (const file of stack.assetManifests) {
      for (const entry of loadAssetManifest(file, stack.stackName).entries) {
        if (!(entry instanceof FileManifestEntry)) continue;
        const why = outOfBounds(entry.destination, target);
        if (!why) continue;
        throw new CairnError(`asset ${entry.id.assetId} is aimed outside the environment: ${why}`, {
          code: 'aws.out-of-bounds',
          phase: 'apply-aws',
          retryable: false,
          subject: `stack ${stack.stackName}`,
          hint: 'publish assets only to the bootstrap bucket (the default stack synthesizer does); remove the custom destination',
        });
      }
    }
  }
}

/**
 * The file of this stack's assets that CloudFormation reads at `url` (a nested stack's
 * `TemplateURL`): a `file`-packaged file asset the stack publishes to this environment's bootstrap
 * bucket at that key. Undefined for any other URL: an object this commit does not publish (another
 * bucket, someone's public one, an earlier upload) was never checked.
 */
export function assetFileAt(
  url: { readonly bucket: string; readonly key: string },
  stack: StackArtifact,
  target: AwsTargetConfig,
): string | undefined {
  if (url.bucket !== BOOTSTRAP.bucket(target)) return undefined;
  for (const file of stack.assetManifests) {
    const manifest = loadAssetManifest(file, stack.stackName);
    for (const entry of manifest.entries) {
      if (!(entry instanceof FileManifestEntry) || entry.source.packaging === 'zip') continue;
      if (!entry.source.path || outOfBounds(entry.destination, target)) continue;
      if (resolved(entry.destination.objectKey, target) === url.key)
        return join(manifest.directory, entry.source.path);
    }
  }
  return undefined;
}
