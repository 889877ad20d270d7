import type { KubernetesTargetConfig } from '../config/types';
import type { Phase } from '../model/errors';
import type { FenceGate } from '../model';
import type { Limit } from '../model/map-limit';
import { changeOf, fenced, unreadable } from './apply-outcomes';
import { decide, needsBody } from './decide';
import type { Owner } from './identity';
import type { InventoryEntry } from './inventory';
import type { KubeClient } from './kube-client';
import { getObject, isMetadataOnly } from './object-ops';
import { keyOf } from './object-ref';
import { settleObject, type Settled } from './settle-object';
import type { Target } from './targets';
import type { KubeObject } from './types';

/** What one object's turn in a plan or an apply goes by: the same for every object of a wave. */
export interface ObjectTurn {
  /** The environment's identity. */
  readonly client: KubeClient;
  readonly target: KubernetesTargetConfig;
  readonly owner: Owner;
  readonly dryRun: boolean;
  readonly gate: FenceGate;
  readonly phase: Phase;
  /** Where requests queue for a connection (kubernetes.concurrency at once). */
  readonly limit: Limit;
  /** The inventory's entries, by `keyOf`. */
  readonly recorded: ReadonlyMap<string, InventoryEntry>;
  /** `apiVersion|kind` of every kind this environment applied before. */
  readonly appliedKinds: ReadonlySet<string>;
}

/**
 * One object's turn: its action decided (`decide`) from what was read of it, its body read by name
 * first when only its metadata came and the decision needs more, then settled, each request fenced
 * when its turn comes. `refused` hears of an object refused as another's or as unowned.
 */
export async function applyObject(
  { client, target, owner, dryRun, gate, phase, limit, recorded, appliedKinds }: ObjectTurn,
  t: Target,
  live: KubeObject | undefined,
  refused: () => void,
): Promise<Settled> {
  const decideOn = (object: KubeObject | undefined) =>
    decide(
      { digest: t.digest, owner, adopt: target.adopt, adoptUnowned: target.adoptUnowned ?? false },
      object,
      recorded.get(keyOf(t.ref)),
    );
  let current = live;
  let decision = decideOn(current);
  if (current && isMetadataOnly(current) && needsBody(decision, t.ref.kind)) {
    // Only its metadata was read (from a cluster-wide collection): read its body by name now.
    try {
      current = await limit(() => getObject(client, t));
    } catch (error) {
      return {
        change: { ...changeOf(t.manifest, 'skipped'), reason: 'could not be read' },
        failure: unreadable(t, error, phase),
      };
    }
    decision = decideOn(current);
  }
  // An object refused as another's or as unowned never enters this environment's inventory.
  if (decision.kind === 'refuse' || decision.kind === 'unowned') refused();
  const settle = () =>
    settleObject(client, t, current, decision, {
      force: target.forceConflicts,
      dryRun,
      fence: () => gate.check(),
      kindApplied: appliedKinds.has(`${t.ref.apiVersion}|${t.ref.kind}`),
    });
  // Only requests queue for a connection; an unchanged object sends none. Each request is
  // fenced when its turn comes, so after a pause at most the `concurrency` requests
  // already handed to the socket can still reach the server (the bound SECURITY.md states).
  return decision.kind === 'unchanged' ? settle() : limit(() => fenced(gate, t, settle, dryRun));
}
