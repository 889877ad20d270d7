import http from 'node:http';
import https from 'node:https';
import type * as ClientNode from '@kubernetes/client-node';
import type { ShardingConfig } from '../config/types';
import { CairnError, errorMessage } from '../model/errors';
import { kubeconfigSource, type KubeconfigSource } from '../model/kubeconfig-source';
import { sendWithCredentials } from '../model/rotating-credentials';
import { defaultKubeconfigExists } from '../model/static-kubeconfig';
import type { Log } from '../log';
import { GROUP_LABEL, LeaseConflict, type Lease, type LeaseApi, type LeaseEvent } from './lease';

const REQUEST_TIMEOUT_MS = 10_000;
const WATCH_RETRY_MS = 1_000;
/** Sockets for Lease writes: enough for every shard of a large group to renew at once. */
const WRITE_SOCKETS = 32;
/** Sockets for reads (a listing per renew interval, holder lookups for webhook handoffs). */
const READ_SOCKETS = 4;

/**
 * The Lease API of `config.namespace` on the cluster `config` names (its kubeconfig and context,
 * or the default loading rules, in-cluster included), limited to the Leases labelled with `group`.
 */
export function createKubeLeaseApi(
  config: Pick<ShardingConfig, 'kubeconfig' | 'context' | 'namespace'>,
  group: string,
  log: Log,
): LeaseApi & { close(): void } {
  const cluster = leaseCluster(config);
  const server = cluster.server.replace(/\/+$/, '');
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(config.namespace)}/leases`;
  const selector = `${GROUP_LABEL}=${group}`;
  // Writes (acquire, renew, heartbeat, release) have sockets of their own, one per held shard at
  // most, so a renewal never waits for a socket behind a listing or a holder lookup: a renewal that
  // queued missed the write fence's deadline and cost the shard (issue 24, bench).
  const newAgent = (maxSockets: number) =>
    server.startsWith('https:')
      ? new https.Agent({ keepAlive: true, maxSockets })
      : new http.Agent({ keepAlive: true, maxSockets });
  const writeAgent = newAgent(WRITE_SOCKETS);
  const readAgent = newAgent(READ_SOCKETS);

  const request = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> => {
    return sendWithCredentials(cluster, (opts) => attempt(method, path, body, opts));
  };

  const attempt = (
    method: string,
    path: string,
    body: unknown,
    opts: https.RequestOptions,
  ): Promise<{ status: number; body: unknown }> => {
    const url = new URL(server + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.request(
        url,
        {
          ...opts,
          agent: method === 'GET' ? readAgent : writeAgent,
          method,
          headers: {
            ...(opts.headers ?? {}),
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: kept as text for the error
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  };

  const fail = (what: string, status: number, body: unknown): never => {
    const message =
      typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : String(body);
    throw new CairnError(`${what} failed (HTTP ${status}): ${message.slice(0, 300)}`, {
      code: status === 403 ? 'shard.forbidden' : 'shard.api',
      phase: 'config',
      subject: `Leases in namespace ${config.namespace}`,
      retryable: status !== 403,
      hint:
        status === 403
          ? `let cairn's identity get, list, watch, create, update and delete leases.coordination.k8s.io in ${config.namespace}`
          : 'check that the API server is reachable',
    });
  };

  let watching: AbortController | null = null;
  let closed = false;

  return {
    async list() {
      const r = await request('GET', `${base}?labelSelector=${encodeURIComponent(selector)}`);
      if (r.status !== 200) return fail('listing Leases', r.status, r.body);
      return (r.body as { items?: Lease[] }).items ?? [];
    },
    async get(name) {
      const r = await request('GET', `${base}/${encodeURIComponent(name)}`);
      if (r.status === 404) return null;
      if (r.status !== 200) return fail(`reading Lease ${name}`, r.status, r.body);
      return r.body as Lease;
    },
    async create(lease) {
      const r = await request('POST', base, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        ...lease,
      });
      if (r.status === 409) throw new LeaseConflict(lease.metadata.name, 409);
      if (r.status !== 201 && r.status !== 200)
        return fail(`creating Lease ${lease.metadata.name}`, r.status, r.body);
      return r.body as Lease;
    },
    async replace(lease) {
      const name = lease.metadata.name;
      const r = await request('PUT', `${base}/${encodeURIComponent(name)}`, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        ...lease,
      });
      if (r.status === 409 || r.status === 404) throw new LeaseConflict(name, r.status);
      if (r.status !== 200) return fail(`updating Lease ${name}`, r.status, r.body);
      return r.body as Lease;
    },
    async delete(name, resourceVersion) {
      const r = await request(
        'DELETE',
        `${base}/${encodeURIComponent(name)}`,
        resourceVersion ? { preconditions: { resourceVersion } } : undefined,
      );
      if (r.status === 404 || r.status === 409) return;
      if (r.status !== 200 && r.status !== 202) fail(`deleting Lease ${name}`, r.status, r.body);
    },
    watch(changed: (type: LeaseEvent, lease: Lease) => void) {
      const start = (): void => {
        if (closed) return;
        const { Watch } = require('@kubernetes/client-node') as typeof ClientNode;
        new Watch(cluster.library())
          .watch(
            base,
            { labelSelector: selector },
            (type, object) => {
              if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
                changed(type, object as Lease);
            },
            (err) => {
              if (err && !closed) log.debug({ err: errorMessage(err) }, 'Lease watch ended; restarting');
              watching = null;
              if (!closed) setTimeout(start, WATCH_RETRY_MS).unref();
            },
          )
          .then(
            (controller) => {
              watching = controller;
              if (closed) controller.abort();
            },
            (err: unknown) => {
              log.debug({ err: errorMessage(err) }, 'Lease watch failed; restarting');
              if (!closed) setTimeout(start, WATCH_RETRY_MS).unref();
            },
          );
      };
      start();
      return () => {
        closed = true;
        watching?.abort();
      };
    },
    close() {
      closed = true;
      watching?.abort();
      writeAgent.destroy();
      readAgent.destroy();
    },
  };
}

/**
 * The cluster of the Leases. Its kubeconfig is read directly when its user has static credentials
 * (model/kubeconfig-source.ts), so that a caller that never watches (the unsharded heartbeat of a
 * one-shot `cairn sync`, a handed `cairn plan`) does not pay the half-second load of
 * @kubernetes/client-node; a watch always uses the library's Watch, loaded then.
 */
function leaseCluster(config: Pick<ShardingConfig, 'kubeconfig' | 'context'>): KubeconfigSource {
  if (!config.kubeconfig && !defaultKubeconfigExists())
    throw new CairnError(
      'no kubeconfig: sharding.kubeconfig is not set, and there is no KUBECONFIG, ~/.kube/config or in-cluster service account',
      {
        code: 'shard.kubeconfig',
        phase: 'config',
        subject: 'sharding.kubeconfig',
        hint: 'set sharding.kubeconfig to the cluster that keeps the Leases',
      },
    );
  return kubeconfigSource(config, {
    area: 'shard',
    phase: 'config',
    subject: config.kubeconfig ?? 'sharding: default kubeconfig',
    contextField: 'sharding.context',
  });
}
