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

  it('retries a kind it applied before whose CRD was deleted after discovery read it, and asks discovery again', async () => {
    // given a CRD installed out of band (not in the tree) and a resource of it applied by this environment
    const group = `gone${kit.id.replace(/\W/g, '')}.cairn.test`;
    const ns = kit.name('crd-gone');
    const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/knobs.${group}`;
    kit.track(crdPath);
    kit.track(`/api/v1/namespaces/${ns}`);
    const created = await kit.client.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `knobs.${group}` },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'knobs', singular: 'knob', kind: 'Knob' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      }),
    });
    expect(created.status).toBe(201);
    const served = async () =>
      (await kit.client.request({ method: 'GET', path: `/apis/${group}/v1` })).status;
    for (let i = 0; i < 100 && (await served()) !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const applier = kit.applier(kit.name('env'), kit.target(ns));
    const files = {
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`,
      'knob.yaml': `apiVersion: ${group}/v1\nkind: Knob\nmetadata: {name: volume}\nspec: {level: 11}`,
    };
    expect((await applier.apply(await applier.load(await kit.workspace(files)))).failure).toBeUndefined();

    // when the CRD is deleted (its objects go with it) while this applier's discovery still says it is served
    await kit.client.request({ method: 'DELETE', path: crdPath });
    for (let i = 0; i < 100 && (await served()) !== 404; i++) await new Promise((r) => setTimeout(r, 100));
    const result = await applier.apply(await applier.load(await kit.workspace(files)));

    // then the apply fails retryable, naming the kind, and the next load asks discovery again
    expect(result.failure).toMatchObject({
      code: 'kube.unknown-kind',
      retryable: true,
      subject: `Knob/${ns}/volume`,
    });
    expect(result.failure!.message).toContain(`no longer serves kind Knob in apiVersion ${group}/v1`);
    await expect(applier.load(await kit.workspace(files))).rejects.toMatchObject({
      code: 'kube.unknown-kind',
      retryable: true,
    });
  });
});
