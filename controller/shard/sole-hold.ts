import type { Log } from '../log';
import type { Phase, WriteFence } from '../model';
import { errorMessage } from '../model/errors';
import {
  checkWriteDeadline,
  holderOf,
  LeaseConflict,
  shardLost,
  type Lease,
  type LeaseApi,
  type LeaseProof,
} from './lease';
import { heldRecord, microTime } from './lease-record';

/** What a SoleHold needs: the Lease API, who holds, and the configured timings. */
export interface SoleHoldOptions {
  readonly api: LeaseApi;
  readonly identity: string;
  readonly group: string;
  /** The shard Lease to hold, and its label for people (`3/16`). */
  readonly lease: string;
  readonly label: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  readonly log: Log;
  /** A monotonic clock in ms; performance.now by default. */
  readonly clock?: () => number;
}

/**
 * One shard Lease held by a process that is no replica (`cairn sync` / `cairn plan` when no
 * replica holds the environment): taken at the resourceVersion it was read at, renewed every
 * renewInterval while the work runs, and released at the end. It fences exactly as a replica
 * does (`fence` before each apply phase, `writeFence` before each write batch), so the CLI never
 * applies unfenced; it writes no heartbeat, so the replicas do not count it in their fair share.
 */
export class SoleHold {
  private held: { lease: Lease; renewedAtMs: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  private readonly clock: () => number;

  constructor(private readonly o: SoleHoldOptions) {
    this.clock = o.clock ?? (() => performance.now());
  }

  /** Takes the Lease as `current` was read (null: it does not exist); false when another writer won. */
  async take(current: Lease | null): Promise<boolean> {
    const w = { ...this.o, advertiseUrl: '' };
    const record = heldRecord(w, this.o.lease, 'shard', current, new Date(), this.o.label);
    const sent = this.clock();
    try {
      const written = current ? await this.o.api.replace(record) : await this.o.api.create(record);
      this.held = { lease: written, renewedAtMs: sent };
    } catch (error) {
      if (error instanceof LeaseConflict) return false;
      throw error;
    }
    this.schedule();
    return true;
  }

  /** The proof the audit entry records: a fresh GET must show this holder at the version it wrote, renewed in time. */
  fence(env: string, phase: Phase): Promise<LeaseProof> {
    return this.serialized(async () => {
      const held = this.held;
      if (!held) throw shardLost(env, 'it is not held here', phase);
      const lease = await this.o.api.get(this.o.lease);
      if (!lease || holderOf(lease) !== this.o.identity)
        throw shardLost(env, `held by ${lease ? (holderOf(lease) ?? 'nobody') : 'nobody (gone)'}`, phase);
      if (lease.metadata.resourceVersion !== held.lease.metadata.resourceVersion)
        throw shardLost(env, `it moved to resourceVersion ${lease.metadata.resourceVersion}`, phase);
      if (this.clock() - held.renewedAtMs >= this.o.leaseDurationMs)
        throw shardLost(env, 'not renewed within the lease duration', phase);
      return {
        holder: this.o.identity,
        resourceVersion: held.lease.metadata.resourceVersion!,
        name: this.o.lease,
      };
    });
  }

  /** The synchronous write fence (see ShardManager.writeFence): the last renewal must be younger than the deadline. */
  writeFence(env: string, phase: Phase): WriteFence {
    return () => {
      const since = this.held ? this.clock() - this.held.renewedAtMs : undefined;
      checkWriteDeadline(env, since, this.o.leaseDurationMs, phase);
    };
  }

  /** Stops renewing and clears the holder, so that a replica takes the shard at its next balance. */
  async release(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.serialized(async () => {
      const held = this.held;
      this.held = null;
      if (!held) return;
      const spec = { ...held.lease.spec, holderIdentity: null, leaseDurationSeconds: 1 };
      await this.o.api
        .replace({ ...held.lease, spec: { ...spec, renewTime: microTime(new Date()) } })
        .catch((error: unknown) =>
          this.o.log.warn(
            { lease: this.o.lease, err: errorMessage(error) },
            'shard release failed; the Lease will expire',
          ),
        );
    });
  }

  private schedule(): void {
    this.timer = setTimeout(
      () => void this.renew().finally(() => this.held && this.schedule()),
      this.o.renewIntervalMs,
    );
    this.timer.unref();
  }

  private renew(): Promise<void> {
    return this.serialized(async () => {
      const held = this.held;
      if (!held) return;
      const sent = this.clock();
      try {
        const lease = await this.o.api.replace({
          ...held.lease,
          spec: { ...held.lease.spec, renewTime: microTime(new Date()) },
        });
        this.held = { lease, renewedAtMs: sent };
      } catch (error) {
        // A conflict: someone else wrote it; the fences stop the work. Otherwise the next renewal may land.
        if (error instanceof LeaseConflict) this.held = null;
        this.o.log.warn({ lease: this.o.lease, err: errorMessage(error) }, 'shard renewal failed');
      }
    });
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const next = this.serial.then(run, run);
    this.serial = next.catch(() => undefined);
    return next;
  }
}
