import type { KubeClient } from './kube-client';
import { statusMessage } from './kube-client';
import { CairnError } from '../model/errors';

/** What discovery says about one kind: its URL segment, whether it lives in a namespace, and its categories. */
export interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
  /** The CRD's `names.categories` (`managed` for a Crossplane managed resource); absent when none. */
  readonly categories?: readonly string[];
}

/** Which kinds the server serves, per API version; cached and refreshed when a CRD is applied. */
export interface Discovery {
  /** The resource of a kind, or undefined when the server does not serve it in that apiVersion. */
  lookup(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  /** Forgets what was learnt about one API version (or all), so the next lookup asks again. */
  invalidate(apiVersion?: string): void;
}

interface ApiResourceList {
  readonly resources?: readonly {
    name: string;
    kind: string;
    namespaced: boolean;
    categories?: readonly string[];
  }[];
}

/** Discovery by API version, each version fetched once, on first use. */
export function createDiscovery(client: KubeClient): Discovery {
  const cache = new Map<string, Promise<ReadonlyMap<string, ResourceInfo>>>();
  const fetchVersion = async (apiVersion: string): Promise<ReadonlyMap<string, ResourceInfo>> => {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await client.request({ method: 'GET', path });
    // Every Kubernetes API server serves the core v1: without it the kubeconfig points at something
    // else (a web server, a proxy's wrong path), and every kind would be reported as not served.
    if (res.status === 404 && apiVersion === 'v1') {
      throw new CairnError(`GET ${path} answered 404: this is not a Kubernetes API server`, {
        code: 'kube.not-an-api-server',
        phase: 'apply-kubernetes',
        retryable: true,
        subject: client.server,
        hint: "check the cluster's server URL (and its path) in the kubeconfig: `kubectl --kubeconfig FILE get --raw /api/v1` answers from an API server",
      });
    }
    if (res.status === 404) return new Map();
    if (res.status !== 200) {
      throw new CairnError(`discovery failed with HTTP ${res.status}: ${statusMessage(res.body)}`, {
        code: 'kube.discovery',
        phase: 'apply-kubernetes',
        retryable: true,
        subject: `apiVersion ${apiVersion}`,
        hint: 'check that the API server is healthy and that cairn may read discovery',
      });
    }
    const kinds = new Map<string, ResourceInfo>();
    for (const r of (res.body as ApiResourceList).resources ?? []) {
      // Subresources (`deployments/status`) share the kind of their parent; skip them.
      if (!r.name.includes('/'))
        kinds.set(r.kind, {
          plural: r.name,
          namespaced: r.namespaced,
          ...(r.categories?.length ? { categories: r.categories } : {}),
        });
    }
    return kinds;
  };
  return {
    async lookup(apiVersion, kind) {
      let entry = cache.get(apiVersion);
      if (!entry) {
        entry = fetchVersion(apiVersion);
        cache.set(apiVersion, entry);
        entry.catch(() => cache.delete(apiVersion));
      }
      const kinds = await entry;
      const found = kinds.get(kind);
      // Forget a miss, so that a CRD established meanwhile is found next time.
      if (!found) cache.delete(apiVersion);
      return found;
    },
    invalidate(apiVersion) {
      if (apiVersion) cache.delete(apiVersion);
      else cache.clear();
    },
  };
}

/** The URL path of a collection or of one object of a resource. */
export function resourcePath(
  apiVersion: string,
  info: ResourceInfo,
  namespace?: string,
  name?: string,
): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const tail = name ? `/${encodeURIComponent(name)}` : '';
  return `${base}${ns}/${info.plural}${tail}`;
}
