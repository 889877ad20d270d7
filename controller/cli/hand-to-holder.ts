import { randomUUID } from 'node:crypto';
import type { CairnConfig, ShardingConfig } from '../config/types';
import { publicRepository } from '../kube/identity';
import type { Log } from '../log';
import { CairnError, errorMessage } from '../model/errors';
import { HANDOFF_SIGNATURE, signHandoff } from '../server/shard-handoff';
import {
  REQUEST_PATH,
  RESULT_PATH,
  type ShardRequest,
  type ShardRequestState,
} from '../server/shard-requests';
import { GroupView } from '../shard/group-view';
import { createKubeLeaseApi } from '../shard/kube-lease-api';
import { holderOf } from '../shard/lease';
import { replicaLeaseName, shardGroup, shardLeaseName, shardOf } from '../shard/names';
import { SoleHold } from '../shard/sole-hold';

/** How a sharded `cairn sync` / `cairn plan` found its environment: answered by the holder, or held here. */
export type HolderFound =
  | {
      readonly kind: 'handed';
      readonly holder: string;
      readonly state: Exclude<ShardRequestState, { state: 'running' }>;
    }
  | { readonly kind: 'held'; readonly hold: SoleHold; readonly identity: string };

const POLL_MS = 500;
const REQUEST_TIMEOUT_MS = 5_000;
// Polls of a handed request that may fail in a row (the holder restarting) before the CLI gives up.
const POLL_FAILURES = 20;

/**
 * Hands `action` of `env` to the replica holding its shard Lease and waits for the result; when
 * no replica holds it (free, or not renewed for a lease duration as this process watches it), the
 * CLI takes the Lease itself and the caller does the work fenced, then calls `close` (which
 * releases it). The holder is reached only at the URL its own live heartbeat advertises, and only
 * one in `sharding.peerUrls` when that is set; requests and polls are signed with the handoff key.
 */
export async function handToHolder(
  config: CairnConfig,
  env: string,
  action: ShardRequest['action'],
  key: Buffer,
  log: Log,
): Promise<HolderFound & { close(): Promise<void> }> {
  const sharding = config.sharding!;
  const group = shardGroup(publicRepository(config.repository.url));
  const api = createKubeLeaseApi(sharding, group, log);
  const identity = `cli-${sharding.identity}`;
  const index = shardOf(env, sharding.shards);
  const lease = shardLeaseName(group, index);
  const clock = () => performance.now();
  const view = new GroupView({
    group,
    identity,
    replicaLease: '',
    leaseDurationMs: sharding.leaseDurationMs,
    clock,
  });
  // Long enough to see a dead holder's Lease expire, or a live one's heartbeat renew, twice over.
  const deadline = clock() + 2 * sharding.leaseDurationMs + 2 * sharding.renewIntervalMs;
  let why = 'the Lease could not be read';
  try {
    while (clock() < deadline) {
      const current = await api.get(lease);
      if (current) view.remember(current);
      if (!current || view.isFree(lease)) {
        const hold = new SoleHold({
          api,
          identity,
          group,
          lease,
          label: `${index}/${sharding.shards}`,
          ...timings(sharding),
          log,
        });
        if (await hold.take(current)) {
          log.info(
            { env, lease, holder: identity },
            'no replica holds the environment; this process took its Lease',
          );
          return { kind: 'held', hold, identity, close: async () => (await hold.release(), api.close()) };
        }
        continue; // another writer took it first: read it again
      }
      const holder = holderOf(current)!;
      const beat = replicaLeaseName(group, holder);
      const heartbeat = await api.get(beat);
      if (heartbeat) view.remember(heartbeat);
      const url = view.advertisedBy(holder, beat)?.replace(/\/+$/, '');
      if (url === undefined) why = `no live heartbeat of ${holder} advertises a URL`;
      else if (sharding.peerUrls && !sharding.peerUrls.includes(url))
        throw notHanded(env, `${url}, advertised by ${holder}, is not in sharding.peerUrls`);
      else {
        const answered = await ask(url, key, { env, action, from: identity }).catch((error: unknown) => {
          why = `${holder} at ${url}: ${errorMessage(error)}`;
          return undefined;
        });
        if (answered?.status === 202) {
          log.info({ env, action, holder }, 'request handed to the replica holding the environment; waiting');
          const state = await waitFor(url, key, answered.ticket, env);
          return { kind: 'handed', holder, state, close: async () => api.close() };
        }
        if (answered) why = `${holder} answered ${answered.status}: ${answered.message}`;
      }
      await sleep(POLL_MS);
    }
    throw notHanded(env, why);
  } catch (error) {
    api.close();
    throw error;
  }
}

function timings(s: ShardingConfig) {
  return { leaseDurationMs: s.leaseDurationMs, renewIntervalMs: s.renewIntervalMs };
}

/** POSTs a signed body (with a fresh `at` and nonce) to `url + path`. */
async function signedPost(
  url: string,
  path: string,
  key: Buffer,
  fields: object,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const text = JSON.stringify({ ...fields, at: new Date().toISOString(), nonce: randomUUID() });
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HANDOFF_SIGNATURE]: signHandoff(key, text) },
    body: text,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

async function ask(url: string, key: Buffer, request: Omit<ShardRequest, 'at' | 'nonce'>) {
  const { status, body } = await signedPost(url, REQUEST_PATH, key, request);
  return { status, ticket: String(body.ticket ?? ''), message: String(body.message ?? '') };
}

/** Polls the holder until the request it took has ended. */
async function waitFor(url: string, key: Buffer, ticket: string, env: string) {
  let failures = 0;
  for (;;) {
    await sleep(POLL_MS);
    try {
      const { status, body } = await signedPost(url, RESULT_PATH, key, { ticket });
      if (status !== 200) throw new Error(`HTTP ${status}: ${String(body.message ?? '')}`);
      const state = body as unknown as ShardRequestState;
      if (state.state !== 'running') return state;
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures >= POLL_FAILURES)
        throw notHanded(
          env,
          `the holder stopped answering while it ran the request (${errorMessage(error)}); it may have run: see cairn audit list`,
        );
    }
  }
}

function notHanded(env: string, why: string): CairnError {
  return new CairnError(`could not hand the request for ${env} to the replica holding its Lease: ${why}`, {
    code: 'shard.not-holder',
    phase: 'config',
    subject: `Lease of ${env}`,
    retryable: true,
    hint: 'check that the replicas run and reach each other (sharding.advertiseUrl, sharding.peerUrls), then run the command again',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
