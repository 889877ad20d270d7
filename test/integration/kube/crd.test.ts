import { kubeKit, yamlDocs } from './kube-kit';

const kit = kubeKit('crd');
afterAll(() => kit.cleanup());

describe('kube applier: custom resources', () => {
  it('applies a CRD and its custom resource from one commit, keeping fields no client model knows', async () => {
    // given a new CRD (its group unique to this run) and a resource of it with arbitrary nested fields
    const group = `${kit.id}.cairn.test`;
    const ns = kit.name('cr');
    kit.track(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);
    const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.${group}}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true`;
    const widget = `apiVersion: ${group}/v1
kind: Widget
metadata: {name: gizmo}
spec:
  colour: teal
  futureField: {nested: [1, 2, {deep: true}], enabledSince: "2031"}`;
    const applier = kit.applier(
      kit.name('env'),
      kit.target(ns, { clusterResources: ['Namespace', 'CustomResourceDefinition'] }),
    );
    const manifests = await applier.load(
      await kit.workspace({
        'a-widget.yaml': widget,
        'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`,
        'z-crd.yaml': yamlDocs(crd),
      }),
    );

    // when applied
    const plan = await applier.plan(manifests);
    const result = await applier.apply(manifests);

    // then the CRD went before the widget (after the Namespace: this fresh environment's tree makes
    // its default namespace, and the write-ahead inventory lands there before the CRD does), and the
    // widget was created in the default namespace with every field intact
    expect(plan.changes.map((c) => c.action)).toEqual(['created', 'created', 'created']);
    expect(result.failure).toBeUndefined();
    expect(result.changes.map((c) => `${c.subject.split('/')[0]}:${c.action}`)).toEqual([
      'Namespace:created',
      'CustomResourceDefinition:created',
      'Widget:created',
    ]);
    const live = await kit.get(`/apis/${group}/v1/namespaces/${ns}/widgets/gizmo`);
    expect(live?.spec).toEqual({
      colour: 'teal',
      futureField: { nested: [1, 2, { deep: true }], enabledSince: '2031' },
    });
    // and a second apply finds it unchanged
    expect((await applier.apply(manifests)).changes.map((c) => c.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
  });

  it('refuses at load a kind the server does not serve, naming the file', async () => {
    // given a resource of a kind nobody defines
    const applier = kit.applier(kit.name('env'), kit.target(kit.name('unknown')));
    const ws = await kit.workspace({
      'x/thing.yaml': `apiVersion: nowhere.cairn.test/v1\nkind: Thing\nmetadata: {name: t}\n`,
    });

    // when loaded, then it fails naming the file and kind
    await expect(applier.load(ws)).rejects.toThrow(
      /^k8s-resources\/x\/thing\.yaml: the server serves no kind Thing in apiVersion nowhere\.cairn\.test\/v1/,
    );
  });
});
