import { cm, configMapFiles, nsDoc, workspaceApplies } from './configmap-workspaces';
import { changeNamed, kubeKit, namesWith } from './kube-kit';

const kit = kubeKit('prune');
afterAll(() => kit.cleanup());
const { applyFiles, planFiles, abcApplied } = workspaceApplies(kit);

describe('kube applier: prune', () => {
  it('deletes an object that left Git, and only that one', async () => {
    // given four ConfigMaps applied
    const { ns, applier } = await abcApplied('gone');

    // when b.yaml is deleted from Git
    const plan = await planFiles(applier, configMapFiles(ns, 'a', 'c'));
    const result = await applyFiles(applier, configMapFiles(ns, 'a', 'c'));

    // then b is planned and reported as pruned and is gone; a and c remain
    expect(namesWith(plan, 'deleted')).toEqual(['b']);
    expect(result.failure).toBeUndefined();
    expect(namesWith(result, 'deleted')).toEqual(['b']);
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/b`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/a`)).toBeDefined();
  });

  it('never deletes an object annotated cairn.dev/prune: disabled, and forgets it', async () => {
    // given a protected ConfigMap applied with others
    const ns = kit.name('keep');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const files = {
      'ns.yaml': nsDoc(ns),
      'a.yaml': cm('a'),
      'b.yaml': cm('b'),
      'p.yaml': cm('protected', undefined, '"cairn.dev/prune": disabled'),
    };
    await applyFiles(applier, files);

    // when it leaves Git, twice
    const { 'p.yaml': _gone, ...rest } = files;
    void _gone;
    const first = await applyFiles(applier, rest);
    const second = await applyFiles(applier, rest);

    // then it is skipped, still exists, and is not a prune candidate any more
    expect(changeNamed(first, 'protected')).toMatchObject({ action: 'skipped', reason: 'prune disabled' });
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/protected`)).toBeDefined();
    expect(changeNamed(second, 'protected')).toBeUndefined();
  });

  it.each([
    { name: 'stops a commit pruning over half the inventory', allowMassPrune: false, ok: false, left: true },
    { name: 'lets it through when allowMassPrune is set', allowMassPrune: true, ok: true, left: false },
  ])('$name', async ({ allowMassPrune, ok, left }) => {
    // given four ConfigMaps applied
    const ns = kit.name('cap');
    const env = kit.name('env');
    await applyFiles(kit.applier(env, kit.target(ns)), configMapFiles(ns, 'a', 'b', 'c'));

    // when a commit keeps only the namespace (3 of 4 objects gone)
    const result = await applyFiles(kit.applier(env, kit.target(ns, { allowMassPrune })), {
      'ns.yaml': nsDoc(ns),
    });

    // then the cap decides
    expect(result.failure === undefined).toBe(ok);
    if (!ok) expect(result.failure?.message).toMatch(/would prune 3 of the 4 objects.*allowMassPrune/);
    expect((await kit.get(`/api/v1/namespaces/${ns}/configmaps/a`)) !== undefined).toBe(left);
  });

  it('keeps two environments on one cluster from pruning each other', async () => {
    // given environments blue and green applying to one namespace
    const ns = kit.name('envs');
    const blue = kit.applier(kit.name('blue'), kit.target(ns));
    const green = kit.applier(kit.name('green'), kit.target(ns));
    await applyFiles(blue, { 'ns.yaml': nsDoc(ns), 'b1.yaml': cm('blue-1'), 'b2.yaml': cm('blue-2') });
    await applyFiles(green, { 'g1.yaml': cm('green-1'), 'g2.yaml': cm('green-2') });

    // when green drops one of its objects
    const result = await applyFiles(green, { 'g1.yaml': cm('green-1') });

    // then only green's object is pruned
    expect(namesWith(result, 'deleted')).toEqual(['green-2']);
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/blue-2`)).toBeDefined();
  });
});
