import type { EnvironmentConfig } from '../config/types';
import type { PlaneResult } from '../model';
import type { Revision, Workspace } from '../source/types';
import type { EnvironmentAppliers } from './controller-deps';
import { scrubRecord } from '../audit/secret-guard';
import { checkBindings, hideSecretValues, plannedBindings, type PlannedBinding } from './bind-outputs';

/** What `cairn plan` computes for one environment: each plane's planned Changes (null: not planned). */
export interface EnvironmentPlan {
  readonly env: string;
  readonly sha: string;
  readonly aws: PlaneResult | null;
  readonly kubernetes: PlaneResult | null;
  /** The AWS outputs bound into manifests: each reference and its value, `(known after apply)` or `(secret)`. */
  readonly bindings?: readonly PlannedBinding[];
}

/**
 * The plan of `revision` (checked out in `workspace`): described change sets per stack and a
 * server dry run per object. One function for `cairn plan` and for the replica holding a sharded
 * environment, which runs it under the environment's lock when the CLI hands a plan over. The plan
 * leaves the process (stdout, the holder's answer) scrubbed like a ledger entry: its diffs and
 * failures are repository and server text, which may hold a configured secret or an AWS key.
 */
export async function planEnvironment(
  env: EnvironmentConfig,
  revision: Revision,
  workspace: Pick<Workspace, 'dir'>,
  appliers: EnvironmentAppliers,
): Promise<EnvironmentPlan> {
  const { aws, kube } = appliers;
  let awsPlan: PlaneResult | undefined;
  let kubePlan: PlaneResult | undefined;
  let bindings: readonly PlannedBinding[] = [];
  const assembly = aws && revision.trees.aws ? await aws.synthesize(workspace.dir, revision.sha) : undefined;
  if (aws && assembly) awsPlan = await aws.plan(assembly, revision.sha);
  if (kube) {
    // Bound outputs: a live value, or (known after apply) for a stack this plan creates or changes.
    const checked = await checkBindings(env, kube, workspace.dir, aws, assembly);
    const planned = await plannedBindings(kube, workspace.dir, aws, checked, awsPlan);
    bindings = planned.bindings;
    kubePlan = hideSecretValues(await kube.plan(planned.manifests), planned.secretValues);
  }
  return scrubRecord({
    env: env.name,
    sha: revision.sha,
    aws: awsPlan ?? null,
    kubernetes: kubePlan ?? null,
    ...(bindings.length > 0 ? { bindings } : {}),
  });
}
