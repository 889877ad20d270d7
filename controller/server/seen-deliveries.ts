import { createHash } from 'node:crypto';

/**
 * The delivery ids (or body digests) seen lately, bounded and least-recently-used first out, so
 * that a provider's retry or a replayed request is acknowledged without triggering a second
 * reconcile, and a flood of distinct ids cannot grow memory without limit. With `windowMs`, an
 * entry is also forgotten that long after it was last seen (body digests: a repeated body is
 * dropped within the window, and the same body may legitimately come back later). Ids are kept as
 * their SHA-256, so an entry costs the same whatever length a sender gave its id.
 */
export class SeenDeliveries {
  // A Map iterates in insertion order: the first key is the least recently seen.
  private readonly ids = new Map<string, number>();

  constructor(
    private readonly capacity = 4096,
    private readonly windowMs = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a whole number above 0');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be above 0');
  }

  /** True the first time `id` is seen (and remembers it); false for a repeat (and refreshes it). */
  firstSighting(id: string, now = Date.now()): boolean {
    this.expire(now);
    const key = kept(id);
    const seen = this.ids.delete(key);
    this.ids.set(key, now);
    if (!seen && this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next();
      if (!oldest.done) this.ids.delete(oldest.value);
    }
    return !seen;
  }

  /** Forgets `id`, so that a delivery whose handling failed is acted on when the provider retries it. */
  forget(id: string): void {
    this.ids.delete(kept(id));
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.ids.size;
  }

  private expire(now: number): void {
    if (this.windowMs === Number.POSITIVE_INFINITY) return;
    // Oldest first: stop at the first entry still inside the window.
    for (const [id, at] of this.ids) {
      if (now - at < this.windowMs) return;
      this.ids.delete(id);
    }
  }
}

/**
 * How an id is kept. A delivery id travels outside GitHub's, Gitea's and GitLab's signatures, so
 * whoever holds one signed delivery may send it again under ids as long as a header may be (16 KiB):
 * found in review, 16,500 such replays took `cairn run` from 76 MB to 327 MB, held for good.
 */
function kept(id: string): string {
  return createHash('sha256').update(id).digest('base64');
}
