import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { auditLines } from '../../helpers/audit-lines';
import { runCli } from '../../helpers/cli';
import { plainCrd } from '../../helpers/crd-bundle';
import { startKillProxy, type KillProxy, type Matcher } from '../../helpers/kill-proxy';
import { BUILT_CAIRN, runKillable, type KillableRun } from '../../helpers/killable-run';
import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from './kube-kit';

/**
 * Crash consistency of the real binary: `cairn sync` (dist/, built by `npx tsc -p .`) reaches the
 * sandbox's kube-apiserver through a proxy that SIGKILLs it at an exact request of the reconcile
 * (after the Nth object's apply landed, before the inventory write, mid-prune). The next sync must
 * converge to the branch head, prune what left Git (applied or not yet recorded), keep what is in
 * Git, and leave a ledger that verifies with every begun entry ended.
 */
jest.setTimeout(240_000);
const BIN = BUILT_CAIRN;
const kit = kubeKit('kill');
const root = mkdtempSync(join(tmpdir(), 'cairn-kill-points-'));
let proxy: KillProxy;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` first`);
  proxy = await startKillProxy(join(root, 'proxy.kubeconfig'));
});
afterAll(async () => {
  await proxy?.close();
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const cm = (name: string, data: Record<string, string> = { v: '1' }) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const many = (prefix: string, n: number, v = '1') =>
  Array.from({ length: n }, (_, i) => cm(`${prefix}-${String(i).padStart(3, '0')}`, { v })).join('---\n');

/**
 * An environment applied through the proxy (with `kubernetes` settings over the defaults); its
 * heartbeat Lease is kept beside it, directly.
 */
function platform(name: string, kubernetes: Record<string, unknown> = {}): { p: LocalPlatform; ns: string } {
  const ns = kit.name(name);
  kit.track(`/api/v1/namespaces/${ns}`);
  const p = localPlatform(
    join(root, name),
    { kubeconfig: proxy.kubeconfig, namespace: ns, pruneMaxShare: 1, concurrency: 8, ...kubernetes },
    {
      sharding: {
        enabled: false,
        namespace: ns,
        kubeconfig: sandboxEnv().kubernetes.kubeconfig,
        leaseDuration: '15s',
      },
    },
  );
  return { p, ns };
}

/**
 * A fresh environment whose first commit makes its own default namespace, a second Namespace the
 * environment may use (`other`), and `files` besides.
 */
function twoNamespaces(
  name: string,
  files: Record<string, string>,
): { p: LocalPlatform; ns: string; other: string } {
  const other = kit.name(`${name}-b`);
  kit.track(`/api/v1/namespaces/${other}`);
  const { p, ns } = platform(name, { namespaces: [other] });
  const namespace = (n: string) => stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } });
  p.commit('base', {
    'k8s-resources/ns.yaml': namespace(ns),
    'k8s-resources/other.yaml': namespace(other),
    ...files,
  });
  return { p, ns, other };
}

/**
 * `cairn sync --json` of the compiled binary, killed by the proxy when `kill` is given (and the
 * requests `kill.hold` matches forwarded only after `kill.holdMs`, the first that `kill.refuseOnce`
 * matches answered 500).
 */
function sync(
  p: LocalPlatform,
  kill?: {
    nth: number;
    matches: Matcher;
    after: boolean;
    hold?: Matcher;
    holdMs?: number;
    refuseOnce?: Matcher;
  },
  killOnTemporary?: string,
): Promise<KillableRun> {
  return runKillable(['sync', '--config', p.config, '--env', 'dev', '--json'], {
    mustBeKilled: Boolean(kill || killOnTemporary),
    arm: (child) => {
      if (kill) proxy.arm(child.pid!, kill.nth, kill.matches, kill.after);
      if (kill?.hold) proxy.hold(kill.hold, kill.holdMs ?? 1000);
      if (kill?.refuseOnce) proxy.refuse(kill.refuseOnce, 1, 500);
      // Or killed as soon as a temporary checkout folder shows in `killOnTemporary` (polled, not timed).
      const watch = killOnTemporary
        ? setInterval(() => {
            if (existsSync(killOnTemporary) && readdirSync(killOnTemporary).some((n) => n.endsWith('.tmp')))
              child.kill('SIGKILL');
          }, 1)
        : undefined;
      return () => {
        proxy.disarm();
        clearInterval(watch);
      };
    },
  });
}

