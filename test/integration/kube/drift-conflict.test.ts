import { changeNamed, kubeKit } from './kube-kit';
import type { KubeApplier } from '../../../controller/kube/types';

const kit = kubeKit('drift');
afterAll(() => kit.cleanup());

const nsDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
const cm = (data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: ${JSON.stringify(data)}\n`;

async function applyFiles(applier: KubeApplier, files: Record<string, string>) {
  return applier.apply(await applier.load(await kit.workspace(files)));
}

describe('kube applier: drift and field-manager conflicts', () => {
  it('finds a kubectl edit without reading any manifest, and repairs it on the next apply of the same revision', async () => {
    // given an applied ConfigMap that someone then edits by hand
    const ns = kit.name('edit');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const files = { 'ns.yaml': nsDoc(ns), 'cm.yaml': cm({ mode: 'safe', other: 'x' }) };
    await applyFiles(applier, files);
    const quiet = await applier.drifted();
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    await kit.edit(path, { data: { mode: 'hacked' } });

    // when the drift check runs, then the same revision is applied twice
    const drifted = await applier.drifted();
    const repair = await applyFiles(applier, files);
    const again = await applyFiles(applier, files);

    // then the check names only the edited object, the apply repairs it, and then all is quiet
    expect(quiet).toEqual([]);
    expect(drifted).toEqual([`ConfigMap/${ns}/settings`]);
    expect(repair.failure).toBeUndefined();
    expect(changeNamed(repair, 'settings')).toMatchObject({
      action: 'configured',
      reason: 'drift repaired',
      diff: expect.stringContaining('-   mode: hacked'),
    });
    expect(changeNamed(repair, ns)?.action).toBe('unchanged');
    expect((await kit.get(path))?.data).toEqual({ mode: 'safe', other: 'x' });
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(await applier.drifted()).toEqual([]);
  });

  it("does not count a controller's status write as drift", async () => {
    // given an applied Deployment whose controller then writes its status
    const ns = kit.name('status');
    const applier = kit.applier(kit.name('env'), kit.target(ns, { healthTimeoutMs: 100 }));
    const deploy = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: nginx}]}\n`;
    const files = { 'ns.yaml': nsDoc(ns), 'web.yaml': deploy };
    await applyFiles(applier, files);
    const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`;
    const before = await kit.get(path);
    // (the real Deployment controller may already have written the same status: write one it never
    // writes, so the resourceVersion surely moves)
    await kit.writeStatus(path, { observedGeneration: before?.metadata.generation, collisionCount: 7 });

    // when the drift check runs and the revision is applied again
    const drifted = await applier.drifted();
    const again = await applyFiles(applier, files);

    // then the status write moved the resourceVersion but nothing counts as drift
    expect((await kit.get(path))?.metadata.resourceVersion).not.toBe(before?.metadata.resourceVersion);
    expect(drifted).toEqual([]);
    expect(again.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
  });

  it.each([
    {
      name: 'reports a conflict with another applier, naming the manager and fields',
      forceConflicts: false,
      action: 'skipped',
      mode: 'theirs',
    },
    {
      name: 'takes the fields over when forceConflicts is set',
      forceConflicts: true,
      action: 'configured',
      mode: 'ours-2',
    },
  ])('$name', async ({ forceConflicts, action, mode }) => {
    // given a ConfigMap applied by cairn, then a field of it applied by another declarative tool
    const ns = kit.name('conflict');
    const env = kit.name('env');
    await applyFiles(kit.applier(env, kit.target(ns)), {
      'ns.yaml': nsDoc(ns),
      'cm.yaml': cm({ mode: 'ours' }),
    });
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    const res = await kit.client.request({
      method: 'PATCH',
      path,
      query: { fieldManager: 'other-tool', force: 'true' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: ns },
        data: { mode: 'theirs' },
      }),
      contentType: 'application/apply-patch+yaml',
    });
    expect(res.status).toBe(200);

    // when Git changes that field
    const result = await applyFiles(kit.applier(env, kit.target(ns, { forceConflicts })), {
      'ns.yaml': nsDoc(ns),
      'cm.yaml': cm({ mode: 'ours-2' }),
    });

    // then the conflict is reported (or forced where the config says so)
    expect(changeNamed(result, 'settings')?.action).toBe(action);
    if (action === 'skipped')
      expect(result.failure?.message).toMatch(
        /ConfigMap\/.*\/settings \(k8s-resources\/cm\.yaml\): field manager conflict: "other-tool" owns \.data\.mode/,
      );
    expect((await kit.get(path))?.data).toEqual({ mode });
  });
});
