import { LeaseConflict, type Lease, type LeaseApi, type LeaseEvent } from '../../controller/shard/lease';

/**
 * A double of the Lease API with the API server's concurrency rule: every write gets a new
 * resourceVersion, and an update or a create that does not match what is stored is a 409 (a
 * `LeaseConflict`). Watchers are told of every change. `failing` makes every call throw, as an
 * unreachable API server would.
 */
export class FakeLeaseApi implements LeaseApi {
  readonly leases = new Map<string, Lease>();
  private version = 100;
  private readonly watchers = new Set<(type: LeaseEvent, lease: Lease) => void>();
  failing = false;
  writes = 0;
  /** GETs of one Lease (what a fence that reads the API would cost per call). */
  gets = 0;

  async list(): Promise<readonly Lease[]> {
    this.check();
    return [...this.leases.values()];
  }

  async get(name: string): Promise<Lease | null> {
    this.check();
    this.gets += 1;
    return this.leases.get(name) ?? null;
  }

  async create(lease: Lease): Promise<Lease> {
    this.check();
    if (this.leases.has(lease.metadata.name)) throw new LeaseConflict(lease.metadata.name, 409);
    return this.store(lease, 'ADDED');
  }

  async replace(lease: Lease): Promise<Lease> {
    this.check();
    const current = this.leases.get(lease.metadata.name);
    if (!current) throw new LeaseConflict(lease.metadata.name, 404);
    if (current.metadata.resourceVersion !== lease.metadata.resourceVersion)
      throw new LeaseConflict(lease.metadata.name, 409);
    return this.store(lease, 'MODIFIED');
  }

  async delete(name: string): Promise<void> {
    this.check();
    const current = this.leases.get(name);
    this.leases.delete(name);
    if (current) for (const w of this.watchers) w('DELETED', current);
  }

  watch(changed: (type: LeaseEvent, lease: Lease) => void): () => void {
    this.watchers.add(changed);
    return () => this.watchers.delete(changed);
  }

  /** What another writer (a replica, a person) does: set the holder, bypassing any resourceVersion. */
  overwrite(name: string, holder: string | null): Lease {
    const current = this.leases.get(name)!;
    return this.store({ ...current, spec: { ...current.spec, holderIdentity: holder } }, 'MODIFIED');
  }

  /**
   * What a forger with write access does: sets the holder, a duration and annotations, bypassing
   * any resourceVersion (and creates the Lease, with `labels`, when it does not exist).
   */
  forge(
    name: string,
    spec: Lease['spec'],
    meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
  ): Lease {
    const current = this.leases.get(name);
    return this.store(
      {
        metadata: {
          name,
          labels: { ...(current?.metadata.labels ?? {}), ...(meta.labels ?? {}) },
          annotations: { ...(current?.metadata.annotations ?? {}), ...(meta.annotations ?? {}) },
        },
        spec: { ...(current?.spec ?? {}), ...spec },
      },
      current ? 'MODIFIED' : 'ADDED',
    );
  }

  holderOf(name: string): string | null {
    return this.leases.get(name)?.spec.holderIdentity ?? null;
  }

  private store(lease: Lease, type: LeaseEvent): Lease {
    this.version += 1;
    this.writes += 1;
    const stored: Lease = {
      ...lease,
      metadata: { ...lease.metadata, resourceVersion: String(this.version) },
    };
    this.leases.set(stored.metadata.name, stored);
    for (const w of this.watchers) w(type, stored);
    return stored;
  }

  private check(): void {
    if (this.failing) throw new Error('connect ECONNREFUSED (the fake API server is down)');
  }
}
