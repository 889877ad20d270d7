import { CairnError } from '../model/errors';
import type { Phase } from '../model';

/** Label on every Lease cairn uses for sharding: the group (one repository's replicas) it belongs to. */
export const GROUP_LABEL = 'cairn.dev/shard-group';
/** Label saying what a Lease stands for: `shard` or `replica` (a heartbeat). */
export const KIND_LABEL = 'cairn.dev/shard-kind';
/** Annotation of a shard Lease: the shard's index (`3 of 16`), for people reading the Leases. */
export const SHARD_ANNOTATION = 'cairn.dev/shard';
/**
 * Annotation of a heartbeat Lease: where its replica takes handed-off webhooks. Read only from a
 * live heartbeat (see ShardManager.holderOf), never from a shard Lease, which anyone who can write
 * it could point anywhere.
 */
export const ADVERTISE_ANNOTATION = 'cairn.dev/advertise-url';

/** The fields of a `coordination.k8s.io/v1` Lease that sharding reads and writes. */
export interface Lease {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly holderIdentity?: string | null;
    readonly leaseDurationSeconds?: number | null;
    readonly acquireTime?: string | null;
    readonly renewTime?: string | null;
    readonly leaseTransitions?: number | null;
  };
}

/** The Lease API of one namespace, narrowed to what sharding needs; the real one talks to kube-apiserver. */
export interface LeaseApi {
  /** Every Lease of the group (label selector), with the list's resourceVersion. */
  list(): Promise<readonly Lease[]>;
  /** The Lease, or null when it does not exist. */
  get(name: string): Promise<Lease | null>;
  /** Creates the Lease; a `LeaseConflict` when it exists already. */
  create(lease: Lease): Promise<Lease>;
  /** Replaces the Lease at `metadata.resourceVersion`; a `LeaseConflict` when it moved or is gone. */
  replace(lease: Lease): Promise<Lease>;
  /** Deletes the Lease if it is still at `resourceVersion`; a missing or moved Lease is no error. */
  delete(name: string, resourceVersion?: string): Promise<void>;
  /** Calls `changed` with every Lease of the group that changes (a watch); returns a function that stops it. */
  watch?(changed: (type: LeaseEvent, lease: Lease) => void): () => void;
}

/** What happened to a watched Lease. */
export type LeaseEvent = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Someone else wrote the Lease first (HTTP 409), or it is gone (404): the write lost. */
export class LeaseConflict extends Error {
  constructor(
    readonly lease: string,
    readonly status: number,
  ) {
    super(`Lease ${lease} changed under us (HTTP ${status})`);
    this.name = 'LeaseConflict';
  }
}

/** What the audit entry records of the Lease a reconcile was fenced with (see `AuditEntry.lease`). */
export interface LeaseProof {
  readonly holder: string;
  readonly resourceVersion: string;
  /** The name of the shard Lease covering the environment (the ShardManager always sets it). */
  readonly name?: string;
}

/**
 * A Lease as this replica last saw it, with the local (monotonic) time its content last changed.
 * As client-go's leader election does, expiry is measured from when *we* saw the record move, not
 * from the holder's `renewTime`, so a holder whose clock is skewed neither keeps a dead Lease alive
 * nor loses a live one.
 */
export interface Observed {
  readonly lease: Lease;
  readonly observedAtMs: number;
  /**
   * How often this replica saw the record change after it first saw it: a heartbeat seen renewing
   * at least once is a replica at work, not a record someone wrote once.
   */
  readonly renewals: number;
}

/** The observation of `lease` at `nowMs`: the previous one's time is kept when the record did not change. */
export function observe(previous: Observed | undefined, lease: Lease, nowMs: number): Observed {
  if (!previous) return { lease, observedAtMs: nowMs, renewals: 0 };
  if (sameRecord(previous.lease, lease)) return { ...previous, lease };
  return { lease, observedAtMs: nowMs, renewals: previous.renewals + 1 };
}

/** The holder and renew time decide; a write that changed only the resourceVersion still counts as a change. */
function sameRecord(a: Lease, b: Lease): boolean {
  return (
    a.metadata.resourceVersion === b.metadata.resourceVersion &&
    (a.spec.holderIdentity ?? '') === (b.spec.holderIdentity ?? '') &&
    (a.spec.renewTime ?? '') === (b.spec.renewTime ?? '')
  );
}

/** The holder of a Lease, or null when it is free (no holder, or its holder released it). */
export function holderOf(lease: Lease): string | null {
  const holder = lease.spec.holderIdentity;
  return holder ? holder : null;
}

/**
 * When the observed Lease expires on this replica's monotonic clock: its `leaseDurationSeconds`
 * after we saw it change, capped at the configured lease duration. The cap is what keeps a Lease
 * written with `leaseDurationSeconds: 2000000000` (by a commit, or anyone else who can write it)
 * from freezing its shard: whatever the object says, it expires `configuredMs` after it stops moving.
 */
export function expiresAtMs(observed: Observed, configuredMs: number): number {
  const seconds = observed.lease.spec.leaseDurationSeconds;
  const stated = seconds && seconds > 0 ? seconds * 1000 : configuredMs;
  return observed.observedAtMs + Math.min(stated, configuredMs);
}

/** True when nobody holds the observed Lease any more: no holder, or no change seen for its (capped) duration. */
export function isFree(observed: Observed, nowMs: number, configuredMs: number): boolean {
  if (holderOf(observed.lease) === null) return true;
  return nowMs > expiresAtMs(observed, configuredMs);
}

/** The failure a reconcile stops with when its replica no longer holds the environment. */
export function shardLost(env: string, why: string, phase: Phase): CairnError {
  return new CairnError(`this replica no longer holds the Lease (${why}); nothing more is applied`, {
    code: 'shard.lost',
    phase,
    subject: `Lease of ${env}`,
    retryable: true,
    hint: 'nothing to do: the replica that holds the Lease now reconciles it',
  });
}

/**
 * The safety margin of the write fence: a write batch may start only while less than
 * leaseDuration − leaseDuration/5 has passed since the send time of the last renewal the API server
 * accepted. Another replica can take the shard only once it has seen no change for a full lease
 * duration on its own clock, and it saw our renewal no earlier than we sent it; so a batch that
 * passed the fence has at least leaseDuration/5 (3 s with the default 15 s) to reach the API
 * server before anyone else may write. What remains: requests of the batch still in flight after
 * that margin (a stalled connection), and monotonic clocks whose rates differ by more than 20 %.
 */
export function writeDeadlineMs(leaseDurationMs: number): number {
  return leaseDurationMs - leaseDurationMs / 5;
}

/**
 * The write fence's one decision, for a replica and for the CLI's own Lease alike: throws
 * `shard.lost` unless the last accepted renewal (`sinceRenewMs` ago; undefined: not held) is
 * younger than writeDeadlineMs.
 */
export function checkWriteDeadline(
  env: string,
  sinceRenewMs: number | undefined,
  leaseDurationMs: number,
  phase: Phase,
): void {
  if (sinceRenewMs === undefined) throw shardLost(env, 'it is not held here', phase);
  const deadline = writeDeadlineMs(leaseDurationMs);
  if (!(sinceRenewMs < deadline))
    throw shardLost(
      env,
      `no successful renewal for ${Math.round(sinceRenewMs)} ms (the bound is ${deadline} ms)`,
      phase,
    );
}
