import type * as Bootstrap from '../../../cdk/deploy/bootstrap';
import { AuditLog } from '../../audit/audit-log';
import type { Suspension } from '../../audit/types';
import { loadConfig } from '../../config/load-config';
import { DRIFT_REPAIRED, errorMessage } from '../../model';
import type { CairnConfig, EnvironmentConfig } from '../../config/types';
import { CairnError } from '../../model/errors';
import { createLog, oneReconcileAtATime, type Log } from '../../log';
import type { AuditEntry } from '../../model';
import { needsRun } from '../../reconcile/needs-run';
import type { EnvironmentPlan } from '../../reconcile/plan-environment';
import type * as PlanEnvironment from '../../reconcile/plan-environment';
import type * as FailureRevert from '../../reconcile/failure-revert';
import { fencesOf, reconcileEnvironment } from '../../reconcile/reconcile-environment';
import type { SoleHold } from '../../shard/sole-hold';
import { createGitSource } from '../../source/create-git-source';
import type { BranchHead, GitSource, Revision } from '../../source/types';
import { renderAuditEntry } from '../render-audit';
import type * as HandToHolder from '../hand-to-holder';
import type * as RenderPlan from '../render-plan';
import type * as WireUnsharded from '../wire-unsharded';
import type * as WireShard from '../wire-shard';
import { environmentNamed } from '../environment-named';
import { appliersFor, commitStatuses, type AppliersCache } from '../wire-environments';

interface EnvOptions {
  readonly config: string;
  readonly env: string;
  readonly json?: boolean;
}

/**
 * The hand-off to the replica holding an environment. Its modules (Leases, the shard group, the
 * signed hand-off) load only with sharding configured: an unsharded command never pays for them.
 */
function handToHolder(
  config: CairnConfig,
  env: string,
  action: 'sync' | 'plan',
  log: Log,
): ReturnType<typeof HandToHolder.handToHolder> {
  const { handoffKeyFor } = require('../wire-shard') as typeof WireShard;
  const key = handoffKeyFor(config)!;
  return (require('../hand-to-holder') as typeof HandToHolder).handToHolder(config, env, action, key, log);
}

/**
 * Logs of one-shot commands go to stderr, so stdout carries only the result. Such a command runs
 * one reconcile (or plan) at a time, so its lines take their fields from a plain variable, not
 * the async context (see `oneReconcileAtATime`).
 */
export function stderrLog(): Log {
  oneReconcileAtATime();
  return createLog({ destination: process.stderr });
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The revision of a fetched head, or the reason there is none as a CairnError. */
export function revisionOf(head: BranchHead | undefined, env: EnvironmentConfig): Revision {
  if (head?.kind === 'revision') return head.revision;
  const why =
    head?.kind === 'error' ? head.error.message : `branch "${env.branch}" does not exist in the repository`;
  throw new CairnError(why, {
    code: 'source.no-revision',
    phase: 'fetch',
    subject: `environment ${env.name}`,
  });
}

/** Runs `work` with the Git source and the appliers, and closes both afterwards, so the command exits by itself. */
export async function withSource<T>(
  config: CairnConfig,
  log: Log,
  work: (source: GitSource, appliers: AppliersCache) => Promise<T>,
): Promise<T> {
  const source = createGitSource(config.repository, config.workspaces, log);
  const appliers = appliersFor(
    log,
    config.repository.url,
    config.workspaces.dir,
    undefined,
    config.kubernetes,
  );
  try {
    return await work(source, appliers);
  } finally {
    await appliers.close();
    await source.close();
  }
}

/**
 * `cairn sync`: one reconcile of one environment, recorded in the audit trail like `run` does.
 * Sharded, the replica holding the environment runs it and this process waits for its result;
 * when none holds it, this process takes the Lease and applies fenced, as a replica would.
 */
export async function syncCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  const log = stderrLog();
  if (!config.sharding) {
    // Unsharded, the sync holds the repository's heartbeat for its reconcile, as `cairn run` does
    // for its life: beside a running replica it is refused (naming it), and a replica started
    // meanwhile refuses to start, so the two never write the environment at once.
    const { claimUnshardedHeartbeat } = require('../wire-unsharded') as typeof WireUnsharded;
    const heartbeat = await claimUnshardedHeartbeat(
      config,
      log,
      (why) =>
        log.error(
          { code: 'sharding.unsharded-peer', err: why },
          'another replica took the heartbeat during this sync',
        ),
      'sync',
    );
    try {
      // Fenced on the heartbeat: paused past it, this sync stops before its next write batch.
      return printSync(o, await localSync(config, env, log, heartbeat && { kind: 'heartbeat', heartbeat }));
    } finally {
      await heartbeat?.release();
    }
  }
  const found = await handToHolder(config, env.name, 'sync', log);
  try {
    if (found.kind === 'held')
      return printSync(o, await localSync(config, env, log, { kind: 'lease', hold: found.hold }));
    const { state } = found;
    if (state.state === 'failed' || !state.sync?.entry) {
      const why = state.state === 'failed' ? state.message : (state.sync?.failure?.message ?? 'no result');
      process.stderr.write(`cairn: ${found.holder} could not sync ${env.name}: ${why}\n`);
      return 1;
    }
    return printSync(o, { outcome: state.sync.outcome, entry: state.sync.entry });
  } finally {
    await found.close();
  }
}

