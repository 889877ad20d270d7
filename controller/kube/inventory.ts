import { CairnError } from '../errors';
import type { KubeClient } from './kube-client';
import { statusMessage } from './kube-client';
import { applyRequest, getObject, type Located } from './object-ops';
import type { KubeObject, ObjectRef } from './types';
import { keyOf } from './object-ref';

/** What cairn applied for one environment, recorded in the cluster so that pruning survives restarts. */
export interface Inventory {
  /** The objects recorded by the last apply; empty when there is none. */
  read(): Promise<readonly ObjectRef[]>;
  /** Replaces the record. */
  write(refs: readonly ObjectRef[]): Promise<void>;
}

const CONFIG_MAP: Located['info'] = { plural: 'configmaps', namespaced: true };
const NAMESPACE: Located['info'] = { plural: 'namespaces', namespaced: false };
const INVENTORY_MANAGER = 'cairn-inventory';

/** The name of an environment's inventory ConfigMap (a DNS label even for odd environment names). */
export function inventoryName(env: string): string {
  const safe = env
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `cairn-inventory-${safe}`.slice(0, 253);
}

/**
 * The inventory as a ConfigMap `cairn-inventory-<env>` in the environment's default namespace,
 * keyed by environment so that two environments on one cluster never prune each other's objects.
 */
export function createInventory(client: KubeClient, env: string, namespace: string): Inventory {
  const location: Located = {
    ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: inventoryName(env) },
    info: CONFIG_MAP,
  };
  const fail = (what: string, cause?: unknown): CairnError =>
    new CairnError(what, {
      code: 'kube.inventory',
      phase: 'apply-kubernetes',
      retryable: true,
      subject: `ConfigMap/${namespace}/${location.ref.name}`,
      hint: 'check that cairn may read and write ConfigMaps in that namespace',
      cause,
    });
  return {
    async read() {
      let object: KubeObject | undefined;
      try {
        object = await getObject(client, location);
      } catch (error) {
        throw fail('the inventory could not be read', error);
      }
      const text = (object?.data as Record<string, string> | undefined)?.objects;
      if (!text) return [];
      return (JSON.parse(text) as ObjectRef[]).map((r) => ({ ...r }));
    },
    async write(refs) {
      const sorted = [...refs].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
      const body: KubeObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: location.ref.name,
          namespace,
          labels: {
            'app.kubernetes.io/managed-by': 'cairn',
            'cairn.dev/environment': inventoryName(env).slice(16, 79),
          },
        },
        data: { environment: env, objects: JSON.stringify(sorted) },
      };
      let res = await applyRequest(client, location, body, { force: true, fieldManager: INVENTORY_MANAGER });
      if (res.status === 404) {
        // The default namespace may not exist yet (no manifest creates it): create it, then retry.
        const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
        const nsLocation: Located = {
          ref: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
          info: NAMESPACE,
        };
        await applyRequest(client, nsLocation, ns, { force: false, fieldManager: INVENTORY_MANAGER });
        res = await applyRequest(client, location, body, { force: true, fieldManager: INVENTORY_MANAGER });
      }
      if (res.status !== 200 && res.status !== 201) {
        throw fail(`the inventory could not be written (HTTP ${res.status}): ${statusMessage(res.body)}`);
      }
    },
  };
}
