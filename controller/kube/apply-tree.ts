import type { KubernetesTargetConfig } from '../config/types';
import { CairnError, type Phase } from '../model/errors';
import type { Log } from '../log';
import { createLimit } from '../model/map-limit';
import { failureFrom, type Change, type Failure, type FenceGate, type PlaneResult } from '../model';
import { namespaceTerminatingError } from './api-errors';
import type { ApplierParts } from './applier-clients';
import { applyObject, type ObjectTurn } from './apply-object';
import {
  changeOf,
  planeResult,
  skippedChange,
  stopped,
  unhealthy,
  unplaced,
  unreadable,
} from './apply-outcomes';
import { checkTree, pruneOutOfBounds, type Bounds } from './bounds';
import { managedKindsOf } from './crossplane';
import { readDeclaredNamespaces, type DeclaredNamespaces } from './declared-namespaces';
import { namespaceTerminating } from './health';
import type { Owner } from './identity';
import type { InventoryEntry } from './inventory';
import { inventoryAfter, inventoryAhead, inventoryEntry, sameEntries } from './inventory-entries';
import { CLUSTER_METADATA, fetchLiveEach, getObject } from './object-ops';
import type { KubeClient } from './kube-client';
import { servedKindsOf, waitUntilServed } from './crd-served';
import { declaredNamespaceNames, keyOf, namespaceKey, refOf, subjectOf } from './object-ref';
import { exceedsPruneCap, pruneCandidates, pruneObjects } from './prune';
import type { Settled } from './settle-object';
import { findResources, locate, type Target } from './targets';
import { buildTargets, prefetch } from './tree-prefetch';
import type { KubeObject, Manifest } from './types';
import { waitHealthy, type Unhealthy, type Watched } from './wait-health';
import { applyOrder, orderInWaves } from './waves';

/** What an object's wave is decided by (`orderInWaves`). */
/** How long a wave waits for discovery to list the kinds its tree's new CRDs serve (see waitUntilServed). */
const CRD_SERVED_WAIT_MS = 30_000;

const waveItem = (m: Manifest) => ({
  kind: m.object.kind,
  namespaced: m.object.metadata.namespace !== undefined,
});

/** What every walk of one environment's tree goes by. */
export interface TreeWalker {
  readonly env: string;
  readonly target: KubernetesTargetConfig;
  readonly owner: Owner;
  readonly bounds: Bounds;
  readonly log: Log;
  /** Requests at once (kubernetes.concurrency, at least 1). */
  readonly concurrency: number;
}

/** The plan (dryRun) or the apply: one walk, one decision per object, so both record the same. */
export async function applyTree(
  w: TreeWalker,
  p: ApplierParts,
  manifests: readonly Manifest[],
  dryRun: boolean,
  gate: FenceGate,
): Promise<PlaneResult> {
  // The bodies are built in slices beside the first reads; on every way out (a refusal, a failed
  // read, an error) the slices still to come are dropped. An applied tree has built them all.
  const building = new AbortController();
  try {
    return await walkTree(w, p, manifests, dryRun, gate, building.signal);
  } finally {
    building.abort();
  }
}

