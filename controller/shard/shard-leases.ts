import { errorMessage } from '../model/errors';
import type { Log } from '../log';
import { planBalance } from './balance';
import { GroupView } from './group-view';
import { holderOf, KIND_LABEL, LeaseConflict, type Lease, type LeaseApi, type LeaseEvent } from './lease';
import { heldRecord, microTime } from './lease-record';

/** What the Leases tell their user (the ShardManager), and ask of it; a shard is named by its Lease. */
export interface ShardLeaseListener {
  gained(shard: string): void;
  lost(shard: string): void;
  /** True while one of the shard's environments has a reconcile running or waiting. */
  busy(shard: string): boolean;
}

/** The settings and seams of ShardLeases. */
export interface ShardLeasesOptions {
  /** The Lease API, always with cairn's own identity (never an environment's client). */
  readonly api: LeaseApi;
  readonly identity: string;
  /** The label value every Lease of this group carries (one repository's replicas). */
  readonly group: string;
  /** The names of the shard Leases to share, each with a label for people (`3/16`). */
  readonly shards: readonly { readonly lease: string; readonly label: string }[];
  /** The name of this replica's heartbeat Lease. */
  readonly replicaLease: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  readonly advertiseUrl: string;
  readonly log: Log;
  /** A monotonic clock in ms (expiry, fencing). */
  readonly clock: () => number;
  /** The wall clock written into renewTime. */
  readonly now: () => Date;
  readonly random: () => number;
}

interface Held {
  readonly lease: Lease;
  /** Monotonic time the last successful write was sent: the Lease is ours for leaseDuration from it. */
  readonly renewedAtMs: number;
}

/**
 * Which shards this replica holds and wants, the way client-go's leader election holds one Lease:
 * acquire a free or expired Lease by an update at the resourceVersion it was read at (a conflict
 * means someone else won), renew every renewInterval, release by clearing the holder. A heartbeat
 * Lease per replica tells every replica how many are live; each aims at ceil(shards / live).
 * Every expiry is measured on this replica's monotonic clock from when it saw the record change,
 * capped at the configured lease duration (see `expiresAtMs`).
 */
export class ShardLeases {
  private readonly view: GroupView;
  private readonly held = new Map<string, Held>();
  private readonly labels: ReadonlyMap<string, string>;
  /** One write at a time per shard, so a fence never races a renew of the same Lease. */
  private readonly serial = new Map<string, Promise<unknown>>();
  private listener: ShardLeaseListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;
  private stopped = false;
  private balancing: Promise<void> | null = null;

  constructor(private readonly o: ShardLeasesOptions) {
    this.labels = new Map(o.shards.map((s) => [s.lease, s.label]));
    this.view = new GroupView(o);
  }

  /** Writes the heartbeat, reads the group, takes a first share, then renews and rebalances on a timer. */
  async start(listener: ShardLeaseListener): Promise<void> {
    this.listener = listener;
    await this.heartbeat();
    this.stopWatch = this.o.api.watch?.((type, lease) => this.onEvent(type, lease)) ?? null;
    // A short random pause lets replicas started together see each other's heartbeats before
    // the first share is taken, so the first one up does not take everything.
    await sleep(this.o.random() * Math.min(1000, this.o.renewIntervalMs / 2));
    await this.scan();
    await this.balance();
    this.schedule();
  }

  /** True while this replica holds `shard` and its last successful renewal is younger than the lease duration. */
  holds(shard: string): boolean {
    const since = this.sinceRenewMs(shard);
    return since !== undefined && since < this.o.leaseDurationMs;
  }

  /**
   * Monotonic ms since the last successful write of `shard`'s Lease by this replica (the send time
   * of the request the server accepted); undefined when this replica does not hold it.
   */
  sinceRenewMs(shard: string): number | undefined {
    const held = this.held.get(shard);
    return held === undefined ? undefined : this.o.clock() - held.renewedAtMs;
  }

  /** Shards held now. */
  heldShards(): readonly string[] {
    return [...this.held.keys()].filter((shard) => this.holds(shard));
  }

  /** The Lease of `shard` as this replica last wrote or saw it. */
  lease(shard: string): Lease | undefined {
    return this.held.get(shard)?.lease ?? this.view.lease(shard);
  }

  /**
   * A fresh GET of `shard`'s Lease, which must show this replica as holder at the resourceVersion
   * it last wrote, within the lease duration of its last renewal: the held Lease, or why not (the
   * shard is then dropped).
   */
  verify(shard: string): Promise<{ readonly lease: Lease } | { readonly why: string }> {
    return this.serialized(shard, async () => {
      const held = this.held.get(shard);
      if (!held) return { why: 'it is not held here' };
      const lease = await this.o.api.get(shard);
      const why = !lease
        ? 'the Lease is gone'
        : holderOf(lease) !== this.o.identity
          ? `held by ${holderOf(lease) ?? 'nobody'}`
          : lease.metadata.resourceVersion !== held.lease.metadata.resourceVersion
            ? `it moved to resourceVersion ${lease.metadata.resourceVersion}`
            : !this.holds(shard)
              ? 'not renewed within the lease duration'
              : null;
      if (why === null) {
        // A stale watch event (from before this replica took it) is corrected, so the next fence reads nothing.
        this.view.remember(lease!);
        return { lease: held.lease };
      }
      this.drop(shard, why);
      return { why };
    });
  }

