import type { Phase, WriteFence } from '../model';
import { CairnError, errorMessage } from '../model/errors';
import type { Log } from '../log';
import {
  checkWriteDeadline,
  GROUP_LABEL,
  holderOf,
  KIND_LABEL,
  LeaseConflict,
  type Lease,
  type LeaseApi,
} from './lease';
import { microTime } from './lease-record';

/** Annotation of the unsharded heartbeat: the pod (or host) its replica runs on. */
export const HOST_ANNOTATION = 'cairn.dev/replica-host';
/** Annotation of the unsharded heartbeat: its replica's process id (a same-host restart reads it). */
export const PID_ANNOTATION = 'cairn.dev/replica-pid';

/** The one heartbeat Lease of a repository's unsharded replica. */
export function unshardedLeaseName(group: string): string {
  return `cairn-unsharded-${group}`;
}

/** Who this replica is, and how long a heartbeat stays live without a renewal. */
export interface UnshardedGuardOptions {
  readonly api: LeaseApi;
  readonly group: string;
  /** Unique per process (a restart is another replica). */
  readonly identity: string;
  /** POD_NAME in a cluster, else the host name. */
  readonly host: string;
  readonly pid: number;
  /**
   * What holds the heartbeat: a `cairn run` replica, or a one-shot `cairn sync` (which holds it for
   * its reconcile, so that neither writes beside the other). Only the refusal's words differ.
   */
  readonly acting?: 'replica' | 'sync';
  /** Where the Lease lives, for messages (`<namespace>/<name>`). */
  readonly namespace: string;
  readonly leaseDurationMs: number;
  readonly renewIntervalMs: number;
  readonly log: Log;
  /** The wall clock written into renewTime and compared with another replica's. */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Whether process `pid` runs on this host (a same-host heartbeat of a dead process is stale). */
  readonly alive?: (pid: number) => boolean;
  /** A monotonic clock in ms, for the write fence; performance.now by default. */
  readonly clock?: () => number;
}

/**
 * The guard that keeps a repository to one unsharded replica: a single heartbeat Lease, held and
 * renewed by the replica that runs. A replica that finds another's live heartbeat at start-up
 * refuses to start (`sharding.unsharded-peer`), naming it, because two unsharded replicas would
 * each reconcile every environment and close each other's open attempts as interrupted. A heartbeat
 * is live while its renewTime is within the lease duration of our wall clock, or while it keeps
 * moving (a holder whose clock lags); a replica that died stops counting one lease duration after
 * its last renewal, and at once for a restart on the same pod or host whose old process is gone.
 */
export class UnshardedGuard {
  private held: Lease | null = null;
  /** When the write that last landed (the claim or a renewal) was sent, on the monotonic clock. */
  private renewedAtMs = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The renewal on its way, if any: a release waits for it (see `release`). */
  private renewing: Promise<string | null> | null = null;
  private released = false;
  private readonly name: string;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;

  constructor(private readonly o: UnshardedGuardOptions) {
    this.name = unshardedLeaseName(o.group);
    this.now = o.now ?? (() => new Date());
    this.sleep = o.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.clock = o.clock ?? (() => performance.now());
  }

  /**
   * The write fence of `env` without sharding, as a replica's (see ShardManager.writeFence):
   * synchronous, no API call. It throws `shard.lost` unless the heartbeat is held here and its last
   * landed renewal was sent less than writeDeadlineMs(leaseDuration) ago. A process paused past
   * that (or cut off from the cluster that keeps the heartbeat) may have been succeeded by another
   * replica, which takes a heartbeat only a whole lease duration after its last renewal: so it
   * stops before its next write batch, instead of overwriting what the successor applied.
   */
  writeFence(env: string, phase: Phase): WriteFence {
    return () => {
      const since = this.held ? this.clock() - this.renewedAtMs : undefined;
      checkWriteDeadline(env, since, this.o.leaseDurationMs, phase);
    };
  }

