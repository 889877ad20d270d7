import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from '@aws-cdk/cloud-assembly-schema';
import { publishAssets } from '../../../cdk/deploy/assets';
import { makeClients } from '../../../cdk/deploy/aws-clients';
import type { AwsTargetConfig } from '../../../controller/config/types';
import { isCairnError } from '../../../controller/model/errors';

const target: AwsTargetConfig = {
  region: 'us-east-1',
  account: '123456789012',
  // Nothing listens here: the refusal must come before any AWS call.
  endpoint: 'http://localhost:9',
  prune: false,
  synthTimeoutMs: 1000,
  deployTimeoutMs: 1000,
};

describe('publishing the assets of a stack', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-assets-unit-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a Docker image asset with a clear "not supported" error naming the stack', async () => {
    // given an asset manifest with one Docker image asset
    const file = join(dir, 'Api.assets.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: Manifest.version(),
        files: {},
        dockerImages: {
          img: {
            source: { directory: 'asset.img' },
            destinations: {
              d: { repositoryName: 'cdk-hnb659fds-container-assets', imageTag: 'img', region: 'us-east-1' },
            },
          },
        },
      }),
    );
    // when it is published
    const error: unknown = await publishAssets(
      { assetManifests: [file], stackName: 'app-Api', templateFile: join(dir, 'app-Api.template.json') },
      makeClients(target),
      target,
    ).catch((e: unknown) => e);
    // then it fails as a CairnError that names the stack and says Docker images are not supported
    expect(isCairnError(error)).toBe(true);
    expect((error as Error).message).toMatch(/stack app-Api.*Docker image.*not support/);
  });

  it('does nothing for a stack without asset manifests', async () => {
    // given no manifests, when published, then it resolves without touching AWS
    await expect(
      publishAssets(
        { assetManifests: [], stackName: 'app-Net', templateFile: 'app-Net.template.json' },
        makeClients(target),
        target,
      ),
    ).resolves.toBeUndefined();
  });
});