function printSync(o: EnvOptions, result: { outcome: string; entry: AuditEntry }): number {
  out(o.json ? JSON.stringify(result.entry, null, 2) : renderAuditEntry(result.entry));
  return result.outcome === 'failed' ? 1 : 0;
}

/**
 * What fences a sync run in this process: the shard Lease it took (each apply phase proved by a
 * fresh read, each write batch fenced), or the unsharded heartbeat it holds (each write batch).
 * None when no cluster keeps a heartbeat (the sync said so when it started).
 */
type SyncFencing =
  | { readonly kind: 'lease'; readonly hold: SoleHold }
  | { readonly kind: 'heartbeat'; readonly heartbeat: WireUnsharded.HeldHeartbeat };

/** The reconcile of a sync run in this process, fenced by what it holds (see SyncFencing). */
async function localSync(
  config: CairnConfig,
  env: EnvironmentConfig,
  log: Log,
  fencing?: SyncFencing,
): Promise<{ outcome: string; entry: AuditEntry }> {
  // The commit gets its `cairn/<env>` status from a manual sync as from `cairn run`.
  const statuses = commitStatuses(config, log);
  // Only this environment's chain is read: a long ledger of other environments costs the sync nothing.
  const audit = await AuditLog.open(config.audit, log, { envs: [env.name] });
  try {
    // Holding the Lease, read what the replicas recorded first, as a replica gaining it does.
    if (fencing?.kind === 'lease') await audit.refresh(env.name);
    // A suspension binds a one-shot sync as it binds the controller: the ledger says who and why.
    refuseSuspended(env.name, audit.suspension(env.name));
    // Only this environment's attempt is this process's to close.
    await audit.interrupted(env.name);
    return await withSource(config, log, async (source, appliers) => {
      const [head] = await source.fetch([{ env: env.name, branch: env.branch }]);
      const revision = revisionOf(head, env);
      // The controller's one answer to "does it need a run?": a manual sync is forced, so it runs.
      const last = await audit.lastApplied(env.name);
      const state = { headSha: revision.sha, lastAppliedSha: last?.sha ?? null, stalledSha: null };
      if (!needsRun({ ...state, force: true, running: false, retryWaitingSha: null }, 'manual', 'run'))
        throw new Error('unreachable: a manual sync always runs');
      const started = Date.now();
      const fences = fencesOf(fencing?.kind === 'lease' ? fencing.hold : fencing?.heartbeat, env.name);
      // The commit status is fenced like the writes: nothing is posted once the Lease is lost.
      const reportFence = fences.writeFence?.('record');
      statuses?.observer.started(env.name, revision.sha, 'manual', reportFence);
      try {
        const done = await reconcileEnvironment(
          {
            env,
            source,
            audit,
            log,
            ...appliers(env),
            ...fences,
          },
          revision,
          'manual',
        );
        statuses?.observer.finished(
          env.name,
          revision.sha,
          'manual',
          {
            outcome: done.outcome,
            durationMs: Date.now() - started,
            entryId: done.entry.id,
            ...(done.failure ? { failure: done.failure } : {}),
            drifted: done.changes.filter((c) => c.reason === DRIFT_REPAIRED).length,
          },
          reportFence,
        );
        // failure-revert: a one-shot sync proposes the revert of its terminal failure as the controller
        // does (its Git host and revert modules load only then).
        if (done.failure && !done.failure.retryable && env.onFailure) {
          const { failureReverter } = require('../../reconcile/failure-revert') as typeof FailureRevert;
          await failureReverter(config, audit, log, statuses?.host)(done.entry, reportFence);
        }
        return done;
      } catch (error) {
        statuses?.observer.finished(
          env.name,
          revision.sha,
          'manual',
          {
            outcome: 'failed',
            durationMs: Date.now() - started,
            failure: { code: 'audit.append', phase: 'record', retryable: true, message: errorMessage(error) },
          },
          reportFence,
        );
        throw error;
      }
    });
  } finally {
    await statuses?.close();
    await audit.close();
  }
}

