import type { EnvironmentConfig } from '../config/types';
import type { PlaneResult } from '../model';
import type { Revision, Workspace } from '../source/types';
import type { AwsApplier } from '../../cdk/types';
import type { KubeApplier } from '../kube/types';

/** What `cairn plan` computes for one environment: each plane's planned Changes (null: not planned). */
export interface EnvironmentPlan {
  readonly env: string;
  readonly sha: string;
  readonly aws: PlaneResult | null;
  readonly kubernetes: PlaneResult | null;
}

/**
 * The plan of `revision` (checked out in `workspace`): described change sets per stack and a
 * server dry run per object. One function for `cairn plan` and for the replica holding a sharded
 * environment, which runs it under the environment's lock when the CLI hands a plan over.
 */
export async function planEnvironment(
  env: EnvironmentConfig,
  revision: Revision,
  workspace: Pick<Workspace, 'dir'>,
  // The shape of EnvironmentAppliers, spelled out: controller.ts imports this file.
  appliers: { readonly aws?: AwsApplier; readonly kube?: KubeApplier },
): Promise<EnvironmentPlan> {
  const { aws, kube } = appliers;
  let awsPlan: PlaneResult | undefined;
  let kubePlan: PlaneResult | undefined;
  if (aws && revision.trees.aws)
    awsPlan = await aws.plan(await aws.synthesize(workspace.dir, revision.sha), revision.sha);
  if (kube) kubePlan = await kube.plan(await kube.load(workspace.dir));
  return { env: env.name, sha: revision.sha, aws: awsPlan ?? null, kubernetes: kubePlan ?? null };
}
