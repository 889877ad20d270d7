/**
 * What one environment's reconcile needs beside the ledger and the source, wired from the config:
 * its appliers (each plane's libraries loaded when an environment first uses it) and the commit
 * statuses of the repository's Git host. `cairn run` (wire.ts) and the one-shot commands share it;
 * it loads none of the controller's own parts (queues, planners, notifier, telemetry, shards), which
 * a one-shot `cairn sync` never uses.
 */
import { createHash } from 'node:crypto';
import type * as AwsApplier from '../../cdk/create-aws-applier';
// The synth isolation is light (no AWS SDK): kustomize and helm run in it without loading the AWS plane.
import { createSynthRunner } from '../../cdk/synth/synth-runner';
import type { CairnConfig, CairnKubernetesConfig, EnvironmentConfig } from '../config/types';
import type { ClusterConnections } from '../kube/cluster-connections';
import type * as KubeApplier from '../kube/create-kube-applier';
import { publicRepository } from '../kube/identity';
import type * as StatusObserver from '../host/commit-status-observer';
import type * as CreateGitHost from '../host/create-git-host';
import type { GitHost } from '../host/types';
import type { Log } from '../log';
import type { EnvironmentAppliers } from '../reconcile/controller-deps';

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
  readonly observer: StatusObserver.CommitStatusObserver;
  /** Sends the posts under way (a few seconds at most), then closes the host's connections. */
  close(): Promise<void>;
}

/** The commit statuses of `repository.host`, or undefined when none is configured; throws when its token is missing. */
export function commitStatuses(config: CairnConfig, log: Log): CommitStatuses | undefined {
  if (!config.repository.host) return undefined;
  // The host clients load only for a repository with a host: a one-shot sync without one skips them.
  const { createGitHost } = require('../host/create-git-host') as typeof CreateGitHost;
  const { CommitStatusObserver } = require('../host/commit-status-observer') as typeof StatusObserver;
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
