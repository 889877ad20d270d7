import { outOfBounds, type Bounds } from '../../../controller/kube/bounds';
import { podSpecs } from '../../../controller/kube/pod-specs';
import type { KubeObject } from '../../../controller/kube/types';

// Operators' kinds whose pods sit at other paths than a workload's spec.template.spec: each is
// judged by the same checks (cluster policy's priority and nodeName, the environment's own
// ServiceAccount, csi-driver volumes), and matched by API group as well as kind.

const bounds: Bounds = {
  namespace: 'team-a',
  clusterResources: ['ClusterWorkflowTemplate', 'ClusterTask'],
  refused: ['kube-system', 'cairn'],
  ownerId: 'a-123',
  serviceAccount: 'team-a/deployer',
};

const made = (apiVersion: string, kind: string, spec: object, namespace: string | undefined = 'team-a') =>
  ({ apiVersion, kind, metadata: { name: 'x', ...(namespace ? { namespace } : {}) }, spec }) as KubeObject;
const pod = (fields: object = {}) => ({ containers: [{ name: 'c', image: 'i' }], ...fields });
const template = (fields: object = {}) => ({ template: { spec: pod(fields) } });
const NODE = { nodeName: 'n1' };
const CRITICAL = { priorityClassName: 'system-node-critical' };
const OWN = { serviceAccountName: 'deployer' };

const argo = (kind: string, spec: object) => made('argoproj.io/v1alpha1', kind, spec);
const workflow = (spec: object) => argo('Workflow', { entrypoint: 'main', ...spec });
const main = (fields: object = {}) => ({ name: 'main', container: { image: 'i' }, ...fields });
const tekton = (kind: string, spec: object) => made('tekton.dev/v1', kind, spec);