/** `applyTree`'s walk; `building` stops the bodies' slices when it returns. */
async function walkTree(
  { env, target, owner, bounds, log, concurrency }: TreeWalker,
  p: ApplierParts,
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
  // An environment with no inventory yet is most likely new: its objects are writes to come, and
  // the connections they will use are opened as soon as that is known, while the declared
  // Namespaces are read, not after (see the preconnect below, for an environment that has one).
  let preconnected = false;
  if (!dryRun)
    inventoryRead.then(
      (record) => {
        if (record.source !== 'none' || building.aborted) return;
        preconnected = true;
        p.client.preconnect?.(Math.min(manifests.length, concurrency));
      },
      () => undefined,
    );
  // The bodies (owner marks, digests) are work on the tree alone: they are built while the reads
  // below are on the wire, not after them, wave by wave, so that the first wave's requests go out
  // once its own bodies are ready and the later waves' are built while the server answers them.
  // Nothing is sent for them before the bounds check.
  const resources = findResources(manifests, p.discovery);
  const bodies = buildTargets(resources, orderInWaves(manifests, waveItem), owner, building);
  // The whole tree is checked against the environment's bounds before anything is written; the
  // only reads before it are of the Namespaces the tree declares (do they widen the bounds?), of
  // the inventory, and discovery's of the tree's kinds.
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
  // Discovery's categories tell a Crossplane managed resource whatever its group (crossplane.ts);
  // the lookups are the ones the writes below need, already on the wire.
  let managedKinds: ReadonlySet<string>;
  try {
    managedKinds = managedKindsOf((await resources).found);
  } catch (error) {
    return { changes: [], failure: failureFrom(error, phase) };
  }
  const outside = checkTree(bounds, manifests, phase, declared.foreign, managedKinds);
  if (outside) {
    return {
      changes: manifests.map((m) => ({ ...changeOf(m, 'skipped'), reason: 'refused: out of bounds' })),
      failure: failureFrom(outside, phase),
    };
  }
  // Every collection the server already serves is read at once, beside the inventory: a no-op
  // costs one round of LISTs whatever the number of waves.
  const early = prefetch(p.client, resources, declared.live, concurrency);
  let record;
  try {
    record = await inventoryRead;
  } catch (error) {
    return { changes: [], failure: failureFrom(error, phase) };
  }
  // The default namespace when the tree does not declare it (a declared one is read with the
  // tree's objects) is read only when the inventory kept in it was not found standing (absent, or
  // with a deletionTimestamp): the namespace controller deletes a Terminating namespace's content,
  // the inventory with it, within moments. Found in review: it was read on every apply, drift
  // passes included, one GET more per environment and drift interval. See `defaultNamespaceDeleted`.
  const defaultNamespace =
    dryRun ||
    (record.source !== 'none' && !record.deleting) ||
    declaredNamespaceNames(manifests).includes(target.namespace)
      ? undefined
      : readNamespace(p.client, target.namespace);
  const previous = record.entries;
  const recorded = new Map(previous.map((e) => [keyOf(e), e]));
  // Kinds this environment applied before: one of them no longer served lost its CRD out of band.
  const appliedKinds = new Set(previous.map((e) => `${e.apiVersion}|${e.kind}`));
  // Kinds a CRD of this very tree serves: not listed yet when its wave comes is a lag of the
  // server's discovery, which a retry outlives (see waitUntilServed), not a typo.
  const treeCrdKinds = servedKindsOf(manifests.map((m) => m.object));
  const usedKinds = new Set(manifests.map((m) => `${m.object.apiVersion}|${m.object.kind}`));
  const unservedRetryable = new Set([...appliedKinds, ...treeCrdKinds]);
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
        subject: `environment ${env}`,
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
  // after a crash the tree's Namespace would be refused as unowned): only that Namespace is
  // applied before the inventory lists everything, and the CRDs wait for it (`applyOrder`).
  let ahead = dryRun ? undefined : inventoryAhead(record, desired);
  let aheadSent: Promise<string | undefined> | undefined;
  const treeMakesNamespace = declaredNamespaceNames(manifests).includes(target.namespace);
  // Each write lands only over the version this apply read or last wrote (see `Inventory.write`).
  let version = record.version;
  // Every request of an inventory write is fenced as it goes out, not only before the write: it
  // may make the default namespace, then send the record again.
  const fence = () => gate.check();
  // What the server warned about the inventory's writes (rare: an admission webhook's) is a line
  // each, as an object's; the write ahead and the write at the end hear the same ones: told once.
  const inventoryWarnings = new Set<string>();
  const onWarnings = (warnings: readonly string[]) => {
    for (const warning of warnings) {
      if (inventoryWarnings.has(warning)) continue;
      inventoryWarnings.add(warning);
      log.warn({ phase, subject: p.inventory.subject, warning }, 'API server warning');
    }
  };
  const aheadOptions = {
    existingNamespace: treeMakesNamespace,
    fence,
    onWarnings,
    ...(version ? { version } : {}),
  };
  const sendAhead = (entries: readonly InventoryEntry[]) => {
    aheadSent = p.inventory.write(entries, aheadOptions);
    aheadSent.catch(() => undefined);
  };
  // The first write (a create) into a namespace the tree makes waits for the reads to say whether
  // it stands: sent before it exists, the create waited out the API server's NamespaceLifecycle
  // admission (which holds a create into a namespace its cache lacks for 50 ms, in case the cache
  // lags) before its 404, and the tree's other Namespaces and everything after them waited too
  // (measured on a fresh sync of the 1,000-object benchmark: the write-ahead took 60 ms, 6 to 25
  // once sent after the Namespace was made).
  const namespaceMayBeMissing = treeMakesNamespace && !version;
  if (ahead && !namespaceMayBeMissing) {
    if (stopped(gate, failures)) return planeResult(changes, failures);
    sendAhead(ahead);
  }
  const watched: Watched[] = [];
  const left = new Map<string, InventoryEntry>();
  const refusedKeys = new Set<string>();
  const pre = await early;
  // A plan writes no inventory: its waves keep the usual order. Without the prefetch (a read
  // failed) the default namespace may be missing too: found in review (`kill-points.test.ts`), one
  // failed read in a fresh environment's first sync put the write-ahead before the first wave,
  // where it found no namespace and was given up, and everything that sync applied before a kill
  // was in no inventory.
  const namespaceToMake = !dryRun && treeMakesNamespace && !pre?.live.has(namespaceKey(target.namespace));
  if (ahead && !aheadSent && !namespaceToMake) {
    if (stopped(gate, failures)) return planeResult(changes, failures);
    sendAhead(ahead);
  }
  // Objects not on the server yet are each a write to come: as many connections as they can use
  // are opened while the writes before their wave (the namespace, the write-ahead) are answered.
  // A pass that finds everything in place opens none.
  if (!dryRun && pre && !preconnected) {
    const toCreate = desired.filter((ref) => !pre.live.has(keyOf(ref))).length;
    if (toCreate > 0) p.client.preconnect?.(Math.min(toCreate, concurrency));
  }
  const ordered = orderInWaves(manifests, waveItem, applyOrder(namespaceToMake));
  // The default namespace goes alone, and the tree's other Namespaces only after the write-ahead
  // that it makes room for: found in review (`kill-points.test.ts`), sent beside it, another
  // Namespace that landed from a sync killed before the write carried the owner mark in no
  // inventory, and stayed once it left Git.
  const home = namespaceToMake ? homeWave(ordered[0]!, target.namespace) : undefined;
  const waves = home ? [...home, ...ordered.slice(1)] : ordered;
  for (const wave of waves) {
    // Fencing holds per batch, not per phase: a replica paused mid-apply past its Lease's
    // deadline stops here, or at the next request below, before writing anything more.
    if (stopped(gate, failures)) return planeResult(changes, failures);
    // Without the prefetch (a read failed), or without the bodies, each wave finds its own.
    const built = pre && (await bodies.get(wave.wave)?.catch(() => undefined));
    if (ahead && wave !== home?.[0]) {
      try {
        version = (await aheadSent) ?? (await p.inventory.write(ahead, aheadOptions)) ?? version;
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
    const apart = unplaced(located, owner, dryRun, phase, unservedRetryable);
    changes.push(...apart.changes);
    failures.push(...apart.failures);
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
    const turn: ObjectTurn = {
      client: p.client,
      target,
      owner,
      dryRun,
      gate,
      phase,
      limit: createLimit(concurrency),
      recorded,
      appliedKinds,
    };
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
        const sent = applyObject(turn, t, live.get(keyOf(t.ref)), () => refusedKeys.add(keyOf(t.ref)));
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
      if (!dryRun) logWarnings(log, phase, s.change);
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
      return planeResult(changes, failures);
    }
    if (establish) {
      // Custom resources of these CRDs come in later waves: wait until the server serves them.
      const problems = new Map((await Promise.all(waits)).flatMap((m) => [...m]));
      failures.push(...unhealthy(problems, changes, target.healthTimeoutMs));
      p.discovery.invalidate();
      // Established comes before discovery lists the kinds: wait (bounded) for those the tree
      // uses, unless a CRD never became Established (that failure stands; its kinds never come).
      if (problems.size === 0)
        await waitUntilServed(
          p.discovery,
          [...usedKinds].filter((k) => treeCrdKinds.has(k)),
          Math.min(CRD_SERVED_WAIT_MS, target.healthTimeoutMs),
        );
    } else watched.push(...healthy);
  }
  const deleted = await defaultNamespaceDeleted(defaultNamespace, failures, phase);
  if (deleted) failures.push(deleted);
  // The write-ahead is settled before anything more is written, also when no wave waited for it (a
  // tree of Namespaces only): answered late, after the tree's Namespace was made (found on
  // a loaded CI server), it landed over the final inventory. (A fence stop above returns without
  // waiting: what was sent cannot be recalled.)
  if (ahead) version = (await aheadSent?.catch(() => undefined)) || version;

  // Prune only after every apply of this commit succeeded; otherwise keep the union of both sets.
  let keep: readonly InventoryEntry[] = [];
  if (failures.length > 0) {
    keep = candidates;
    changes.push(...candidates.map((ref) => skippedChange(ref, 'not pruned: an apply failed')));
  } else if (candidates.length > 0) {
    const pruned = await pruneObjects(
      {
        client: p.client,
        discovery: p.discovery,
        owner,
        concurrency,
        desired,
        dryRun,
        fence: () => gate.check(),
      },
      candidates,
    );
    changes.push(...pruned.changes);
    failures.push(...pruned.failures);
    if (!dryRun) for (const c of pruned.changes) logWarnings(log, phase, c);
    const kept = new Set(pruned.keep.map(keyOf));
    keep = candidates.filter((c) => kept.has(keyOf(c)));
  }
  if (dryRun) return planeResult(changes, failures);
  // A replica that lost its Lease during prune leaves the inventory to the new holder.
  if (stopped(gate, failures)) return planeResult(changes, failures);

  const next = inventoryAfter(
    desired.filter((ref) => !refusedKeys.has(keyOf(ref)) || recorded.has(keyOf(ref))),
    previous,
    left,
    [...keep, ...beyond],
  );
  if (record.source !== 'current' || !sameEntries(previous, next)) {
    try {
      await p.inventory.write(next, { fence, onWarnings, ...(version ? { version } : {}) });
    } catch (error) {
      failures.push(failureFrom(error, phase));
    }
  }
  const problems = await waitHealthy(p.client, watched, target.healthTimeoutMs, concurrency);
  failures.push(...unhealthy(problems, changes, target.healthTimeoutMs));
  for (const f of failures)
    log.warn({ phase: f.phase, subject: f.subject, err: f.message }, 'object not applied cleanly');
  return planeResult(changes, failures);
}

/**
 * Logs each warning of an applied or pruned object's change as a line of its own: the server went
 * ahead and said so in a header only (a plan shows them beside its objects instead). env and sha
 * come from the reconcile's fields; a pruned object has no file any more.
 */
function logWarnings(log: Log, phase: Phase, change: Change): void {
  for (const warning of change.warnings ?? [])
    log.warn(
      { phase, subject: change.subject, ...(change.file ? { file: change.file } : {}), warning },
      'API server warning',
    );
}

/**
 * The first wave of a tree that makes its default namespace (`name`), split in two: that
 * Namespace alone, then the tree's other Namespaces (left out when there are none).
 */
function homeWave<T extends { readonly wave: string; readonly items: readonly Manifest[] }>(
  first: T,
  name: string,
): readonly T[] {
  const isHome = (m: Manifest) => m.object.kind === 'Namespace' && m.object.metadata.name === name;
  const others = first.items.filter((m) => !isHome(m));
  const alone = { ...first, items: first.items.filter(isHome) };
  return others.length > 0 ? [alone, { ...first, items: others }] : [alone];
}

/** Namespace `name` as the server has it (undefined when absent), or the error of its read. */
function readNamespace(client: KubeClient, name: string): Promise<KubeObject | undefined> {
  const read = getObject(client, {
    ref: { apiVersion: 'v1', kind: 'Namespace', name },
    info: { plural: 'namespaces', namespaced: false },
  });
  read.catch(() => undefined);
  return read;
}

/**
 * The failure of an environment whose default namespace (not declared by its tree) is being
 * deleted out of band, as for a Namespace of the tree: found in review, with the objects defaulted
 * into it still there (a finalizer), every one was `unchanged` and the reconcile succeeded, then
 * they went. Retryable: once it is gone, the inventory's write makes it again. Best effort: an
 * identity that may not read Namespaces (a namespace-scoped install) is told by the 403 of its
 * next write there instead. Read only once the inventory's read found the inventory absent or
 * being deleted: in the moment between a namespace's deletion and its controller deleting the
 * content, a pass that writes nothing still succeeds, and the next one fails. Undefined when the
 * namespace stands, or a write already said so.
 */
async function defaultNamespaceDeleted(
  read: Promise<KubeObject | undefined> | undefined,
  failures: readonly Failure[],
  phase: Phase,
): Promise<Failure | undefined> {
  const namespace = await read?.catch(() => undefined);
  if (!namespace || !namespaceTerminating(namespace)) return undefined;
  if (failures.some((f) => f.code === 'kube.namespace-terminating')) return undefined;
  const name = namespace.metadata.name;
  return failureFrom(
    namespaceTerminatingError(name, { kind: 'Namespace', subject: `Namespace/${name}`, phase }),
    phase,
  );
}
