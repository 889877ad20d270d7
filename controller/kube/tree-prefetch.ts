import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Owner } from './identity';
import type { KubeClient } from './kube-client';
import { CLUSTER_METADATA, fetchLive } from './object-ops';
import { keyOf, namespaceKey } from './object-ref';
import { targetOf, type Resources, type Target } from './targets';
import type { KubeObject, Manifest } from './types';
import type { Wave } from './waves';

// Bodies built between two turns of the event loop (about a millisecond's work).
const BUILD_SLICE = 128;

/**
 * The body of every object the server serves, wave by wave, a slice at a time from the next turn
 * of the event loop on: the reads sent just before go out first, and their answers (and TLS
 * handshakes) are not held up behind a thousand digests. One promise per wave, each holding the
 * bodies of that wave and those built before it; all reject once `stop` is aborted (the tree
 * was refused), and none is left unhandled.
 */
export function buildTargets(
  resources: Promise<Resources>,
  waves: readonly { readonly wave: Wave; readonly items: readonly Manifest[] }[],
  owner: Owner,
  stop: AbortSignal,
): ReadonlyMap<Wave, Promise<ReadonlyMap<Manifest, Target>>> {
  const targets = new Map<Manifest, Target>();
  const byManifest = resources.then(({ found }) => new Map(found.map((f) => [f.manifest, f])));
  let previous: Promise<unknown> = byManifest;
  const built = new Map<Wave, Promise<ReadonlyMap<Manifest, Target>>>();
  for (const wave of waves) {
    const next = previous.then(async () => {
      const found = await byManifest;
      const mine = wave.items.flatMap((m) => found.get(m) ?? []);
      for (let i = 0; i < mine.length; i += BUILD_SLICE) {
        await yieldToLoop();
        stop.throwIfAborted();
        for (const f of mine.slice(i, i + BUILD_SLICE)) targets.set(f.manifest, targetOf(f, owner));
      }
      return targets;
    });
    next.catch(() => undefined);
    built.set(wave.wave, next);
    previous = next;
  }
  return built;
}
/**
 * Every collection the tree names, read at once (one round of LISTs), with the bodies being built
 * meanwhile. What was read already (the declared Namespaces, by name) is not read again.
 * Undefined when any of it failed: each wave then finds and reads its own objects.
 */
export async function prefetch(
  client: KubeClient,
  resources: Promise<Resources>,
  read: ReadonlyMap<string, KubeObject | undefined>,
  concurrency: number,
): Promise<{ live: ReadonlyMap<string, KubeObject> } | undefined> {
  try {
    const { found } = await resources;
    // A Namespace just read as absent holds nothing yet: its objects are not read (a fresh
    // environment's first apply sends no LIST into namespaces it is about to create). Any object
    // made there in between meets the same server-side apply as one made after a LIST.
    const absent = new Set([...read].flatMap(([key, object]) => (object === undefined ? [key] : [])));
    const unread = found.filter(
      (f) => !read.has(keyOf(f.ref)) && !(f.ref.namespace && absent.has(namespaceKey(f.ref.namespace))),
    );
    const live = new Map(await fetchLive(client, unread, concurrency, CLUSTER_METADATA));
    for (const [key, object] of read) if (object) live.set(key, object);
    return { live };
  } catch {
    return undefined;
  }
}
