import type { KubeApplier } from '../../../controller/kube/types';
import type { KubernetesTargetConfig } from '../../../controller/config/types';
import { twoEnvironmentInstall } from '../../helpers/install-identities';
import { operatorKinds, planAndApply, type Manifest } from '../../helpers/operator-kinds';
import { kubeKit } from './kube-kit';

/**
 * Pods that workload operators make from pod specs (or pieces of them) at other paths than a
 * Deployment's: Argo Workflows, Tekton, the Kubeflow training operator, Ray. The sandbox runs none
 * of those operators; their CRDs are installed as their charts do (a minimal schema that keeps
 * every field), and a Role gives environment a's ServiceAccount their kinds. Each test shows the
 * API server admits the object from a's ServiceAccount (only cairn's check stands between it and
 * the operator), that plan and apply refuse it naming the file, the object and the field, and that
 * nothing of the tree reaches the server.
 */
jest.setTimeout(180_000);
const kit = kubeKit('operator-pods');
const suffix = Math.random().toString(36).slice(2, 7);
const install = twoEnvironmentInstall(suffix);
const { a } = install;
const repository = (install.config.repository as { url: string }).url;

const operatorCrds = [
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', kind: 'Workflow' },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'cronworkflows', kind: 'CronWorkflow' },
  { group: 'tekton.dev', version: 'v1', plural: 'taskruns', kind: 'TaskRun' },
  { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs', kind: 'PyTorchJob' },
  { group: 'ray.io', version: 'v1', plural: 'rayclusters', kind: 'RayCluster' },
];
const kinds = operatorKinds(kit, install, `operator-kinds-${suffix}`, operatorCrds);
const { admittedAsA } = kinds;

/** An applier of environment a as the install makes it, with `overrides` on top. */
function applierOfA(name: string, overrides: Partial<KubernetesTargetConfig> = {}): KubeApplier {
  return kit.applier(
    name,
    kit.target(a.ns, {
      namespaces: [a.ns, a.extra],
      serviceAccount: `${a.ns}/${a.sa}`,
      pruneMaxShare: 1,
      ...overrides,
    }),
    { repository },
  );
}

beforeAll(() => kinds.setUp());

afterAll(() => kinds.tearDown());

/** `object` of a's tree as the API server holds it, or undefined. */
const readBack = (object: Manifest): Promise<unknown> => kit.get(kinds.pathOf(object));

const beside = (): Manifest =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: kit.name('beside') },
    data: { k: 'v' },
  }) as Manifest;

/** Plans and applies `object` beside a ConfigMap with `applier`: both refused naming `line`, neither on the server. */
async function expectRefused(object: Manifest, line: string, applier: KubeApplier) {
  const other = beside();
  const result = await planAndApply(kit, applier, { 'take.yaml': object, 'beside.yaml': other });
  for (const r of [result.plan, result.apply]) {
    expect(r.failure).toMatchObject({ code: 'kube.out-of-bounds', retryable: false });
    expect(r.failure!.message).toContain(
      `k8s-resources/take.yaml: ${object.kind}/${a.ns}/${object.metadata.name}: ${line}`,
    );
  }
  expect(await readBack(object)).toBeUndefined();
  expect(await readBack(other)).toBeUndefined();
}

/** Plans and applies `object` with `applier`: no failure, and it is on the server. */
async function expectApplied(object: Manifest, applier: KubeApplier) {
  const result = await planAndApply(kit, applier, { 'own.yaml': object });
  expect(result.plan.failure).toBeUndefined();
  expect(result.apply.failure).toBeUndefined();
  expect(await readBack(object)).toBeDefined();
}

const main = (fields: object = {}) => ({ name: 'main', container: { image: 'busybox' }, ...fields });
const workflow = (name: string, spec: object): Manifest => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name },
  spec: { entrypoint: 'main', serviceAccountName: 'runner', ...spec },
});
const pod = (fields: object = {}) => ({ containers: [{ name: 'c', image: 'busybox' }], ...fields });
const NODE = { nodeName: 'kwok-node-0' };
const CRITICAL = { priorityClassName: 'system-node-critical' };

