import { writersOf } from './decide';
import type { InventoryEntry, InventoryRecord } from './inventory';
import { keyOf } from './object-ref';
import type { Settled } from './settle-object';
import type { Target } from './targets';

/**
 * What the inventory keeps of an object that settled cleanly: its ref, and after an apply the
 * version and writers it stands at (what the next no-op compares); undefined when it failed.
 */
export function inventoryEntry(
  t: Target,
  s: Settled,
  before: InventoryEntry | undefined,
  dryRun: boolean,
): InventoryEntry | undefined {
  if (!s.object || s.failure) return undefined;
  const rv = s.object.metadata.resourceVersion as string | undefined;
  if (!rv || dryRun) return { ...t.ref };
  // The same version has the same writers: skip hashing them again.
  const fp = before?.fp && before.rv === rv ? before.fp : writersOf(s.object);
  return { ...t.ref, rv, fp };
}

/**
 * The inventory after an apply: every object of Git (with the resourceVersion cairn left, or the
 * one recorded before when this apply did not reach it), plus the pruned-but-kept objects.
 */
export function inventoryAfter(
  desired: readonly InventoryEntry[],
  previous: readonly InventoryEntry[],
  left: ReadonlyMap<string, InventoryEntry>,
  keep: readonly InventoryEntry[],
): readonly InventoryEntry[] {
  const before = new Map(previous.map((e) => [keyOf(e), e]));
  const out = desired.map((ref) => {
    const key = keyOf(ref);
    const now = left.get(key);
    if (now) return now;
    const old = before.get(key);
    return old?.rv ? { ...ref, rv: old.rv, ...(old.fp ? { fp: old.fp } : {}) } : { ...ref };
  });
  return [...out, ...keep];
}

/**
 * The inventory to write before an apply that may create objects it does not list yet: what it
 * lists (each entry as recorded) plus every object of Git it lacks; undefined when it lists them
 * all. A pre-identity inventory contributes nothing: it is never pruned from.
 */
export function inventoryAhead(
  record: InventoryRecord,
  desired: readonly InventoryEntry[],
): readonly InventoryEntry[] | undefined {
  const previous = record.source === 'current' ? record.entries : [];
  const known = new Set(previous.map(keyOf));
  const added = desired.filter((ref) => !known.has(keyOf(ref)));
  if (added.length === 0) return undefined;
  return [...previous, ...added.map((ref) => ({ ...ref }))];
}

export function sameEntries(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const line = (e: InventoryEntry) => `${e.apiVersion}|${keyOf(e)}|${e.rv ?? ''}`;
  const keys = new Set(a.map(line));
  return b.every((e) => keys.has(line(e)));
}
