import { setImmediate as yieldToLoop } from 'node:timers/promises';
import pLimit from 'p-limit';
import type { KubernetesTargetConfig } from '../config/types';
import { CairnError, type Phase } from '../model/errors';
import type { Log } from '../log';
import {
  DRIFT_REPAIRED,
  failureFrom,
  fenceGate,
  type Change,
  type Failure,
  type FenceGate,
  type PlaneResult,
} from '../model';
import { namespaceTerminatingError } from './api-errors';
import { boundsOf, checkTree, pruneOutOfBounds } from './bounds';
import { readDeclaredNamespaces, type DeclaredNamespaces } from './declared-namespaces';
import { asLeft, decide, needsBody, writersOf } from './decide';
import type { ClusterConnections } from './cluster-connections';
import { createDiscovery, type Discovery } from './discovery';
import { objectDiff } from './diff';
import { namespaceTerminating } from './health';
import { ownerOf, withOwner, type Identity, type Owner } from './identity';
import { createInventory, type Inventory, type InventoryEntry, type InventoryRecord } from './inventory';
import { createKubeClient, type KubeClient } from './kube-client';
import {
  fetchLive,
  fetchLiveEach,
  getObject,
  isMetadataOnly,
  type Located,
  type ReadOptions,
} from './object-ops';
import { declaredNamespaceNames, keyOf, namespaceKey, refOf, subjectOf } from './object-ref';
import { exceedsPruneCap, pruneCandidates, pruneObjects } from './prune';
import { readManifests } from './read-manifests';
import type { RenderSettings } from './render/types';
import { resolveScope } from './resolve-scope';
import { settleObject, type Settled } from './settle-object';
import { findResources, locate, targetOf, type Target } from './targets';
import type { KubeApplier, KubeApplyOptions, KubeObject, Manifest } from './types';
import { describeUnhealthy, unhealthyError, waitHealthy, type Unhealthy, type Watched } from './wait-health';
import { applyOrder, orderInWaves, type Wave } from './waves';

// Bodies built between two turns of the event loop (about a millisecond's work).
const BUILD_SLICE = 128;

/** What an object's wave is decided by (`orderInWaves`). */
const waveItem = (m: Manifest) => ({
  kind: m.object.kind,
  namespaced: m.object.metadata.namespace !== undefined,
});
// Cluster-scoped collections hold every tenant's objects (every CRD of the cluster, schema and
// all): only their metadata is listed, and the bodies of this environment's objects are read by
// name when a decision needs them (`needsBody`).
const CLUSTER_METADATA: ReadOptions = { metadataOnly: 'cluster-scoped' };

/** Seams a test may replace; by default built from the target's kubeconfig. */
export interface KubeApplierDeps {
  readonly client?: KubeClient;
  /**
   * The connections shared by every environment of a replica: the applier then uses its cluster's
   * client and discovery cache, and leaves closing them to their owner.
   */
  readonly connections?: ClusterConnections;
  /**
   * How folders holding a kustomization.yaml or a Chart.yaml are rendered (the synth isolation and
   * the binaries); without it such a folder is refused. The environment and namespace come from here.
   */
  readonly render?: Omit<RenderSettings, 'env' | 'namespace' | 'log'>;
}

