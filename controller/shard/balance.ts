/** What one balance pass should do: shards to let go of, and free ones to try to take. */
export interface BalancePlan {
  readonly release: readonly string[];
  readonly acquire: readonly string[];
}

/** What a replica knows when it balances. */
export interface BalanceInput {
  /** Shards in the group (those that cover at least one environment). */
  readonly total: number;
  /** Replicas whose heartbeat Lease is live, this one included (at least 1). */
  readonly live: number;
  /** Shards this replica holds. */
  readonly held: readonly string[];
  /** Shards nobody holds (no holder, released, or expired by our observation). */
  readonly free: readonly string[];
  /** True while a reconcile of one of the shard's environments runs or waits: it is not released mid-apply. */
  readonly busy: (shard: string) => boolean;
  readonly random?: () => number;
}

/** The fair share of one replica: ceil(total / live). */
export function fairShare(total: number, live: number): number {
  return Math.ceil(total / Math.max(1, live));
}

/**
 * Argo CD's idea with Leases: every replica aims at the fair share. Over it, a replica releases
 * idle extras (a busy one finishes first); under it, it tries free shards in a random order,
 * so that replicas balancing at once do not all race for the same Lease. Releasing only above the
 * fair share and taking only below it cannot flap, and keeps every replica at most one above the
 * fair share while views of `live` converge.
 */
export function planBalance(input: BalanceInput): BalancePlan {
  const fair = fairShare(input.total, input.live);
  const random = input.random ?? Math.random;
  if (input.held.length > fair) {
    const idle = shuffle(
      input.held.filter((shard) => !input.busy(shard)),
      random,
    );
    return { release: idle.slice(0, input.held.length - fair), acquire: [] };
  }
  return { release: [], acquire: shuffle(input.free, random).slice(0, fair - input.held.length) };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
