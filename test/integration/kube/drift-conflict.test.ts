import { kubeKit } from './kube-kit';
import type { KubeApplier } from '../../../controller/kube/types';
import { kindOf } from '../../helpers/changes';

const kit = kubeKit('drift');
afterAll(() => kit.cleanup());

const nsDoc = (ns: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
const cm = (data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: ${JSON.stringify(data)}\n`;

async function applyFiles(applier: KubeApplier, files: Record<string, string>, drift = false) {
  return applier.apply(await applier.load(await kit.workspace(files)), { drift });
}

describe('kube applier: drift and field-manager conflicts', () => {
  it('repairs a kubectl edit on a drift pass, and only on a drift pass', async () => {
    // given an applied ConfigMap that someone then edits by hand
    const ns = kit.name('edit');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const files = { 'ns.yaml': nsDoc(ns), 'cm.yaml': cm({ mode: 'safe', other: 'x' }) };
    await applyFiles(applier, files);
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    await kit.edit(path, { data: { mode: 'hacked' } });

    // when the same revision is applied normally, then as a drift pass, then as a drift pass again
    const normal = await applyFiles(applier, files);
    const afterNormal = (await kit.get(path))?.data;
    const drift = await applyFiles(applier, files, true);
    const again = await applyFiles(applier, files, true);

    // then the normal pass trusts the digest, the drift pass asks the server and repairs, and then all is quiet
    expect(normal.changes.map((o) => o.action)).toEqual(['unchanged', 'unchanged']);
    expect(afterNormal).toEqual({ mode: 'hacked', other: 'x' });
    expect(drift.failure).toBeUndefined();
    expect(drift.changes.find((o) => kindOf(o) === 'ConfigMap')).toMatchObject({
      action: 'configured',
      reason: 'drift repaired',
      diff: expect.stringContaining('-   mode: hacked'),
    });
    expect((await kit.get(path))?.data).toEqual({ mode: 'safe', other: 'x' });
    expect(again.changes.map((o) => o.action)).toEqual(['unchanged', 'unchanged']);
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
    const outcome = result.changes.find((o) => kindOf(o) === 'ConfigMap');
    expect(outcome?.action).toBe(action);
    if (action === 'skipped')
      expect(outcome?.reason).toMatch(
        /^failed: ConfigMap\/.*\/settings \(k8s-resources\/cm\.yaml\): field manager conflict: "other-tool" owns \.data\.mode/,
      );
    expect((await kit.get(path))?.data).toEqual({ mode });
  });
});