interface Parts {
  /** The environment's identity: every request on its objects. */
  readonly client: KubeClient;
  /** cairn's own identity: discovery and the inventory. */
  readonly own: KubeClient;
  readonly discovery: Discovery;
  readonly inventory: Inventory;
}

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
  let parts: Parts | undefined;
  // Built on first use, so that wiring an environment never fails on an unreadable kubeconfig.
  const get = (): Parts => {
    if (!parts) {
      const shared = deps.client ? undefined : deps.connections?.connect(target);
      // cairn's own identity: discovery and the inventory. The environment's objects go through
      // `client`, made as its ServiceAccount (`Impersonate-User`) when the config names one.
      const own = deps.client ?? shared?.client ?? createKubeClient(target);
      const sa = target.serviceAccount;
      const client =
        deps.client ??
        (!sa
          ? own
          : deps.connections
            ? deps.connections.connect(target, sa).client
            : createKubeClient(target, undefined, sa));
      parts = {
        client,
        own,
        discovery: shared?.discovery ?? createDiscovery(own),
        inventory: createInventory(own, identity.env, owner, target.namespace),
      };
    }
    return parts;
  };
  const concurrency = Math.max(1, target.concurrency);

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
      return run(get(), manifests, true, fenceGate(signal && (() => signal.throwIfAborted()), 'plan'));
    },

    async apply(manifests, options: KubeApplyOptions = {}) {
      const started = performance.now();
      const result = await run(get(), manifests, false, fenceGate(options.fence, 'apply-kubernetes'));
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
      const record = await p.inventory.read();
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
      if (!deps.client && !deps.connections) {
        parts?.client.close();
        if (parts?.own !== parts?.client) parts?.own.close();
      }
      parts = undefined;
    },
  };

  /** The plan (dryRun) or the apply: one walk, one decision per object, so both record the same. */
  async function run(
    p: Parts,
    manifests: readonly Manifest[],
    dryRun: boolean,
    gate: FenceGate,
  ): Promise<PlaneResult> {
    // The bodies are built in slices beside the first reads; on every way out (a refusal, a failed
    // read, an error) the slices still to come are dropped. An applied tree has built them all.
    const building = new AbortController();
    try {
      return await walkTree(p, manifests, dryRun, gate, building.signal);
    } finally {
      building.abort();
    }
  }

  /** `run`'s walk; `building` stops the bodies' slices when it returns. */
  async function walkTree(
    p: Parts,
    manifests: readonly Manifest[],
    dryRun: boolean,
    gate: FenceGate,
    building: AbortSignal,
  ): Promise<PlaneResult> {
    const phase: Phase = dryRun ? 'plan' : 'apply-kubernetes';
    // cairn's own inventory is read beside the declared Namespaces below: neither waits for the
    // other, and the first write waits for both. (Awaited further down; a failure surfaces there.)
    const inventoryRead = p.inventory.read();
    inventoryRead.catch(() => undefined);
    // The bodies (owner marks, digests) are work on the tree alone: they are built while the reads
    // below are on the wire, not after them, wave by wave, so that the first wave's requests go out
    // once its own bodies are ready and the later waves' are built while the server answers them.
    // Nothing is sent for them before the bounds check.
    const resources = findResources(manifests, p.discovery);
    const bodies = buildTargets(resources, orderInWaves(manifests, waveItem), building);
    // The whole tree is checked against the environment's bounds before anything is written; the
    // only reads before it are of the Namespaces the tree declares (do they widen the bounds?) and
    // of the inventory.
    let declared: DeclaredNamespaces;
    try {
      declared = await readDeclaredNamespaces(bounds, manifests, p.client, p.discovery, {
        owner,
        adopt: target.adopt,
        adoptUnowned: target.adoptUnowned ?? false,
      });
    } catch (error) {
      return { changes: [], failure: failureFrom(error, phase) };
    }
    const outside = checkTree(bounds, manifests, phase, declared.foreign);
    if (outside) {
      return {
        changes: manifests.map((m) => ({ ...changeOf(m, 'skipped'), reason: 'refused: out of bounds' })),
        failure: failureFrom(outside, phase),
      };
    }
    // Every collection the server already serves is read at once, beside the inventory: a no-op
    // costs one round of LISTs whatever the number of waves.
    const early = prefetch(p, resources, declared.live);
    let record;
    try {
      record = await inventoryRead;
    } catch (error) {
      return { changes: [], failure: failureFrom(error, phase) };
    }
    const previous = record.entries;
    const recorded = new Map(previous.map((e) => [keyOf(e), e]));
    // Kinds this environment applied before: one of them no longer served lost its CRD out of band.
    const appliedKinds = new Set(previous.map((e) => `${e.apiVersion}|${e.kind}`));
    const desired = manifests.map((m) => refOf(m.object));
    if (record.source === 'legacy') {
      // The pre-identity inventory was shared by every repository with this environment name.
      log.warn(
        { phase, subject: p.inventory.subject },
        'no inventory of this identity yet; nothing pruned this time',
      );
    }
    const leftGit = record.source === 'current' ? pruneCandidates(previous, desired) : [];
    // What the config no longer allows (a namespace or kind taken away) is never pruned, whatever
    // identity cairn deletes with: it stays on the server and in the inventory, reported as skipped.
    const beyond = leftGit.filter((ref) => pruneOutOfBounds(bounds, ref) !== undefined);
    const candidates = leftGit.filter((ref) => !beyond.includes(ref));
    if (exceedsPruneCap(candidates.length, previous.length, target.pruneMaxShare, target.allowMassPrune)) {
      const error = new CairnError(
        `this commit would prune ${candidates.length} of the ${previous.length} objects cairn applied (over ${Math.round(target.pruneMaxShare * 100)}%); nothing was applied`,
        {
          code: 'kube.prune-cap',
          phase,
          subject: `environment ${identity.env}`,
          hint: 'if that is intended, set kubernetes.allowMassPrune for this environment (or raise pruneMaxShare) and reconcile again',
        },
      );
      return {
        changes: candidates.map((ref) => skippedChange(ref, 'prune cap')),
        failure: failureFrom(error, phase),
      };
    }

    const changes: Change[] = beyond.map((ref) =>
      skippedChange(ref, `not pruned: ${pruneOutOfBounds(bounds, ref)!}`),
    );
    for (const ref of beyond)
      log.warn({ phase, subject: subjectOf(ref), action: 'skipped' }, 'object outside the bounds not pruned');
    const failures: Failure[] = [];
    // Write-ahead: an object enters the inventory before its first apply, so one that lands from an
    // apply killed before the inventory's write at the end (an OOM kill, a lost node) is still
    // pruned once it leaves Git. Found in review: such an object carried cairn's owner label, was
    // in no inventory, and stayed on the server for good. The write goes out beside the reads, so
    // where the default namespace exists it costs no round trip before the first write. Where the
    // tree makes that namespace, the inventory never does (one it made carries no owner's mark, and
    // after a crash the tree's Namespace would be refused as unowned): only the Namespaces are
    // applied before the inventory lists everything, and the CRDs wait for it (`applyOrder`).
    let ahead = dryRun ? undefined : inventoryAhead(record, desired);
    let aheadSent: Promise<boolean> | undefined;
    const treeMakesNamespace = declaredNamespaceNames(manifests).includes(target.namespace);
    if (ahead) {
      if (stopped(gate, failures)) return result(changes, failures);
      aheadSent = p.inventory.write(ahead, { existingNamespace: treeMakesNamespace });
      aheadSent.catch(() => undefined);
    }
    const watched: Watched[] = [];
    const left = new Map<string, InventoryEntry>();
    const refusedKeys = new Set<string>();
    const pre = await early;
    // A plan writes no inventory: its waves keep the usual order.
    const namespaceToMake =
      !dryRun && treeMakesNamespace && pre !== undefined && !pre.live.has(namespaceKey(target.namespace));
    const waves = orderInWaves(manifests, waveItem, applyOrder(namespaceToMake));
    for (const wave of waves) {
      // Fencing holds per batch, not per phase: a replica paused mid-apply past its Lease's
      // deadline stops here, or at the next request below, before writing anything more.
      if (stopped(gate, failures)) return result(changes, failures);
      // Without the prefetch (a read failed), or without the bodies, each wave finds its own.
      const built = pre && (await bodies.get(wave.wave)?.catch(() => undefined));
      if (ahead && !(namespaceToMake && wave.wave === 'namespaces')) {
        try {
          const written = (await aheadSent) ?? false;
          if (!written) await p.inventory.write(ahead, { existingNamespace: treeMakesNamespace });
        } catch (error) {
          return { changes, failure: failureFrom(error, phase) };
        }
        // Once: if the tree's Namespace could not be made, the write at the end is what is left.
        ahead = undefined;
      }
      const known = wave.items.filter((m) => built?.has(m));
      const located = await locate(
        wave.items.filter((m) => !built?.has(m)),
        p.discovery,
        owner,
      );
      const targets = [...known.map((m) => built!.get(m)!), ...located.targets];
      const { unserved, misscoped } = located;
      // In a plan as in an apply: the bounds were checked on a scope the server contradicts.
      for (const m of misscoped) {
        changes.push({ ...changeOf(m.manifest, 'skipped'), reason: 'failed' });
        failures.push({
          code: 'kube.scope-mismatch',
          phase,
          retryable: false,
          subject: subjectOf(refOf(m.manifest.object)),
          message: m.message,
        });
      }
      for (const u of unserved) {
        if (dryRun) {
          // Not served yet: only a CRD in this same set can define it (load refused the others).
          const diff = objectDiff(undefined, withOwner(u.manifest.object, owner));
          changes.push({ ...changeOf(u.manifest, 'created'), ...(diff ? { diff } : {}) });
        } else {
          changes.push({ ...changeOf(u.manifest, 'skipped'), reason: 'failed' });
          const { apiVersion, kind } = u.manifest.object;
          failures.push({
            code: 'kube.unknown-kind',
            phase,
            // As at load (`resolveScope`): a kind this environment applied before lost its CRD meanwhile.
            retryable: appliedKinds.has(`${apiVersion}|${kind}`),
            subject: subjectOf(refOf(u.manifest.object)),
            message: u.message,
          });
        }
      }
      // An object that cannot be read (a 403 once its RBAC was narrowed) fails alone, naming it and
      // the identity; the rest of the wave is applied, and its inventory entry is kept as it was.
      // Cluster-wide collections are read as metadata only: another tenant's CRD schemas never come.
      const read = await fetchLiveEach(p.client, located.targets, concurrency, CLUSTER_METADATA);
      const live: ReadonlyMap<string, KubeObject> = new Map([...(pre?.live ?? []), ...read.live]);
      const readable = targets.filter((t) => {
        const error = read.failed.get(keyOf(t.ref));
        if (!error) return true;
        changes.push({ ...changeOf(t.manifest, 'skipped'), reason: 'could not be read' });
        failures.push(unreadable(t, error, phase));
        return false;
      });
      const limit = pLimit(concurrency);
      // A CRD's wait for Established starts as soon as it is applied, not after its whole wave:
      // the server establishes each one while the next is still being sent.
      const establish = wave.wave === 'crds' && !dryRun ? new AbortController() : undefined;
      const waits: Promise<ReadonlyMap<string, Unhealthy>>[] = [];
      const waitFor = (t: Target, s: Settled): Settled => {
        if (establish && s.object && !s.failure)
          waits.push(
            waitHealthy(
              p.client,
              [{ target: t, object: s.object }],
              target.healthTimeoutMs,
              1,
              establish.signal,
            ),
          );
        return s;
      };
      // Each object's inventory entry is made as it settles, while the rest are still on the wire.
      const entries: (InventoryEntry | undefined)[] = [];
      const settled: Settled[] = await Promise.all(
        readable.map(async (t, i): Promise<Settled> => {
          const decideOn = (object: KubeObject | undefined) =>
            decide(
              { digest: t.digest, owner, adopt: target.adopt, adoptUnowned: target.adoptUnowned ?? false },
              object,
              recorded.get(keyOf(t.ref)),
            );
          let current = live.get(keyOf(t.ref));
          let decision = decideOn(current);
          if (current && isMetadataOnly(current) && needsBody(decision, t.ref.kind)) {
            // Only its metadata was read (from a cluster-wide collection): read its body by name now.
            try {
              current = await limit(() => getObject(p.client, t));
            } catch (error) {
              return {
                change: { ...changeOf(t.manifest, 'skipped'), reason: 'could not be read' },
                failure: unreadable(t, error, phase),
              };
            }
            decision = decideOn(current);
          }
          // An object refused as another's or as unowned never enters this environment's inventory.
          if (decision.kind === 'refuse' || decision.kind === 'unowned') refusedKeys.add(keyOf(t.ref));
          const settle = () =>
            settleObject(p.client, t, current, decision, {
              force: target.forceConflicts,
              dryRun,
              fence: () => gate.check(),
              kindApplied: appliedKinds.has(`${t.ref.apiVersion}|${t.ref.kind}`),
            });
          // Only requests queue for a connection; an unchanged object sends none. Each request is
          // fenced when its turn comes, so after a pause at most the `concurrency` requests
          // already handed to the socket can still reach the server (the bound SECURITY.md states).
          const sent = decision.kind === 'unchanged' ? settle() : limit(() => fenced(gate, t, settle));
          const s = waitFor(t, await sent);
          entries[i] = inventoryEntry(t, s, recorded.get(keyOf(t.ref)), dryRun);
          return s;
        }),
      );
      const healthy: Watched[] = [];
      settled.forEach((s, i) => {
        const t = readable[i]!;
        changes.push(s.change);
        if (s.failure) failures.push(s.failure);
        // Discovery said the kind was served, the server says not (its CRD was deleted since): the
        // next reconcile asks discovery again rather than trust what it cached.
        if (s.failure?.code === 'kube.unknown-kind') p.discovery.invalidate(t.ref.apiVersion);
        // A Namespace of the tree being deleted out of band: found in review, with its content not
        // gone yet (a finalizer), every object was `unchanged` and the reconcile succeeded, then
        // the content went. Retryable, as the 403 on a write into it is: once it is gone, the next
        // reconcile makes it again.
        if (!dryRun && !s.failure && s.object && namespaceTerminating(s.object))
          failures.push(
            failureFrom(
              namespaceTerminatingError(t.ref.name, { kind: t.ref.kind, subject: subjectOf(t.ref), phase }),
              phase,
            ),
          );
        const entry = entries[i];
        if (entry && s.object) {
          left.set(keyOf(t.ref), entry);
          healthy.push({ target: t, object: s.object });
        }
      });
      if (dryRun) continue;
      if (stopped(gate, failures)) {
        establish?.abort();
        return result(changes, failures);
      }
      if (establish) {
        // Custom resources of these CRDs come in later waves: wait until the server serves them.
        const problems = new Map((await Promise.all(waits)).flatMap((m) => [...m]));
        failures.push(...unhealthy(problems, changes));
        p.discovery.invalidate();
      } else watched.push(...healthy);
    }
    // The write-ahead is settled before anything more is written, also when no wave waited for it (a
    // tree of Namespaces only): answered late, after the tree's Namespace was made (found on
    // a loaded CI server), it landed over the final inventory. (A fence stop above returns without
    // waiting: what was sent cannot be recalled.)
    await aheadSent?.catch(() => false);

    // Prune only after every apply of this commit succeeded; otherwise keep the union of both sets.
    let keep: readonly InventoryEntry[] = [];
    if (failures.length > 0) {
      keep = candidates;
      changes.push(...candidates.map((ref) => skippedChange(ref, 'not pruned: an apply failed')));
    } else if (candidates.length > 0) {
      const pruned = await pruneObjects(
        { client: p.client, discovery: p.discovery, owner, concurrency, dryRun, fence: () => gate.check() },
        candidates,
      );
      changes.push(...pruned.changes);
      failures.push(...pruned.failures);
      const kept = new Set(pruned.keep.map(keyOf));
      keep = candidates.filter((c) => kept.has(keyOf(c)));
    }
    if (dryRun) return result(changes, failures);
    // A replica that lost its Lease during prune leaves the inventory to the new holder.
    if (stopped(gate, failures)) return result(changes, failures);

    const next = inventoryAfter(
      desired.filter((ref) => !refusedKeys.has(keyOf(ref)) || recorded.has(keyOf(ref))),
      previous,
      left,
      [...keep, ...beyond],
    );
    if (record.source !== 'current' || !sameEntries(previous, next)) {
      try {
        await p.inventory.write(next);
      } catch (error) {
        failures.push(failureFrom(error, phase));
      }
    }
    const problems = await waitHealthy(p.client, watched, target.healthTimeoutMs, concurrency);
    failures.push(...unhealthy(problems, changes));
    for (const f of failures)
      log.warn({ phase: f.phase, subject: f.subject, err: f.message }, 'object not applied cleanly');
    return result(changes, failures);
  }

  /**
   * The body of every object the server serves, wave by wave, a slice at a time from the next turn
   * of the event loop on: the reads sent just before go out first, and their answers (and TLS
   * handshakes) are not held up behind a thousand digests. One promise per wave, each holding the
   * bodies of that wave and those built before it; all reject once `stop` is aborted (the tree
   * was refused), and none is left unhandled.
   */
  function buildTargets(
    resources: ReturnType<typeof findResources>,
    waves: readonly { readonly wave: Wave; readonly items: readonly Manifest[] }[],
    stop: AbortSignal,
  ): ReadonlyMap<Wave, Promise<ReadonlyMap<Manifest, Target>>> {
    const targets = new Map<Manifest, Target>();
    const byManifest = resources.then(({ found }) => new Map(found.map((f) => [f.manifest, f])));
    let previous: Promise<unknown> = byManifest;
    const built = new Map<Wave, Promise<ReadonlyMap<Manifest, Target>>>();
    for (const wave of waves) {
      const next = previous.then(async () => {
        const found = await byManifest;
        const mine = wave.items.flatMap((m) => found.get(m) ?? []);
        for (let i = 0; i < mine.length; i += BUILD_SLICE) {
          await yieldToLoop();
          stop.throwIfAborted();
          for (const f of mine.slice(i, i + BUILD_SLICE)) targets.set(f.manifest, targetOf(f, owner));
        }
        return targets;
      });
      next.catch(() => undefined);
      built.set(wave.wave, next);
      previous = next;
    }
    return built;
  }

  /**
   * Every collection the tree names, read at once (one round of LISTs), with the bodies being built
   * meanwhile. What was read already (the declared Namespaces, by name) is not read again.
   * Undefined when any of it failed: each wave then finds and reads its own objects.
   */
  async function prefetch(
    p: Parts,
    resources: ReturnType<typeof findResources>,
    read: ReadonlyMap<string, KubeObject | undefined>,
  ): Promise<{ live: ReadonlyMap<string, KubeObject> } | undefined> {
    try {
      const { found } = await resources;
      // A Namespace just read as absent holds nothing yet: its objects are not read (a fresh
      // environment's first apply sends no LIST into namespaces it is about to create). Any object
      // made there in between meets the same server-side apply as one made after a LIST.
      const absent = new Set([...read].flatMap(([key, object]) => (object === undefined ? [key] : [])));
      const unread = found.filter(
        (f) => !read.has(keyOf(f.ref)) && !(f.ref.namespace && absent.has(namespaceKey(f.ref.namespace))),
      );
      const live = new Map(await fetchLive(p.client, unread, concurrency, CLUSTER_METADATA));
      for (const [key, object] of read) if (object) live.set(key, object);
      return { live };
    } catch {
      return undefined;
    }
  }

  /**
   * The verify-phase failure for what a health wait left unhealthy (terminal when a controller
   * gave up, retryable when time ran out); each such object's change carries the reason.
   */
  function unhealthy(problems: ReadonlyMap<string, Unhealthy>, changes: Change[]): Failure[] {
    const bySubject = new Map([...problems.values()].map((p) => [p.subject, p]));
    changes.forEach((c, i) => {
      const problem = bySubject.get(c.subject);
      if (problem) changes[i] = { ...c, reason: describeUnhealthy(problem, target.healthTimeoutMs) };
    });
    const error = unhealthyError(problems, target.healthTimeoutMs);
    return error ? [failureFrom(error, 'verify')] : [];
  }
}

