import type { Log } from '../log';
import type { Phase, WriteFence } from '../model';
import {
  checkWriteDeadline,
  holderOf,
  shardLost,
  writeDeadlineMs,
  type LeaseApi,
  type LeaseProof,
} from './lease';
import { replicaLeaseName, shardLeaseName, shardOf } from './names';
import { ShardLeases } from './shard-leases';

/** What the manager tells the controller, and asks of it, per environment. */
export interface ShardListener {
  /** This replica now holds `env` (its shard): catch up with the ledger and reconcile it. */
  gained(env: string): void;
  /** This replica no longer holds `env`: drop its queued work. */
  lost(env: string): void;
  /** True while `env` has a reconcile running or waiting (its shard is then not released by balancing). */
  busy(env: string): boolean;
}

/** Where an environment's shard Lease stands, as this replica sees it (the API's `shard`). */
export interface ShardStatus {
  /** The holder's identity; null when the Lease is free or not seen yet. */
  readonly holder: string | null;
  /** Whether this replica holds it. */
  readonly held: boolean;
  readonly resourceVersion: string | null;
  readonly renewTime: string | null;
  /** The shard Lease covering the environment. */
  readonly lease?: string;
}

/** Who holds an environment and where to hand it a webhook. */
export interface ShardHolder {
  readonly holder: string;
  /** From the holder's live heartbeat, and in `sharding.peerUrls` when set; undefined otherwise. */
  readonly url: string | undefined;
  /** Why no URL is given, when none is. */
  readonly reason?: string;
}

/** The settings and seams of a ShardManager. */
export interface ShardManagerOptions {
  /** The Lease API, with cairn's own identity (the sharding kubeconfig), never an environment's. */
  readonly api: LeaseApi;
  readonly identity: string;
  /** The label value every Lease of this group carries (one repository's replicas). */
  readonly group: string;
  readonly environments: readonly string[];
  /** How many shards the environments are hashed into (`sharding.shards`). */
  readonly shards: number;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  readonly advertiseUrl: string;
  /** When set, the only URLs a handoff may go to (`sharding.peerUrls`, without trailing slashes). */
  readonly peerUrls?: readonly string[];
  readonly log: Log;
  /** A monotonic clock in ms (expiry, fencing); performance.now by default. */
  readonly clock?: () => number;
  /** The wall clock written into renewTime. */
  readonly now?: () => Date;
  readonly random?: () => number;
}

/**
 * What holding shards means for an environment: each environment is hashed into one of
 * `shards` shards (see `shardOf`), a replica holds shard Leases (see ShardLeases), and it holds an
 * environment exactly while it holds the environment's shard. Every question about an
 * environment (held? fenced? who holds it, and where is it reached?) is answered here, once.
 */
export class ShardManager {
  private readonly leases: ShardLeases;
  private readonly shardOfEnv: ReadonlyMap<string, string>;
  private readonly envsOfShard: ReadonlyMap<string, readonly string[]>;
  private readonly clock: () => number;

  constructor(private readonly o: ShardManagerOptions) {
    const byEnv = new Map<string, string>();
    const byShard = new Map<string, string[]>();
    const labels = new Map<string, string>();
    for (const env of o.environments) {
      const index = shardOf(env, o.shards);
      const lease = shardLeaseName(o.group, index);
      byEnv.set(env, lease);
      byShard.set(lease, [...(byShard.get(lease) ?? []), env]);
      labels.set(lease, `${index}/${o.shards}`);
    }
    this.shardOfEnv = byEnv;
    this.envsOfShard = byShard;
    this.clock = o.clock ?? (() => performance.now());
    // Only the shards that cover an environment are held: an empty one would be a Lease renewed for nothing.
    this.leases = new ShardLeases({
      api: o.api,
      identity: o.identity,
      group: o.group,
      shards: [...labels].map(([lease, label]) => ({ lease, label })),
      replicaLease: replicaLeaseName(o.group, o.identity),
      leaseDurationMs: o.leaseDurationMs,
      renewIntervalMs: o.renewIntervalMs,
      advertiseUrl: o.advertiseUrl,
      log: o.log,
      clock: this.clock,
      now: o.now ?? (() => new Date()),
      random: o.random ?? Math.random,
    });
  }

  /** This replica's holderIdentity. */
  get identity(): string {
    return this.o.identity;
  }

  /** The shard Lease covering `env`. */
  shardOf(env: string): string | undefined {
    return this.shardOfEnv.get(env);
  }

  /** Joins the group; the listener hears of every environment of each shard gained or lost. */
  start(listener: ShardListener): Promise<void> {
    const each = (shard: string, tell: (env: string) => void) =>
      (this.envsOfShard.get(shard) ?? []).forEach(tell);
    return this.leases.start({
      gained: (shard) => each(shard, (env) => listener.gained(env)),
      lost: (shard) => each(shard, (env) => listener.lost(env)),
      busy: (shard) => (this.envsOfShard.get(shard) ?? []).some((env) => listener.busy(env)),
    });
  }

