import type { Discovery } from './discovery';
import type { KubeObject } from './types';

/** How often discovery is asked again while a new CRD's kinds are not listed yet. */
const ASK_EVERY_MS = 200;

/**
 * `apiVersion|kind` of every version a CustomResourceDefinition among `objects` serves (a version
 * with `served: false` is defined but never listed by discovery).
 */
export function servedKindsOf(objects: readonly KubeObject[]): ReadonlySet<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition' || !o.apiVersion.startsWith('apiextensions.k8s.io/')) continue;
    const spec = o.spec as
      | { group?: string; names?: { kind?: string }; versions?: { name?: string; served?: boolean }[] }
      | undefined;
    if (!spec?.group || !spec.names?.kind) continue;
    for (const v of spec.versions ?? [])
      if (v.name && v.served !== false) kinds.add(`${spec.group}/${v.name}|${spec.names.kind}`);
  }
  return kinds;
}

/**
 * Waits until discovery lists each of `kinds` (`apiVersion|kind`), asking again every 200 ms, for
 * at most `timeoutMs`. A CRD's `Established` condition comes before the API server's discovery
 * lists its kinds (the discovery document is rebuilt after), so a custom resource of the same
 * commit looked up at once could be "a kind nobody serves": found in review under load, a CRD and
 * its resource in one commit failed as `kube.unknown-kind`. Returns the kinds still not listed.
 */
export async function waitUntilServed(
  discovery: Discovery,
  kinds: readonly string[],
  timeoutMs: number,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<readonly string[]> {
  let pending = [...kinds];
  for (const deadline = Date.now() + timeoutMs; pending.length > 0;) {
    const served = await Promise.all(
      pending.map(async (key) => {
        const [apiVersion, kind] = key.split('|') as [string, string];
        return (await discovery.lookup(apiVersion, kind).catch(() => undefined)) !== undefined;
      }),
    );
    pending = pending.filter((_, i) => !served[i]);
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(ASK_EVERY_MS);
    for (const key of pending) discovery.invalidate(key.split('|')[0]);
  }
  return pending;
}