/**
 * `cairn plan`: what would change per stack (described change sets) and per object (server dry
 * run). Sharded, the holder makes it under the environment's lock (never beside its apply); when
 * none holds it, this process takes the Lease for the plan's duration.
 */
export async function planCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  const log = stderrLog();
  const found = config.sharding ? await handToHolder(config, env.name, 'plan', log) : undefined;
  let plan: EnvironmentPlan;
  try {
    if (found?.kind === 'handed') {
      if (found.state.state === 'failed' || !found.state.plan) {
        const why = found.state.state === 'failed' ? found.state.message : 'no plan';
        process.stderr.write(`cairn: ${found.holder} could not plan ${env.name}: ${why}\n`);
        return 1;
      }
      plan = found.state.plan;
    } else {
      plan = await withSource(config, log, async (source, appliers) => {
        const [head] = await source.fetch([{ env: env.name, branch: env.branch }]);
        const revision = revisionOf(head, env);
        const workspace = await source.checkout(revision);
        const { planEnvironment } = require('../../reconcile/plan-environment') as typeof PlanEnvironment;
        return planEnvironment(env, revision, workspace, appliers(env));
      });
    }
  } finally {
    await found?.close();
  }
  const { renderPlan } = require('../render-plan') as typeof RenderPlan;
  out(o.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
  // A stack whose change set failed is in the AWS plan's failure now, no longer a throw.
  return plan.kubernetes?.failure || plan.aws?.failure ? 1 : 0;
}

/** `cairn bootstrap`: the version parameter and assets bucket deploys need. */
export async function bootstrapCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  if (!env.aws) {
    throw new CairnError('has no aws section to bootstrap', {
      code: 'config.no-aws',
      subject: `environment ${env.name}`,
    });
  }
  // The AWS SDK loads only for the command that deploys with it.
  const { bootstrapEnvironment } = require('../../../cdk/deploy/bootstrap') as typeof Bootstrap;
  const result = await bootstrapEnvironment(env.aws, stderrLog(), { env: env.name });
  out(
    `bootstrapped ${env.name}: ${env.aws.account}/${env.aws.region}, assets bucket ${result.bucketName}, version ${result.version}`,
  );
  return 0;
}

/** Throws `env.suspended` (exit 1) naming who suspended `env`, since when and why; nothing when it is not suspended. */
export function refuseSuspended(env: string, suspension: Suspension | null): void {
  if (!suspension) return;
  const why = suspension.reason ? `: ${suspension.reason}` : ' (no reason given)';
  throw new CairnError(
    `environment ${env} is suspended by ${suspension.by} since ${suspension.since}${why}; nothing is reconciled, not even by cairn sync, until \`cairn resume ${env}\` (through the controller's API)`,
    { code: 'env.suspended', phase: 'config', subject: `environment ${env}` },
  );
}
