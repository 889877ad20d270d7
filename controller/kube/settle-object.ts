import { failureFrom, isCairnError, type Change, type Failure, type WriteFence } from '../model';
import { errorMessage, type Phase } from '../model/errors';
import {
  conflictsOf,
  forbiddenError,
  onlyImperativeConflicts,
  refusalOf,
  retryableRefusal,
  unservedPath,
} from './api-errors';
import type { Decision } from './decide';
import { objectDiff } from './diff';
import type { KubeClient, KubeResponse } from './kube-client';
import { sameObject } from './normalize';
import { applyRequest, getObject } from './object-ops';
import { subjectOf } from './object-ref';
import type { Target } from './targets';
import type { KubeObject } from './types';

/** What settling one object gave: its change, the object as the server has it now, and any failure. */
export interface Settled {
  readonly change: Change;
  /** The server's version after the apply (or the live one when nothing was sent); absent on failure. */
  readonly object?: KubeObject;
  readonly failure?: Failure;
}

/** How one object is settled. `dryRun` is `cairn plan`: every request is a server-side dry run. */
export interface SettleOptions {
  readonly force: boolean;
  readonly dryRun: boolean;
  /**
   * The apply's write fence, called right before each request that writes (see sendApply): a
   * settle can take several requests, and a replica paused during one of them (a drift check's dry
   * run, a refused apply) must not send the next after its Lease's deadline.
   */
  readonly fence?: WriteFence;
  /**
   * This environment applied objects of the target's kind before (its inventory lists them): a
   * kind no longer served then lost its CRD out of band, and waiting for it to come back can help.
   */
  readonly kindApplied?: boolean;
}

import { DRIFT_REPAIRED } from '../model';

/** The action a server answer means, the same for a dry run (plan) and a real apply (reconcile). */
export function classify(live: KubeObject | undefined, result: KubeObject): Change['action'] {
  if (!live) return 'created';
  return sameObject(live, result) ? 'unchanged' : 'configured';
}

/**
 * Carries out a `Decision` for one object, never throwing. The plan and the reconcile both come
 * here with the same decision; the plan only sends dry runs, so both classify the same answer.
 * A `check` dry-runs first and applies only when the server's result differs from the live object.
 */
