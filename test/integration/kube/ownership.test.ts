import { ownerOf, OWNER_LABEL } from '../../../controller/kube/identity';
import { legacyInventoryName } from '../../../controller/kube/inventory';
import { cm, configMapFiles, nsDoc, workspaceApplies } from './configmap-workspaces';
import { changeNamed, kubeKit, namesWith } from './kube-kit';

const kit = kubeKit('owner');
afterAll(() => kit.cleanup());
const { applyFiles, planFiles, abcApplied } = workspaceApplies(kit);

const REPO_A = 'https://git.example.com/team-a/platform.git';
const REPO_B = 'https://git.example.com/team-b/platform.git';

describe('kube applier: ownership', () => {
  it('lets two repositories with an environment of the same name share a namespace without touching each other', async () => {
    // given environment "dev" of repository A and environment "dev" of repository B in one namespace
    const ns = kit.name('twins');
    const a = kit.applier('dev', kit.target(ns), { repository: REPO_A });
    const b = kit.applier('dev', kit.target(ns), { repository: REPO_B });
    const first = await applyFiles(a, { 'ns.yaml': nsDoc(ns), 'a1.yaml': cm('a-1'), 'a2.yaml': cm('a-2') });

    // when B syncs its own objects (its first sync), then drops one of them; and A syncs again
    const bPlan = await planFiles(b, { 'b1.yaml': cm('b-1'), 'b2.yaml': cm('b-2') });
    const bFirst = await applyFiles(b, { 'b1.yaml': cm('b-1'), 'b2.yaml': cm('b-2') });
    const bSecond = await applyFiles(b, { 'b1.yaml': cm('b-1') });
    const aAgain = await applyFiles(a, { 'ns.yaml': nsDoc(ns), 'a1.yaml': cm('a-1'), 'a2.yaml': cm('a-2') });

    // then neither plans or prunes the other's objects, each object carries its owner's mark,
    // and each has its own inventory
    expect(first.failure).toBeUndefined();
    expect(bPlan.changes.map((c) => c.action)).toEqual(['created', 'created']);
    expect(bFirst.failure).toBeUndefined();
    expect(namesWith(bSecond, 'deleted')).toEqual(['b-2']);
    expect(aAgain.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const live = async (name: string) =>
      (await kit.get(`/api/v1/namespaces/${ns}/configmaps/${name}`))?.metadata.labels?.[OWNER_LABEL];
    const [idA, idB] = [REPO_A, REPO_B].map((repository) => ownerOf({ env: 'dev', repository }).id);
    expect(await live('a-2')).toBe(idA);
    expect(await live('b-1')).toBe(idB);
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/cairn-inventory-${idA}`)).toBeDefined();
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/cairn-inventory-${idB}`)).toBeDefined();
    expect(
      await kit.get(`/api/v1/namespaces/${ns}/configmaps/${legacyInventoryName('dev')}`),
    ).toBeUndefined();
  });

  it('keeps apart two environments of one repository whose long names differ only past the 40th character', async () => {
    // given two environments whose names share their first 40 characters, in one namespace
    const ns = kit.name('long');
    const stem = `${kit.id}-customer-facing-payments-platform`.slice(0, 40);
    const [one, two] = [`${stem}-eu-1`, `${stem}-eu-2`];
    const a = kit.applier(one, kit.target(ns), { repository: REPO_A });
    const b = kit.applier(two, kit.target(ns), { repository: REPO_A });
    const first = await applyFiles(a, { 'ns.yaml': nsDoc(ns), 'a1.yaml': cm('a-1'), 'a2.yaml': cm('a-2') });

    // when the second one syncs its own objects
    const second = await applyFiles(b, { 'b1.yaml': cm('b-1'), 'b2.yaml': cm('b-2'), 'b3.yaml': cm('b-3') });

    // then each has its own owner mark and inventory, and neither pruned nor took the other's objects
    expect(ownerOf({ env: one, repository: REPO_A }).id).not.toBe(
      ownerOf({ env: two, repository: REPO_A }).id,
    );
    expect(first.failure).toBeUndefined();
    expect(second.failure).toBeUndefined();
    expect(second.changes.map((c) => c.action)).toEqual(['created', 'created', 'created']);
    for (const name of ['a-1', 'a-2'])
      expect(
        (await kit.get(`/api/v1/namespaces/${ns}/configmaps/${name}`))?.metadata.labels?.[OWNER_LABEL],
      ).toBe(ownerOf({ env: one, repository: REPO_A }).id);
  });

  it('refuses an object another environment owns, naming the owner, unless the config adopts it', async () => {
    // given a ConfigMap applied by environment dev of repository A
    const ns = kit.name('refuse');
    const a = kit.applier('dev', kit.target(ns), { repository: REPO_A });
    await applyFiles(a, { 'ns.yaml': nsDoc(ns), 's.yaml': cm('shared', { owner: 'a' }) });
    const path = `/api/v1/namespaces/${ns}/configmaps/shared`;
    const before = await kit.get(path);
    const owner = ownerOf({ env: 'dev', repository: REPO_A });

    // when repository B's dev plans and applies the same object, then adopts it explicitly
    const files = { 's.yaml': cm('shared', { owner: 'b' }) };
    const b = kit.applier('dev', kit.target(ns), { repository: REPO_B });
    const plan = await planFiles(b, files);
    const refused = await applyFiles(b, files);
    const untouched = await kit.get(path);
    const adopting = kit.applier('dev', kit.target(ns, { adopt: [owner.id] }), { repository: REPO_B });
    const adopted = await applyFiles(adopting, files);

    // then plan and apply refuse it naming A, nothing changed, and adopting takes it over
    for (const result of [plan, refused]) {
      expect(result.failure).toMatchObject({
        code: 'kube.owned-elsewhere',
        retryable: false,
        subject: `ConfigMap/${ns}/shared`,
      });
      expect(result.failure?.message).toContain(`owned by environment dev of ${REPO_A}`);
    }
    expect(changeNamed(refused, 'shared')).toMatchObject({
      action: 'skipped',
      reason: `refused: owned by environment dev of ${REPO_A}`,
    });
    expect(untouched?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(changeNamed(adopted, 'shared')).toMatchObject({
      action: 'configured',
      reason: `adopted from environment dev of ${REPO_A}`,
    });
    const now = await kit.get(path);
    expect(now?.data).toEqual({ owner: 'b' });
    expect(now?.metadata.labels?.[OWNER_LABEL]).toBe(ownerOf({ env: 'dev', repository: REPO_B }).id);
  });

  it("still refuses another environment's object whose owner label was removed by hand, and its owner repairs the label", async () => {
    // given A's ConfigMap whose cairn.dev/owner label someone removed (its owned-by annotation stays)
    const ns = kit.name('unlabel');
    const a = kit.applier('dev', kit.target(ns), { repository: REPO_A });
    const aFiles = { 'ns.yaml': nsDoc(ns), 's.yaml': cm('shared', { owner: 'a' }) };
    await applyFiles(a, aFiles);
    const path = `/api/v1/namespaces/${ns}/configmaps/shared`;
    await kit.edit(path, { metadata: { labels: { [OWNER_LABEL]: null } } });
    const idA = ownerOf({ env: 'dev', repository: REPO_A }).id;

    // when B's dev applies the same object, then A syncs again
    const b = kit.applier('dev', kit.target(ns), { repository: REPO_B });
    const refused = await applyFiles(b, { 's.yaml': cm('shared', { owner: 'b' }) });
    const untouched = await kit.get(path);
    const repaired = await applyFiles(a, aFiles);

    // then B is refused naming A and changed nothing; A puts its label back
    expect(refused.failure).toMatchObject({ code: 'kube.owned-elsewhere' });
    expect(refused.failure?.message).toContain(idA);
    expect(untouched?.data).toEqual({ owner: 'a' });
    expect(repaired.failure).toBeUndefined();
    expect((await kit.get(path))?.metadata.labels?.[OWNER_LABEL]).toBe(idA);
  });

  it('prunes nothing when an apply of the commit failed, and keeps both sets in the inventory', async () => {
    // given a, b and c applied
    const { ns, applier } = await abcApplied('failed');

    // when a commit removes c but breaks b, then a commit fixes b
    const brokenFiles = { 'ns.yaml': nsDoc(ns), 'a.yaml': cm('a'), 'b.yaml': cm('b', { 'not valid!': 'x' }) };
    const plan = await planFiles(applier, brokenFiles);
    const broken = await applyFiles(applier, brokenFiles);
    const cAfterBroken = await kit.get(`/api/v1/namespaces/${ns}/configmaps/c`);
    const fixed = await applyFiles(applier, {
      'ns.yaml': nsDoc(ns),
      'a.yaml': cm('a'),
      'b.yaml': cm('b', { k: 'w' }),
    });

    // then c survives the failed commit (reported as not pruned) and goes with the fixed one
    expect(broken.failure).toMatchObject({ code: 'kube.rejected', subject: `ConfigMap/${ns}/b` });
    const view = (r: typeof plan) =>
      r.changes.map((c) => `${c.subject} ${c.action} ${c.reason ?? ''}`).sort();
    expect(view(plan)).toEqual(view(broken));
    expect(plan.failure?.code).toBe('kube.rejected');
    expect(changeNamed(broken, 'c')).toMatchObject({
      action: 'skipped',
      reason: 'not pruned: an apply failed',
    });
    expect(cAfterBroken).toBeDefined();
    expect(fixed.failure).toBeUndefined();
    expect(namesWith(fixed, 'deleted')).toEqual(['c']);
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/c`)).toBeUndefined();
  });

  it('never prunes an object whose live owner mark is not its own', async () => {
    // given a and b applied, then b relabelled by hand as another environment's
    const { ns, applier } = await abcApplied('relabel');
    await kit.edit(`/api/v1/namespaces/${ns}/configmaps/b`, {
      metadata: { labels: { [OWNER_LABEL]: 'someone-else' } },
    });

    // when b leaves Git
    const result = await applyFiles(applier, configMapFiles(ns, 'a', 'c'));

    // then it stays, reported as another owner's
    expect(changeNamed(result, 'b')).toMatchObject({
      action: 'skipped',
      reason: 'owned by someone-else; not pruned',
    });
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/b`)).toBeDefined();
  });

  it("never prunes a Namespace or a CRD that still holds another environment's objects", async () => {
    // given A's namespace and CRD, and environment dev of repository B with objects of both in them
    const group = `shared.${kit.id}.cairn.test`;
    const crdName = `gadgets.${group}`;
    kit.track(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`);
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${crdName}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}`;
    const home = kit.name('home');
    const shared = kit.name('shared');
    kit.track(`/api/v1/namespaces/${shared}`);
    const a = kit.applier(
      'dev',
      kit.target(home, { allowMassPrune: true, clusterResources: ['Namespace', 'CustomResourceDefinition'] }),
      { repository: REPO_A },
    );
    // B writes into A's namespace too: its bounds say so.
    const b = kit.applier('dev', kit.target(shared, { namespaces: [shared, home] }), { repository: REPO_B });
    const aFiles = { 'home.yaml': nsDoc(home), 'shared.yaml': nsDoc(shared), 'crd.yaml': crd };
    expect((await applyFiles(a, aFiles)).failure).toBeUndefined();
    const gadget = `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: b-gadget, namespace: ${home}}\nspec: {size: 1}\n`;
    const bFirst = await applyFiles(b, { 'b.yaml': cm('b-settings'), 'g.yaml': gadget });
    expect(bFirst.failure).toBeUndefined();

    // when the shared namespace and the CRD leave A's Git
    const result = await applyFiles(a, { 'home.yaml': nsDoc(home) });

    // then A deletes neither, naming B, and B's objects are still there
    const idB = ownerOf({ env: 'dev', repository: REPO_B }).id;
    expect(result.failure).toBeUndefined();
    expect(changeNamed(result, shared)).toMatchObject({ action: 'skipped' });
    expect(changeNamed(result, shared)?.reason).toContain(idB);
    expect(changeNamed(result, crdName)).toMatchObject({ action: 'skipped' });
    expect(changeNamed(result, crdName)?.reason).toContain(idB);
    expect((await kit.get(`/api/v1/namespaces/${shared}`))?.metadata.deletionTimestamp).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${shared}/configmaps/b-settings`)).toBeDefined();
    expect(await kit.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`)).toBeDefined();
    expect(await kit.get(`/apis/${group}/v1/namespaces/${home}/gadgets/b-gadget`)).toBeDefined();
  });

  it('reads the inventory of an older cairn (named after the environment alone) without pruning from it', async () => {
    // given a legacy inventory cairn-inventory-<env> listing an unmarked object that is no longer in Git
    const ns = kit.name('legacy');
    const env = kit.name('env');
    const applier = kit.applier(env, kit.target(ns));
    await applyFiles(applier, { 'ns.yaml': nsDoc(ns) });
    for (const body of [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: ns }, data: { k: 'v' } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: legacyInventoryName(env), namespace: ns },
        data: {
          environment: env,
          objects: JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'old' }]),
        },
      },
    ]) {
      const res = await kit.client.request({
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/configmaps`,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
    }
    const fresh = kit.applier(env, kit.target(ns));
    await kit.client.request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${ns}/configmaps/cairn-inventory-${ownerOf({ env, repository: 'https://git.example.com/platform/kit.git' }).id}`,
    });

    // when this version applies a commit without it
    const result = await applyFiles(fresh, { 'ns.yaml': nsDoc(ns), 'a.yaml': cm('a') });

    // then nothing is pruned, and the new inventory is written under the identity's name
    expect(result.failure).toBeUndefined();
    expect(namesWith(result, 'deleted')).toEqual([]);
    expect(await kit.get(`/api/v1/namespaces/${ns}/configmaps/old`)).toBeDefined();
    expect(kit.logs.join('')).toContain('no inventory of this identity yet');
  });

  it('plans exactly what the following reconcile records, object by object', async () => {
    // given a live state with every case: unchanged, changed in Git, edited by hand, new, removed, protected
    const ns = kit.name('agree');
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    await applyFiles(applier, {
      'ns.yaml': nsDoc(ns),
      'same.yaml': cm('same'),
      'git.yaml': cm('git', { v: '1' }),
      'hand.yaml': cm('hand', { v: '1' }),
      'gone.yaml': cm('gone'),
      'kept.yaml': cm('kept', { k: 'v' }, '"cairn.dev/prune": disabled'),
      'other.yaml': cm('other'),
    });
    await kit.edit(`/api/v1/namespaces/${ns}/configmaps/hand`, { data: { v: 'edited' } });
    const next = {
      'ns.yaml': nsDoc(ns),
      'same.yaml': cm('same'),
      'git.yaml': cm('git', { v: '2' }),
      'hand.yaml': cm('hand', { v: '1' }),
      'new.yaml': cm('new'),
      'other.yaml': cm('other'),
    };
    const manifests = await applier.load(await kit.workspace(next));

    // when the revision is planned, then reconciled
    const plan = await applier.plan(manifests);
    const applied = await applier.apply(manifests);

    // then both list the same objects with the same actions and reasons
    const view = (r: typeof plan) =>
      r.changes.map((c) => [c.subject, c.action, c.reason ?? '']).sort((x, y) => (x[0]! < y[0]! ? -1 : 1));
    expect(plan.failure).toBeUndefined();
    expect(applied.failure).toBeUndefined();
    expect(view(plan)).toEqual(view(applied));
    expect(view(applied)).toEqual(
      [
        [`ConfigMap/${ns}/git`, 'configured', ''],
        [`ConfigMap/${ns}/gone`, 'deleted', ''],
        [`ConfigMap/${ns}/hand`, 'configured', 'drift repaired'],
        [`ConfigMap/${ns}/kept`, 'skipped', 'prune disabled'],
        [`ConfigMap/${ns}/new`, 'created', ''],
        [`ConfigMap/${ns}/other`, 'unchanged', ''],
        [`ConfigMap/${ns}/same`, 'unchanged', ''],
        [`Namespace/${ns}`, 'unchanged', ''],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
  });

  it("never shows a Secret's value from kubectl's last-applied annotation in the plan, the result or the logs", async () => {
    // given a Secret created the way `kubectl apply` (client-side) leaves it: value repeated in an annotation
    const ns = kit.name('lastapp');
    // (cairn takes it over only when told: it carries no owner mark)
    const applier = kit.applier(kit.name('env'), kit.target(ns, { adoptUnowned: true }));
    await applyFiles(applier, { 'ns.yaml': nsDoc(ns) });
    const value = Buffer.from('hunter2-kubectl').toString('base64');
    const created = await kit.createLikeKubectl(`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      data: { pw: value },
    });
    expect(created.status).toBe(201);

    // when cairn plans and applies a new value for it
    const files = {
      'ns.yaml': nsDoc(ns),
      's.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {pw: hunter2-git}\n`,
    };
    const plan = await planFiles(applier, files);
    const applied = await applyFiles(applier, files);

    // then the diff shows the annotation redacted and no value anywhere
    const text = JSON.stringify([plan, applied]) + kit.logs.join('');
    expect(changeNamed(plan, 'creds')?.diff).toContain('last-applied-configuration: "[redacted]"');
    expect(text).not.toContain(value);
    expect(text).not.toMatch(/hunter2/);
    expect(text).not.toContain(Buffer.from('hunter2-git').toString('base64'));
  });
});
