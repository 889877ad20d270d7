import {
  ADVERTISE_ANNOTATION,
  expiresAtMs,
  GROUP_LABEL,
  holderOf,
  isFree,
  KIND_LABEL,
  observe,
  type Lease,
  type Observed,
} from './lease';

/** What a GroupView needs to judge Leases: whose they are, and the configured duration and clock. */
export interface GroupViewOptions {
  /** The label value every Lease of this group carries (one repository's replicas). */
  readonly group: string;
  readonly identity: string;
  /** This replica's own heartbeat Lease (never counted as another replica). */
  readonly replicaLease: string;
  readonly leaseDurationMs: number;
  /** A monotonic clock in ms. */
  readonly clock: () => number;
}

/**
 * What this replica has seen of its group's Leases, each with the monotonic time it last saw the
 * record change: which are free, which replicas are live, and what a live replica advertises. All
 * expiry is the capped one of `expiresAtMs`, so nothing written into a Lease can make it outlive
 * the configured lease duration once it stops moving.
 */
export class GroupView {
  private readonly observed = new Map<string, Observed>();

  constructor(private readonly o: GroupViewOptions) {}

  /** Leases of another repository's replicas may share the namespace; they are none of ours. */
  inGroup(lease: Lease): boolean {
    return lease.metadata.labels?.[GROUP_LABEL] === this.o.group;
  }

  /** Records `lease` as seen now (its observation time moves only when the record changed). */
  remember(lease: Lease): void {
    const name = lease.metadata.name;
    this.observed.set(name, observe(this.observed.get(name), lease, this.o.clock()));
  }

  /** Forgets a deleted Lease. */
  forget(name: string): void {
    this.observed.delete(name);
  }

  /** Takes a full listing: Leases no longer listed are forgotten, the others remembered. */
  replaceAll(leases: readonly Lease[]): void {
    const mine = leases.filter((lease) => this.inGroup(lease));
    const seen = new Set(mine.map((l) => l.metadata.name));
    for (const name of this.observed.keys()) if (!seen.has(name)) this.observed.delete(name);
    for (const lease of mine) this.remember(lease);
  }

  /** The Lease `name` as last seen. */
  lease(name: string): Lease | undefined {
    return this.observed.get(name)?.lease;
  }

  /** True when nobody holds `name` by our observation (never seen counts as free: a write decides). */
  isFree(name: string): boolean {
    const observed = this.observed.get(name);
    return !observed || isFree(observed, this.o.clock(), this.o.leaseDurationMs);
  }

  /** Replicas whose heartbeat is live by our (capped) observation, this one included. */
  liveReplicas(): number {
    const now = this.o.clock();
    let live = 1; // this one
    for (const [name, observed] of this.observed) {
      if (name === this.o.replicaLease) continue;
      if (observed.lease.metadata.labels?.[KIND_LABEL] !== 'replica') continue;
      if (!isFree(observed, now, this.o.leaseDurationMs)) live += 1;
    }
    return live;
  }

  /**
   * The URL the live replica `identity` advertises in its own heartbeat Lease; undefined unless
   * that heartbeat names it as holder, is unexpired by our observation (capped), and has been
   * seen renewing at least once (a record written once, by anyone, advertises nothing).
   */
  advertisedBy(identity: string, replicaLease: string): string | undefined {
    const beat = this.observed.get(replicaLease);
    if (!beat || beat.lease.metadata.labels?.[KIND_LABEL] !== 'replica') return undefined;
    if (holderOf(beat.lease) !== identity || beat.renewals < 1) return undefined;
    if (isFree(beat, this.o.clock(), this.o.leaseDurationMs)) return undefined;
    return beat.lease.metadata.annotations?.[ADVERTISE_ANNOTATION];
  }

  /** The monotonic time the next Lease held by another replica expires; Infinity when none will. */
  nextExpiryMs(): number {
    const now = this.o.clock();
    let next = Infinity;
    for (const [name, observed] of this.observed) {
      if (name === this.o.replicaLease || holderOf(observed.lease) === this.o.identity) continue;
      if (isFree(observed, now, this.o.leaseDurationMs)) continue;
      next = Math.min(next, expiresAtMs(observed, this.o.leaseDurationMs));
    }
    return next;
  }
}
