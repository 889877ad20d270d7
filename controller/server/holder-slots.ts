/** What `HolderSlots.take` answered: how to give the slot back, or which cap refused it. */
export type Slot =
  { readonly release: () => void } | { readonly refused: 'server' | 'holder'; readonly cap: number };

/**
 * Slots of something the server holds for a request (an open event stream, an audit page being
 * read): at most `total` at once, and at most `perHolder` of them for one holder (a token, or an
 * address where the API is open; see `requesterOf`), so that one holder can never take them all.
 */
export class HolderSlots {
  private readonly held = new Map<string, number>();
  private taken = 0;

  constructor(
    readonly total: number,
    readonly perHolder: number,
  ) {}

  /** A slot for `holder`, or which cap is full. Releasing twice gives back one slot. */
  take(holder: string): Slot {
    if (this.taken >= this.total) return { refused: 'server', cap: this.total };
    const count = this.held.get(holder) ?? 0;
    if (count >= this.perHolder) return { refused: 'holder', cap: this.perHolder };
    this.taken += 1;
    this.held.set(holder, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.taken -= 1;
        const left = (this.held.get(holder) ?? 1) - 1;
        if (left > 0) this.held.set(holder, left);
        else this.held.delete(holder);
      },
    };
  }

  /** Slots taken now (tests, metrics). */
  get size(): number {
    return this.taken;
  }
}