  /**
   * The phase fence, without an API read (client-go's renew deadline is the model): the held
   * Lease when this replica's last accepted renewal of `shard` is younger than `deadlineMs` on the
   * monotonic clock, else why not. Renewals are updates at the resourceVersion last written, so
   * while they succeed nobody else can have taken the Lease; a holder the watch saw write over it
   * anyway (a forger, a person) is settled by a fresh read (`verify`), which drops the shard.
   * A read per reconcile queued the renewals behind it on a loaded server (issue 24, bench).
   */
  async fence(
    shard: string,
    deadlineMs: number,
  ): Promise<{ readonly lease: Lease } | { readonly why: string }> {
    const held = this.held.get(shard);
    if (!held) return { why: 'it is not held here' };
    const seen = this.view.lease(shard);
    if (seen && holderOf(seen) !== this.o.identity) return this.verify(shard);
    const since = this.o.clock() - held.renewedAtMs;
    if (!(since < deadlineMs))
      return { why: `no successful renewal for ${Math.round(since)} ms (the bound is ${deadlineMs} ms)` };
    return { lease: held.lease };
  }

  /** Who holds `shard` now, from a fresh GET (expiry capped as always); null when it is free. */
  async currentHolder(shard: string): Promise<string | null> {
    const lease = await this.o.api.get(shard);
    if (!lease) return null;
    this.view.remember(lease);
    return this.view.isFree(shard) ? null : holderOf(lease);
  }

  /** The URL the live replica `identity` advertises in its heartbeat (see GroupView.advertisedBy). */
  advertisedBy(identity: string, replicaLease: string): string | undefined {
    return this.view.advertisedBy(identity, replicaLease);
  }

  /** Releases the Leases of `shards` that this replica holds (at once, in parallel). */
  async release(shards: readonly string[]): Promise<void> {
    await Promise.all(shards.filter((s) => this.held.has(s)).map((s) => this.releaseOne(s)));
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

  /** One renewal and balance pass, what the timer runs every renewInterval (tests drive it directly). */
  async tick(): Promise<void> {
    try {
      // Renewals first and beside the heartbeat: on a slow API server, a renewal queued behind the
      // heartbeat write let the write fence's deadline pass (issue 24, bench: shard.lost on held shards).
      await Promise.all([this.heartbeat(), ...[...this.held.keys()].map((shard) => this.renew(shard))]);
      await this.scan();
      await this.balance();
    } catch (error) {
      this.o.log.warn({ err: errorMessage(error) }, 'shard pass failed; trying again next interval');
    }
  }

  /**
   * The next pass, renewInterval (±10% jitter, so replicas started together do not renew in
   * lockstep) after the start of the previous one (`since`), not after its end: a pass slowed by
   * a loaded API server must not push the next renewal past the write fence's deadline.
   */
  private schedule(since: number = this.o.clock()): void {
    if (this.stopped) return;
    const interval = this.o.renewIntervalMs * (0.9 + 0.2 * this.o.random());
    const delay = Math.max(0, interval - (this.o.clock() - since));
    this.timer = setTimeout(() => {
      const started = this.o.clock();
      void this.tick().finally(() => this.schedule(started));
    }, delay);
    // The server keeps the process alive; a pending renewal must not keep a stopping one.
    this.timer.unref();
  }

  /** A watched change: remember it, and rebalance soon when a holder changed or a replica came or went. */
  private onEvent(type: LeaseEvent, lease: Lease): void {
    if (!this.view.inGroup(lease)) return;
    const name = lease.metadata.name;
    const before = this.view.lease(name);
    if (type === 'DELETED') this.view.forget(name);
    else this.view.remember(lease);
    const replica = lease.metadata.labels?.[KIND_LABEL] === 'replica';
    const moved = type !== 'MODIFIED' || holderOf(lease) !== (before ? holderOf(before) : null);
    if (!moved) return;
    const shard = this.labels.has(name) ? name : null;
    // Someone else may have taken a Lease we think we hold (we missed renewals); the event may
    // also be an old one, from before we took it: a fresh read decides.
    if (shard && this.held.has(shard) && holderOf(lease) !== this.o.identity) this.recheck(shard);
    if (replica || shard) this.balanceSoon();
  }

  private recheck(shard: string): void {
    void this.verify(shard).catch((error: unknown) =>
      this.o.log.warn({ shard, err: errorMessage(error) }, 'shard check failed'),
    );
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
      20 + this.o.random() * 180,
    );
  }

  private async scan(): Promise<void> {
    this.view.replaceAll(await this.o.api.list());
  }

