import { CairnError, isCairnError } from '../model/errors';
import { forbiddenError } from './api-errors';
import type { WriteFence } from '../model/pipeline';
import type { KubeClient, KubeResponse } from './kube-client';
import { statusMessage } from './kube-client';
import { liveOwner, OWNED_BY_ANNOTATION, ownedBy, OWNER_LABEL, type Owner } from './identity';
import { applyRequest, createRequest, getObject, type Located } from './object-ops';
import { keyOf } from './object-ref';
import type { KubeObject, ObjectRef } from './types';

/** One object cairn applied, with the resourceVersion it left on the server (for drift detection). */
export interface InventoryEntry extends ObjectRef {
  /** The resourceVersion right after cairn's last apply or check; absent when unknown. */
  readonly rv?: string;
  /** The object's writers (`writersOf`) at that moment. */
  readonly fp?: string;
}

/** What the inventory holds, and where it came from. */
export interface InventoryRecord {
  readonly entries: readonly InventoryEntry[];
  /**
   * `current`: this environment's own inventory; `legacy`: the pre-identity `cairn-inventory-<env>`
   * (shared by every repository with an environment of that name, so never pruned from); `none`.
   */
  readonly source: 'current' | 'legacy' | 'none';
  /**
   * The record's ConfigMap is being deleted (it has a deletionTimestamp): as when it is absent, its
   * namespace may be Terminating (see `defaultNamespaceDeleted`).
   */
  readonly deleting?: boolean;
  /** The ConfigMap's resourceVersion as read (`current` only): what the next write is made over. */
  readonly version?: string;
}

/** What cairn applied for one environment, recorded in the cluster so that pruning survives restarts. */
export interface Inventory {
  /** The name of the ConfigMap that holds it, for messages. */
  readonly subject: string;
  /**
   * The record of the last apply. Throws a CairnError when another owner holds the inventory.
   * With `legacy: false` the pre-identity record is not asked for (a caller to whom only `current`
   * matters), and a missing record is `none`.
   */
  read(options?: { readonly legacy?: boolean }): Promise<InventoryRecord>;
  /**
   * Replaces the record and answers the resourceVersion it left, creating the default namespace
   * first when it does not exist yet; with `existingNamespace`, writes nothing there and answers
   * undefined instead (a write ahead of the apply leaves the namespace to the tree's own Namespace
   * object, which carries the owner's mark). With `version`, it lands only over that version of
   * the record; without, only where there is no record yet (a create). Either way it throws a
   * retryable `kube.inventory` when another write came first. With `fence`, each request it sends
   * (the namespace's create and the record's retry after it included) is fenced right before it
   * goes out (see KubeRequest.fence). `onWarnings` is told what the server warned about each of
   * those requests (an admission webhook's warning), when it warned at all.
   */
  write(
    entries: readonly InventoryEntry[],
    options?: {
      readonly existingNamespace?: boolean;
      readonly version?: string;
      readonly fence?: WriteFence;
      readonly onWarnings?: (warnings: readonly string[]) => void;
    },
  ): Promise<string | undefined>;
}

const CONFIG_MAP: Located['info'] = { plural: 'configmaps', namespaced: true };
const NAMESPACE: Located['info'] = { plural: 'namespaces', namespaced: false };
const INVENTORY_MANAGER = 'cairn-inventory';

/** The name of an environment's inventory ConfigMap, from its owner id. */
export function inventoryName(owner: Owner): string {
  return `cairn-inventory-${owner.id}`;
}

/** The name the inventory had before identities: one per environment name, whatever the repository. */
export function legacyInventoryName(env: string): string {
  const safe = env
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return `cairn-inventory-${safe}`.slice(0, 253);
}

function located(namespace: string, name: string): Located {
  return { ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace, name }, info: CONFIG_MAP };
}

function entriesOf(object: KubeObject | undefined): readonly InventoryEntry[] {
  const text = (object?.data as Record<string, string> | undefined)?.objects;
  if (!text) return [];
  return (JSON.parse(text) as InventoryEntry[]).map((r) => ({ ...r }));
}

function deletingOf(object: KubeObject): { deleting?: true } {
  return object.metadata.deletionTimestamp ? { deleting: true } : {};
}

/**
 * The inventory as a ConfigMap `cairn-inventory-<owner id>` in the environment's default namespace,
 * labelled with its owner, so that two repositories (or two configs) with an environment of the same
 * name on one cluster never read, prune or overwrite each other's record.
 */
