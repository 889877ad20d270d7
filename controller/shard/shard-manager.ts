import { errorMessage } from '../errors';
import type { Log } from '../log';
import type { Phase, WriteFence } from '../model';
import { planBalance } from './balance';
import {
  ADVERTISE_ANNOTATION,
  ENV_ANNOTATION,
  GROUP_LABEL,
  holderOf,
  isFree,
  KIND_LABEL,
  LeaseConflict,
  observe,
  shardLost,
  type Lease,
  type LeaseApi,
  type LeaseEvent,
  type LeaseProof,
  type Observed,
} from './lease';

/** One environment of the group and the name of its Lease. */
export interface ShardEnvironment {
  readonly env: string;
  readonly lease: string;
}

/** What the manager tells the controller, and asks of it. */
export interface ShardListener {
  /** This replica now holds `env`: catch up with the ledger and reconcile it. */
  gained(env: string): void;
  /** This replica no longer holds `env`: drop its queued work. */
  lost(env: string): void;
  /** True while `env` has a reconcile running or waiting (it is then not released by balancing). */
  busy(env: string): boolean;
}

/** Where an environment's Lease stands, as this replica sees it (the API's `shard`). */
export interface ShardStatus {
  /** The holder's identity; null when the Lease is free or not seen yet. */
  readonly holder: string | null;
  /** Whether this replica holds it. */
  readonly held: boolean;
  readonly resourceVersion: string | null;
  readonly renewTime: string | null;
}

/** Who holds an environment and where to hand it a webhook. */
export interface ShardHolder {
  readonly holder: string;
  readonly url: string | undefined;
}

/** The settings and seams of a ShardManager. */
export interface ShardManagerOptions {
  readonly api: LeaseApi;
  readonly identity: string;
  /** The label value every Lease of this group carries (one repository's replicas). */
  readonly group: string;
  readonly environments: readonly ShardEnvironment[];
  /** The name of this replica's heartbeat Lease. */
  readonly replicaLease: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  readonly advertiseUrl: string;
  readonly log: Log;
  /** A monotonic clock in ms (expiry); performance.now by default. */
  readonly clock?: () => number;
  /** The wall clock written into renewTime. */
  readonly now?: () => Date;
  readonly random?: () => number;
}

interface Held {
  readonly lease: Lease;
  /** Local time the last successful write was sent: the Lease is ours for leaseDuration from it. */
  readonly renewedAtMs: number;
}

/**
 * Holds a share of the environments through one `coordination.k8s.io/v1` Lease each, the way
 * client-go's leader election holds one: acquire a free or expired Lease by an update at the
 * resourceVersion it was read at (a conflict means someone else won), renew every renewInterval,
 * release by clearing the holder. Each replica also keeps a heartbeat Lease, so every replica
 * knows how many are live and aims at ceil(environments / live) (see `planBalance`).
 */
export class ShardManager {
  private readonly observed = new Map<string, Observed>();
  private readonly held = new Map<string, Held>();
  private readonly byEnv: ReadonlyMap<string, ShardEnvironment>;
  private readonly envOfLease: ReadonlyMap<string, string>;
  /** One write at a time per environment, so a fence never races a renew of the same Lease. */
  private readonly serial = new Map<string, Promise<unknown>>();
  private readonly clock: () => number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private listener: ShardListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  private stopped = false;
  private balancing: Promise<void> | null = null;

  constructor(private readonly o: ShardManagerOptions) {
    this.byEnv = new Map(o.environments.map((e) => [e.env, e]));
    this.envOfLease = new Map(o.environments.map((e) => [e.lease, e.env]));
    this.clock = o.clock ?? (() => performance.now());
    this.now = o.now ?? (() => new Date());
    this.random = o.random ?? Math.random;
  }

  /** This replica's holderIdentity. */
  get identity(): string {
    return this.o.identity;
  }

  /** Writes the heartbeat, reads the group, takes a first share, then renews and rebalances on a timer. */
  async start(listener: ShardListener): Promise<void> {
    this.listener = listener;
    await this.heartbeat();
    this.stopWatch = this.o.api.watch?.((type, lease) => this.onEvent(type, lease)) ?? null;
    // A short random pause lets replicas started together see each other's heartbeats before
    // the first share is taken, so the first one up does not take everything.
    await sleep(this.random() * Math.min(1000, this.o.renewIntervalMs / 2));
    await this.scan();
    await this.balance();
    this.schedule();
  }

  /** True while this replica holds `env` and its last renewal is younger than the lease duration. */
  holds(env: string): boolean {
    const held = this.held.get(env);
    return held !== undefined && this.clock() - held.renewedAtMs < this.o.leaseDurationMs;
  }