  /** One renewal and balance pass (the timer's; tests drive it directly). */
  tick(): Promise<void> {
    return this.leases.tick();
  }

  /** True while this replica holds `env`'s shard and renewed it within the lease duration. */
  holds(env: string): boolean {
    const shard = this.shardOfEnv.get(env);
    return shard !== undefined && this.leases.holds(shard);
  }

  /** Environments held now. */
  heldEnvironments(): readonly string[] {
    return this.leases.heldShards().flatMap((shard) => this.envsOfShard.get(shard) ?? []);
  }

  /** What this replica knows of the shard Lease of `env`. */
  status(env: string): ShardStatus {
    const shard = this.shardOfEnv.get(env) ?? '';
    const lease = this.leases.lease(shard);
    return {
      holder: lease ? holderOf(lease) : null,
      held: this.holds(env),
      resourceVersion: lease?.metadata.resourceVersion ?? null,
      renewTime: lease?.spec.renewTime ?? null,
      lease: shard,
    };
  }

  /**
   * Fencing before an apply phase, with no API read: this replica must hold the shard Lease with
   * its last accepted renewal younger than `writeDeadlineMs(leaseDuration)` on the monotonic clock
   * (a foreign holder seen by the watch is settled by a fresh read, and the shard dropped).
   * Otherwise a retryable `shard.lost` CairnError is thrown. The proof names the resourceVersion
   * this replica last wrote.
   */
  async fence(env: string, phase: Phase): Promise<LeaseProof> {
    const shard = this.shardOfEnv.get(env);
    if (!shard) throw shardLost(env, 'it is in no shard', phase);
    const result = await this.leases.fence(shard, writeDeadlineMs(this.o.leaseDurationMs));
    if ('why' in result) throw shardLost(env, result.why, phase);
    return { holder: this.o.identity, resourceVersion: result.lease.metadata.resourceVersion!, name: shard };
  }

  /**
   * The write fence of `env` (see WriteFence): synchronous, no API call. It throws `shard.lost`
   * unless this replica holds the shard and its last successful renewal is younger than
   * `writeDeadlineMs(leaseDuration)` on the monotonic clock. `phase` is the phase the failure names.
   */
  writeFence(env: string, phase: Phase = 'apply-kubernetes'): WriteFence {
    return () => {
      const shard = this.shardOfEnv.get(env);
      const since = shard === undefined ? undefined : this.leases.sinceRenewMs(shard);
      checkWriteDeadline(env, since, this.o.leaseDurationMs, phase);
    };
  }

  /**
   * Who holds `env` now (a fresh GET of its shard Lease; expiry capped) and where to hand it a
   * webhook: the URL the holder's own live heartbeat advertises, honoured only when it is in
   * `sharding.peerUrls` (when set). Never a URL written on the shard Lease. Null when free.
   */
  async holderOf(env: string): Promise<ShardHolder | null> {
    const shard = this.shardOfEnv.get(env);
    if (!shard) return null;
    const holder = await this.leases.currentHolder(shard);
    if (holder === null) return null;
    const url = this.leases.advertisedBy(holder, replicaLeaseName(this.o.group, holder))?.replace(/\/+$/, '');
    if (url === undefined)
      return { holder, url: undefined, reason: `no live heartbeat of ${holder} advertises a URL` };
    if (this.o.peerUrls && !this.o.peerUrls.includes(url))
      return {
        holder,
        url: undefined,
        reason: `${url}, advertised by ${holder}, is not in sharding.peerUrls`,
      };
    return { holder, url };
  }

  /**
   * Releases the shards of `envs` that this replica holds and that `envs` cover whole (a shard
   * with another environment not in `envs`, a busy one, stays until a later call names it).
   */
  async release(envs: readonly string[]): Promise<void> {
    const named = new Set(envs);
    const whole = [...this.envsOfShard]
      .filter(([, members]) => members.every((env) => named.has(env)))
      .map(([shard]) => shard);
    await this.leases.release(whole);
  }

  /** Stops renewing and balancing and removes the heartbeat; held Leases are left to `release`. */
  stop(): Promise<void> {
    return this.leases.stop();
  }
}

/** What the controller uses of a ShardManager (tests may pass a double). */
export type ShardPort = Pick<
  ShardManager,
  | 'identity'
  | 'start'
  | 'holds'
  | 'heldEnvironments'
  | 'fence'
  | 'writeFence'
  | 'status'
  | 'holderOf'
  | 'release'
  | 'stop'
>;
