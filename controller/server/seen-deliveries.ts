/**
 * The delivery ids seen lately, bounded and least-recently-used first out, so that a provider's
 * retry or a replayed request is acknowledged without triggering a second reconcile, and a flood
 * of distinct ids cannot grow memory without limit.
 */
export class SeenDeliveries {
  // A Map iterates in insertion order: the first key is the least recently seen.
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a whole number above 0');
  }

  /** True the first time `id` is seen (and remembers it); false for a repeat (and refreshes it). */
  firstSighting(id: string): boolean {
    const seen = this.ids.delete(id);
    this.ids.set(id, true);
    if (!seen && this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    return !seen;
  }

  /** Forgets `id`, so that a delivery whose handling failed is acted on when the provider retries it. */
  forget(id: string): void {
    this.ids.delete(id);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.ids.size;
  }
}
