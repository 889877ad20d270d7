import { errorMessage } from '../errors';
import { conflictsOf, onlyImperativeConflicts, refusalOf } from './api-errors';
import { objectDiff } from './diff';
import type { KubeClient } from './kube-client';
import { DIGEST_ANNOTATION, sameObject } from './normalize';
import { applyRequest, getObject } from './object-ops';
import type { KubeResponse } from './kube-client';
import type { Target } from './targets';
import type { AppliedObjectAction, KubeObject, ObjectOutcome } from './types';

/** What applying one object gave: its outcome, and the object as the server now has it (for health). */
export interface Applied {
  readonly outcome: ObjectOutcome;
  readonly object?: KubeObject;
}

/** How one object is applied. */
export interface ApplyObjectOptions {
  readonly force: boolean;
  /** Drift pass: dry-run first and apply only when the server's result differs from the live object. */
  readonly drift: boolean;
}

/** Classifies a real apply from the HTTP status and the resourceVersion before and after. */
export function classifyApply(
  status: number,
  before: string | undefined,
  after: string | undefined,
): AppliedObjectAction {
  if (status === 201) return 'created';
  return before !== undefined && before === after ? 'unchanged' : 'updated';
}

/**
 * Applies one object, never throwing: fast path (the live object carries the digest of this exact
 * manifest, so nothing is sent), drift check (dry run compared with live), else a server-side apply.
 */
export async function applyObject(
  client: KubeClient,
  target: Target,
  live: KubeObject | undefined,
  options: ApplyObjectOptions,
): Promise<Applied> {
  const started = performance.now();
  const outcome = (action: AppliedObjectAction, extra: Partial<ObjectOutcome> = {}): ObjectOutcome => ({
    ref: target.ref,
    action,
    durationMs: Math.round(performance.now() - started),
    file: target.manifest.file,
    ...extra,
  });
  const send = (dryRun: boolean): Promise<KubeResponse> =>
    sendApply(client, target, live, { dryRun, force: options.force });
  const refused = (res: KubeResponse): Applied => ({
    outcome: outcome('failed', {
      error: `${target.label}: ${refusalOf(res.status, res.body, target.ref.kind)}`,
    }),
  });
  try {
    if (options.drift && live) {
      const dry = await send(true);
      if (dry.status !== 200) return refused(dry);
      if (sameObject(live, dry.body as KubeObject)) return { outcome: outcome('unchanged'), object: live };
    } else if (!options.drift && live?.metadata.annotations?.[DIGEST_ANNOTATION] === target.digest) {
      return { outcome: outcome('unchanged'), object: live };
    }
    const res = await send(false);
    if (res.status !== 200 && res.status !== 201) return refused(res);
    const applied = res.body as KubeObject;
    const rv = (o: KubeObject | undefined) => o?.metadata.resourceVersion as string | undefined;
    const action = classifyApply(res.status, rv(live), rv(applied));
    const finalAction = options.drift && action !== 'unchanged' ? 'drift-repaired' : action;
    const diff = action === 'unchanged' ? undefined : objectDiff(live, applied);
    return { outcome: outcome(finalAction, diff ? { diff } : {}), object: applied };
  } catch (error) {
    return { outcome: outcome('failed', { error: `${target.label}: ${errorMessage(error)}` }) };
  }
}

/**
 * One server-side apply (or dry run). A conflict caused only by imperative edits (see
 * `onlyImperativeConflicts`) is drift and is retried with force; any other conflict comes back as is.
 */
export async function sendApply(
  client: KubeClient,
  target: Target,
  live: KubeObject | undefined,
  options: { readonly dryRun: boolean; readonly force: boolean },
): Promise<KubeResponse> {
  const res = await applyRequest(client, target, target.body, options);
  if (res.status !== 409 || options.force) return res;
  const owner = live ?? (await getObject(client, target));
  if (!onlyImperativeConflicts(conflictsOf(res.body), owner)) return res;
  return applyRequest(client, target, target.body, { ...options, force: true });
}