  /** Environments held now. */
  heldEnvironments(): readonly string[] {
    return [...this.held.keys()].filter((env) => this.holds(env));
  }

  /** What this replica knows of the Lease of `env`. */
  status(env: string): ShardStatus {
    const name = this.byEnv.get(env)?.lease;
    const held = this.held.get(env);
    const lease = held?.lease ?? (name ? this.observed.get(name)?.lease : undefined);
    return {
      holder: lease ? holderOf(lease) : null,
      held: this.holds(env),
      resourceVersion: lease?.metadata.resourceVersion ?? null,
      renewTime: lease?.spec.renewTime ?? null,
    };
  }

  /**
   * Fencing before an apply phase: a fresh GET of the Lease must show this replica as holder, at
   * the resourceVersion this replica last wrote, within the lease duration of its last renewal.
   * Otherwise the environment is dropped and a retryable `shard.lost` CairnError is thrown.
   */
  fence(env: string, phase: Phase): Promise<LeaseProof> {
    return this.serialized(env, async () => {
      const shard = this.byEnv.get(env);
      const held = this.held.get(env);
      if (!shard || !held) throw shardLost(env, 'it is not held here', phase);
      const lease = await this.o.api.get(shard.lease);
      const why = !lease
        ? 'the Lease is gone'
        : holderOf(lease) !== this.o.identity
          ? `held by ${holderOf(lease) ?? 'nobody'}`
          : lease.metadata.resourceVersion !== held.lease.metadata.resourceVersion
            ? `it moved to resourceVersion ${lease.metadata.resourceVersion}`
            : !this.holds(env)
              ? 'not renewed within the lease duration'
              : null;
      if (why !== null) {
        this.drop(env, why);
        throw shardLost(env, why, phase);
      }
      return { holder: this.o.identity, resourceVersion: held.lease.metadata.resourceVersion! };
    });
  }

  /**
   * The write fence of `env` (see WriteFence): it holds while this replica holds the Lease and its
   * last successful renewal was sent less than the lease duration minus a margin ago, on the
   * monotonic clock, so it fails before any other replica can see the Lease expire.
   */
  writeFence(env: string): WriteFence {
    // A third of the duration, as client-go's renew deadline (10 s of 15 s) leaves.
    const deadlineMs = (this.o.leaseDurationMs * 2) / 3;
    return () => {
      const held = this.held.get(env);
      if (!held) throw shardLost(env, 'it is not held here', 'apply-kubernetes');
      const age = this.clock() - held.renewedAtMs;
      if (age >= deadlineMs)
        throw shardLost(
          env,
          `not renewed for ${Math.round(age)} ms, past the renew deadline`,
          'apply-kubernetes',
        );
    };
  }

  /** Who holds `env` now (a fresh GET) and the URL it takes handed-off webhooks at; null when free. */
  async holderOf(env: string): Promise<ShardHolder | null> {
    const shard = this.byEnv.get(env);
    if (!shard) return null;
    const lease = await this.o.api.get(shard.lease);
    if (!lease) return null;
    this.remember(lease);
    const observed = this.observed.get(shard.lease)!;
    if (isFree(observed, this.clock(), this.o.leaseDurationMs)) return null;
    return { holder: holderOf(lease)!, url: lease.metadata.annotations?.[ADVERTISE_ANNOTATION] };
  }

  /** Releases the Leases of `envs` that this replica holds (at once, in parallel). */
  async release(envs: readonly string[]): Promise<void> {
    await Promise.all(envs.filter((env) => this.held.has(env)).map((env) => this.releaseOne(env)));
  }

  /** Stops renewing and balancing and removes the heartbeat; held Leases are left to `release`. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.soon) clearTimeout(this.soon);
    if (this.expiry) clearTimeout(this.expiry);
    this.stopWatch?.();
    await this.balancing?.catch(() => undefined);
    await this.o.api.delete(this.o.replicaLease).catch((error: unknown) => {
      this.o.log.warn({ err: errorMessage(error) }, 'could not delete the replica heartbeat Lease');
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    // ±10% jitter, so replicas started together do not renew in lockstep.
    const delay = this.o.renewIntervalMs * (0.9 + 0.2 * this.random());
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, delay);
    // The server keeps the process alive; a pending renewal must not keep a stopping one.
    this.timer.unref();
  }

  /** One renewal and balance pass, what the timer runs every renewInterval (tests drive it directly). */
  async tick(): Promise<void> {
    try {
      await this.heartbeat();
      await Promise.all([...this.held.keys()].map((env) => this.renew(env)));
      await this.scan();
      await this.balance();
    } catch (error) {
      this.o.log.warn({ err: errorMessage(error) }, 'shard pass failed; trying again next interval');
    }
  }