/**
 * Checks the fence between batches; when it failed (now or during the batch) its `shard.lost`
 * failure leads the result, and the caller returns without another write.
 */
function stopped(gate: FenceGate, failures: Failure[]): boolean {
  try {
    gate.check();
    return false;
  } catch {
    failures.unshift(gate.lost!);
    return true;
  }
}

/** Settles one object only while the fence holds; otherwise it is skipped unsent. */
async function fenced(gate: FenceGate, t: Target, settle: () => Promise<Settled>): Promise<Settled> {
  try {
    gate.check();
  } catch {
    return {
      change: {
        target: 'kubernetes',
        subject: subjectOf(t.ref),
        action: 'skipped',
        reason: 'not applied: this replica lost the Lease',
        type: t.ref.apiVersion,
        file: t.manifest.file,
      },
    };
  }
  return settle();
}

/** The plane's result: the first failure leads, and says how many there were. */
function result(changes: readonly Change[], failures: readonly Failure[]): PlaneResult {
  const first = failures[0];
  if (!first) return { changes };
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failure(s))` : '';
  return { changes, failure: { ...first, message: `${first.message}${more}` } };
}

/** The Failure of an object of Git whose live version could not be read; it names the object. */
function unreadable(t: Target, error: unknown, phase: Phase): Failure {
  const failure = failureFrom(error, phase);
  const subject = subjectOf(t.ref);
  const message = failure.message.includes(subject)
    ? failure.message
    : `${subject} (${t.manifest.file}): could not be read: ${failure.message}`;
  return { ...failure, subject, message };
}

function changeOf(manifest: Manifest, action: Change['action']): Change {
  return {
    target: 'kubernetes',
    subject: subjectOf(refOf(manifest.object)),
    action,
    type: manifest.object.apiVersion,
    file: manifest.file,
  };
}

/**
 * What the inventory keeps of an object that settled cleanly: its ref, and after an apply the
 * version and writers it stands at (what the next no-op compares); undefined when it failed.
 */
function inventoryEntry(
  t: Target,
  s: Settled,
  before: InventoryEntry | undefined,
  dryRun: boolean,
): InventoryEntry | undefined {
  if (!s.object || s.failure) return undefined;
  const rv = s.object.metadata.resourceVersion as string | undefined;
  if (!rv || dryRun) return { ...t.ref };
  // The same version has the same writers: skip hashing them again.
  const fp = before?.fp && before.rv === rv ? before.fp : writersOf(s.object);
  return { ...t.ref, rv, fp };
}

function skippedChange(ref: InventoryEntry, reason: string): Change {
  return { target: 'kubernetes', subject: subjectOf(ref), action: 'skipped', reason, type: ref.apiVersion };
}

/**
 * The inventory after an apply: every object of Git (with the resourceVersion cairn left, or the
 * one recorded before when this apply did not reach it), plus the pruned-but-kept objects.
 */
function inventoryAfter(
  desired: readonly InventoryEntry[],
  previous: readonly InventoryEntry[],
  left: ReadonlyMap<string, InventoryEntry>,
  keep: readonly InventoryEntry[],
): readonly InventoryEntry[] {
  const before = new Map(previous.map((e) => [keyOf(e), e]));
  const out = desired.map((ref) => {
    const key = keyOf(ref);
    const now = left.get(key);
    if (now) return now;
    const old = before.get(key);
    return old?.rv ? { ...ref, rv: old.rv, ...(old.fp ? { fp: old.fp } : {}) } : { ...ref };
  });
  return [...out, ...keep];
}

/**
 * The inventory to write before an apply that may create objects it does not list yet: what it
 * lists (each entry as recorded) plus every object of Git it lacks; undefined when it lists them
 * all. A pre-identity inventory contributes nothing: it is never pruned from.
 */
function inventoryAhead(
  record: InventoryRecord,
  desired: readonly InventoryEntry[],
): readonly InventoryEntry[] | undefined {
  const previous = record.source === 'current' ? record.entries : [];
  const known = new Set(previous.map(keyOf));
  const added = desired.filter((ref) => !known.has(keyOf(ref)));
  if (added.length === 0) return undefined;
  return [...previous, ...added.map((ref) => ({ ...ref }))];
}

function sameEntries(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const line = (e: InventoryEntry) => `${e.apiVersion}|${keyOf(e)}|${e.rv ?? ''}`;
  const keys = new Set(a.map(line));
  return b.every((e) => keys.has(line(e)));
}
