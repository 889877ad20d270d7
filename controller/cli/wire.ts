import { createHash } from 'node:crypto';
import type * as AwsApplier from '../../cdk/create-aws-applier';
// The synth isolation is light (no AWS SDK): kustomize and helm run in it without loading the AWS plane.
import { createSynthRunner } from '../../cdk/synth/synth-runner';
import { AuditLog } from '../audit/audit-log';
import type { CairnConfig, CairnKubernetesConfig, EnvironmentConfig } from '../config/types';
import type { ClusterConnections } from '../kube/cluster-connections';
import type * as KubeApplier from '../kube/create-kube-applier';
import { publicRepository } from '../kube/identity';
import { configuredSecretValues } from '../config/secret-values';
import { CommitStatusObserver } from '../host/commit-status-observer';
import type * as CreateGitHost from '../host/create-git-host';
import type { GitHost } from '../host/types';
import { rememberSecrets } from '../model';
import type { Log } from '../log';
import { Controller, type ControllerDeps, type EnvironmentAppliers } from '../reconcile/controller';
import { EnvLock } from '../reconcile/env-lock';
import { failureReverter } from '../reconcile/failure-revert';
import { PullRequestPlanner } from '../reconcile/pull-request-planner';
import { LiveEvents } from '../server/live-events';
import { Notifier } from '../notify/notifier';
import { TraceExporter } from '../telemetry/trace-exporter';
import type { Metrics } from '../server/metrics';
import { createGitSource } from '../source/create-git-source';
import type { GitSource } from '../source/types';
import { shardManagerFor } from './wire-shard';

export { environmentNamed } from './environment-named';

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

/** The appliers of each environment, made on first use and kept; `close()` closes every one made. */
export interface AppliersCache {
  (env: EnvironmentConfig): EnvironmentAppliers;
  close(): Promise<void>;
}

/**
 * The owner an environment's stacks are tagged with (`<env>@<owner>`): its instance name, or a
 * hash of the repository URL without credentials or a trailing slash (as the Kubernetes owner mark),
 * so that rotating a token kept in the URL does not turn the environment's own stacks into another's.
 */
export function stackOwnerOf(repositoryUrl: string, instance?: string): string {
  return instance ?? createHash('sha256').update(publicRepository(repositoryUrl)).digest('hex').slice(0, 12);
}

/**
 * The appliers of one environment, made once and reused across reconciles (they hold connections
 * and caches). `workDir` (workspaces.dir) is where a sidecar synth runner's jobs are prepared;
 * `reconcilesAtOnce` environments at most use them at the same time.
 */
export function appliersFor(
  log: Log,
  repositoryUrl: string,
  workDir?: string,
  reconcilesAtOnce = 1,
  renderers: Pick<CairnKubernetesConfig, 'kustomizePath' | 'helmPath'> = {},
): AppliersCache {
  const made = new Map<string, EnvironmentAppliers>();
  // Environments on one cluster share its client, sockets and discovery cache. Made with the
  // first Kubernetes environment: each plane's libraries load only when an environment uses it
  // (the AWS SDK and CDK libraries cost a Kubernetes-only `cairn sync` about a second).
  let connections: ClusterConnections | undefined;
  const get = (env: EnvironmentConfig): EnvironmentAppliers => {
    let appliers = made.get(env.name);
    if (!appliers) {
      const kube = env.kubernetes ? kubePlane() : undefined;
      if (kube) connections ??= new kube.connections.ClusterConnections(reconcilesAtOnce);
      appliers = {
        ...(env.aws
          ? {
              aws: awsPlane().createAwsApplier(env.name, env.aws, log.child({ env: env.name }), {
                owner: stackOwnerOf(repositoryUrl, env.instance),
                ...(workDir ? { workDir } : {}),
              }),
            }
          : {}),
        ...(env.kubernetes
          ? {
              kube: kube!.applier.createKubeApplier(
                {
                  env: env.name,
                  repository: repositoryUrl,
                  ...(env.instance ? { instance: env.instance } : {}),
                },
                env.kubernetes,
                log.child({ env: env.name }),
                {
                  connections: connections!,
                  // kustomize and helm run in kubernetes.render's isolation, else aws.synth's (bubblewrap by default).
                  render: {
                    runner: createSynthRunner(env.kubernetes.render ?? env.aws?.synth, workDir),
                    ...(renderers.kustomizePath ? { kustomizePath: renderers.kustomizePath } : {}),
                    ...(renderers.helmPath ? { helmPath: renderers.helmPath } : {}),
                  },
                },
              ),
            }
          : {}),
      };
      made.set(env.name, appliers);
    }
    return appliers;
  };
  return Object.assign(get, {
    async close() {
      const all = [...made.values()];
      made.clear();
      await Promise.all(all.flatMap((a) => [a.aws?.close(), a.kube?.close()]));
      connections?.close();
    },
  });
}

/** The AWS plane's modules, loaded on first use. */
function awsPlane(): typeof AwsApplier {
  return require('../../cdk/create-aws-applier') as typeof AwsApplier;
}

/** The Kubernetes plane's modules, loaded on first use. */
function kubePlane(): {
  readonly applier: typeof KubeApplier;
  readonly connections: typeof import('../kube/cluster-connections');
} {
  return {
    applier: require('../kube/create-kube-applier') as typeof KubeApplier,
    connections: require('../kube/cluster-connections') as typeof import('../kube/cluster-connections'),
  };
}

/** The configured Git host and the observer that posts `cairn/<env>` statuses through it. */
export interface CommitStatuses {
  readonly host: GitHost;
  readonly observer: CommitStatusObserver;
  /** Sends the posts under way (a few seconds at most), then closes the host's connections. */
  close(): Promise<void>;
}

/** The commit statuses of `repository.host`, or undefined when none is configured; throws when its token is missing. */
export function commitStatuses(config: CairnConfig, log: Log): CommitStatuses | undefined {
  if (!config.repository.host) return undefined;
  // The host clients load only for a repository with a host: a one-shot sync without one skips them.
  const { createGitHost } = require('../host/create-git-host') as typeof CreateGitHost;
  const host = createGitHost(config.repository.host);
  const observer = new CommitStatusObserver(host, {
    log: log.child({ host: host.type }),
    ...(config.server.publicUrl ? { publicUrl: config.server.publicUrl } : {}),
  });
  return {
    host,
    observer,
    async close() {
      await observer.close();
      await host.close();
    },
  };
}

/** Opens the audit log and the Git source and builds the controller over them. */
export async function wire(
  config: CairnConfig,
  log: Log,
  metrics?: Metrics,
  /** The unsharded heartbeat `cairn run` holds, which fences each write batch (see Controller). */
  heartbeat?: ControllerDeps['heartbeat'],
): Promise<Wired> {
  // From here on every log line, error and audit record masks the secrets the config points at.
  rememberSecrets(configuredSecretValues(config));
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
  const pullRequests = host
    ? new PullRequestPlanner({
        environments: config.environments,
        source,
        appliers,
        host,
        lock,
        log,
        planForks: config.repository.host?.planForks ?? false,
      })
    : undefined;
  const shard = shardManagerFor(config, log);
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