  /** A watched change: remember it, and rebalance soon when a holder changed or a replica came or went. */
  private onEvent(type: LeaseEvent, lease: Lease): void {
    if (!this.inGroup(lease)) return;
    const name = lease.metadata.name;
    const before = this.observed.get(name)?.lease;
    if (type === 'DELETED') this.observed.delete(name);
    else this.remember(lease);
    const replica = lease.metadata.labels?.[KIND_LABEL] === 'replica';
    const moved = type !== 'MODIFIED' || holderOf(lease) !== (before ? holderOf(before) : null);
    if (!moved) return;
    const env = this.envOfLease.get(name);
    // Someone else may have taken a Lease we think we hold (we missed renewals); the event may
    // also be an old one, from before we took it: a fresh read decides.
    if (env && this.held.has(env) && holderOf(lease) !== this.o.identity) this.verify(env);
    if (replica || env) this.balanceSoon();
  }

  private verify(env: string): void {
    void this.serialized(env, async () => {
      const held = this.held.get(env);
      if (!held) return;
      const lease = await this.o.api.get(this.byEnv.get(env)!.lease);
      if (!lease || holderOf(lease) !== this.o.identity)
        this.drop(env, `taken by ${lease ? (holderOf(lease) ?? 'nobody') : 'nobody (deleted)'}`);
    }).catch((error: unknown) => this.o.log.warn({ env, err: errorMessage(error) }, 'shard check failed'));
  }

  private balanceSoon(): void {
    if (this.stopped || this.soon) return;
    this.soon = setTimeout(
      () => {
        this.soon = null;
        void this.balance().catch((error: unknown) =>
          this.o.log.warn({ err: errorMessage(error) }, 'shard balance failed'),
        );
      },
      20 + this.random() * 180,
    );
  }

  private remember(lease: Lease): void {
    const name = lease.metadata.name;
    this.observed.set(name, observe(this.observed.get(name), lease, this.clock()));
  }

  private async scan(): Promise<void> {
    const leases = (await this.o.api.list()).filter((lease) => this.inGroup(lease));
    const seen = new Set(leases.map((l) => l.metadata.name));
    for (const name of this.observed.keys()) if (!seen.has(name)) this.observed.delete(name);
    for (const lease of leases) this.remember(lease);
  }

  /** Leases of another repository's replicas may share the namespace; they are none of ours. */
  private inGroup(lease: Lease): boolean {
    return lease.metadata.labels?.[GROUP_LABEL] === this.o.group;
  }

  private liveReplicas(): number {
    const now = this.clock();
    let live = 1; // this one
    for (const [name, observed] of this.observed) {
      if (name === this.o.replicaLease) continue;
      if (observed.lease.metadata.labels?.[KIND_LABEL] !== 'replica') continue;
      if (!isFree(observed, now, this.o.leaseDurationMs)) live += 1;
    }
    return live;
  }

  /** One balance pass at a time; a pass asked for while one runs is folded into it. */
  private balance(): Promise<void> {
    if (this.balancing) return this.balancing;
    this.balancing = this.balanceOnce().finally(() => (this.balancing = null));
    return this.balancing;
  }

  private async balanceOnce(): Promise<void> {
    if (this.stopped || !this.listener) return;
    const now = this.clock();
    const free = this.o.environments
      .filter((e) => !this.held.has(e.env))
      .filter((e) => {
        const observed = this.observed.get(e.lease);
        return !observed || isFree(observed, now, this.o.leaseDurationMs);
      })
      .map((e) => e.env);
    const listener = this.listener;
    const plan = planBalance({
      total: this.o.environments.length,
      live: this.liveReplicas(),
      held: this.heldEnvironments(),
      free,
      busy: (env) => listener.busy(env),
      random: this.random,
    });
    await Promise.all([
      ...plan.release.map((env) => this.releaseOne(env)),
      ...plan.acquire.map((env) => this.acquire(env)),
    ]);
    this.watchExpiry();
  }

  /**
   * Balances again the moment the next Lease held by another replica would expire, so that a
   * dead replica's environments are taken within the lease duration, not a renew interval later.
   */
  private watchExpiry(): void {
    if (this.stopped) return;
    const now = this.clock();
    let next = Infinity;
    for (const [name, observed] of this.observed) {
      if (name === this.o.replicaLease || holderOf(observed.lease) === this.o.identity) continue;
      if (isFree(observed, now, this.o.leaseDurationMs)) continue;
      const seconds = observed.lease.spec.leaseDurationSeconds;
      const duration = seconds && seconds > 0 ? seconds * 1000 : this.o.leaseDurationMs;
      next = Math.min(next, observed.observedAtMs + duration);
    }
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    if (next === Infinity || next - now >= this.o.renewIntervalMs) return;
    this.expiry = setTimeout(
      () => {
        this.expiry = null;
        void this.balance().catch((error: unknown) =>
          this.o.log.warn({ err: errorMessage(error) }, 'shard balance failed'),
        );
      },
      Math.max(0, next - now) + 5 + this.random() * 100,
    );
    this.expiry.unref();
  }

