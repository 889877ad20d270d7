import { CairnError } from '../errors';
import { refusalOf } from './api-errors';
import { mapLimit } from './concurrency';
import type { Discovery } from './discovery';
import { objectDiff } from './diff';
import type { KubeClient } from './kube-client';
import { PRUNE_ANNOTATION, sameObject } from './normalize';
import { sendApply } from './apply-object';
import { fetchLive, getObject } from './object-ops';
import { keyOf, refOf } from './object-ref';
import { pruneCandidates } from './prune';
import { labelOf, locate, type Target } from './targets';
import type { KubeObject, KubePlan, Manifest, ObjectPlan, ObjectRef, PlannedObjectAction } from './types';
import { orderInWaves } from './waves';

/** Classifies one object from its live version and the server's dry-run result. */
export function classifyPlan(
  live: KubeObject | undefined,
  dryRun: KubeObject,
): Exclude<PlannedObjectAction, 'prune'> {
  if (!live) return 'create';
  return sameObject(live, dryRun) ? 'unchanged' : 'update';
}

/** What the plan needs from the applier. */
export interface PlanContext {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly force: boolean;
  readonly concurrency: number;
}

/**
 * Dry-runs every manifest against the server and compares the result with the live object, then
 * adds the inventory's objects that left Git (and are not protected) as `prune`. Objects the server
 * cannot dry-run yet because their CRD or namespace arrives in the same commit are planned as
 * `create`. Throws a CairnError listing every object the server rejects.
 */
export async function planObjects(
  ctx: PlanContext,
  manifests: readonly Manifest[],
  inventory: readonly ObjectRef[],
): Promise<KubePlan> {
  const plans: ObjectPlan[] = [];
  const rejected: string[] = [];
  const waves = orderInWaves(manifests, (m) => ({
    kind: m.object.kind,
    namespaced: m.object.metadata.namespace !== undefined,
  }));
  for (const wave of waves) {
    const { targets, failed } = await locate(wave.items, ctx.discovery);
    // Not served yet: only a CRD in this same set can define it (load refused the others).
    for (const f of failed)
      plans.push(
        createPlan(manifests.find((m) => m.file === f.file && keyOf(refOf(m.object)) === keyOf(f.ref))!),
      );
    const live = await fetchLive(ctx.client, targets, ctx.concurrency);
    const results = await mapLimit(targets, ctx.concurrency, (t) => planOne(ctx, t, live.get(keyOf(t.ref))));
    for (const r of results) {
      if (typeof r === 'string') rejected.push(r);
      else plans.push(r);
    }
  }
  if (rejected.length > 0) {
    throw new CairnError(`the API server rejects ${rejected.length} object(s): ${rejected.join('; ')}`, {
      code: 'kube.rejected',
      phase: 'plan',
      subject: rejected.length === 1 ? rejected[0]!.split(':')[0] : 'k8s-resources/',
      hint: 'fix those manifests',
    });
  }
  const candidates = pruneCandidates(
    inventory,
    manifests.map((m) => refOf(m.object)),
  );
  const prunes = await mapLimit(candidates, ctx.concurrency, (ref) => prunePlan(ctx, ref));
  return { objects: [...plans, ...prunes.filter((p): p is ObjectPlan => p !== undefined)] };
}

function createPlan(m: Manifest): ObjectPlan {
  return { ref: refOf(m.object), action: 'create', diff: objectDiff(undefined, m.object), file: m.file };
}

async function planOne(
  ctx: PlanContext,
  t: Target,
  live: KubeObject | undefined,
): Promise<ObjectPlan | string> {
  const res = await sendApply(ctx.client, t, live, { dryRun: true, force: ctx.force });
  if (res.status === 404 && !live) return createPlan(t.manifest); // its namespace arrives in this commit
  if (res.status !== 200 && res.status !== 201)
    return `${labelOf(t.manifest)}: ${refusalOf(res.status, res.body, t.ref.kind)}`;
  const result = res.body as KubeObject;
  const action = classifyPlan(live, result);
  const base = { ref: t.ref, action, file: t.manifest.file };
  return action === 'unchanged' ? base : { ...base, diff: objectDiff(live, result) };
}

async function prunePlan(ctx: PlanContext, ref: ObjectRef): Promise<ObjectPlan | undefined> {
  const info = await ctx.discovery.lookup(ref.apiVersion, ref.kind);
  if (!info) return undefined;
  const live = await getObject(ctx.client, { ref, info });
  if (!live || live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') return undefined;
  return { ref, action: 'prune' };
}