describe('pods of workload operators, judged as a Deployment is', () => {
  const refused: [string, (name: string) => Manifest, (name: string) => string][] = [
    [
      'an Argo Workflow whose template runs at system-node-critical',
      (name) => workflow(name, { templates: [main(CRITICAL)] }),
      () => 'spec.templates[0] (main).priorityClassName system-node-critical',
    ],
    [
      "an Argo Workflow running as the environment's own ServiceAccount",
      (name) => workflow(name, { serviceAccountName: a.sa, templates: [main()] }),
      () => `spec.templates[0] (main).serviceAccountName is this environment's own ServiceAccount`,
    ],
    [
      'an Argo CronWorkflow whose podSpecPatch puts its pods on a node',
      (name) => ({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'CronWorkflow',
        metadata: { name },
        spec: {
          schedule: '0 0 1 1 *',
          workflowSpec: { entrypoint: 'main', podSpecPatch: 'nodeName: kwok-node-0\n', templates: [main()] },
        },
      }),
      () => 'spec.workflowSpec.podSpecPatch.nodeName',
    ],
    [
      'an Argo Workflow whose podSpecPatch cairn cannot read',
      (name) => workflow(name, { templates: [main({ podSpecPatch: '{{workflow.parameters.patch}}' })] }),
      () => 'spec.templates[0].podSpecPatch (main): cairn cannot read it',
    ],
    [
      "a Tekton TaskRun running as the environment's own ServiceAccount",
      (name) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: { name },
        spec: { serviceAccountName: a.sa, taskSpec: { steps: [{ name: 's', image: 'busybox' }] } },
      }),
      () => "spec.serviceAccountName is this environment's own ServiceAccount",
    ],
    [
      'a Tekton TaskRun whose podTemplate runs at system-node-critical',
      (name) => ({
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: { name },
        spec: { serviceAccountName: 'runner', podTemplate: CRITICAL, taskRef: { name: 'build' } },
      }),
      () => 'spec.podTemplate.priorityClassName system-node-critical',
    ],
    [
      'a PyTorchJob whose workers are put on a node',
      (name) => ({
        apiVersion: 'kubeflow.org/v1',
        kind: 'PyTorchJob',
        metadata: { name },
        spec: { pytorchReplicaSpecs: { Worker: { replicas: 1, template: { spec: pod(NODE) } } } },
      }),
      () => 'spec.pytorchReplicaSpecs.Worker.template.spec.nodeName',
    ],
    [
      'a RayCluster whose worker group runs at system-node-critical',
      (name) => ({
        apiVersion: 'ray.io/v1',
        kind: 'RayCluster',
        metadata: { name },
        spec: {
          headGroupSpec: { template: { spec: pod() } },
          workerGroupSpecs: [{ groupName: 'w', template: { spec: pod(CRITICAL) } }],
        },
      }),
      () => 'spec.workerGroupSpecs[0].template.spec.priorityClassName system-node-critical',
    ],
  ];

  it.each(refused)(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const name = kit.name('take');
      const object = make(name);
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefused(object, line(name), applierOfA('a'));
    },
  );

  it('applies the same kinds run as another ServiceAccount, at an ordinary priority, on no chosen node', async () => {
    const applier = applierOfA('a-own');
    await expectApplied(
      workflow(kit.name('own'), {
        podSpecPatch:
          'containers:\n  - name: main\n    resources:\n      limits:\n        memory: "{{workflow.parameters.mem}}"\n',
        templates: [main()],
      }),
      applier,
    );
    await expectApplied(
      {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: { name: kit.name('own') },
        spec: { serviceAccountName: 'runner', taskSpec: { steps: [{ name: 's', image: 'busybox' }] } },
      },
      applier,
    );
    await expectApplied(
      {
        apiVersion: 'ray.io/v1',
        kind: 'RayCluster',
        metadata: { name: kit.name('own') },
        spec: { headGroupSpec: { template: { spec: pod() } } },
      },
      applier,
    );
  });

  it('with kubernetes.allowClusterPolicy, applies a node and a system priority, as for a Deployment, and still refuses its own ServiceAccount and an unreadable patch', async () => {
    const trusted = applierOfA('a-trusted', { allowClusterPolicy: true });
    await expectApplied(
      workflow(kit.name('trusted'), {
        podSpecPatch: '{"nodeName": "kwok-node-0"}',
        templates: [main(CRITICAL)],
      }),
      trusted,
    );
    await expectRefused(
      workflow(kit.name('trusted'), {
        templates: [main({ podSpecPatch: `{"serviceAccountName": "${a.sa}"}` })],
      }),
      "spec.templates[0].podSpecPatch (main).serviceAccountName is this environment's own ServiceAccount",
      trusted,
    );
    await expectRefused(
      workflow(kit.name('trusted'), { podSpecPatch: '{"nodeName": ', templates: [main()] }),
      'spec.podSpecPatch: cairn cannot read it',
      trusted,
    );
  });
});
