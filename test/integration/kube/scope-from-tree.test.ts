import { stringify } from 'yaml';
import { OWNER_LABEL } from '../../../controller/kube/identity';
import { plainCrd } from '../../helpers/crd-bundle';
import { kubeKit, yamlDocs } from './kube-kit';

// A CustomResourceDefinition in a tree may say what scope the kinds it defines have. It must not
// change the scope of a kind the server already serves: a tree declaring "ClusterRole is
// namespaced" had its ClusterRoles resolved into the environment's namespace, passed the bounds and
// ownership checks as namespaced objects (a LIST of the real, cluster-wide ones matched none of
// them), and overwrote, then pruned, another environment's ClusterRole.
jest.setTimeout(120_000);

const kit = kubeKit('scope-from-tree');
const nsA = kit.name('team-a');
const nsB = kit.name('team-b');
const theirs = kit.name('b-role');
const byHand = kit.name('by-hand');
const fillers = [1, 2, 3, 4, 5].map((i) => kit.name(`filler${i}`));

afterAll(async () => {
  for (const name of [theirs, byHand, ...fillers])
    kit.track(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);
  for (const crd of [
    'customresourcedefinitions.apiextensions.k8s.io',
    'clusterroles.rbac.authorization.k8s.io',
  ])
    kit.track(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`);
  await kit.cleanup();
});

const role = (name: string, verbs: string[]) =>
  stringify({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name },
    rules: [{ apiGroups: [''], resources: ['namespaces'], verbs }],
  });
/** A CRD that calls `kind` of `group` namespaced. */
const namespacedCrd = (group: string, kind: string) => stringify(plainCrd(group, kind));

describe('a CustomResourceDefinition in the tree', () => {
  it("cannot make a served kind namespaced to take over another environment's ClusterRole or an unowned one", async () => {
    // given environment b's ClusterRole, and one made by hand (no owner mark)
    const clusterResources = ['Namespace', 'ClusterRole', 'CustomResourceDefinition'];
    const b = kit.applier('b', kit.target(nsB, { clusterResources }), {
      repository: 'https://git.example.com/b.git',
    });
    expect(
      (await b.apply(await b.load(await kit.workspace({ 'role.yaml': role(theirs, ['get']) })))).failure,
    ).toBeUndefined();
    const before = await kit.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${theirs}`);
    const a = kit.applier('a', kit.target(nsA, { clusterResources }), {
      repository: 'https://git.example.com/a.git',
    });
    const made = await kit.client.request({
      method: 'PATCH',
      path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${byHand}`,
      query: { fieldManager: 'kubectl', force: 'true' },
      body: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: byHand },
        rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }],
      }),
      contentType: 'application/apply-patch+yaml',
    });
    expect(made.status).toBeLessThan(300);

    // when environment a's tree declares CRDs calling ClusterRole (and CRDs) namespaced, beside
    // both ClusterRoles and enough others that their collection is read with a LIST
    const tree = await kit.workspace({
      'crds.yaml': yamlDocs(
        namespacedCrd('apiextensions.k8s.io', 'CustomResourceDefinition'),
        namespacedCrd('rbac.authorization.k8s.io', 'ClusterRole'),
      ),
      'roles.yaml': yamlDocs(
        role(theirs, ['get', 'list', 'delete']),
        role(byHand, ['get', 'list', 'delete']),
        ...fillers.map((f) => role(f, ['get'])),
      ),
    });
    const manifests = await a.load(tree);
    const plan = await a.plan(manifests);
    const applied = await a.apply(manifests);

    // then neither ClusterRole was written
    const after = await kit.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${theirs}`);
    expect(after?.metadata.labels?.[OWNER_LABEL]).toBe(before?.metadata.labels?.[OWNER_LABEL]);
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    const hand = await kit.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${byHand}`);
    expect(hand?.metadata.labels?.[OWNER_LABEL]).toBeUndefined();
    expect((hand as { rules?: { verbs: string[] }[] }).rules?.[0]?.verbs).toEqual(['get']);
    // and the ClusterRoles stayed cluster-scoped, each of the two refused in the plan and the apply
    expect(
      manifests.filter((m) => m.object.kind === 'ClusterRole').map((m) => m.object.metadata.namespace),
    ).toEqual(Array(7).fill(undefined));
    for (const result of [plan, applied]) {
      for (const name of [theirs, byHand]) {
        const change = result.changes.find((c) => c.subject === `ClusterRole/${name}`);
        expect(change?.action).toBe('skipped');
      }
    }
    expect(applied.failure).toBeDefined();
  });
});
