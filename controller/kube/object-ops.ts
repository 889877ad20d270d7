import type { KubeClient, KubeResponse } from './kube-client';
import { resourcePath, type ResourceInfo } from './discovery';
import { mapLimit } from './concurrency';
import type { KubeObject, ObjectRef } from './types';
import { keyOf, refOf } from './object-ref';

/** The field manager every cairn apply uses. */
export const FIELD_MANAGER = 'cairn';

/** An object with the resource discovery found for it. */
export interface Located {
  readonly ref: ObjectRef;
  readonly info: ResourceInfo;
}

/**
 * Server-side apply of an object exactly as given: the body is the JSON of the object (JSON is
 * YAML), sent as `application/apply-patch+yaml`, so fields no client model knows survive.
 */
export function applyRequest(
  client: KubeClient,
  target: Located,
  body: KubeObject,
  options: { readonly dryRun?: boolean; readonly force: boolean; readonly fieldManager?: string },
): Promise<KubeResponse> {
  const query: Record<string, string> = {
    fieldManager: options.fieldManager ?? FIELD_MANAGER,
    force: String(options.force),
  };
  if (options.dryRun) query.dryRun = 'All';
  return client.request({
    method: 'PATCH',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace, target.ref.name),
    query,
    body: JSON.stringify(body),
    contentType: 'application/apply-patch+yaml',
  });
}

/** The live object, or undefined when it does not exist; other failures throw. */
export async function getObject(client: KubeClient, target: Located): Promise<KubeObject | undefined> {
  const res = await client.request({
    method: 'GET',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace, target.ref.name),
  });
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`reading it failed with HTTP ${res.status}`);
  return res.body as KubeObject;
}

// Fewer wanted objects than this in one collection are read one by one rather than listed.
const LIST_THRESHOLD = 4;

/**
 * The live versions of many objects, keyed by `keyOf(ref)`: one LIST per collection (resource and
 * namespace) holding several of them, a GET for the rest. Missing objects are absent from the map.
 */
export async function fetchLive(
  client: KubeClient,
  targets: readonly Located[],
  concurrency: number,
): Promise<ReadonlyMap<string, KubeObject>> {
  const groups = new Map<string, Located[]>();
  for (const t of targets) {
    const path = resourcePath(t.ref.apiVersion, t.info, t.ref.namespace);
    groups.set(path, [...(groups.get(path) ?? []), t]);
  }
  const live = new Map<string, KubeObject>();
  await mapLimit([...groups], concurrency, async ([path, members]) => {
    if (members.length < LIST_THRESHOLD) {
      for (const m of members) {
        const object = await getObject(client, m);
        if (object) live.set(keyOf(m.ref), object);
      }
      return;
    }
    const res = await client.request({ method: 'GET', path });
    if (res.status === 404) return;
    if (res.status !== 200) throw new Error(`listing ${path} failed with HTTP ${res.status}`);
    const list = res.body as { apiVersion?: string; items?: KubeObject[] };
    const wanted = new Set(members.map((m) => keyOf(m.ref)));
    for (const item of list.items ?? []) {
      // List items come without apiVersion and kind; put back those of the collection.
      const object = {
        ...item,
        apiVersion: members[0]!.ref.apiVersion,
        kind: members[0]!.ref.kind,
      } as KubeObject;
      const key = keyOf(refOf(object));
      if (wanted.has(key)) live.set(key, object);
    }
  });
  return live;
}

/** Deletes an object in the background (dependents go too); a missing object counts as deleted. */
export async function deleteObject(client: KubeClient, target: Located): Promise<KubeResponse> {
  return client.request({
    method: 'DELETE',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace, target.ref.name),
    query: { propagationPolicy: 'Background' },
  });
}
