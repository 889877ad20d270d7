import type { KubernetesTargetConfig } from '../config/types';
import { CairnError, errorMessage } from '../errors';
import type { Log } from '../log';
import { applyObject, type Applied } from './apply-object';
import { mapLimit } from './concurrency';
import { createDiscovery, type Discovery } from './discovery';
import { createInventory, type Inventory } from './inventory';
import { createKubeClient, type KubeClient } from './kube-client';
import { fetchLive } from './object-ops';
import { keyOf, refOf, subjectOf } from './object-ref';
import { planObjects } from './plan-objects';
import { applyChanges, planChanges } from './plane-result';
import { exceedsPruneCap, pruneCandidates, pruneObjects } from './prune';
import { readManifests } from './read-manifests';
import { resolveScope } from './resolve-scope';
import { locate, type Target } from './targets';
import type { KubeApplier, KubeApplyOptions, KubeApplyResult, Manifest, ObjectOutcome } from './types';
import { describeUnhealthy, unhealthyError, waitHealthy, type Unhealthy, type Watched } from './wait-health';
import { orderInWaves } from './waves';

/** Seams a test may replace; by default built from the target's kubeconfig. */
export interface KubeApplierDeps {
  readonly client?: KubeClient;
}

/**
 * The Kubernetes applier of one environment: loads `k8s-resources/`, plans with server-side dry
 * runs, applies in waves with server-side apply (field manager `cairn`), waits for health, prunes
 * what left Git, and records its inventory in the cluster under the environment's name.
 */
