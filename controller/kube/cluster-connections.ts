import type { KubernetesTargetConfig } from '../config/types';
import { createDiscovery, type Discovery } from './discovery';
import { createKubeClient, type KubeClient } from './kube-client';

/** What the environments on one cluster share: one keep-alive client and one discovery cache. */
export interface ClusterConnection {
  readonly client: KubeClient;
  readonly discovery: Discovery;
}

/** The part of a target that picks its cluster connection. */
export type ClusterTarget = Pick<KubernetesTargetConfig, 'kubeconfig' | 'context' | 'concurrency'>;

/**
 * One client (kubeconfig read once, one pool of keep-alive TLS connections) and one discovery
 * cache per cluster, shared by every environment that targets it. Without it each environment held
 * its own: with a thousand environments, thousands of TLS sockets and as many parsed kubeconfigs,
 * which was most of a replica's memory. Targets are the same cluster when they name the same
 * kubeconfig, context and concurrency (the pool is sized from the concurrency). Connections are
 * opened only as requests need them, so a replica that reconciles a few environments at a time
 * keeps a few.
 */
export class ClusterConnections {
  private readonly made = new Map<string, ClusterConnection>();

  /**
   * `reconcilesAtOnce`: how many environments may use a cluster at the same time (the replica's
   * `reconcile.maxConcurrent`); each gets the connections it had with a client of its own.
   */
  constructor(private readonly reconcilesAtOnce = 1) {}

  /**
   * The connection of `target`'s cluster, made on first use; throws as `createKubeClient` does. With
   * `impersonate` (a ServiceAccount `namespace/name`) every request of it carries `Impersonate-User`:
   * the impersonated user is part of the key, so each identity has its own client.
   */
  connect(target: ClusterTarget, impersonate?: string): ClusterConnection {
    const key = JSON.stringify([
      target.kubeconfig ?? null,
      target.context ?? null,
      target.concurrency,
      impersonate ?? null,
    ]);
    let connection = this.made.get(key);
    if (!connection) {
      const perEnvironment = Math.max(4, target.concurrency * 2);
      const client = createKubeClient(
        target,
        perEnvironment * Math.max(1, this.reconcilesAtOnce),
        impersonate,
      );
      connection = { client, discovery: createDiscovery(client) };
      this.made.set(key, connection);
    }
    return connection;
  }

  /** Closes every client made (their sockets); a later `connect` makes a new one. */
  close(): void {
    for (const { client } of this.made.values()) client.close();
    this.made.clear();
  }
}