export function createInventory(client: KubeClient, env: string, owner: Owner, namespace: string): Inventory {
  const location = located(namespace, inventoryName(owner));
  const subject = `ConfigMap/${namespace}/${location.ref.name}`;
  const fail = (what: string, cause?: unknown, retryable = true): CairnError =>
    new CairnError(what, {
      code: 'kube.inventory',
      phase: 'apply-kubernetes',
      retryable,
      subject,
      hint: 'check that cairn may read and write ConfigMaps in that namespace',
      cause,
    });
  return {
    subject,
    async read(options = {}) {
      let object: KubeObject | undefined;
      let legacy: KubeObject | undefined;
      // The pre-identity record is asked for beside this identity's, not once its read came back
      // empty: that second round trip stood before a fresh environment's first write (7 to 33 ms
      // of the 1,000-object benchmark's). It is read on every apply for that, one GET more; a
      // failure of it matters only where this identity's record is missing.
      const legacyRead =
        options.legacy === false
          ? undefined
          : getObject(client, located(namespace, legacyInventoryName(env)));
      legacyRead?.catch(() => undefined);
      try {
        object = await getObject(client, location);
        if (!object) legacy = await legacyRead;
      } catch (error) {
        // A missing right is the user's to grant, not a hiccup to retry: keep that error as is.
        if (isCairnError(error) && error.code === 'kube.forbidden') throw error;
        throw fail('the inventory could not be read', error);
      }
      if (object) {
        const holder = liveOwner(object);
        if (holder && holder.id !== owner.id) {
          throw new CairnError(
            `the inventory belongs to ${holder.description}, not to ${owner.description}`,
            {
              code: 'kube.owned-elsewhere',
              phase: 'apply-kubernetes',
              retryable: false,
              subject,
              hint: 'give one of the two environments its own instance name in the config',
            },
          );
        }
        const version = object.metadata.resourceVersion as string | undefined;
        return {
          entries: entriesOf(object),
          source: 'current',
          ...deletingOf(object),
          ...(version ? { version } : {}),
        };
      }
      if (legacy) return { entries: entriesOf(legacy), source: 'legacy', ...deletingOf(legacy) };
      return { entries: [], source: 'none' };
    },
    async write(entries, options = {}) {
      const sorted = [...entries].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
      const body: KubeObject = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: location.ref.name,
          namespace,
          labels: { 'app.kubernetes.io/managed-by': 'cairn', [OWNER_LABEL]: owner.id },
          annotations: { [OWNED_BY_ANNOTATION]: ownedBy(owner) },
          // A precondition: a write sent by a replica paused past its Lease, landing after its
          // successor's, must not take back what the successor recorded (found in review,
          // `kill-points.test.ts`: the successor's new objects left the inventory, and were never
          // pruned once they left Git).
          ...(options.version ? { resourceVersion: options.version } : {}),
        },
        data: { environment: env, owner: owner.id, objects: JSON.stringify(sorted) },
      };
      // The first write is a create, not an apply: a paused replica's first write landing late
      // must not re-create the record a successor deleted, nor overwrite the one it created (found
      // in review, `kill-points.test.ts`: the successor's new object left the inventory). A
      // server-side apply cannot say "must not exist"; a POST answers 409 when it does.
      const fenced = options.fence ? { fence: options.fence } : {};
      const heard = (res: KubeResponse): KubeResponse => {
        if (res.warnings) options.onWarnings?.(res.warnings);
        return res;
      };
      const send = async () =>
        heard(
          await (options.version
            ? applyRequest(client, location, body, {
                force: true,
                fieldManager: INVENTORY_MANAGER,
                ...fenced,
              })
            : createRequest(client, location, body, { fieldManager: INVENTORY_MANAGER, ...fenced })),
        );
      let res = await send();
      if (res.status === 404 && !options.version) {
        if (options.existingNamespace) return undefined;
        // The default namespace may not exist yet (no manifest creates it): create it, then retry.
        const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
        const nsLocation: Located = {
          ref: { apiVersion: 'v1', kind: 'Namespace', name: namespace },
          info: NAMESPACE,
        };
        heard(
          await applyRequest(client, nsLocation, ns, {
            force: false,
            fieldManager: INVENTORY_MANAGER,
            ...fenced,
          }),
        );
        res = await send();
      }
      if (res.status === 409 || (res.status === 404 && options.version)) {
        throw fail(
          'the inventory was written by another replica since this one read it; nothing more is written',
        );
      }
      if (res.status === 403) {
        throw forbiddenError(res.body, {
          kind: 'ConfigMap',
          namespace,
          subject,
          phase: 'apply-kubernetes',
          // The Role cairn install exports for the inventory: one made by an older cairn lacks the
          // create its first write now is.
          grant: `re-run \`cairn install --export\` and apply it: its Role "cairn-inventory:<cairn's namespace>" in "${namespace}" lets cairn's own identity read, create and write its inventory there`,
        });
      }
      if (res.status !== 200 && res.status !== 201) {
        throw fail(`the inventory could not be written (HTTP ${res.status}): ${statusMessage(res.body)}`);
      }
      return ((res.body as KubeObject | undefined)?.metadata?.resourceVersion as string | undefined) ?? '';
    },
  };
}