  /** One balance pass at a time; a pass asked for while one runs is folded into it. */
  private balance(): Promise<void> {
    if (this.balancing) return this.balancing;
    this.balancing = this.balanceOnce().finally(() => (this.balancing = null));
    return this.balancing;
  }

  private async balanceOnce(): Promise<void> {
    if (this.stopped || !this.listener) return;
    const free = this.o.shards
      .map((s) => s.lease)
      .filter((shard) => !this.held.has(shard) && this.view.isFree(shard));
    const listener = this.listener;
    const plan = planBalance({
      total: this.o.shards.length,
      live: this.view.liveReplicas(),
      held: this.heldShards(),
      free,
      busy: (shard) => listener.busy(shard),
      random: this.o.random,
    });
    await Promise.all([
      ...plan.release.map((shard) => this.releaseOne(shard)),
      ...plan.acquire.map((shard) => this.acquire(shard)),
    ]);
    this.watchExpiry();
  }

  /**
   * Balances again the moment the next Lease held by another replica would expire, so that a
   * dead (or forged) holder's shards are taken within the lease duration, not a renew interval later.
   */
  private watchExpiry(): void {
    if (this.stopped) return;
    const now = this.o.clock();
    const next = this.view.nextExpiryMs();
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
      Math.max(0, next - now) + 5 + this.o.random() * 100,
    );
    this.expiry.unref();
  }

  private async heartbeat(): Promise<void> {
    const name = this.o.replicaLease;
    const lease = this.fresh(name, 'replica', this.view.lease(name) ?? (await this.o.api.get(name)));
    const written = await this.write(lease).catch(async (error: unknown) => {
      if (!(error instanceof LeaseConflict)) throw error;
      // Our own heartbeat moved under us (a restart with the same identity): read it and take it back.
      const current = await this.o.api.get(name);
      return this.write(this.fresh(name, 'replica', current));
    });
    this.view.remember(written);
  }

  private acquire(shard: string): Promise<void> {
    return this.serialized(shard, async () => {
      if (this.stopped || this.held.has(shard)) return;
      const sent = this.o.clock();
      const current = this.view.lease(shard) ?? null;
      try {
        const written = await this.write(this.fresh(shard, 'shard', current));
        this.view.remember(written);
        this.held.set(shard, { lease: written, renewedAtMs: sent });
      } catch (error) {
        if (error instanceof LeaseConflict) return; // another replica won it
        throw error;
      }
      this.o.log.info({ lease: shard, holder: this.o.identity }, 'shard acquired');
      this.listener?.gained(shard);
    });
  }

  private renew(shard: string): Promise<void> {
    return this.serialized(shard, async () => {
      const held = this.held.get(shard);
      if (!held) return;
      const sent = this.o.clock();
      try {
        const lease = held.lease;
        const written = await this.o.api.replace({
          ...lease,
          spec: { ...lease.spec, renewTime: microTime(this.o.now()) },
        });
        this.view.remember(written);
        this.held.set(shard, { lease: written, renewedAtMs: sent });
      } catch (error) {
        if (error instanceof LeaseConflict) return this.drop(shard, 'a renewal lost to another writer');
        // The API server is unreachable: we hold the Lease only until it would have expired.
        this.o.log.warn({ lease: shard, err: errorMessage(error) }, 'shard renewal failed');
        if (!this.holds(shard)) this.drop(shard, 'no renewal within the lease duration');
      }
    });
  }

  private releaseOne(shard: string): Promise<void> {
    const held = this.held.get(shard);
    if (!held) return Promise.resolve();
    // Dropped before the write, so no reconcile of it starts while the write is in flight.
    this.drop(shard, 'released');
    return this.serialized(shard, async () => {
      const lease = held.lease;
      try {
        const spec = { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1 };
        const written = await this.o.api.replace({
          ...lease,
          spec: { ...spec, renewTime: microTime(this.o.now()) },
        });
        this.view.remember(written);
      } catch (error) {
        // Taken already, or the API is unreachable: then the Lease expires by itself.
        this.o.log.warn(
          { lease: shard, err: errorMessage(error) },
          'shard release failed; the Lease will expire',
        );
      }
    });
  }

  private drop(shard: string, why: string): void {
    if (!this.held.delete(shard)) return;
    this.o.log.info({ lease: shard, reason: why }, 'shard lost');
    this.listener?.lost(shard);
  }

  /** A Lease held by this replica from now (see heldRecord). */
  private fresh(name: string, kind: 'shard' | 'replica', current: Lease | null): Lease {
    return heldRecord(this.o, name, kind, current, this.o.now(), this.labels.get(name));
  }

  private write(lease: Lease): Promise<Lease> {
    return lease.metadata.resourceVersion ? this.o.api.replace(lease) : this.o.api.create(lease);
  }

  private serialized<T>(shard: string, run: () => Promise<T>): Promise<T> {
    const before = this.serial.get(shard) ?? Promise.resolve();
    const next = before.then(run, run);
    this.serial.set(
      shard,
      next.catch(() => undefined),
    );
    return next;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
