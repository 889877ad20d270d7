import { failureFrom, type Change, type Failure } from '../model';
import { errorMessage, isCairnError, type Phase } from '../model/errors';
import { forbiddenError, refusalOf } from './api-errors';
import { mapLimit } from '../model/map-limit';
import { decidePrune } from './decide';
import type { Discovery } from './discovery';
import { deletesContents, foreignContents } from './foreign-contents';
import type { Owner } from './identity';
import type { KubeClient } from './kube-client';
import { deleteObject, fetchLiveEach, type Located } from './object-ops';
import { groupOf, keyOf, subjectOf } from './object-ref';
import type { KubeObject, ObjectRef } from './types';
import { WAVES, orderInWaves } from './waves';

/** The objects of the inventory that are no longer in Git. */
export function pruneCandidates<R extends ObjectRef>(
  inventory: readonly R[],
  desired: readonly ObjectRef[],
): readonly R[] {
  const wanted = new Set(desired.map(keyOf));
  return inventory.filter((r) => !wanted.has(keyOf(r)));
}

/** True when pruning `candidates` objects out of `inventorySize` goes past the allowed share. */
export function exceedsPruneCap(
  candidates: number,
  inventorySize: number,
  maxShare: number,
  allowMassPrune: boolean,
): boolean {
  if (allowMassPrune || candidates === 0 || inventorySize === 0) return false;
  return candidates / inventorySize > maxShare;
}

/** What a prune did (or would do): per-object changes, the objects that stay in the inventory, failures. */
export interface PruneResult {
  readonly changes: readonly Change[];
  readonly keep: readonly ObjectRef[];
  readonly failures: readonly Failure[];
}

/** What pruning needs from the applier. */
export interface PruneContext {
  readonly client: KubeClient;
  readonly discovery: Discovery;
  readonly owner: Owner;
  readonly concurrency: number;
  /** The objects of the tree being applied: a Namespace one of them lives in is never pruned. */
  readonly desired: readonly ObjectRef[];
  /** `cairn plan`: decide, delete nothing. */
  readonly dryRun: boolean;
  /**
   * Called right before each delete; when it throws (`shard.lost`) the object is kept and not
   * deleted, and the caller reports the failure.
   */
  readonly fence?: () => void;
}

/**
 * Deletes the candidates whose live owner mark is this environment's, in reverse wave order
 * (workloads before their namespaces, custom resources before their CRDs), each with uid and
 * resourceVersion preconditions. Objects marked `cairn.dev/prune: disabled`, another owner's or
 * unmarked ones, and a Namespace or CRD that still holds another environment's objects, are kept
 * on the server and leave the inventory; a Namespace that objects of the tree live in, and one that
 * cannot be deleted, stay in the inventory, so a later apply tries again. Live objects are read with one LIST per collection.
 */
export async function pruneObjects(
  ctx: PruneContext,
  candidates: readonly ObjectRef[],
): Promise<PruneResult> {
  const phase: Phase = ctx.dryRun ? 'plan' : 'apply-kubernetes';
  const changes: Change[] = [];
  const keep: ObjectRef[] = [];
  const failures: Failure[] = [];
  const change = (ref: ObjectRef, action: Change['action'], reason?: string): Change => ({
    target: 'kubernetes',
    subject: subjectOf(ref),
    action,
    type: ref.apiVersion,
    ...(reason ? { reason } : {}),
  });
  const located: Located[] = [];
  const dwellers = dwellersByNamespace(ctx.desired);
  for (const ref of candidates) {
    // A Namespace that left Git while objects of the tree still live in it: deleting it would
    // delete them too (found in review: the namespace controller emptied it, and every apply
    // after failed until the Namespace was added back). It stays until none lives there.
    const dweller = isCoreNamespace(ref) ? dwellers.get(ref.name) : undefined;
    if (dweller) {
      keep.push(ref);
      changes.push(change(ref, 'skipped', `${subjectOf(dweller)} of this commit lives in it; not pruned`));
      continue;
    }
    const info = await ctx.discovery.lookup(ref.apiVersion, ref.kind).catch(() => undefined);
    if (info) located.push({ ref, info });
    else {
      keep.push(ref);
      changes.push(change(ref, 'skipped', 'its kind is not served any more; not pruned'));
    }
  }
  // Each object that cannot be read (a 403 after its RBAC was narrowed) is kept, in the inventory
  // too, and reported on its own: the others are still pruned, and it is pruned once readable again.
  const { live, failed } = await fetchLiveEach(ctx.client, located, ctx.concurrency);
  const readable: Located[] = [];
  for (const l of located) {
    const error = failed.get(keyOf(l.ref));
    if (!error) {
      readable.push(l);
      continue;
    }
    keep.push(l.ref);
    changes.push(change(l.ref, 'skipped', 'not pruned: could not be read'));
    failures.push(unreadable(l.ref, error, phase));
  }
  const waves = orderInWaves(readable, (l) => ({ kind: l.ref.kind, namespaced: l.info.namespaced }));
  const reversed = [...waves].sort((a, b) => WAVES.indexOf(b.wave) - WAVES.indexOf(a.wave));
  const foreign = foreignContents(ctx.client, ctx.owner, ctx.concurrency);
  for (const wave of reversed) {
    await mapLimit(wave.items, ctx.concurrency, async (l) => {
      const object = live.get(keyOf(l.ref));
      const decision = decidePrune(ctx.owner, object);
      if (decision.kind === 'gone') return;
      if (decision.kind === 'keep') {
        changes.push(change(l.ref, 'skipped', decision.reason));
        return;
      }
      if (deletesContents(l.ref.kind)) {
        // Deleting a Namespace or a CRD deletes what is in it: never another environment's objects.
        let held: string | undefined;
        try {
          held = await foreign.find(object!);
        } catch (error) {
          keep.push(l.ref);
          changes.push(
            change(l.ref, 'skipped', `not pruned: its contents could not be checked: ${errorMessage(error)}`),
          );
          return;
        }
        if (held) {
          changes.push(change(l.ref, 'skipped', `holds ${held}; not pruned`));
          return;
        }
      }
      if (ctx.dryRun) {
        changes.push(change(l.ref, 'deleted'));
        return;
      }
      try {
        ctx.fence?.();
      } catch {
        // The caller's fence gate holds the `shard.lost` failure and reports it once.
        keep.push(l.ref);
        changes.push(change(l.ref, 'skipped', 'not pruned: this replica lost the Lease'));
        return;
      }
      const { failure, warnings } = await deleteOne(ctx.client, l, object!, phase, ctx.fence);
      // What the server warned about the delete stays on the change, as an apply's does.
      const warned = warnings ? { warnings } : {};
      if (failure) {
        keep.push(l.ref);
        failures.push(failure);
        changes.push({ ...change(l.ref, 'skipped', 'prune failed'), ...warned });
      } else changes.push({ ...change(l.ref, 'deleted'), ...warned });
    });
  }
  return { changes, keep, failures };
}

