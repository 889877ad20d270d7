import { errorMessage } from '../errors';
import { refusalOf } from './api-errors';
import { mapLimit } from './concurrency';
import type { Discovery } from './discovery';
import type { KubeClient } from './kube-client';
import { PRUNE_ANNOTATION } from './normalize';
import { deleteObject, getObject, type Located } from './object-ops';
import { keyOf, subjectOf } from './object-ref';
import type { ObjectOutcome, ObjectRef } from './types';
import { WAVES, orderInWaves } from './waves';

/** The objects of the inventory that are no longer in Git. */
export function pruneCandidates(
  inventory: readonly ObjectRef[],
  desired: readonly ObjectRef[],
): readonly ObjectRef[] {
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

/** What a prune did: per-object outcomes, and the objects that must stay in the inventory (not deleted). */
export interface PruneResult {
  readonly outcomes: readonly ObjectOutcome[];
  readonly keep: readonly ObjectRef[];
}

/**
 * Deletes the candidates in reverse wave order (workloads before their namespaces, custom resources
 * before their CRDs). An object annotated `cairn.dev/prune: disabled` is left alone and leaves the
 * inventory; one that cannot be deleted stays in it, so a later apply tries again.
 */
export async function pruneObjects(
  client: KubeClient,
  discovery: Discovery,
  candidates: readonly ObjectRef[],
  concurrency: number,
): Promise<PruneResult> {
  const outcomes: ObjectOutcome[] = [];
  const keep: ObjectRef[] = [];
  const located: Located[] = [];
  for (const ref of candidates) {
    const info = await discovery.lookup(ref.apiVersion, ref.kind).catch(() => undefined);
    if (info) located.push({ ref, info });
    else {
      keep.push(ref);
      outcomes.push({
        ref,
        action: 'skipped',
        durationMs: 0,
        error: `${subjectOf(ref)}: its kind is not served any more; not pruned`,
      });
    }
  }
  const waves = orderInWaves(located, (l) => ({ kind: l.ref.kind, namespaced: l.info.namespaced }));
  const reversed = [...waves].sort((a, b) => WAVES.indexOf(b.wave) - WAVES.indexOf(a.wave));
  for (const wave of reversed) {
    const results = await mapLimit(wave.items, concurrency, (l) => pruneOne(client, l));
    results.forEach((o, i) => {
      outcomes.push(o);
      if (o.action === 'failed') keep.push(wave.items[i]!.ref);
    });
  }
  return { outcomes, keep };
}

async function pruneOne(client: KubeClient, target: Located): Promise<ObjectOutcome> {
  const started = performance.now();
  const done = (action: ObjectOutcome['action'], error?: string): ObjectOutcome => ({
    ref: target.ref,
    action,
    durationMs: Math.round(performance.now() - started),
    ...(error ? { error } : {}),
  });
  try {
    const live = await getObject(client, target);
    if (!live) return done('pruned');
    if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled') return done('skipped');
    const res = await deleteObject(client, target);
    if (res.status === 200 || res.status === 202 || res.status === 404) return done('pruned');
    return done(
      'failed',
      `${subjectOf(target.ref)}: prune failed: ${refusalOf(res.status, res.body, target.ref.kind)}`,
    );
  } catch (error) {
    return done('failed', `${subjectOf(target.ref)}: prune failed: ${errorMessage(error)}`);
  }
}