  private async heartbeat(): Promise<void> {
    const name = this.o.replicaLease;
    const lease = this.fresh(name, 'replica', this.observed.get(name)?.lease ?? (await this.o.api.get(name)));
    const written = await this.write(lease).catch(async (error: unknown) => {
      if (!(error instanceof LeaseConflict)) throw error;
      // Our own heartbeat moved under us (a restart with the same identity): read it and take it back.
      const current = await this.o.api.get(name);
      return this.write(this.fresh(name, 'replica', current));
    });
    this.remember(written);
  }

  private acquire(env: string): Promise<void> {
    return this.serialized(env, async () => {
      if (this.stopped || this.held.has(env)) return;
      const shard = this.byEnv.get(env)!;
      const sent = this.clock();
      const current = this.observed.get(shard.lease)?.lease ?? null;
      try {
        const written = await this.write(this.fresh(shard.lease, 'environment', current, env));
        this.remember(written);
        this.held.set(env, { lease: written, renewedAtMs: sent });
      } catch (error) {
        if (error instanceof LeaseConflict) return; // another replica won it
        throw error;
      }
      this.o.log.info({ env, lease: shard.lease, holder: this.o.identity }, 'shard acquired');
      this.listener?.gained(env);
    });
  }

  private renew(env: string): Promise<void> {
    return this.serialized(env, async () => {
      const held = this.held.get(env);
      if (!held) return;
      const sent = this.clock();
      try {
        const lease = held.lease;
        const written = await this.o.api.replace({
          ...lease,
          spec: { ...lease.spec, renewTime: microTime(this.now()) },
        });
        this.remember(written);
        this.held.set(env, { lease: written, renewedAtMs: sent });
      } catch (error) {
        if (error instanceof LeaseConflict) return this.drop(env, 'a renewal lost to another writer');
        // The API server is unreachable: we hold the Lease only until it would have expired.
        this.o.log.warn({ env, err: errorMessage(error) }, 'shard renewal failed');
        if (!this.holds(env)) this.drop(env, 'no renewal within the lease duration');
      }
    });
  }

  private releaseOne(env: string): Promise<void> {
    const held = this.held.get(env);
    if (!held) return Promise.resolve();
    // Dropped before the write, so no reconcile of it starts while the write is in flight.
    this.drop(env, 'released');
    return this.serialized(env, async () => {
      const lease = held.lease;
      try {
        const written = await this.o.api.replace({
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: null,
            leaseDurationSeconds: 1,
            renewTime: microTime(this.now()),
          },
        });
        this.remember(written);
      } catch (error) {
        // Taken already, or the API is unreachable: then the Lease expires by itself.
        this.o.log.warn({ env, err: errorMessage(error) }, 'shard release failed; the Lease will expire');
      }
    });
  }

  private drop(env: string, why: string): void {
    if (!this.held.delete(env)) return;
    this.o.log.info({ env, reason: why }, 'shard lost');
    this.listener?.lost(env);
  }

  /** A Lease held by this replica from now: created when `current` is null, else taken over at its resourceVersion. */
  private fresh(name: string, kind: 'environment' | 'replica', current: Lease | null, env?: string): Lease {
    const now = microTime(this.now());
    const ours = current !== null && holderOf(current) === this.o.identity;
    return {
      metadata: {
        name,
        ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
        labels: { ...(current?.metadata.labels ?? {}), [GROUP_LABEL]: this.o.group, [KIND_LABEL]: kind },
        annotations: {
          ...(current?.metadata.annotations ?? {}),
          [ADVERTISE_ANNOTATION]: this.o.advertiseUrl,
          ...(env ? { [ENV_ANNOTATION]: env } : {}),
        },
      },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        acquireTime: ours ? (current.spec.acquireTime ?? now) : now,
        renewTime: now,
        leaseTransitions: (current?.spec.leaseTransitions ?? 0) + (ours || current === null ? 0 : 1),
      },
    };
  }

  private write(lease: Lease): Promise<Lease> {
    return lease.metadata.resourceVersion ? this.o.api.replace(lease) : this.o.api.create(lease);
  }

  private serialized<T>(env: string, run: () => Promise<T>): Promise<T> {
    const before = this.serial.get(env) ?? Promise.resolve();
    const next = before.then(run, run);
    this.serial.set(
      env,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** A MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
export function microTime(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
