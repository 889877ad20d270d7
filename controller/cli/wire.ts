import { AuditLog } from '../audit/audit-log';
import type { CairnConfig } from '../config/types';
import type { GitHost } from '../host/types';
import type { Log } from '../log';
import { Controller } from '../reconcile/controller';
import type { ControllerDeps } from '../reconcile/controller-deps';
import { EnvLock } from '../reconcile/env-lock';
import { failureReverter } from '../reconcile/failure-revert';
import { PullRequestPlanner } from '../reconcile/pull-request-planner';
import { LiveEvents } from '../server/live-events';
import { Notifier } from '../notify/notifier';
import { TraceExporter } from '../telemetry/trace-exporter';
import type { Metrics } from '../server/metrics';
import { createGitSource } from '../source/create-git-source';
import type { GitSource } from '../source/types';
import { appliersFor, commitStatuses } from './wire-environments';
import { shardManagerFor } from './wire-shard';

/** The real parts of a running cairn, wired from a loaded config. */
export interface Wired {
  readonly controller: Controller;
  readonly audit: AuditLog;
  readonly source: GitSource;
  /** The configured Git host (`repository.host`): commit statuses, plan comments, pull requests. */
  readonly host?: GitHost;
  /** Plans pull requests; present when a Git host is configured. */
  readonly pullRequests?: PullRequestPlanner;
  /** web-ui: the observer behind `GET /api/events` (reconcile starts and ends). */
  readonly live: LiveEvents;
  close(): Promise<void>;
}

/** Opens the audit log and the Git source and builds the controller over them. */
export async function wire(
  config: CairnConfig,
  log: Log,
  metrics?: Metrics,
  /** The unsharded heartbeat `cairn run` holds, which fences each write batch (see Controller). */
  heartbeat?: ControllerDeps['heartbeat'],
): Promise<Wired> {
  // The secrets the config points at were remembered when it was read (validateConfigFile).
  // Made first: a missing host token fails start-up before anything is opened (nothing connects yet).
  const statuses = commitStatuses(config, log);
  const host = statuses?.host;
  const audit = await AuditLog.open(config.audit, log);
  let source: GitSource;
  try {
    source = createGitSource(config.repository, config.workspaces, log);
  } catch (error) {
    await statuses?.close();
    await audit.close(); // releases the writer lock on a failed start-up too
    throw error;
  }
  const appliers = appliersFor(
    log,
    config.repository.url,
    config.workspaces.dir,
    config.reconcile?.maxConcurrent,
    config.kubernetes,
  );
  // One lock per environment, held by its reconciles and its pull requests' plans alike.
  const lock = new EnvLock();
  const shard = shardManagerFor(config, log);
  // What fences an environment's writes (its shard Lease, or the unsharded heartbeat): the plans'
  // comments and statuses too.
  const fences = shard?.manager ?? heartbeat;
  const hostConfig = config.repository.host;
  const pullRequests =
    host && hostConfig
      ? new PullRequestPlanner({
          environments: config.environments,
          source,
          appliers,
          host,
          lock,
          log,
          repo: hostConfig.repo,
          planForks: hostConfig.planForks,
          planTimeoutMs: hostConfig.planTimeoutMs,
          ...(fences ? { fence: (env: string) => fences.writeFence(env, 'plan') } : {}),
        })
      : undefined;
  const live = new LiveEvents();
  const notifier = config.notifications
    ? new Notifier({
        receivers: config.notifications,
        audit,
        log,
        ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
        ...(metrics ? { dropped: (r, e) => metrics.incNotificationDropped(r, e) } : {}),
      })
    : undefined;
  // day-two: one OTLP trace per reconcile when `telemetry.otlpEndpoint` is set.
  const traces = config.telemetry
    ? new TraceExporter({
        otlpEndpoint: config.telemetry.otlpEndpoint,
        audit,
        log,
        ...(metrics ? { dropped: () => metrics.incTraceDropped() } : {}),
      })
    : undefined;
  const controller = new Controller({
    config,
    source,
    audit,
    appliers,
    log,
    lock,
    ...(pullRequests ? { pullRequests } : {}),
    ...(metrics ? { metrics } : {}),
    observers: [
      ...(statuses ? [statuses.observer] : []),
      live,
      ...(notifier ? [notifier] : []),
      ...(traces ? [traces] : []),
    ],
    ...(shard ? { shard: shard.manager } : {}),
    ...(heartbeat ? { heartbeat } : {}),
    // failure-revert: a release failing terminally after a change proposes its revert.
    ...(config.environments.some((e) => e.onFailure)
      ? { failureRevert: failureReverter(config, audit, log, host) }
      : {}),
  });
  return {
    controller,
    audit,
    source,
    ...(host ? { host } : {}),
    ...(pullRequests ? { pullRequests } : {}),
    live,
    /**
     * Stops the controller and the pull request planner (running work finishes), sends the commit
     * statuses under way (a few seconds at most), then closes what they used: the host's
     * connections, appliers, source, audit log.
     */
    async close() {
      await Promise.all([controller.stop(), pullRequests?.stop()]);
      shard?.close();
      await statuses?.close();
      // Messages still being retried are given up (counted) rather than holding the exit.
      notifier?.stop();
      // Traces under way get a moment (each POST has its own timeout); what is left is not waited for.
      if (traces) await Promise.race([traces.idle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await appliers.close();
      await source.close();
      await audit.close();
    },
  };
}
