/**
 * The size of what a CDK app writes, bounded before cairn reads any of it: cairn reads each asset
 * whole in the controller every environment shares to publish it, so an app staging a huge asset
 * could have that process killed for memory. The real app, synthesized under the real isolation.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { isCairnError } from '../../../controller/model/errors';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { sandboxTarget, workspaceWith } from './cdk-fixture';

const MiB = 1024 * 1024;

/** The scenario app with one Lambda stack whose code folder holds `bytes` of incompressible data. */
function appWithLambdaOf(bytes: number): string {
  const workspace = workspaceWith({
    prefix: `size${randomBytes(3).toString('hex')}`,
    stacks: [{ name: 'Fn', lambda: true }],
  });
  writeFileSync(join(workspace, 'aws-resources', 'lambda', 'payload.bin'), randomBytes(bytes));
  return workspace;
}

const synth = (workspaceDir: string, maxAssemblyBytes?: number) =>
  synthesizeApp({
    workspaceDir,
    env: 'dev',
    target: sandboxTarget(maxAssemblyBytes === undefined ? {} : { maxAssemblyBytes }),
    commitSha: '6666666fffffffffffffffffffffffffffffffff',
    log: silentLog(),
  });

describe("the size of an app's cloud assembly", () => {
  it('is refused over aws.maxAssemblyBytes before it is read, naming the staged asset', async () => {
    // given an app whose Lambda code folder holds 3 MiB, and an environment allowing 2 MiB
    const workspace = appWithLambdaOf(3 * MiB);
    // when it is synthesized, then the output is refused, naming the file the CDK staged
    const refused = await synth(workspace, 2 * MiB).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isCairnError(refused) && refused.code).toBe('synth.too-large');
    expect((refused as Error).message).toMatch(
      /holds \d+ bytes of files, over the 2097152-byte limit; the biggest: cdk\.out\/asset\.[0-9a-f]+\/payload\.bin \(3145728 bytes\)/,
    );
  }, 180_000);

  it('passes under the default limit, the asset staged whole', async () => {
    const assembly = await synth(appWithLambdaOf(3 * MiB));
    expect(assembly.stacks.map((s) => s.stackName)).toHaveLength(1);
    expect(existsSync(assembly.dir)).toBe(true);
  }, 180_000);
});
