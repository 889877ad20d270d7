import { setTimeout as sleep } from 'node:timers/promises';
import { kubeKit } from './kube-kit';
import { kindOf } from '../../helpers/changes';
import type { KubeApplier, KubeObject } from '../../../controller/kube/types';

/**
 * What a prune leaves behind, against the sandbox's real controller-manager: its namespace
 * controller finalizes a deleted Namespace, and its garbage collector deletes what a pruned
 * object owned (a Deployment's ReplicaSets and their pods).
 */
jest.setTimeout(60_000);

const kit = kubeKit('cascade');
afterAll(() => kit.cleanup());

const nsDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
const cm = (name: string, ns: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {k: v}\n`;
const deployment = (ns: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ${ns}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: "nginx:1.27"}]}\n`;

async function applyFiles(applier: KubeApplier, files: Record<string, string>) {
  return applier.apply(await applier.load(await kit.workspace(files)));
}

const names = async (path: string) =>
  ((await kit.client.request({ method: 'GET', path })).body as { items: KubeObject[] }).items.map(
    (o) => o.metadata.name,
  );

/** Polls until `check` returns true or the time is up; returns its last answer. */
async function eventually(check: () => Promise<boolean>, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

describe('kube applier: prune against the real controllers', () => {
  it('prunes a Namespace that left Git: it is gone, not stuck Terminating', async () => {
    // given an environment holding its own namespace and a second one with a ConfigMap in it
    const home = kit.name('home');
    const extra = kit.name('extra');
    kit.track(`/api/v1/namespaces/${extra}`);
    const applier = kit.applier(kit.name('env'), kit.target(home, { allowMassPrune: true }));
    const first = await applyFiles(applier, {
      'home.yaml': nsDoc(home),
      'extra.yaml': nsDoc(extra),
      'cm.yaml': cm('settings', extra),
    });
    expect(first.failure).toBeUndefined();

    // when the second namespace and its ConfigMap leave Git
    const result = await applyFiles(applier, { 'home.yaml': nsDoc(home) });

    // then both are reported pruned, and the namespace controller finalizes the Namespace
    expect(result.failure).toBeUndefined();
    expect(
      result.changes
        .filter((c) => c.action === 'deleted')
        .map((c) => kindOf(c))
        .sort(),
    ).toEqual(['ConfigMap', 'Namespace']);
    expect(await eventually(async () => (await kit.get(`/api/v1/namespaces/${extra}`)) === undefined)).toBe(
      true,
    );
  });

  it('keeps a Namespace that left Git while objects of the tree still live in it, then prunes it', async () => {
    // given an environment whose second namespace holds a ConfigMap, both applied
    const home = kit.name('home');
    const extra = kit.name('kept');
    kit.track(`/api/v1/namespaces/${extra}`);
    const applier = kit.applier(
      kit.name('env'),
      kit.target(home, { allowMassPrune: true, namespaces: [home, extra] }),
    );
    const first = await applyFiles(applier, {
      'home.yaml': nsDoc(home),
      'extra.yaml': nsDoc(extra),
      'cm.yaml': cm('settings', extra),
    });
    expect(first.failure).toBeUndefined();

    // when the Namespace's manifest leaves Git but the ConfigMap in it stays (planned, then applied)
    const tree = await applier.load(
      await kit.workspace({ 'home.yaml': nsDoc(home), 'cm.yaml': cm('settings', extra) }),
    );
    const plan = await applier.plan(tree);
    const kept = await applier.apply(tree);

    // then the Namespace is kept, saying which object of the tree lives in it, and the ConfigMap
    // survives the namespace controller
    expect(kept.failure).toBeUndefined();
    const skipped = kept.changes.find((c) => c.subject === `Namespace/${extra}`);
    expect(skipped?.action).toBe('skipped');
    expect(skipped?.reason).toContain(`ConfigMap/${extra}/settings`);
    expect(plan.changes.find((c) => c.subject === `Namespace/${extra}`)).toEqual(skipped);
    await sleep(3000);
    expect((await kit.get(`/api/v1/namespaces/${extra}`))?.metadata.deletionTimestamp).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${extra}/configmaps/settings`)).toBeDefined();
    const again = await applyFiles(applier, { 'home.yaml': nsDoc(home), 'cm.yaml': cm('settings', extra) });
    expect(again.failure).toBeUndefined();

    // and once no object of the tree lives there, it is pruned
    const pruned = await applyFiles(applier, { 'home.yaml': nsDoc(home) });
    expect(pruned.failure).toBeUndefined();
    expect(pruned.changes.find((c) => c.subject === `Namespace/${extra}`)?.action).toBe('deleted');
  });

  it('prunes a Deployment: the garbage collector removes its ReplicaSet and pods', async () => {
    // given a Deployment rolled out to two pods, next to a ConfigMap
    const ns = kit.name('gc');
    const applier = kit.applier(
      kit.name('env'),
      kit.target(ns, { allowMassPrune: true, healthTimeoutMs: 60_000 }),
    );
    const first = await applyFiles(applier, {
      'ns.yaml': nsDoc(ns),
      'cm.yaml': cm('settings', ns),
      'web.yaml': deployment(ns),
    });
    expect(first.failure).toBeUndefined();
    expect(await names(`/apis/apps/v1/namespaces/${ns}/replicasets`)).toHaveLength(1);
    expect(await names(`/api/v1/namespaces/${ns}/pods`)).toHaveLength(2);

    // when the Deployment leaves Git
    const result = await applyFiles(applier, { 'ns.yaml': nsDoc(ns), 'cm.yaml': cm('settings', ns) });

    // then it is pruned, and its ReplicaSet and pods go with it
    expect(result.failure).toBeUndefined();
    expect(result.changes.find((c) => kindOf(c) === 'Deployment')?.action).toBe('deleted');
    const emptied = await eventually(
      async () =>
        (await names(`/apis/apps/v1/namespaces/${ns}/replicasets`)).length === 0 &&
        (await names(`/api/v1/namespaces/${ns}/pods`)).length === 0,
    );
    expect({
      emptied,
      replicaSets: await names(`/apis/apps/v1/namespaces/${ns}/replicasets`),
      pods: await names(`/api/v1/namespaces/${ns}/pods`),
    }).toEqual({ emptied: true, replicaSets: [], pods: [] });
  });
});