  /**
   * Takes the heartbeat, or throws `sharding.unsharded-peer` naming the live replica that holds it
   * (or a live sharded replica of the same repository). Then renews it every renewInterval; a
   * renewal that finds the Lease taken (this process was paused past the lease duration and
   * another replica started) calls `lost`, and the caller stops.
   */
  async claim(lost: (why: string) => void): Promise<void> {
    for (const lease of await this.o.api.list()) {
      if (lease.metadata.labels?.[KIND_LABEL] === 'replica' && this.liveByClock(lease))
        throw this.peer(lease, 'a sharded replica of this repository runs');
    }
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await this.o.api.get(this.name);
      if (current && !(await this.stale(current))) throw this.peer(current, 'it holds the heartbeat');
      try {
        const sent = this.clock();
        this.held = await this.write(current);
        this.renewedAtMs = sent;
        break;
      } catch (error) {
        if (!(error instanceof LeaseConflict)) throw error;
        // Another replica wrote it between our read and write: read it again and judge afresh.
      }
    }
    if (!this.held) throw this.peer(await this.o.api.get(this.name), 'it keeps taking the heartbeat');
    this.o.log.info(
      { lease: this.name, replica: this.o.identity, host: this.o.host },
      'unsharded replica heartbeat held',
    );
    this.schedule(lost);
  }

  /**
   * Stops renewing and deletes the heartbeat (at the version this replica wrote), so a successor
   * starts at once. A renewal on its way is waited for first: found in review, a sync whose release
   * raced one deleted at the version before it (refused, so the next replica was refused as a peer
   * for a lease duration), or deleted first and then heard its renewal fail as "taken".
   */
  async release(): Promise<void> {
    this.released = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.renewing?.catch(() => undefined);
    const held = this.held;
    this.held = null;
    if (!held) return;
    await this.o.api.delete(this.name, held.metadata.resourceVersion).catch((error: unknown) => {
      this.o.log.warn({ lease: this.name, err: errorMessage(error) }, 'could not delete the heartbeat Lease');
    });
  }

  private schedule(lost: (why: string) => void): void {
    this.timer = setTimeout(() => {
      const renewing = this.renew();
      this.renewing = renewing;
      void renewing.then(
        (why) => {
          this.renewing = null;
          if (this.released) return;
          if (why === null) this.schedule(lost);
          else lost(why);
        },
        () => {
          this.renewing = null;
          if (!this.released) this.schedule(lost);
        },
      );
    }, this.o.renewIntervalMs);
    this.timer.unref();
  }

  /** One renewal: null when it landed or failed for a reason a later one may fix; why, when it was taken. */
  private async renew(): Promise<string | null> {
    if (!this.held) return null;
    try {
      const sent = this.clock();
      this.held = await this.o.api.replace({
        ...this.held,
        spec: { ...this.held.spec, renewTime: microTime(this.now()) },
      });
      this.renewedAtMs = sent;
      return null;
    } catch (error) {
      if (error instanceof LeaseConflict) {
        const now = await this.o.api.get(this.name).catch(() => null);
        this.held = null;
        return `the heartbeat Lease ${this.o.namespace}/${this.name} was taken by ${now ? describe(now) : 'nobody (deleted)'}`;
      }
      this.o.log.warn({ lease: this.name, err: errorMessage(error) }, 'heartbeat renewal failed');
      return null;
    }
  }

  /** Whether `lease` can be taken: free, ours, a dead process on this host, or seen not moving for a renew interval. */
  private async stale(lease: Lease): Promise<boolean> {
    const holder = holderOf(lease);
    if (holder === null || holder === this.o.identity) return true;
    const annotations = lease.metadata.annotations ?? {};
    const pid = Number(annotations[PID_ANNOTATION]);
    if (annotations[HOST_ANNOTATION] === this.o.host && Number.isInteger(pid)) {
      // The same pod restarted (its pid may be ours again) or the same host's process is gone.
      if (pid === this.o.pid || !(this.o.alive ?? processAlive)(pid)) return true;
    }
    if (this.liveByClock(lease)) return false;
    // Old by our clock: still live if it moves (a holder whose clock lags ours renews anyway).
    await this.sleep(this.o.renewIntervalMs * 1.2);
    const again = await this.o.api.get(this.name);
    return !again || again.metadata.resourceVersion === lease.metadata.resourceVersion;
  }

  private liveByClock(lease: Lease): boolean {
    if (holderOf(lease) === null) return false;
    const renewed = Date.parse(lease.spec.renewTime ?? lease.spec.acquireTime ?? '');
    if (Number.isNaN(renewed)) return false;
    return this.now().getTime() - renewed < this.o.leaseDurationMs;
  }

  private write(current: Lease | null): Promise<Lease> {
    const at = microTime(this.now());
    const lease: Lease = {
      metadata: {
        name: this.name,
        ...(current?.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
        labels: { [GROUP_LABEL]: this.o.group, [KIND_LABEL]: 'unsharded' },
        annotations: { [HOST_ANNOTATION]: this.o.host, [PID_ANNOTATION]: String(this.o.pid) },
      },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.o.leaseDurationMs / 1000),
        acquireTime: at,
        renewTime: at,
        leaseTransitions: (current?.spec.leaseTransitions ?? 0) + (current ? 1 : 0),
      },
    };
    return current ? this.o.api.replace(lease) : this.o.api.create(lease);
  }

  private peer(lease: Lease | null, why: string): CairnError {
    const who = lease ? describe(lease) : 'another replica';
    const expiry = `a replica that died stops counting ${Math.round(this.o.leaseDurationMs / 1000)} s after its last renewal`;
    const sync = this.o.acting === 'sync';
    return new CairnError(
      sync
        ? `another cairn process runs for this repository: ${who} (${why}); without sharding a sync beside it could write the environment while it does, so this sync does not run`
        : `another cairn replica runs for this repository: ${who} (${why}); two replicas without sharding would both write every environment, so this one does not start`,
      {
        code: 'sharding.unsharded-peer',
        phase: 'config',
        subject: `Lease ${this.o.namespace}/${lease?.metadata.name ?? this.name}`,
        hint: sync
          ? `the running replica applies each branch head itself: push, or queue a sync on it (POST /api/environments/<env>/sync); or stop it first; ${expiry}`
          : `stop that replica, or set sharding.enabled: true (with audit.backend: dynamodb) on every replica; ${expiry}`,
      },
    );
  }
}

/** `<identity> on <host> (pid N) since <acquireTime>, renewed <renewTime>`, from a heartbeat. */
function describe(lease: Lease): string {
  const a = lease.metadata.annotations ?? {};
  const host = a[HOST_ANNOTATION] ? ` on ${a[HOST_ANNOTATION]}` : '';
  const pid = a[PID_ANNOTATION] ? ` (pid ${a[PID_ANNOTATION]})` : '';
  const since = lease.spec.acquireTime ? ` since ${lease.spec.acquireTime}` : '';
  const renewed = lease.spec.renewTime ? `, last renewed ${lease.spec.renewTime}` : '';
  return `${holderOf(lease) ?? 'nobody'}${host}${pid}${since}${renewed}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