/** The first object of `desired` in each namespace, by namespace name. */
function dwellersByNamespace(desired: readonly ObjectRef[]): ReadonlyMap<string, ObjectRef> {
  const first = new Map<string, ObjectRef>();
  for (const ref of desired) if (ref.namespace && !first.has(ref.namespace)) first.set(ref.namespace, ref);
  return first;
}

function isCoreNamespace(ref: ObjectRef): boolean {
  return ref.kind === 'Namespace' && groupOf(ref.apiVersion) === '';
}

/**
 * The Failure of an object of the inventory that could not be read before prune: a 403 stays the
 * terminal `kube.forbidden` (naming the identity the server refused), anything else may pass.
 */
function unreadable(ref: ObjectRef, error: Error, phase: Phase): Failure {
  const subject = subjectOf(ref);
  const message = error.message.includes(subject)
    ? `not pruned: ${error.message}`
    : `${subject}: not pruned: ${error.message}`;
  if (isCairnError(error) && error.code === 'kube.forbidden')
    return { ...failureFrom(error, phase), subject, message };
  return { code: 'kube.prune-failed', phase, retryable: true, subject, message };
}

/** What one delete came to: its failure, if any, and what the server warned about it, if anything. */
interface Deleted {
  readonly failure?: Failure;
  readonly warnings?: readonly string[];
}

async function deleteOne(
  client: KubeClient,
  target: Located,
  live: KubeObject,
  phase: Phase,
  fence: (() => void) | undefined,
): Promise<Deleted> {
  const subject = subjectOf(target.ref);
  try {
    const res = await deleteObject(client, target, live, fence);
    const warned = res.warnings ? { warnings: res.warnings } : {};
    if (res.status === 200 || res.status === 202 || res.status === 404) return warned;
    if (res.status === 403) {
      const ns = target.ref.namespace;
      const forbidden = forbiddenError(res.body, {
        kind: target.ref.kind,
        ...(ns ? { namespace: ns } : {}),
        subject,
        phase,
      });
      return { failure: failureFrom(forbidden, phase), ...warned };
    }
    const refused: Failure = {
      code: 'kube.prune-failed',
      phase,
      retryable: res.status === 409 || res.status === 429 || res.status >= 500,
      subject,
      message: `${subject}: prune failed: ${refusalOf(res.status, res.body, target.ref.kind)}`,
    };
    return { failure: refused, ...warned };
  } catch (error) {
    // The fence stopped the delete before an attempt (a resend after a 401): the Lease is gone.
    if (isCairnError(error) && error.code === 'shard.lost') return { failure: failureFrom(error, phase) };
    return {
      failure: {
        code: 'kube.prune-failed',
        phase,
        retryable: true,
        subject,
        message: `${subject}: prune failed: ${errorMessage(error)}`,
      },
    };
  }
}