async function converged(p: LocalPlatform): Promise<AuditEntry> {
  const run = await sync(p);
  if (run.code !== 0) throw new Error(`cairn sync exited ${String(run.code)}: ${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout) as AuditEntry;
}

/**
 * A second config beside `config` on the same cluster with a ledger of its own: a successor replica
 * on another pod (one audit folder has one writer).
 */
function successorOf(config: string): string {
  const successor = config.replace(/cairn\.yaml$/, 'successor.yaml');
  writeFileSync(
    successor,
    readFileSync(config, 'utf8').replace(/dir: (\S+)\/audit/, 'dir: $1/successor-audit'),
  );
  return successor;
}

/** The entry of a `cairn sync` run with `config`, which must succeed. */
async function syncAs(config: string): Promise<AuditEntry> {
  const run = await runKillable(['sync', '--config', config, '--env', 'dev', '--json']);
  if (run.code !== 0) throw new Error(`cairn sync exited ${String(run.code)}: ${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout) as AuditEntry;
}

const applies = (ns: string, prefix: string) => (method: string, path: string) =>
  method === 'PATCH' && path.startsWith(`/api/v1/namespaces/${ns}/configmaps/${prefix}`);
const inventoryWrite = (ns: string) => (method: string, path: string) =>
  method === 'PATCH' && path.startsWith(`/api/v1/namespaces/${ns}/configmaps/cairn-inventory-`);
const prunes = (ns: string) => (method: string, path: string) =>
  method === 'DELETE' && path.startsWith(`/api/v1/namespaces/${ns}/configmaps/`);

/** The ConfigMaps carrying an owner label in `ns` (what cairn applied and did not prune), by name. */
async function owned(ns: string): Promise<string[]> {
  const res = await kit.client.request({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    query: { labelSelector: 'cairn.dev/owner' },
  });
  const items = (res.body as { items: { metadata: { name: string } }[] }).items;
  return items
    .map((i) => i.metadata.name)
    .filter((n) => !n.startsWith('cairn-inventory-'))
    .sort();
}

/** The object names the inventory ConfigMap records. */
async function inventory(ns: string): Promise<string[]> {
  const res = await kit.client.request({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    query: { labelSelector: 'app.kubernetes.io/managed-by=cairn' },
  });
  const items = (res.body as { items: { metadata: { name: string }; data?: { objects?: string } }[] }).items;
  const record = items.find((i) => i.metadata.name.startsWith('cairn-inventory-'));
  return (JSON.parse(record?.data?.objects ?? '[]') as { kind: string; name: string }[])
    .filter((e) => e.kind === 'ConfigMap')
    .map((e) => e.name)
    .sort();
}

/** Invariant 3 and 4: the chain verifies, every start has its end, no temporary checkout is left. */
async function ledgerAndFolders(p: LocalPlatform, dir: string): Promise<void> {
  const verify = await runCli(['audit', 'verify', '--config', p.config]);
  expect(verify.stderr).not.toMatch(/broken|changed/);
  expect(verify.code).toBe(0);
  const records = auditLines(p.audit).map(
    (l) => JSON.parse(l) as { type: string; id?: string; entry?: AuditEntry },
  );
  const started = records
    .filter((r) => r.type === 'start')
    .map((r) => r.id ?? (r.entry as AuditEntry | undefined)?.id);
  const ended = new Set(records.filter((r) => r.type === 'end').map((r) => r.entry?.id));
  expect(started.filter((id) => !ended.has(id))).toEqual([]);
  // An interrupted attempt claims nothing applied.
  for (const r of records.filter((r) => r.type === 'end' && r.entry?.outcome === 'interrupted'))
    expect(r.entry!.changes).toEqual([]);
  const checkouts = join(dir, 'workspaces', 'checkouts', 'dev');
  const temporary = existsSync(checkouts) ? readdirSync(checkouts).filter((n) => n.endsWith('.tmp')) : [];
  expect(temporary).toEqual([]);
}

/** Waits until a collection is listed with 200; throws after `ms`. */
async function servedWithin(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await kit.client.request({ method: 'GET', path, query: { limit: '1' } })).status !== 200) {
    if (Date.now() > deadline) throw new Error(`${path} was not served within ${ms} ms`);
    await sleep(100);
  }
}

