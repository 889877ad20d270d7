import type { KubeClient, KubeResponse } from './kube-client';
import type { WriteFence } from '../model/pipeline';
import { resourcePath, type ResourceInfo } from './discovery';
import { mapLimit } from '../model/map-limit';
import type { KubeObject, ObjectRef } from './types';
import { keyOf, refOf, subjectOf } from './object-ref';
import { forbiddenError } from './api-errors';

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
  options: {
    readonly dryRun?: boolean;
    readonly force: boolean;
    readonly fieldManager?: string;
    /** Checked by the client before each attempt (see KubeRequest.fence). */
    readonly fence?: WriteFence;
  },
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
    ...(options.fence ? { fence: options.fence } : {}),
  });
}

/**
 * A create (POST) of an object exactly as given: answered 409 when it exists already, which no
 * server-side apply can be made to say.
 */
export function createRequest(
  client: KubeClient,
  target: Located,
  body: KubeObject,
  options: {
    readonly fieldManager?: string;
    /** Checked by the client before each attempt (see KubeRequest.fence). */
    readonly fence?: WriteFence;
  },
): Promise<KubeResponse> {
  return client.request({
    method: 'POST',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace),
    query: { fieldManager: options.fieldManager ?? FIELD_MANAGER },
    body: JSON.stringify(body),
    contentType: 'application/json',
    ...(options.fence ? { fence: options.fence } : {}),
  });
}

// The server's metadata-only views (what `kubectl get -o name` and controllers' metadata informers
// use): a CRD's megabyte of schema is not sent when only its versions and writers are read.
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * What a read returns: the whole object, or its metadata alone (under its own apiVersion and kind):
 * for every object (`true`), or for cluster-scoped ones only (`'cluster-scoped'`: their
 * collections hold every tenant's objects, e.g. every CRD of the cluster with its whole schema).
 */
export interface ReadOptions {
  readonly metadataOnly?: boolean | 'cluster-scoped';
}

// Cluster-scoped collections hold every tenant's objects (every CRD of the cluster, schema and
// all): only their metadata is listed, and the bodies of this environment's objects are read by
// name when a decision needs them (`needsBody`).
export const CLUSTER_METADATA: ReadOptions = { metadataOnly: 'cluster-scoped' };

// The objects read as metadata alone: a caller that needs a body reads it by name (`isMetadataOnly`).
const partial = new WeakSet<object>();

/** True for an object that a metadata-only read returned: it has no spec, data or status. */
export function isMetadataOnly(object: KubeObject): boolean {
  return partial.has(object);
}

function metadataOnly(options: ReadOptions, target: Located): boolean {
  return (
    options.metadataOnly === true || (options.metadataOnly === 'cluster-scoped' && !target.info.namespaced)
  );
}

function asPartial(object: KubeObject, ref: ObjectRef): KubeObject {
  const out = { ...object, apiVersion: ref.apiVersion, kind: ref.kind } as KubeObject;
  partial.add(out);
  return out;
}

/** The live object, or undefined when it does not exist; other failures throw. */
export async function getObject(
  client: KubeClient,
  target: Located,
  options: ReadOptions = {},
): Promise<KubeObject | undefined> {
  const res = await client.request({
    method: 'GET',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace, target.ref.name),
    ...(metadataOnly(options, target) ? { accept: METADATA_ONLY } : {}),
  });
  if (res.status === 404) return undefined;
  if (res.status === 403) throw forbiddenError(res.body, forbiddenContext(target, subjectOf(target.ref)));
  if (res.status !== 200) throw new Error(`reading ${subjectOf(target.ref)} failed with HTTP ${res.status}`);
  const object = res.body as KubeObject;
  return metadataOnly(options, target) ? asPartial(object, target.ref) : object;
}

// Objects per page of a LIST: keeps one answer's size bounded in a crowded namespace.
const PAGE = 500;
// Up to this many objects of one collection are read by name rather than by LIST: an environment's
// own Namespace would otherwise cost a LIST of every namespace in the cluster, on every reconcile
// of every environment (a thousand environments made that a million objects read, and parsed).
const BY_NAME = 4;

/** The live objects that could be read, and the error of each object that could not (keyed by `keyOf(ref)`). */
export interface LiveRead {
  readonly live: ReadonlyMap<string, KubeObject>;
  readonly failed: ReadonlyMap<string, Error>;
}

/**
 * The live versions of many objects, keyed by `keyOf(ref)`: one paged LIST per collection (resource
 * and namespace), never a request per object, except for a collection of which only a few objects
 * are wanted: those are read by name, whatever the size of the collection. Missing objects are
 * absent from the map. A read that fails (a 403 where the environment's RBAC was narrowed) fails
 * only the objects it was for, in `failed`: the others are still read, so one object cairn may no
 * longer see does not stop the rest of the environment.
 */
