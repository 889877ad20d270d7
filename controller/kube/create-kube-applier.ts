import type { KubernetesTargetConfig } from '../config/types';
import type { Log } from '../log';
import { DRIFT_REPAIRED, fenceGate } from '../model';
import { closeApplier, connectApplier, type ApplierParts, type KubeApplierDeps } from './applier-clients';
import { applyTree, type TreeWalker } from './apply-tree';
import { boundsOf } from './bounds';
import { asLeft } from './decide';
import { ownerOf, type Identity, type Owner } from './identity';
import type { InventoryEntry } from './inventory';
import { fetchLive, type Located } from './object-ops';
import { keyOf, subjectOf } from './object-ref';
import { readManifests } from './read-manifests';
import { resolveScope } from './resolve-scope';
import type { KubeApplier, KubeApplyOptions } from './types';

export type { KubeApplierDeps } from './applier-clients';

/**
 * The Kubernetes applier of one environment: loads `k8s-resources/`, and for both plan and apply
 * decides each object's action with `decide` from one LIST per collection and the resourceVersions
 * its inventory recorded (so hand edits are found on every reconcile without a request per object),
 * applies in waves with server-side apply (field manager `cairn`) and the environment's owner
 * marks, prunes only objects carrying its own mark and only after every apply succeeded, and waits
 * for health.
 */
export function createKubeApplier(
  identity: Identity,
  target: KubernetesTargetConfig,
  log: Log,
  deps: KubeApplierDeps = {},
): KubeApplier {
  const owner: Owner = ownerOf(identity);
  const bounds = boundsOf(target, owner);
  let parts: ApplierParts | undefined;
  // Built on first use, so that wiring an environment never fails on an unreadable kubeconfig.
  const get = (): ApplierParts => {
    parts ??= connectApplier(identity, target, owner, deps);
    return parts;
  };
  const concurrency = Math.max(1, target.concurrency);
  const walker: TreeWalker = { env: identity.env, target, owner, bounds, log, concurrency };

  return {
    async load(workspaceDir, options = {}) {
      // The bindings' transform (this reconcile's AWS outputs) reaches plain files and the inputs
      // of rendered folders alike, so a `${aws:…}` in a chart's values is bound before rendering.
      const transform = options.transform ? { transform: options.transform } : {};
      const render = deps.render && {
        ...deps.render,
        env: identity.env,
        ...(target.namespace ? { namespace: target.namespace } : {}),
        log,
        ...transform,
        ...(options.signal ? { signal: options.signal } : {}),
      };
      // Every reconcile talks to the core group (the inventory is a ConfigMap): its discovery, and
      // the connection under it, are fetched while the tree is read instead of after. A failure is
      // the lookup's below to report, in its order (a broken file first, then the cluster).
      try {
        void get()
          .discovery.lookup('v1', 'ConfigMap')
          .catch(() => undefined);
      } catch {
        // An unreadable kubeconfig: `get()` throws again after the tree is read.
      }
      const parsed = await readManifests(
        workspaceDir,
        { maxBytes: target.maxManifestBytes, ...transform },
        render,
      );
      const { discovery, inventory } = get();
      // Read only when a kind is not served, at most once: an unreadable inventory counts as empty.
      let applied: Promise<readonly InventoryEntry[]> | undefined;
      return resolveScope(
        parsed,
        target.namespace,
        async (apiVersion, kind) => (await discovery.lookup(apiVersion, kind))?.namespaced,
        async (apiVersion, kind) => {
          applied ??= inventory.read().then(
            (r) => r.entries,
            () => [],
          );
          return (await applied).some((e) => e.apiVersion === apiVersion && e.kind === kind);
        },
      );
    },

    async plan(manifests, options = {}) {
      // The gate that stops an apply at a lost Lease stops a plan whose caller gave up, request by request.
      const { signal } = options;
      return applyTree(
        walker,
        get(),
        manifests,
        true,
        fenceGate(signal && (() => signal.throwIfAborted()), 'plan'),
      );
    },

    async apply(manifests, options: KubeApplyOptions = {}) {
      const started = performance.now();
      const result = await applyTree(
        walker,
        get(),
        manifests,
        false,
        fenceGate(options.fence, 'apply-kubernetes'),
      );
      const counts: Record<string, number> = {};
      for (const c of result.changes) counts[c.action] = (counts[c.action] ?? 0) + 1;
      const repaired = result.changes.filter((c) => c.reason === DRIFT_REPAIRED).length;
      log.info(
        {
          phase: 'apply-kubernetes',
          ...counts,
          ...(repaired ? { driftRepaired: repaired } : {}),
          ...(options.drift ? { drift: true } : {}),
          ok: !result.failure,
          durationMs: Math.round(performance.now() - started),
        },
        'kubernetes apply finished',
      );
      return result;
    },

    async drifted() {
      const p = get();
      // Any record but this identity's own is drift: the pre-identity one is not asked for.
      const record = await p.inventory.read({ legacy: false });
      if (record.source !== 'current') return [p.inventory.subject];
      const located: Located[] = [];
      const lost: string[] = [];
      for (const entry of record.entries) {
        const info = await p.discovery.lookup(entry.apiVersion, entry.kind);
        if (info) located.push({ ref: entry, info });
        else lost.push(subjectOf(entry));
      }
      // Only versions and writers are compared: metadata alone, not each object's whole body.
      const live = await fetchLive(p.client, located, concurrency, { metadataOnly: true });
      const changed = record.entries.filter((e) => {
        const object = live.get(keyOf(e));
        return !object || !asLeft(object, e);
      });
      return [...lost, ...changed.map(subjectOf).filter((s) => !lost.includes(s))];
    },

    async close() {
      closeApplier(parts, deps);
      parts = undefined;
    },
  };
}