describe('pod specs of operators, judged by outOfBounds', () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    // Argo Workflows
    [
      'an Argo Workflow template at system-node-critical',
      workflow({ templates: [main(CRITICAL)] }),
      /^spec\.templates\[0\] \(main\)\.priorityClassName system-node-critical/,
    ],
    [
      "an Argo Workflow's podPriorityClassName, inherited by its templates",
      workflow({ podPriorityClassName: 'system-cluster-critical', templates: [main()] }),
      /^spec\.templates\[0\] \(main\)\.priorityClassName system-cluster-critical/,
    ],
    [
      "an Argo Workflow running as the environment's own ServiceAccount",
      workflow({ serviceAccountName: 'deployer', templates: [main()] }),
      /^spec\.templates\[0\] \(main\)\.serviceAccountName is this environment's own ServiceAccount/,
    ],
    [
      "an Argo Workflow naming it, with no template (a WorkflowTemplate's)",
      workflow({ serviceAccountName: 'deployer', workflowTemplateRef: { name: 't' } }),
      /^spec\.serviceAccountName is this environment's own/,
    ],
    [
      "an Argo template naming it over the workflow's own",
      workflow({ serviceAccountName: 'runner', templates: [main(), main({ name: 'b', ...OWN })] }),
      /^spec\.templates\[1\] \(b\)\.serviceAccountName/,
    ],
    [
      'a CronWorkflow whose workflowSpec patches in a nodeName (YAML)',
      argo('CronWorkflow', {
        schedule: '* * * * *',
        workflowSpec: { entrypoint: 'main', podSpecPatch: 'nodeName: n1\n', templates: [main()] },
      }),
      /^spec\.workflowSpec\.podSpecPatch\.nodeName/,
    ],
    [
      "a template's podSpecPatch (JSON) running as the environment's own ServiceAccount",
      workflow({ templates: [main({ podSpecPatch: '{"serviceAccountName": "deployer"}' })] }),
      /^spec\.templates\[0\]\.podSpecPatch \(main\)\.serviceAccountName is this environment's own/,
    ],
    [
      'an unparseable podSpecPatch',
      workflow({ templates: [main({ podSpecPatch: '{"nodeName": ' })] }),
      /^spec\.templates\[0\]\.podSpecPatch \(main\): cairn cannot read it as a YAML or JSON object/,
    ],
    [
      // Nine levels of nine aliases: 387 million strings once expanded, a few hundred bytes of text.
      'a podSpecPatch whose aliases expand past its size',
      workflow({
        templates: [
          main({
            podSpecPatch: [
              "a0: &a0 ['{{x}}','{{x}}','{{x}}','{{x}}','{{x}}','{{x}}','{{x}}','{{x}}','{{x}}']",
              ...Array.from(
                { length: 9 },
                (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`,
              ),
              'containers: [{name: c, image: i, args: *a9}]',
            ].join('\n'),
          }),
        ],
      }),
      /^spec\.templates\[0\]\.podSpecPatch \(main\): cairn cannot read it as a YAML or JSON object/,
    ],
    [
      'a podSpecPatch that is one Argo expression',
      workflow({ podSpecPatch: '{{workflow.parameters.patch}}', templates: [main()] }),
      /^spec\.podSpecPatch: cairn cannot read it/,
    ],
    [
      'a podSpecPatch whose ServiceAccount is an Argo expression',
      workflow({
        podSpecPatch: '{"serviceAccountName": "{{workflow.parameters.sa}}"}',
        templates: [main()],
      }),
      /^spec\.podSpecPatch: serviceAccountName \{\{workflow\.parameters\.sa\}\} is an Argo expression/,
    ],
    [
      "a template's ServiceAccount as an Argo expression",
      workflow({ templates: [main({ serviceAccountName: '{{inputs.parameters.sa}}' })] }),
      /^spec\.templates\[0\] \(main\)\.serviceAccountName \{\{inputs\.parameters\.sa\}\} is an Argo expression/,
    ],
    [
      "Argo's own example: a podSpecPatch of a container's resources, by parameter",
      workflow({
        podSpecPatch:
          'containers:\n  - name: main\n    resources:\n      limits:\n        memory: "{{workflow.parameters.mem-limit}}"\n',
        templates: [main()],
      }),
      undefined,
    ],
    [
      "a WorkflowTemplate whose template runs as its workflow's ServiceAccount (undecided here)",
      argo('WorkflowTemplate', { templates: [main(CRITICAL)] }),
      /^spec\.templates\[0\] \(main\)\.priorityClassName/,
    ],
    [
      'a ClusterWorkflowTemplate with an unreadable patch',
      made(
        'argoproj.io/v1alpha1',
        'ClusterWorkflowTemplate',
        { templates: [main({ podSpecPatch: '[' })] },
        undefined,
      ),
      /^spec\.templates\[0\]\.podSpecPatch \(main\): cairn cannot read it/,
    ],
    [
      'templateDefaults at system-node-critical',
      workflow({ templateDefaults: CRITICAL, templates: [main()] }),
      /^spec\.templateDefaults\.priorityClassName/,
    ],
    ['a plain Argo Workflow', workflow({ serviceAccountName: 'runner', templates: [main()] }), undefined],
    [
      'a Workflow of another group',
      made('example.com/v1', 'Workflow', { podSpecPatch: '[', serviceAccountName: 'deployer' }),
      undefined,
    ],
    // Tekton
    [
      "a TaskRun running as the environment's own ServiceAccount",
      tekton('TaskRun', { serviceAccountName: 'deployer', taskRef: { name: 't' } }),
      /^spec\.serviceAccountName is this environment's own/,
    ],
    [
      "a TaskRun's podTemplate at system-node-critical",
      tekton('TaskRun', { serviceAccountName: 'runner', podTemplate: CRITICAL, taskRef: { name: 't' } }),
      /^spec\.podTemplate\.priorityClassName system-node-critical/,
    ],
    [
      "a PipelineRun's taskRunTemplate running as it",
      tekton('PipelineRun', { taskRunTemplate: OWN, pipelineRef: { name: 'p' } }),
      /^spec\.taskRunTemplate\.serviceAccountName is this environment's own/,
    ],
    [
      "a PipelineRun's task running as it (taskRunSpecs)",
      tekton('PipelineRun', {
        taskRunTemplate: { serviceAccountName: 'runner' },
        taskRunSpecs: [{ pipelineTaskName: 'build', serviceAccountName: 'deployer' }],
      }),
      /^spec\.taskRunSpecs\[0\]\.serviceAccountName/,
    ],
    [
      "a v1beta1 PipelineRun's podTemplate at system-cluster-critical",
      made('tekton.dev/v1beta1', 'PipelineRun', {
        serviceAccountName: 'runner',
        podTemplate: { priorityClassName: 'system-cluster-critical' },
      }),
      /^spec\.podTemplate\.priorityClassName system-cluster-critical/,
    ],
    [
      'a plain TaskRun',
      tekton('TaskRun', { serviceAccountName: 'runner', taskSpec: { steps: [{ name: 's', image: 'i' }] } }),
      undefined,
    ],
    [
      'a Task (its run decides its ServiceAccount)',
      tekton('Task', { steps: [{ name: 's', image: 'i' }] }),
      undefined,
    ],
    // Whole pod templates at other paths
    [
      'a PyTorchJob worker with a nodeName',
      made('kubeflow.org/v1', 'PyTorchJob', {
        pytorchReplicaSpecs: { Master: template(), Worker: template(NODE) },
      }),
      /^spec\.pytorchReplicaSpecs\.Worker\.template\.spec\.nodeName/,
    ],
    [
      'a TFJob chief running as it',
      made('kubeflow.org/v1', 'TFJob', { tfReplicaSpecs: { Chief: template(OWN) } }),
      /^spec\.tfReplicaSpecs\.Chief\.template\.spec\.serviceAccountName/,
    ],
    ...['MPIJob:mpi', 'XGBoostJob:xgb', 'PaddleJob:paddle', 'JAXJob:jax'].map((k) => {
      const [kind, key] = k.split(':') as [string, string];
      return [
        `a ${kind} at system-node-critical`,
        made('kubeflow.org/v1', kind, { [`${key}ReplicaSpecs`]: { Worker: template(CRITICAL) } }),
        new RegExp(`^spec\\.${key}ReplicaSpecs\\.Worker\\.template\\.spec\\.priorityClassName`),
      ] as [string, KubeObject, RegExp];
    }),
    [
      'a RayCluster worker group with a nodeName',
      made('ray.io/v1', 'RayCluster', {
        headGroupSpec: template(),
        workerGroupSpecs: [template(), template(NODE)],
      }),
      /^spec\.workerGroupSpecs\[1\]\.template\.spec\.nodeName/,
    ],
    [
      "a RayJob's submitter running as it",
      made('ray.io/v1', 'RayJob', {
        rayClusterSpec: { headGroupSpec: template() },
        submitterPodTemplate: { spec: pod(OWN) },
      }),
      /^spec\.submitterPodTemplate\.spec\.serviceAccountName/,
    ],
    [
      "a RayService's head at system-node-critical",
      made('ray.io/v1', 'RayService', { rayClusterConfig: { headGroupSpec: template(CRITICAL) } }),
      /^spec\.rayClusterConfig\.headGroupSpec\.template\.spec\.priorityClassName/,
    ],
    [
      'a JobSet replicated job with a nodeName',
      made('jobset.x-k8s.io/v1alpha2', 'JobSet', {
        replicatedJobs: [{ name: 'w', template: { spec: template(NODE) } }],
      }),
      /^spec\.replicatedJobs\[0\]\.template\.spec\.template\.spec\.nodeName/,
    ],
    [
      'a Volcano Job task running as it',
      made('batch.volcano.sh/v1alpha1', 'Job', { tasks: [{ name: 't', ...template(OWN) }] }),
      /^spec\.tasks\[0\]\.template\.spec\.serviceAccountName/,
    ],
    [
      "a FlinkDeployment's taskManager podTemplate with a nodeName",
      made('flink.apache.org/v1beta1', 'FlinkDeployment', {
        serviceAccount: 'flink',
        taskManager: { podTemplate: { spec: pod(NODE) } },
      }),
      /^spec\.taskManager\.podTemplate\.spec\.nodeName/,
    ],
    [
      "a FlinkDeployment's podTemplate, run as its spec.serviceAccount",
      made('flink.apache.org/v1beta1', 'FlinkDeployment', {
        serviceAccount: 'deployer',
        podTemplate: { spec: pod() },
      }),
      /^spec\.podTemplate\.spec\.serviceAccountName is this environment's own/,
    ],
    [
      "a SparkApplication's driver at system-node-critical",
      made('sparkoperator.k8s.io/v1beta2', 'SparkApplication', { driver: CRITICAL, executor: {} }),
      /^spec\.driver\.priorityClassName system-node-critical/,
    ],
    [
      "a ScheduledSparkApplication's executor running as it",
      made('sparkoperator.k8s.io/v1beta2', 'ScheduledSparkApplication', {
        template: { driver: { serviceAccount: 'spark' }, executor: { serviceAccount: 'deployer' } },
      }),
      /^spec\.template\.executor\.serviceAccountName/,
    ],
    [
      "a SparkApplication's driver template with a nodeName",
      made('sparkoperator.k8s.io/v1beta2', 'SparkApplication', {
        driver: { serviceAccount: 'spark', template: { spec: pod(NODE) } },
        executor: { serviceAccount: 'spark' },
      }),
      /^spec\.driver\.template\.spec\.nodeName/,
    ],
    [
      'a plain SparkApplication',
      made('sparkoperator.k8s.io/v1beta2', 'SparkApplication', {
        driver: { serviceAccount: 'spark' },
        executor: { serviceAccount: 'spark' },
      }),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(bounds, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it("reads an empty serviceAccountName as default, the environment's own when it is default", () => {
    const object = made('apps/v1', 'Deployment', template({ serviceAccountName: '' }));
    expect(outOfBounds({ ...bounds, serviceAccount: 'team-a/default' }, object, new Set())).toMatch(
      /^spec\.template\.spec\.serviceAccountName is this environment's own ServiceAccount team-a\/default/,
    );
  });

  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'an Argo template with a nodeName by patch',
      workflow({ podSpecPatch: '{"nodeName":"n1"}', templates: [main()] }),
      undefined,
    ],
    [
      'a RayCluster at system-node-critical',
      made('ray.io/v1', 'RayCluster', { headGroupSpec: template(CRITICAL) }),
      undefined,
    ],
    [
      "a TaskRun as the environment's own ServiceAccount",
      tekton('TaskRun', { serviceAccountName: 'deployer' }),
      /^spec\.serviceAccountName is this environment's own/,
    ],
    [
      'an unreadable podSpecPatch',
      workflow({ podSpecPatch: '{', templates: [main()] }),
      /^spec\.podSpecPatch: cairn cannot read it/,
    ],
  ])('with allowClusterPolicy: %s', (_what, object, expected) => {
    const why = outOfBounds({ ...bounds, allowClusterPolicy: true }, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('podSpecs', () => {
  it("gives each Argo template's pod its containers, volumes and inherited pod fields", () => {
    const object = workflow({
      serviceAccountName: 'runner',
      securityContext: { runAsUser: 1 },
      hostNetwork: true,
      volumes: [{ name: 'w', emptyDir: {} }],
      templates: [
        {
          name: 'main',
          script: { image: 's', source: 'x' },
          containerSet: { containers: [{ name: 'a', image: 'a' }] },
          sidecars: [{ name: 'side', image: 'side' }],
          initContainers: [{ name: 'init', image: 'init' }],
          volumes: [{ name: 't', emptyDir: {} }],
        },
      ],
    });
    expect(podSpecs(object)).toEqual([
      [
        'spec.templates[0] (main)',
        {
          containers: [
            { image: 's', source: 'x' },
            { name: 'a', image: 'a' },
            { name: 'side', image: 'side' },
          ],
          initContainers: [{ name: 'init', image: 'init' }],
          volumes: [{ name: 't', emptyDir: {} }],
          priorityClassName: undefined,
          securityContext: { runAsUser: 1 },
          hostNetwork: true,
          serviceAccountName: 'runner',
        },
      ],
      [
        'spec',
        {
          volumes: [{ name: 'w', emptyDir: {} }],
          hostNetwork: true,
          securityContext: { runAsUser: 1 },
          priorityClassName: undefined,
          serviceAccountName: 'runner',
        },
      ],
    ]);
  });

  it("finds a Tekton task's steps, stepTemplate and sidecars as containers", () => {
    const [[path, spec]] = podSpecs(
      tekton('Task', {
        steps: [{ name: 's', image: 'i' }],
        stepTemplate: { securityContext: { privileged: true } },
        sidecars: [{ name: 'd', image: 'd' }],
        volumes: [{ name: 'v', emptyDir: {} }],
      }),
    ) as [[string, { containers: unknown[]; volumes: unknown[] }]];
    expect(path).toBe('spec');
    expect(spec.containers).toHaveLength(3);
    expect(spec.volumes).toEqual([{ name: 'v', emptyDir: {} }]);
    expect(spec).not.toHaveProperty('serviceAccountName');
  });
});