export async function settleObject(
  client: KubeClient,
  target: Target,
  live: KubeObject | undefined,
  decision: Decision,
  options: SettleOptions,
): Promise<Settled> {
  const started = performance.now();
  const phase: Phase = options.dryRun ? 'plan' : 'apply-kubernetes';
  const subject = subjectOf(target.ref);
  const change = (action: Change['action'], extra: Partial<Change> = {}): Change => ({
    target: 'kubernetes',
    subject,
    action,
    type: target.ref.apiVersion,
    file: target.manifest.file,
    durationMs: Math.round(performance.now() - started),
    ...extra,
  });
  const failed = (failure: Failure, reason = 'failed', extra: Partial<Change> = {}): Settled => ({
    change: change('skipped', { reason, ...extra }),
    failure,
  });
  const refused = (res: KubeResponse): Settled => {
    if (res.status === 403)
      return failed(
        failureFrom(
          forbiddenError(res.body, {
            kind: target.ref.kind,
            ...(target.ref.namespace ? { namespace: target.ref.namespace } : {}),
            subject,
            phase,
          }),
          phase,
        ),
        'forbidden',
      );
    if (unservedPath(res.status, res.body))
      return failed({
        code: 'kube.unknown-kind',
        phase,
        retryable: options.kindApplied ?? false,
        subject,
        message: `${target.label}: the server no longer serves kind ${target.ref.kind} in apiVersion ${target.ref.apiVersion} (HTTP 404; its CustomResourceDefinition was deleted?)`,
      });
    // A refused object keeps what the server warned about it too: the deprecated API it was sent in.
    return failed(
      {
        code: res.status === 409 ? 'kube.conflict' : 'kube.rejected',
        phase,
        // The server refusing the object again will not change without a new commit; overload will.
        retryable: retryableRefusal(res.status, res.body),
        subject,
        message: `${target.label}: ${refusalOf(res.status, res.body, target.ref.kind)}`,
      },
      'failed',
      warned(res),
    );
  };
  const send = (dryRun: boolean): Promise<KubeResponse> =>
    sendApply(client, target, live, {
      dryRun,
      force: options.force,
      ...(options.fence ? { fence: options.fence } : {}),
    });
  const outcome = (res: KubeResponse, reason?: string): Settled => {
    const result = res.body as KubeObject;
    const action = classify(live, result);
    // A created object's diff is the whole object, which Git holds at this commit: a plan shows it,
    // an apply does not build it (on a CRD bundle that was megabytes of YAML text per reconcile,
    // each built through a YAML document model, then kept in the audit entry).
    const bare = action === 'unchanged' || (action === 'created' && !options.dryRun);
    const diff = bare ? '' : objectDiff(live, result);
    return {
      change: change(action, {
        ...(reason && action !== 'unchanged' ? { reason } : {}),
        ...(diff ? { diff } : {}),
        ...warned(res),
      }),
      object: result,
    };
  };
  try {
    switch (decision.kind) {
      case 'refuse':
        return failed(
          {
            code: 'kube.owned-elsewhere',
            phase,
            retryable: false,
            subject,
            message: `${target.label}: owned by ${decision.owner.description} (owner mark ${decision.owner.id}); cairn does not take it over unless kubernetes.adopt lists that owner`,
          },
          `refused: owned by ${decision.owner.description}`,
        );
      case 'unowned': {
        const managers = decision.managers.length ? decision.managers.join(', ') : 'no field manager';
        return failed(
          {
            code: 'kube.unowned',
            phase,
            retryable: false,
            subject,
            message: `${target.label}: exists without a cairn owner mark (managed by ${managers}); cairn does not take over objects it did not create; to take it over, list ${subject} in this environment's kubernetes.adopt, or set kubernetes.adoptUnowned: true`,
          },
          `refused: not created by cairn (managed by ${managers})`,
        );
      }
      case 'unchanged':
        return { change: change('unchanged'), object: live! };
      case 'check': {
        const dry = await send(true);
        if (dry.status !== 200) return refused(dry);
        if (sameObject(live!, dry.body as KubeObject))
          return { change: change('unchanged', warned(dry)), object: live! };
        if (options.dryRun) return outcome(dry, DRIFT_REPAIRED);
        const res = await send(false);
        return res.status === 200 || res.status === 201 ? outcome(res, DRIFT_REPAIRED) : refused(res);
      }
      case 'create':
      case 'apply': {
        const res = await send(options.dryRun);
        // A dry run of an object whose namespace arrives in this same commit: the namespace is planned too.
        if (options.dryRun && res.status === 404 && !live) {
          const diff = objectDiff(undefined, target.body);
          return { change: change('created', { ...(diff ? { diff } : {}), ...warned(res) }) };
        }
        if (res.status !== 200 && res.status !== 201) return refused(res);
        const adopted = decision.kind === 'apply' ? decision.adoptedFrom : undefined;
        return outcome(res, adopted ? `adopted from ${adopted.description}` : undefined);
      }
    }
  } catch (error) {
    // The fence stopped a write of this object: nothing more was sent, and the gate reports why.
    if (isCairnError(error) && error.code === 'shard.lost')
      return failed(failureFrom(error, phase), 'not applied: this replica lost the Lease');
    return failed({
      code: 'kube.unreachable',
      phase,
      retryable: true,
      subject,
      message: `${target.label}: ${errorMessage(error)}`,
    });
  }
}

/** The warnings of an answer, as a change carries them (nothing when the server gave none). */
function warned(res: KubeResponse): Partial<Change> {
  return res.warnings ? { warnings: res.warnings } : {};
}

/**
 * One server-side apply (or dry run). A conflict caused only by imperative edits (see
 * `onlyImperativeConflicts`) is drift and is retried with force, except on a Namespace; any other
 * conflict comes back as is. With a fence, each request that writes (not a dry run) is fenced right
 * before it is sent.
 */
export async function sendApply(
  client: KubeClient,
  target: Target,
  live: KubeObject | undefined,
  options: { readonly dryRun: boolean; readonly force: boolean; readonly fence?: WriteFence },
): Promise<KubeResponse> {
  const fenced = (force: boolean) => {
    const fence = options.dryRun ? undefined : options.fence;
    fence?.();
    // And again before each attempt the client sends (a resend after a 401 included).
    return applyRequest(client, target, target.body, {
      dryRun: options.dryRun,
      force,
      ...(fence ? { fence } : {}),
    });
  };
  const res = await fenced(options.force);
  if (res.status !== 409 || options.force) return res;
  // A Namespace's labels and annotations are what the cluster's policies select on (Pod Security,
  // NetworkPolicy and webhook namespaceSelectors): one an admin set by hand is not drift a tree may take back.
  const { apiVersion, kind } = target.manifest.object;
  if (apiVersion === 'v1' && kind === 'Namespace') return res;
  const owner = live ?? (await getObject(client, target));
  if (!onlyImperativeConflicts(conflictsOf(res.body), owner)) return res;
  return fenced(true);
}