const names = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);

describe('cairn sync killed with SIGKILL at a chosen request, then run again', () => {
  it('prunes objects applied by a killed sync once they leave Git, though no inventory recorded them', async () => {
    // Given an environment applied with one ConfigMap
    const { p, ns } = platform('leak');
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/keep.yaml': cm('keep'),
    });
    await converged(p);
    // When a commit adding five objects is killed after the second one's apply landed
    p.commit('add five', { 'k8s-resources/extra.yaml': many('extra', 5) });
    await sync(p, { nth: 2, matches: applies(ns, 'extra-'), after: true });
    const landed = await owned(ns);
    // (the dead process's heartbeat Lease is still there: the restart below must take it at once)
    const leases = await kit.client.request({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    });
    const heartbeats = (leases.body as { items: { metadata: { name: string } }[] }).items;
    expect(heartbeats.map((l) => l.metadata.name)).toEqual([expect.stringMatching(/^cairn-unsharded-/)]);
    // and, before the next sync, the five leave Git again (a revert)
    p.commit('revert', { 'k8s-resources/extra.yaml': null });
    const entry = await converged(p);

    // Then the next sync converged to the head and pruned the two that landed
    expect(landed.filter((n) => n.startsWith('extra-')).length).toBeGreaterThanOrEqual(2);
    expect(entry.outcome).not.toBe('failed');
    expect(entry.toSha).toBe(p.head());
    expect(await owned(ns)).toEqual(['keep']);
    expect(await inventory(ns)).toEqual(['keep']);
    await ledgerAndFolders(p, join(root, 'leak'));
  });

  it("converges after a kill before a fresh environment's first write: the inventory does not make the namespace the tree declares", async () => {
    // Given a fresh environment whose tree makes its own default namespace
    const { p, ns } = platform('fresh');
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/keep.yaml': cm('keep'),
    });
    // When the first sync is killed before the tree's Namespace (cairn's own field manager, not the
    // inventory's) reaches the server
    const namespaceApply = (method: string, path: string, url: string) =>
      method === 'PATCH' && path === `/api/v1/namespaces/${ns}` && url.includes('fieldManager=cairn&');
    await sync(p, { nth: 1, matches: namespaceApply, after: false });
    const entry = await converged(p);
    // Then the next sync made it as the tree's (with the owner's mark), not refused it as unowned
    expect(entry.outcome).toBe('succeeded');
    const made = await kit.get(`/api/v1/namespaces/${ns}`);
    expect(made?.metadata.labels?.['cairn.dev/owner']).toBeDefined();
    expect(await owned(ns)).toEqual(['keep']);
    await ledgerAndFolders(p, join(root, 'fresh'));
  });

  it("prunes a CRD of a fresh environment's first apply, killed right after it landed, once it leaves Git", async () => {
    // Given a fresh environment whose tree makes its own default namespace and holds a CRD
    const { p, ns } = platform('crd', { clusterResources: ['Namespace', 'CustomResourceDefinition'] });
    const group = `${kit.id}.cairn.test`;
    const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`;
    kit.track(crdPath);
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/crd.yaml': stringify(plainCrd(group, 'Widget')),
      'k8s-resources/keep.yaml': cm('keep'),
    });
    // When its first sync is killed right after the CRD's apply was answered (cairn's own field
    // manager, not a dry run): before this fix no inventory write could have landed by then
    const crdApply = (method: string, path: string, url: string) =>
      method === 'PATCH' &&
      path === crdPath &&
      url.includes('fieldManager=cairn&') &&
      !url.includes('dryRun');
    await sync(p, { nth: 1, matches: crdApply, after: true });
    const landed = await kit.get(crdPath);
    // (for a moment after it is made, a CRD's collection answers 429 "storage is (re)initializing",
    // and prune keeps a CRD whose contents it cannot check until the next reconcile: the restart
    // here comes once it is served, so that what is tested is the inventory, not that moment)
    await servedWithin(`/apis/${group}/v1/widgets`, 30_000);
    // and the next commit, without the CRD, is synced to the end
    p.commit('drop the CRD', { 'k8s-resources/crd.yaml': null });
    const entry = await converged(p);

    // Then the CRD that landed, with the owner's mark, was pruned
    expect(landed?.metadata.labels?.['cairn.dev/owner']).toBeDefined();
    expect(entry.outcome).toBe('succeeded');
    expect(entry.toSha).toBe(p.head());
    expect(entry.changes.filter((c) => c.subject.startsWith('CustomResourceDefinition/'))).toEqual([
      expect.objectContaining({ subject: `CustomResourceDefinition/widgets.${group}`, action: 'deleted' }),
    ]);
    const gone = await kit.get(crdPath);
    expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true);
    expect(await owned(ns)).toEqual(['keep']);
    await ledgerAndFolders(p, join(root, 'crd'));
  });

  it("prunes another Namespace of a fresh environment's first wave, killed right after it landed, once it leaves Git", async () => {
    // Given a fresh environment whose tree makes its own default namespace and a second one
    const { p, ns, other } = twoNamespaces('first-wave', { 'k8s-resources/keep.yaml': cm('keep') });
    // When its first sync is killed right after the second Namespace's apply was answered (cairn's
    // own field manager): before the fix it went out beside the default namespace's, ahead of the
    // inventory. (The default namespace's apply is held a second, so that the write-ahead sent
    // beside it finds no namespace yet, as it does whenever it reaches the server first.)
    const applyOf = (name: string) => (method: string, path: string, url: string) =>
      method === 'PATCH' && path === `/api/v1/namespaces/${name}` && url.includes('fieldManager=cairn&');
    await sync(p, { nth: 1, matches: applyOf(other), after: true, hold: applyOf(ns), holdMs: 1000 });
    const landed = await kit.get(`/api/v1/namespaces/${other}`);
    // and the next commit, without it, is synced to the end
    p.commit('drop the second namespace', { 'k8s-resources/other.yaml': null });
    const entry = await converged(p);

    // Then the Namespace that landed, with the owner's mark, was pruned
    expect(landed?.metadata.labels?.['cairn.dev/owner']).toBeDefined();
    expect(entry.outcome).toBe('succeeded');
    expect(entry.changes.filter((c) => c.subject === `Namespace/${other}`)).toEqual([
      expect.objectContaining({ action: 'deleted' }),
    ]);
    const gone = await kit.get(`/api/v1/namespaces/${other}`);
    expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true);
    expect(await owned(ns)).toEqual(['keep']);
    await ledgerAndFolders(p, join(root, 'first-wave'));
  });

  it("prunes what a fresh environment's first apply made before a kill, also when a read before it failed", async () => {
    // Given a fresh environment whose tree makes its own default namespace, a second one and a
    // ConfigMap
    const { p, ns, other } = twoNamespaces('read-failed', { 'k8s-resources/extra.yaml': cm('extra-000') });
    // When the reads before its first write fail once (the ConfigMap's GET answered 500: the
    // wave reads it again), and it is killed right after that ConfigMap's apply was answered
    const firstRead = (method: string, path: string) =>
      method === 'GET' && path === `/api/v1/namespaces/${ns}/configmaps/extra-000`;
    await sync(p, { nth: 1, matches: applies(ns, 'extra-'), after: true, refuseOnce: firstRead });
    const landed = await owned(ns);
    // and the next commit holds only its default namespace and another ConfigMap
    p.commit('drop', {
      'k8s-resources/other.yaml': null,
      'k8s-resources/extra.yaml': null,
      'k8s-resources/keep.yaml': cm('keep'),
    });
    const entry = await converged(p);

    // Then what landed, with the owner's mark, was pruned
    expect(landed).toEqual(['extra-000']);
    expect(entry.outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(['keep']);
    const gone = await kit.get(`/api/v1/namespaces/${other}`);
    expect(gone === undefined || gone.metadata.deletionTimestamp !== undefined).toBe(true);
    await ledgerAndFolders(p, join(root, 'read-failed'));
  });

  it("keeps what a successor recorded when a paused sync's write-ahead lands after it", async () => {
    // Given an environment applied with one ConfigMap, and a second config on the same cluster
    // with a ledger of its own (as a successor replica on another pod: one folder has one writer)
    const { p, ns } = platform('stale');
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/keep.yaml': cm('keep'),
    });
    await converged(p);
    const successor = successorOf(p.config);
    // When a sync adding x is paused (SIGSTOP) as its write-ahead goes out, and that request is held
    // in flight for 30 s (a stalled connection)
    p.commit('add x', { 'k8s-resources/x.yaml': cm('x') });
    let child: ChildProcess | undefined;
    const paused = runKillable(['sync', '--config', p.config, '--env', 'dev', '--json'], {
      arm: (c) => {
        child = c;
        proxy.arm(c.pid!, 1, () => false, false);
        proxy.hold(inventoryWrite(ns), 30_000);
        return () => undefined;
      },
    });
    const sent = Date.now();
    while (!proxy.seen.some((l) => inventoryWrite(ns)('PATCH', l.slice('PATCH '.length).split('?')[0]!)))
      await sleep(5);
    child!.kill('SIGSTOP');
    proxy.disarm();
    // and, past its Lease, a successor applies a commit adding y
    await sleep(17_000);
    p.commit('add y', { 'k8s-resources/y.yaml': cm('y') });
    expect((await syncAs(successor)).outcome).toBe('succeeded');
    expect(await inventory(ns)).toEqual(['keep', 'x', 'y']);
    // and the paused sync's write-ahead lands, then it is thawed
    await sleep(Math.max(0, 31_000 - (Date.now() - sent)));
    child!.kill('SIGCONT');
    expect((await paused).code).toBe(1);

    // Then the successor's record stands, and y is pruned once it leaves Git
    expect(await inventory(ns)).toEqual(['keep', 'x', 'y']);
    p.commit('drop y', { 'k8s-resources/y.yaml': null });
    expect((await syncAs(successor)).outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(['keep', 'x']);
  });

  it("keeps what a successor recorded when a paused fresh sync's first inventory write lands after it", async () => {
    // Given a fresh environment, and a second config on the same cluster with a ledger of its own
    // (as a successor replica on another pod: one folder has one writer)
    const { p, ns } = platform('stale-first');
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/keep.yaml': cm('keep'),
    });
    const successor = successorOf(p.config);
    // The first write of the inventory, whatever its method (by its field manager).
    const firstWrite = (line: string) =>
      line.startsWith(`POST /api/v1/namespaces/${ns}/configmaps`) ||
      line.startsWith(`PATCH /api/v1/namespaces/${ns}/configmaps/cairn-inventory-`);
    // When its first sync is paused (SIGSTOP) as its first inventory write goes out, and that
    // request is held in flight for 30 s (a stalled connection)
    let child: ChildProcess | undefined;
    const paused = runKillable(['sync', '--config', p.config, '--env', 'dev', '--json'], {
      arm: (c) => {
        child = c;
        proxy.arm(c.pid!, 1, () => false, false);
        proxy.hold((method, _path, url) => firstWrite(`${method} ${url}`), 30_000);
        return () => undefined;
      },
    });
    const sent = Date.now();
    while (!proxy.seen.some(firstWrite)) await sleep(5);
    child!.kill('SIGSTOP');
    proxy.disarm();
    // and, past its Lease, a successor applies a commit adding y, making the inventory first
    await sleep(17_000);
    p.commit('add y', { 'k8s-resources/y.yaml': cm('y') });
    expect((await syncAs(successor)).outcome).toBe('succeeded');
    expect(await inventory(ns)).toEqual(['keep', 'y']);
    // and the paused sync's first write lands, then it is thawed
    await sleep(Math.max(0, 31_000 - (Date.now() - sent)));
    child!.kill('SIGCONT');
    expect((await paused).code).toBe(1);

    // Then the successor's record stands, and y is pruned once it leaves Git
    expect(await inventory(ns)).toEqual(['keep', 'y']);
    p.commit('drop y', { 'k8s-resources/y.yaml': null });
    expect((await syncAs(successor)).outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(['keep']);
  });

  it('converges after a kill mid-way through a 300-object tree, and again after one before the inventory write', async () => {
    const { p, ns } = platform('big');
    p.commit('base', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/big.yaml': many('big', 300),
    });
    // killed after the 150th apply landed, then run again on the same head
    await sync(p, { nth: 150, matches: applies(ns, 'big-'), after: true });
    const half = await owned(ns);
    const first = await converged(p);
    expect(half.length).toBeGreaterThanOrEqual(150);
    expect(half.length).toBeLessThan(300);
    expect(first.outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(names('big', 300));
    expect(await inventory(ns)).toEqual(names('big', 300));

    // a new value for every object, killed before the inventory write goes out, then run again
    p.commit('v2', { 'k8s-resources/big.yaml': many('big', 300, '2') });
    await sync(p, { nth: 1, matches: inventoryWrite(ns), after: false });
    const second = await converged(p);
    expect(second.outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(names('big', 300));
    const one = await kit.get(`/api/v1/namespaces/${ns}/configmaps/big-299`);
    expect(one?.data).toEqual({ v: '2' });

    // a commit that drops 200 of them, killed after the 50th delete, then run again
    p.commit('drop 200', { 'k8s-resources/big.yaml': many('big', 100, '2') });
    await sync(p, { nth: 50, matches: prunes(ns), after: true });
    const third = await converged(p);
    expect(third.outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(names('big', 100));
    expect(await inventory(ns)).toEqual(names('big', 100));
    await ledgerAndFolders(p, join(root, 'big'));
  });

  it('removes the temporary folder of a checkout it was killed in, once it is stale', async () => {
    const { p, ns } = platform('checkout');
    const dir = join(root, 'checkout', 'workspaces', 'checkouts', 'dev');
    // A tree of 3,000 files: writing its checkout takes long enough to be caught by the poll.
    const files: Record<string, string> = {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/keep.yaml': cm('keep'),
    };
    for (let i = 0; i < 3000; i++) files[`aws-resources/notes/${i}.txt`] = `note ${i}\n`;
    p.commit('big tree', files);
    await sync(p, undefined, dir);
    const left = readdirSync(dir).filter((n) => n.endsWith('.tmp'));
    expect(left).toHaveLength(1);
    // the restart comes later than a checkout could still be running (an hour)
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(join(dir, left[0]!), old, old);
    p.commit('next', { 'k8s-resources/keep.yaml': cm('keep', { v: '2' }) });
    const entry = await converged(p);
    expect(entry.outcome).toBe('succeeded');
    expect(await owned(ns)).toEqual(['keep']);
    await ledgerAndFolders(p, join(root, 'checkout'));
  });
});
