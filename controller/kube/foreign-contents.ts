import { mapLimit } from '../model/map-limit';
import { liveOwner, OWNER_LABEL, type Owner } from './identity';
import type { KubeClient } from './kube-client';
import type { KubeObject } from './types';

/**
 * The kinds whose deletion takes other objects with it: a Namespace (everything in it) and a
 * CustomResourceDefinition (every resource of it, in every namespace).
 */
export function deletesContents(kind: string): boolean {
  return kind === 'Namespace' || kind === 'CustomResourceDefinition';
}

interface ApiResource {
  readonly name: string;
  readonly namespaced: boolean;
  readonly verbs?: readonly string[];
}
interface ApiGroupList {
  readonly groups?: readonly {
    readonly name: string;
    readonly preferredVersion?: { readonly groupVersion: string };
    readonly versions?: readonly { readonly groupVersion: string }[];
  }[];
}

/** Finds the other cairn owners of objects that deleting one Namespace or CRD would delete with it. */
export interface ForeignContents {
  /**
   * The first object with another environment's owner mark that deleting `live` would take with it,
   * described as `Kind-plural/name of <owner>`; undefined when there is none. Throws when the
   * contents cannot be read (the caller then keeps the object: deleting blind is not safe).
   */
  find(live: KubeObject): Promise<string | undefined>;
}

/**
 * A checker for one prune. The namespaced resources are discovered once (on the first Namespace),
 * then each is read with one LIST limited to a single object carrying an owner mark other than
 * `owner`'s, so a namespace that holds only this environment's (or unmarked) objects costs one
 * small answer per resource.
 */
export function foreignContents(client: KubeClient, owner: Owner, concurrency: number): ForeignContents {
  const selector = `${OWNER_LABEL},${OWNER_LABEL}!=${owner.id}`;
  let namespaced: Promise<readonly string[]> | undefined;

  const get = async (path: string, query?: Record<string, string>): Promise<unknown> => {
    const res = await client.request({ method: 'GET', path, ...(query ? { query } : {}) });
    if (res.status !== 200) throw new Error(`reading ${path} failed with HTTP ${res.status}`);
    return res.body;
  };
  /**
   * Collection paths (`/apis/apps/v1/namespaces/{ns}/deployments`, with `{ns}` to fill) of every
   * listable namespaced resource, once each. Every version of a group is read, the preferred one
   * first: a kind served only in another version (a CRD's `v1beta1` beside its group's `v1`) holds
   * objects the Namespace's deletion would take too.
   */
  const discover = async (): Promise<readonly string[]> => {
    const groups = (await get('/apis')) as ApiGroupList;
    const versions = [
      { group: '', base: '/api/v1' },
      ...(groups.groups ?? []).flatMap((g) => {
        const all = [g.preferredVersion, ...(g.versions ?? [])].flatMap((v) => (v ? [v.groupVersion] : []));
        return [...new Set(all)].map((groupVersion) => ({ group: g.name, base: `/apis/${groupVersion}` }));
      }),
    ];
    const lists = await mapLimit(versions, concurrency, async ({ group, base }) => {
      const body = (await get(base)) as { resources?: readonly ApiResource[] };
      return (body.resources ?? [])
        .filter((r) => r.namespaced && !r.name.includes('/') && (r.verbs ?? []).includes('list'))
        .map((r) => ({ resource: `${r.name}.${group}`, path: `${base}/namespaces/{ns}/${r.name}` }));
    });
    // A resource served in several versions holds the same objects in each: listed once, in the
    // first version read (the preferred one).
    const paths = new Map<string, string>();
    for (const { resource, path } of lists.flat()) if (!paths.has(resource)) paths.set(resource, path);
    return [...paths.values()];
  };
  /** The first item of a collection marked by another owner, described. */
  const firstForeign = async (path: string): Promise<string | undefined> => {
    const list = (await get(path, { labelSelector: selector, limit: '1' })) as { items?: KubeObject[] };
    const item = list.items?.[0];
    if (!item) return undefined;
    const other = liveOwner(item);
    return `${path.split('/').at(-1)}/${item.metadata.name} of ${other ? `${other.description} [${other.id}]` : 'another owner'}`;
  };

  return {
    async find(live) {
      if (live.kind === 'Namespace') {
        namespaced ??= discover();
        const ns = encodeURIComponent(live.metadata.name);
        const paths = (await namespaced).map((p) => p.replace('{ns}', ns));
        const found = await mapLimit(paths, concurrency, firstForeign);
        return found.find((f) => f !== undefined);
      }
      if (live.kind === 'CustomResourceDefinition') {
        const spec = live.spec as
          | {
              group?: string;
              names?: { plural?: string };
              versions?: readonly { name: string; served?: boolean }[];
            }
          | undefined;
        const version = spec?.versions?.find((v) => v.served !== false)?.name;
        if (!spec?.group || !spec.names?.plural || !version) return undefined;
        return firstForeign(`/apis/${spec.group}/${version}/${spec.names.plural}`);
      }
      return undefined;
    },
  };
}
