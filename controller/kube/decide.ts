import { createHash } from 'node:crypto';
import { needsHealthWait } from './health';
import { claimedOwner, liveOwner, mayTake, type Adopt, type Owner } from './identity';
import { DIGEST_ANNOTATION, PRUNE_ANNOTATION } from './normalize';
import { refOf, subjectOf } from './object-ref';
import type { KubeObject } from './types';

/**
 * What to do with one object of Git, decided from the live object alone (no request), for both
 * `cairn plan` and the reconcile:
 * - `refuse`: the live object carries another environment's owner mark that this config does not adopt;
 * - `unowned`: the live object carries no owner mark at all, and this config does not adopt it;
 * - `create`: it does not exist;
 * - `apply`: what cairn would send differs from what cairn last sent (its digest annotation);
 * - `check`: what cairn last sent, but someone wrote the object (outside its status) since cairn left
 *   it, or cairn has no record of how it left it: a dry run tells whether what Git declares changed;
 * - `unchanged`: exactly as cairn left it.
 */
export type Decision =
  | { readonly kind: 'refuse'; readonly owner: Owner }
  | { readonly kind: 'unowned'; readonly managers: readonly string[] }
  | { readonly kind: 'create' }
  | { readonly kind: 'apply'; readonly adoptedFrom?: Owner }
  | { readonly kind: 'check' }
  | { readonly kind: 'unchanged' };

/** What `decide` needs to know about the object cairn would send. */
export interface DecisionInput {
  /** The digest of the body cairn would send (Git's object with cairn's owner marks). */
  readonly digest: string;
  readonly owner: Owner;
  readonly adopt: Adopt;
  /** Take over live objects with no owner mark (`kubernetes.adoptUnowned`). */
  readonly adoptUnowned?: boolean;
}

/** How cairn left an object on the server, as its inventory records it. */
export interface LeftState {
  /** The resourceVersion right after cairn's last apply or check. */
  readonly rv?: string;
  /** `writersOf` the object then. */
  readonly fp?: string;
}

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly time?: string;
  readonly subresource?: string;
  readonly fieldsV1?: unknown;
}

/**
 * A short fingerprint of who last wrote what in an object, outside its status: its managedFields
 * entries without a subresource. A controller writing only `status` (a Deployment's rollout) moves
 * the resourceVersion but not this; any other write (`kubectl edit`, `patch`, another applier)
 * changes an entry's fields or time, or adds one.
 */
export function writersOf(object: KubeObject): string {
  const entries = ((object.metadata.managedFields ?? []) as readonly ManagedFieldsEntry[])
    .filter((e) => !e.subresource)
    .map((e) => JSON.stringify([e.manager, e.operation, e.apiVersion, e.time, e.fieldsV1]))
    .sort();
  return createHash('sha256').update(entries.join('\n')).digest('hex').slice(0, 16);
}

/** The field managers of an object (who wrote it), each once, in order. */
export function managersOf(object: KubeObject): readonly string[] {
  const entries = (object.metadata.managedFields ?? []) as readonly ManagedFieldsEntry[];
  return [...new Set(entries.map((e) => e.manager ?? '(unnamed)'))];
}

/** True when the live object is as cairn left it: same resourceVersion, or only its status moved since. */
export function asLeft(live: KubeObject, left: LeftState | undefined): boolean {
  if (!left?.rv) return false;
  if (live.metadata.resourceVersion === left.rv) return true;
  return left.fp !== undefined && writersOf(live) === left.fp;
}

/** Decides one object's action from the live object and how cairn recorded leaving it. */
export function decide(
  input: DecisionInput,
  live: KubeObject | undefined,
  left: LeftState | undefined,
): Decision {
  if (!live) return { kind: 'create' };
  const other = claimedOwner(live);
  // `kubernetes.adopt` may name this one object (`Kind/namespace/name`), marked or not.
  const listed = Array.isArray(input.adopt) && input.adopt.includes(subjectOf(refOf(live)));
  if (!other && !input.adoptUnowned && !listed) return { kind: 'unowned', managers: managersOf(live) };
  if (!listed && !mayTake(input.owner, other, input.adopt)) return { kind: 'refuse', owner: other! };
  if (other && other.id !== input.owner.id) return { kind: 'apply', adoptedFrom: other };
  if (live.metadata.annotations?.[DIGEST_ANNOTATION] !== input.digest) return { kind: 'apply' };
  return asLeft(live, left) ? { kind: 'unchanged' } : { kind: 'check' };
}

/**
 * True when settling a decision needs the live object's body, not its metadata alone: to compare
 * or diff it (`apply`, `check`), or to judge its health from its status (an unchanged CRD or
 * workload).
 */
export function needsBody(decision: Decision, kind: string): boolean {
  if (decision.kind === 'apply' || decision.kind === 'check') return true;
  return decision.kind === 'unchanged' && needsHealthWait(kind);
}

/**
 * What prune does with an object of the inventory that left Git: `delete` it only when its live
 * owner mark is this environment's; `gone` when it no longer exists; else `keep` with the reason.
 */
export type PruneDecision =
  | { readonly kind: 'delete' }
  | { readonly kind: 'gone' }
  | { readonly kind: 'keep'; readonly reason: string };

/** Decides the prune of one object from its live version. */
export function decidePrune(owner: Owner, live: KubeObject | undefined): PruneDecision {
  if (!live) return { kind: 'gone' };
  if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'disabled')
    return { kind: 'keep', reason: 'prune disabled' };
  const other = liveOwner(live);
  if (!other) return { kind: 'keep', reason: 'no cairn owner mark; not pruned' };
  if (other.id !== owner.id) return { kind: 'keep', reason: `owned by ${other.description}; not pruned` };
  return { kind: 'delete' };
}