export function createKubeApplier(
  env: string,
  target: KubernetesTargetConfig,
  log: Log,
  deps: KubeApplierDeps = {},
): KubeApplier {
  let parts: { client: KubeClient; discovery: Discovery; inventory: Inventory } | undefined;
  // Built on first use, so that wiring an environment never fails on an unreadable kubeconfig.
  const get = () => {
    if (!parts) {
      const client = deps.client ?? createKubeClient(target);
      parts = {
        client,
        discovery: createDiscovery(client),
        inventory: createInventory(client, env, target.namespace),
      };
    }
    return parts;
  };
  const concurrency = Math.max(1, target.concurrency);

  return {
    async load(workspaceDir) {
      const parsed = await readManifests(workspaceDir);
      const { discovery } = get();
      return resolveScope(
        parsed,
        target.namespace,
        async (apiVersion, kind) => (await discovery.lookup(apiVersion, kind))?.namespaced,
      );
    },

    async plan(manifests) {
      const { client, discovery, inventory } = get();
      return planChanges(
        await planObjects(
          { client, discovery, force: target.forceConflicts, concurrency },
          manifests,
          await inventory.read(),
        ),
      );
    },

    async apply(manifests, options: KubeApplyOptions = {}) {
      const started = performance.now();
      const result = await applyAll(get(), manifests, options.drift ?? false);
      const counts: Record<string, number> = {};
      for (const o of result.objects) counts[o.action] = (counts[o.action] ?? 0) + 1;
      for (const o of result.objects.filter((x) => x.error)) {
        log.warn(
          { phase: 'apply-kubernetes', subject: subjectOf(o.ref), action: o.action, err: o.error },
          'object not applied cleanly',
        );
      }
      log.info(
        {
          phase: 'apply-kubernetes',
          ...counts,
          ok: result.ok,
          durationMs: Math.round(performance.now() - started),
        },
        'kubernetes apply finished',
      );
      return applyChanges(result);
    },

    async close() {
      // A client passed in belongs to the caller; the one made here is closed here.
      if (parts && !deps.client) parts.client.close();
      parts = undefined;
    },
  };

  async function applyAll(
    p: { client: KubeClient; discovery: Discovery; inventory: Inventory },
    manifests: readonly Manifest[],
    drift: boolean,
  ): Promise<KubeApplyResult> {
    let previous;
    try {
      previous = await p.inventory.read();
    } catch (error) {
      return {
        objects: [],
        ok: false,
        error: error instanceof Error ? error : new Error(errorMessage(error)),
      };
    }
    const desired = manifests.map((m) => refOf(m.object));
    const candidates = pruneCandidates(previous, desired);
    if (exceedsPruneCap(candidates.length, previous.length, target.pruneMaxShare, target.allowMassPrune)) {
      const error = new CairnError(
        `this commit would prune ${candidates.length} of the ${previous.length} objects cairn applied (over ${Math.round(target.pruneMaxShare * 100)}%); nothing was applied`,
        {
          code: 'kube.prune-cap',
          phase: 'apply-kubernetes',
          subject: `environment ${env}`,
          hint: 'if that is intended, set kubernetes.allowMassPrune for this environment (or raise pruneMaxShare) and reconcile again',
        },
      );
      return {
        ok: false,
        error,
        objects: candidates.map((ref) => ({ ref, action: 'skipped', durationMs: 0, error: error.message })),
      };
    }

    const outcomes: ObjectOutcome[] = [];
    const watched: Watched[] = [];
    const waves = orderInWaves(manifests, (m) => ({
      kind: m.object.kind,
      namespaced: m.object.metadata.namespace !== undefined,
    }));
    for (const wave of waves) {
      const { targets, failed } = await locate(wave.items, p.discovery);
      outcomes.push(...failed);
      const applied = await applyWave(p.client, targets, drift);
      outcomes.push(...applied.map((a) => a.outcome));
      const items = targets
        .map((t, i) => ({ target: t, object: applied[i]!.object, action: applied[i]!.outcome.action }))
        .filter((w) => w.action !== 'failed');
      if (wave.wave === 'crds') {
        // Custom resources of these CRDs come in later waves: wait until the server serves them.
        const problems = await waitHealthy(p.client, items, target.healthTimeoutMs, concurrency);
        markUnhealthy(outcomes, problems, target.healthTimeoutMs);
        p.discovery.invalidate();
      } else watched.push(...items);
    }

    const pruned =
      candidates.length > 0
        ? await pruneObjects(p.client, p.discovery, candidates, concurrency)
        : { outcomes: [], keep: [] };
    outcomes.push(...pruned.outcomes);
    const next = [...desired, ...pruned.keep];
    let error: Error | undefined;
    try {
      if (!sameRefs(previous, next)) await p.inventory.write(next);
    } catch (e) {
      error = e instanceof Error ? e : new Error(errorMessage(e));
    }

    const problems = await waitHealthy(p.client, watched, target.healthTimeoutMs, concurrency);
    markUnhealthy(outcomes, problems, target.healthTimeoutMs);
    if (!error) error = unhealthyError(problems, target.healthTimeoutMs);
    const ok = !error && outcomes.every((o) => o.action !== 'failed' && !o.error);
    return error ? { objects: outcomes, ok, error } : { objects: outcomes, ok };
  }

  async function applyWave(
    client: KubeClient,
    targets: readonly Target[],
    drift: boolean,
  ): Promise<Applied[]> {
    let live;
    try {
      live = await fetchLive(client, targets, concurrency);
    } catch (error) {
      const message = errorMessage(error);
      return targets.map((t) => ({
        outcome: {
          ref: t.ref,
          action: 'failed' as const,
          durationMs: 0,
          file: t.manifest.file,
          error: `${t.label}: ${message}`,
        },
      }));
    }
    return mapLimit(targets, concurrency, (t) =>
      applyObject(client, t, live.get(keyOf(t.ref)), { force: target.forceConflicts, drift }),
    );
  }
}

function markUnhealthy(
  outcomes: ObjectOutcome[],
  problems: ReadonlyMap<string, Unhealthy>,
  timeoutMs: number,
): void {
  outcomes.forEach((o, i) => {
    const problem = problems.get(keyOf(o.ref));
    if (problem && o.action !== 'failed') {
      outcomes[i] = {
        ...o,
        error: `${subjectOf(o.ref)}${o.file ? ` (${o.file})` : ''}: ${describeUnhealthy(problem, timeoutMs)}`,
      };
    }
  });
}

function sameRefs(
  a: readonly { apiVersion: string; kind: string; namespace?: string; name: string }[],
  b: typeof a,
): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map((r) => `${r.apiVersion}|${keyOf(r)}`));
  return b.every((r) => keys.has(`${r.apiVersion}|${keyOf(r)}`));
}
