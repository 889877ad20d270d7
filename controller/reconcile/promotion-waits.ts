import type { EnvironmentConfig } from '../config/types';
import type { Log } from '../log';
import { errorMessage, type WriteFence } from '../model';
import type { Revision } from '../source/types';
import type { Timers } from './backoff';
import type { EnvState } from './env-state';
import { promotionVerdict } from './promotion-gate';
import type { ControllerDeps } from './controller-deps';

/** How many of the `after` environment's newest entries a promotion gate reads for the trees' healthy time. */
const PROMOTION_HISTORY = 200;

/**
 * What a promotion gate reads of the ledger (its applied trees, both environments' entries, a
 * trusted `promote`; sharded, afresh), and the one record it writes (`wait`).
 */
export type PromotionLedger = Pick<
  ControllerDeps['audit'],
  'lastApplied' | 'list' | 'refresh' | 'promoted' | 'control'
>;

/** The seams a promotion wait goes through. */
export interface PromotionContext {
  readonly ledger: PromotionLedger;
  readonly log: Log;
  /** Sharded: the `after` environment's ledger is read afresh before each decision. */
  readonly sharded: boolean;
  readonly timers: Timers;
  readonly now: () => Date;
  /** Queues `env` again when its held head's wait ends by itself. */
  readonly lookAgain: (env: string) => void;
  /**
   * The Lease of the environment (see Controller.writeFence): its `wait` record is written only
   * while this replica holds it, as every record a replica writes about its own work is.
   */
  readonly fence?: WriteFence;
}

/**
 * "May the head of `envConfig` be applied yet?" for an environment with a promotion gate (see
 * promotionVerdict, which decides). A held head is recorded once in the ledger (`wait`), shown
 * in the status (`state.waiting`), and looked at again when its wait ends by itself, when `after`
 * applies something, at each poll, and on `cairn promote --force`.
 */
export async function promotionOpen(
  ctx: PromotionContext,
  envConfig: EnvironmentConfig,
  revision: Revision,
  state: EnvState,
): Promise<boolean> {
  const gate = envConfig.promotion;
  const env = envConfig.name;
  // Nothing new is promoted by a drift pass or a re-run of the applied head.
  if (!gate || revision.sha === state.lastAppliedSha) return true;
  const ledger = ctx.ledger;
  if (ctx.sharded)
    await ledger
      .refresh?.(gate.after)
      .catch((error: unknown) =>
        ctx.log.warn({ env, phase: 'record', err: errorMessage(error) }, 'could not read the ledger'),
      );
  const last = await ledger.lastApplied(env);
  const verdict = promotionVerdict({
    env,
    gate,
    head: revision,
    planes: { aws: envConfig.aws !== undefined, k8s: envConfig.kubernetes !== undefined },
    current: last?.sha ? { aws: last.awsTree, k8s: last.k8sTree } : null,
    ownEntries: await ledger.list({ env, limit: PROMOTION_HISTORY }),
    afterEntries: await ledger.list({ env: gate.after, limit: PROMOTION_HISTORY }),
    forcedSha: ledger.promoted?.(env) ?? null,
    now: ctx.now().getTime(),
  });
  ctx.timers.clearTimeout(state.waitTimer);
  if (verdict.open) {
    if (state.waiting)
      ctx.log.info({ env, sha: revision.sha.slice(0, 12), why: verdict.why }, 'promotion gate open');
    state.waiting = null;
    return true;
  }
  const first = state.waiting?.sha !== revision.sha;
  state.waiting = { after: gate.after, reason: verdict.reason, sha: revision.sha };
  if (verdict.retryAt !== undefined)
    state.waitTimer = ctx.timers.setTimeout(
      () => ctx.lookAgain(env),
      Math.max(0, verdict.retryAt - ctx.now().getTime()) + 50,
    );
  if (first) {
    ctx.log.info(
      { env, sha: revision.sha.slice(0, 12), reason: verdict.reason },
      'promotion gate holds the head',
    );
    // Once per held head, so that the ledger says why a commit was not applied when it arrived.
    await ledger
      .control?.(env, 'wait', 'cairn', verdict.reason, { sha: revision.sha }, ctx.fence)
      .catch((error: unknown) =>
        ctx.log.warn({ env, phase: 'record', err: errorMessage(error) }, 'could not record the wait'),
      );
  }
  return false;
}
