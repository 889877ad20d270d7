import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import type { KubernetesTargetConfig } from '../../../controller/config/types';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import {
  createKubeClient,
  type KubeClient,
  type KubeRequest,
  type KubeResponse,
} from '../../../controller/kube/kube-client';
import type { KubeApplier, KubeObject } from '../../../controller/kube/types';
import type { Change, PlaneResult } from '../../../controller/model';
import { createLog } from '../../../controller/log';
import { sandboxEnv } from '../../sandbox/sandbox-env';

/** Everything one kube integration test needs, with unique names and cleanup of what it created. */
/** A client of the sandbox's kube-apiserver that records every request it sends, in order. */
export function recordingSandboxClient(): { readonly client: KubeClient; readonly requests: KubeRequest[] } {
  const real = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 4 });
  const requests: KubeRequest[] = [];
  const client: KubeClient = {
    server: real.server,
    request: (req) => {
      requests.push(req);
      return real.request(req);
    },
    close: () => real.close(),
  };
  return { client, requests };
}

export interface KubeKit {
  readonly id: string;
  readonly client: KubeClient;
  /** Every log line the appliers of this kit wrote, as text. */
  readonly logs: string[];
  /** A name unique to this call, this test file and this run. */
  name(prefix: string): string;
  target(namespace: string, overrides?: Partial<KubernetesTargetConfig>): KubernetesTargetConfig;
  /** An applier for environment `env` of `repository` (one fixed URL unless given), or of an instance. */
  applier(
    env: string,
    target: KubernetesTargetConfig,
    identity?: { readonly repository?: string; readonly instance?: string },
  ): KubeApplier;
  /** A workspace whose k8s-resources/ holds exactly these files (path → text); replaces any earlier one. */
  workspace(files: Readonly<Record<string, string>>): Promise<string>;
  get(path: string): Promise<KubeObject | undefined>;
  /** An update by another field manager, the way `kubectl edit` writes (a merge patch). */
  edit(path: string, patch: object, manager?: string): Promise<void>;
  /** Writes an object's status subresource, as a controller would (merge patch). */
  writeStatus(path: string, status: object): Promise<void>;
  /**
   * Creates `object` in the collection at `path` the way `kubectl apply` (client-side) leaves it:
   * its manager `kubectl-client-side-apply`, the object repeated in the last-applied annotation.
   */
  createLikeKubectl(path: string, object: KubeObject): Promise<KubeResponse>;
  /** Marks a cluster-scoped object (a CRD, a Namespace) for deletion at cleanup. */
  track(path: string): void;
  cleanup(): Promise<void>;
}

/** A kit for one test file; call cleanup in afterAll. */
export function kubeKit(testName: string): KubeKit {
  const env = sandboxEnv();
  const id = `${testName}-${randomBytes(3).toString('hex')}`;
  const client = createKubeClient({
    kubeconfig: env.kubernetes.kubeconfig,
    context: env.kubernetes.context,
    concurrency: 4,
  });
  const dirs: string[] = [];
  const appliers: KubeApplier[] = [];
  const created = new Set<string>();
  const logs: string[] = [];
  let counter = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const request = async (
    method: 'GET' | 'PATCH' | 'DELETE',
    path: string,
    body?: object,
    contentType?: string,
  ) => {
    const res = await client.request({
      method,
      path,
      ...(body ? { body: JSON.stringify(body), contentType } : {}),
    });
    return res;
  };
  return {
    id,
    client,
    logs,
    name: (prefix) => `${prefix}-${++counter}-${id}`.toLowerCase().slice(0, 60).replace(/-+$/, ''),
    target: (namespace, overrides = {}) => {
      created.add(`/api/v1/namespaces/${namespace}`);
      return {
        kubeconfig: env.kubernetes.kubeconfig,
        context: env.kubernetes.context,
        namespace,
        forceConflicts: false,
        pruneMaxShare: 0.5,
        allowMassPrune: false,
        healthTimeoutMs: 3000,
        concurrency: 8,
        adopt: false,
        maxManifestBytes: 64 * 1024 * 1024,
        ...overrides,
      };
    },
    applier: (name, target, identity = {}) => {
      const applier = createKubeApplier(
        {
          env: name,
          repository: identity.repository ?? 'https://git.example.com/platform/kit.git',
          ...(identity.instance ? { instance: identity.instance } : {}),
        },
        target,
        createLog({ level: 'debug', destination: sink }),
      );
      appliers.push(applier);
      return applier;
    },
    async workspace(files) {
      const dir = await mkdtemp(join(tmpdir(), `cairn-kube-${id}-`));
      dirs.push(dir);
      for (const [path, text] of Object.entries(files)) {
        const full = join(dir, 'k8s-resources', path);
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, text);
      }
      return dir;
    },
    async get(path) {
      const res = await request('GET', path);
      return res.status === 200 ? (res.body as KubeObject) : undefined;
    },
    async edit(path, patch, manager = 'kubectl-edit') {
      const res = await client.request({
        method: 'PATCH',
        path,
        query: { fieldManager: manager },
        body: JSON.stringify(patch),
        contentType: 'application/merge-patch+json',
      });
      if (res.status !== 200) throw new Error(`edit ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    },
    async writeStatus(path, status) {
      const res = await request('PATCH', `${path}/status`, { status }, 'application/merge-patch+json');
      if (res.status !== 200)
        throw new Error(`status ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    },
    createLikeKubectl(path, object) {
      return client.request({
        method: 'POST',
        path,
        query: { fieldManager: 'kubectl-client-side-apply' },
        body: JSON.stringify({
          ...object,
          metadata: {
            ...object.metadata,
            annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(object) },
          },
        }),
      });
    },
    track(path) {
      created.add(path);
    },
    async cleanup() {
      for (const path of created) await request('DELETE', path).catch(() => undefined);
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
      await Promise.all(appliers.map((a) => a.close()));
      client.close();
    },
  };
}

/** Joins YAML documents into one multi-document file. */
export function yamlDocs(...docs: readonly string[]): string {
  return docs.join('\n---\n');
}

/** The kind of a change's subject (`Kind/namespace/name`). */
export function kindOf(change: Change): string {
  return change.subject.split('/')[0]!;
}

/** The name of a change's subject. */
export function nameOf(change: Change): string {
  return change.subject.split('/').at(-1)!;
}

/** The change of the object called `name`. */
export function changeNamed(result: PlaneResult, name: string): Change | undefined {
  return result.changes.find((c) => nameOf(c) === name);
}

/** The names of the objects whose change has this action (and reason, when given), sorted. */
export function namesWith(result: PlaneResult, action: Change['action'], reason?: string): string[] {
  return result.changes
    .filter((c) => c.action === action && (reason === undefined || c.reason === reason))
    .map(nameOf)
    .sort();
}
