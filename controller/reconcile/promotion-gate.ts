import type { PromotionGate } from '../config/types';
import { formatDuration } from '../duration';
import type { AuditEntry } from '../model';

/** The two folders' tree hashes (null: the folder is absent), as a revision or a ledger entry has them. */
export interface Trees {
  readonly aws?: string | null;
  readonly k8s?: string | null;
}

/** What the gate of one environment looks at; all of it read before, so the decision is pure. */
export interface GateInput {
  readonly env: string;
  readonly gate: PromotionGate;
  /** The branch head waiting to be applied. */
  readonly head: { readonly sha: string; readonly trees: Trees };
  /** The planes the gated environment applies: only their trees are compared. */
  readonly planes: { readonly aws: boolean; readonly k8s: boolean };
  /** The trees the gated environment stands at now (its last applied entry's); null before its first. */
  readonly current: Trees | null;
  /** The gated environment's own entries, newest first: trees it already ran are a rollback, not a promotion. */
  readonly ownEntries: readonly AuditEntry[];
  /** The `after` environment's entries, newest first (as the audit reader lists them). */
  readonly afterEntries: readonly AuditEntry[];
  /** The head a `cairn promote --force` let through; null when none did. */
  readonly forcedSha: string | null;
  readonly now: number;
}

/** Open: apply (and why); closed: wait, with the reason the status shows, and when to look again. */
export type GateVerdict =
  | { readonly open: true; readonly why: string }
  | {
      readonly open: false;
      readonly reason: string;
      /** When the wait ends by itself (the trees become healthy for long enough); absent: it waits for `after`. */
      readonly retryAt?: number;
    };

/**
 * "May this head be applied yet?", answered here only. It may when a person forced it, when it
 * changes neither half the environment applies (nothing is promoted), when this environment ran
 * those trees successfully before (a rollback: a revert must never wait for `after`), or when the same trees
 * (compared by hash, so a merge or a cherry-pick of the same change counts) were applied on the
 * `after` environment and stayed there, with no failed reconcile, for `healthyFor`. A run of
 * healthy time ends at the next entry that failed or moved `after` to other trees.
 */
export function promotionVerdict(input: GateInput): GateVerdict {
  const { gate, head, planes } = input;
  if (input.forcedSha === head.sha) return { open: true, why: 'promoted by force' };
  if (input.current && sameTrees(input.current, head.trees, planes))
    return { open: true, why: 'its trees are already applied here' };
  if (input.ownEntries.some((e) => ranTrees(e, head.trees, planes)))
    return { open: true, why: 'a rollback to trees this environment already ran' };
  const want = `${describeTrees(head.trees, planes)} of ${head.sha.slice(0, 7)}`;
  let since: number | null = null;
  let longest = 0;
  for (const entry of [...input.afterEntries].reverse()) {
    const healthy = ranTrees(entry, head.trees, planes);
    if (healthy && since === null) since = Date.parse(entry.finishedAt);
    if (!healthy && since !== null) {
      longest = Math.max(longest, Date.parse(entry.startedAt) - since);
      since = null;
    }
  }
  const need = formatDuration(gate.healthyForMs);
  if (longest >= gate.healthyForMs)
    return { open: true, why: `${want} were healthy on ${gate.after} for ${formatDuration(longest)}` };
  if (since !== null) {
    const healthyFor = input.now - since;
    if (healthyFor >= gate.healthyForMs)
      return {
        open: true,
        why: `${want} have been healthy on ${gate.after} for ${formatDuration(healthyFor)}`,
      };
    return {
      open: false,
      reason: `waiting for ${gate.after}: ${want} applied there ${formatDuration(healthyFor)} ago, needs ${need} healthy`,
      retryAt: since + gate.healthyForMs,
    };
  }
  if (longest > 0)
    return {
      open: false,
      reason: `waiting for ${gate.after}: ${want} were healthy there for only ${formatDuration(longest)} (needs ${need}) before they failed or were replaced`,
    };
  return { open: false, reason: `waiting for ${gate.after}: ${want} are not applied there yet` };
}

/** Whether `entry` succeeded with `trees` on every plane compared. */
function ranTrees(entry: AuditEntry, trees: Trees, planes: GateInput['planes']): boolean {
  return (
    entry.outcome === 'succeeded' && entry.applied !== undefined && sameTrees(entry.applied, trees, planes)
  );
}

/** Equal on every plane the environment applies; an entry that did not record a plane's tree never matches it. */
function sameTrees(a: Trees, b: Trees, planes: GateInput['planes']): boolean {
  const plane = (key: 'aws' | 'k8s') => a[key] !== undefined && b[key] !== undefined && a[key] === b[key];
  return (!planes.aws || plane('aws')) && (!planes.k8s || plane('k8s'));
}

/** `the trees (aws 1a2b3c4, k8s 5d6e7f8)`: short hashes of the planes compared. */
function describeTrees(trees: Trees, planes: GateInput['planes']): string {
  const part = (key: 'aws' | 'k8s') =>
    `${key} ${trees[key] === null ? 'absent' : (trees[key] ?? '?').slice(0, 7)}`;
  const parts = [planes.aws ? part('aws') : '', planes.k8s ? part('k8s') : ''].filter(Boolean);
  return `the trees (${parts.join(', ')})`;
}
