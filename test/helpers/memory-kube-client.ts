import type { KubernetesTargetConfig } from '../../controller/config/types';
import type { KubeClient, KubeRequest, KubeResponse } from '../../controller/kube/kube-client';

/** The target of an applier over a MemoryKubeClient in tests: namespace `apps`, 4 requests at a time. */
export const MEMORY_TARGET: KubernetesTargetConfig = {
  namespace: 'apps',
  forceConflicts: false,
  pruneMaxShare: 1,
  allowMassPrune: true,
  healthTimeoutMs: 1_000,
  concurrency: 4,
  adopt: false,
  maxManifestBytes: 1_000_000,
};

/** The identity of that applier's environment. */
export const MEMORY_IDENTITY = { env: 'dev', repository: 'https://example.com/platform.git' };

interface Stored {
  readonly object: Record<string, unknown>;
}

/**
 * A KubeClient double that answers from memory for the core `v1` ConfigMaps and Namespaces:
 * discovery, LIST, GET, server-side apply (PATCH, merged shallowly, resourceVersion bumped), create
 * (POST, 409 when the object exists) and DELETE. It records every write, in order, so a test can
 * see exactly what an apply sent.
 */
export class MemoryKubeClient implements KubeClient {
  readonly server = 'memory://kube';
  /**
   * `PATCH <path>` / `POST <path>` / `DELETE <path>` of every non-dry-run write, in the order they
   * arrived (a POST by the path of the object it creates).
   */
  readonly writes: string[] = [];
  private readonly objects = new Map<string, Stored>();
  private rv = 100;

  /** Called before each write is answered (a test's fence or clock may act here). */
  onWrite: (req: KubeRequest) => void = () => undefined;

  request(req: KubeRequest): Promise<KubeResponse> {
    return Promise.resolve(this.answer(req));
  }

  close(): void {}

  /** The stored object at `path`, if any. */
  get(path: string): Record<string, unknown> | undefined {
    return this.objects.get(path)?.object;
  }

  private answer(req: KubeRequest): KubeResponse {
    if (req.method === 'GET' && req.path === '/api/v1') {
      return {
        status: 200,
        body: {
          resources: [
            { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
            { name: 'namespaces', kind: 'Namespace', namespaced: false },
          ],
        },
      };
    }
    const dryRun = req.query?.dryRun === 'All';
    if (req.method === 'GET') {
      const found = this.objects.get(req.path);
      if (found) return { status: 200, body: found.object };
      if (/\/(configmaps|namespaces)$/.test(req.path)) {
        const items = [...this.objects.entries()]
          .filter(
            ([path]) => path.startsWith(`${req.path}/`) && !path.slice(req.path.length + 1).includes('/'),
          )
          .map(([, s]) => s.object);
        return { status: 200, body: { metadata: { resourceVersion: String(this.rv) }, items } };
      }
      return { status: 404, body: { kind: 'Status', code: 404 } };
    }
    if (req.method === 'POST') req = { ...req, path: `${req.path}/${nameIn(req.body)}` };
    if (!dryRun) {
      this.writes.push(`${req.method} ${req.path}`);
      this.onWrite(req);
    }
    if (req.method === 'POST' && this.objects.has(req.path))
      return { status: 409, body: { kind: 'Status', code: 409, reason: 'AlreadyExists' } };
    if (req.method === 'PATCH' || req.method === 'POST') {
      const body = JSON.parse(req.body ?? '{}') as Record<string, unknown>;
      const before = this.objects.get(req.path)?.object;
      const metadata = { ...((before?.metadata as object) ?? {}), ...(body.metadata as object) };
      const object = {
        ...before,
        ...body,
        metadata: {
          ...metadata,
          uid: `uid-${req.path}`,
          resourceVersion: String(dryRun ? this.rv : ++this.rv),
        },
      };
      if (!dryRun) this.objects.set(req.path, { object });
      return { status: before ? 200 : 201, body: object };
    }
    if (req.method === 'DELETE') {
      this.objects.delete(req.path);
      return { status: 200, body: {} };
    }
    return { status: 405, body: {} };
  }
}

function nameIn(body: string | undefined): string {
  return ((JSON.parse(body ?? '{}') as { metadata?: { name?: string } }).metadata?.name ?? '') as string;
}
