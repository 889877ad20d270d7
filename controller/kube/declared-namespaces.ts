import { createLimit } from '../model/map-limit';
import { otherEnvironmentOf, type Bounds } from './bounds';
import { decide, type DecisionInput } from './decide';
import type { Discovery } from './discovery';
import type { KubeClient } from './kube-client';
import { getObject } from './object-ops';
import { declaredNamespaceNames, keyOf } from './object-ref';
import type { KubeObject, Manifest } from './types';

const READ_CONCURRENCY = 16;

/** What the declared Namespaces' reads found, and which of them the tree may not claim. */
export interface DeclaredNamespaces {
  /** The declared Namespaces that do NOT widen the bounds, each with the reason. */
  readonly foreign: ReadonlyMap<string, string>;
  /**
   * Each Namespace read, by object key: the live object, or undefined when it does not exist. The
   * apply takes these as read, rather than listing every Namespace of the cluster again.
   */
  readonly live: ReadonlyMap<string, KubeObject | undefined>;
}

/**
 * The Namespaces a tree declares that do NOT widen its default bounds, each with the reason: those
 * that exist live and are not this environment's to take (another environment's, or made by
 * someone else, and not adopted by `kubernetes.adopt` / `adoptUnowned`). Declaring another team's
 * existing Namespace would otherwise put every object of that namespace in bounds. Read with the
 * environment's own client (its ServiceAccount may read Namespaces whenever it may write them);
 * nothing is read for the bounds when `kubernetes.namespaces` is set (the config, not the tree,
 * decides then) or the tree declares no Namespace. A failed read throws: no bounds are granted on a
 * guess. The environment's default namespace, when the tree declares it, is read beside them for the
 * apply alone (see `live`): never a bound (it is the environment's whoever made it), and a failed
 * read of it is left out, for the apply to read again.
 */
export async function readDeclaredNamespaces(
  bounds: Bounds,
  manifests: readonly Manifest[],
  client: KubeClient,
  discovery: Discovery,
  input: Omit<DecisionInput, 'digest'>,
): Promise<DeclaredNamespaces> {
  const foreign = new Map<string, string>();
  const live = new Map<string, KubeObject | undefined>();
  const read = { foreign, live };
  const declared = declaredNamespaceNames(manifests);
  // Read beside the others because the apply's next step needs it: found absent, nothing is listed
  // in it (a fresh environment's first sync sent a LIST into it and a GET of it, one more round
  // trip before its first write, 10 to 30 ms of the 1,000-object benchmark's).
  const home = declared.includes(bounds.namespace) ? bounds.namespace : undefined;
  // Not read: refused whatever the server says (checkTree names why), and the environment's
  // identity may not be allowed to read another environment's namespace at all.
  const names = bounds.namespaces
    ? []
    : declared.filter(
        (name) =>
          name !== bounds.namespace && !bounds.refused.includes(name) && !otherEnvironmentOf(bounds, name),
      );
  if (names.length === 0 && !home) return read;
  const info = await discovery.lookup('v1', 'Namespace');
  if (!info) return read;
  // Read side by side (a tree of a dozen Namespaces waited a dozen round trips before its first
  // write); any failed read still throws before a bound is granted.
  const unique = [...new Set(names)];
  const limit = createLimit(READ_CONCURRENCY);
  const refOf = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });
  const readOne = (name: string) => limit(() => getObject(client, { ref: refOf(name), info }));
  const homeRead =
    home &&
    readOne(home).then(
      (object) => void live.set(keyOf(refOf(home)), object),
      () => undefined,
    );
  const refs = unique.map(refOf);
  const [lives] = await Promise.all([Promise.all(unique.map(readOne)), homeRead]);
  unique.forEach((name, i) => {
    live.set(keyOf(refs[i]!), lives[i]);
    // The digest does not matter here: only whether this environment may take the object.
    const decision = decide({ ...input, digest: '' }, lives[i], undefined);
    if (decision.kind === 'refuse')
      foreign.set(
        name,
        `namespace ${name} is declared by this tree but exists, owned by ${decision.owner.description}; declaring it does not make it this environment's`,
      );
    else if (decision.kind === 'unowned')
      foreign.set(
        name,
        `namespace ${name} is declared by this tree but exists without a cairn owner mark (managed by ${decision.managers.join(', ') || 'unknown'}); declaring it does not make it this environment's (list Namespace/${name} in kubernetes.adopt, or kubernetes.namespaces)`,
      );
  });
  return read;
}