export async function fetchLiveEach(
  client: KubeClient,
  targets: readonly Located[],
  concurrency: number,
  options: ReadOptions = {},
): Promise<LiveRead> {
  const groups = new Map<string, Located[]>();
  for (const t of targets) {
    const path = resourcePath(t.ref.apiVersion, t.info, t.ref.namespace);
    groups.set(path, [...(groups.get(path) ?? []), t]);
  }
  const live = new Map<string, KubeObject>();
  const failed = new Map<string, Error>();
  const fail = (members: readonly Located[], error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    for (const m of members) failed.set(keyOf(m.ref), e);
  };
  const byName = [...groups.values()].filter((members) => members.length <= BY_NAME).flat();
  const listed = [...groups].filter(([, members]) => members.length > BY_NAME);
  // The reads by name and the LISTs go out together, under one limit: a fresh apply's first write
  // waits for the last of them, and one round trip costs less than two.
  const readOne = async (target: Located) => {
    try {
      // The same read as getObject: absent (or in a namespace not there yet) is undefined, 403 is kube.forbidden.
      const object = await getObject(client, target, options);
      if (object) live.set(keyOf(target.ref), object);
    } catch (error) {
      fail([target], error);
    }
  };
  const listOne = async ([path, members]: [string, Located[]]) => {
    const wanted = new Set(members.map((m) => keyOf(m.ref)));
    const meta = metadataOnly(options, members[0]!);
    const found: KubeObject[] = [];
    try {
      let next: string | undefined = '';
      while (next !== undefined) {
        const query: Record<string, string> = { limit: String(PAGE) };
        if (next) query.continue = next;
        const res = await client.request({
          method: 'GET',
          path,
          query,
          ...(meta ? { accept: METADATA_LIST } : {}),
        });
        if (res.status === 404) return; // its namespace does not exist yet
        if (res.status === 403) throw forbiddenError(res.body, forbiddenContext(members[0]!, path));
        if (res.status !== 200) throw new Error(`listing ${path} failed with HTTP ${res.status}`);
        const list = res.body as { metadata?: { continue?: string }; items?: KubeObject[] };
        for (const item of list.items ?? []) {
          // List items come without apiVersion and kind; put back those of the collection.
          const object = meta
            ? asPartial(item, members[0]!.ref)
            : ({ ...item, apiVersion: members[0]!.ref.apiVersion, kind: members[0]!.ref.kind } as KubeObject);
          if (wanted.has(keyOf(refOf(object)))) found.push(object);
        }
        next = list.metadata?.continue || undefined;
      }
    } catch (error) {
      fail(members, error);
      return;
    }
    for (const object of found) live.set(keyOf(refOf(object)), object);
  };
  const reads: (() => Promise<void>)[] = [
    ...listed.map((group) => () => listOne(group)),
    ...byName.map((target) => () => readOne(target)),
  ];
  await mapLimit(reads, concurrency, (read) => read());
  return { live, failed };
}

/** fetchLiveEach for callers that need every object: the first failed read throws. */
export async function fetchLive(
  client: KubeClient,
  targets: readonly Located[],
  concurrency: number,
  options: ReadOptions = {},
): Promise<ReadonlyMap<string, KubeObject>> {
  const { live, failed } = await fetchLiveEach(client, targets, concurrency, options);
  const [first] = failed.values();
  if (first) throw first;
  return live;
}

/**
 * Deletes an object in the background (dependents go too). With `live`, the delete holds only while
 * the object is still that version (uid and resourceVersion preconditions): one replaced or edited
 * since it was read is not deleted (HTTP 409).
 */
export async function deleteObject(
  client: KubeClient,
  target: Located,
  live?: KubeObject,
  fence?: WriteFence,
): Promise<KubeResponse> {
  const { uid, resourceVersion } = (live?.metadata ?? {}) as { uid?: string; resourceVersion?: string };
  return client.request({
    method: 'DELETE',
    path: resourcePath(target.ref.apiVersion, target.info, target.ref.namespace, target.ref.name),
    query: { propagationPolicy: 'Background' },
    ...(fence ? { fence } : {}),
    ...(uid
      ? {
          body: JSON.stringify({
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            preconditions: { uid, ...(resourceVersion ? { resourceVersion } : {}) },
          }),
        }
      : {}),
  });
}

/** What a 403 about `target` names: its Kind and namespace, and the subject of the failed request. */
function forbiddenContext(target: Located, subject: string) {
  return {
    kind: target.ref.kind,
    ...(target.ref.namespace ? { namespace: target.ref.namespace } : {}),
    subject,
  };
}
