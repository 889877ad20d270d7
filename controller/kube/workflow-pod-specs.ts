import { jsYaml } from '../model/js-yaml';
import { fieldsOf, listOf, type Fields } from './object-fields';
import { expandsPastText } from './parse-manifests';

// The pods of workflow engines whose objects hold no whole pod template: Argo Workflows and Tekton
// build each pod from pieces (containers here, pod fields there). pod-specs.ts's podSpecs is the one
// caller; each piece is presented to the checks as a pod spec, at the path where it is written.

type PodSpecAt = readonly [string, Fields];

const ARGO_GROUP = 'argoproj.io';
const TEKTON_GROUP = 'tekton.dev';

/**
 * Argo's workflow spec of an object, where it sits, and whether this object decides the
 * ServiceAccount of pods that name none (a Workflow runs them as `default`; a template's are the
 * submitting Workflow's).
 */
function argoWorkflow(
  group: string,
  kind: string,
  spec: Fields,
): { prefix: string; wf: Fields; runs: boolean } | undefined {
  if (group !== ARGO_GROUP) return undefined;
  if (kind === 'Workflow') return { prefix: 'spec', wf: spec, runs: true };
  if (kind === 'CronWorkflow')
    return { prefix: 'spec.workflowSpec', wf: fieldsOf(spec.workflowSpec), runs: true };
  if (kind === 'WorkflowTemplate' || kind === 'ClusterWorkflowTemplate')
    return { prefix: 'spec', wf: spec, runs: false };
  return undefined;
}

/** One Argo template (or `templateDefaults`): its field, its name said after a path, and its fields. */
interface ArgoTemplate {
  readonly field: string;
  readonly named: string;
  readonly template: Fields;
}

function argoTemplates(prefix: string, wf: Fields): readonly ArgoTemplate[] {
  const defaults = fieldsOf(wf.templateDefaults);
  return [
    ...(Object.keys(defaults).length > 0
      ? [{ field: `${prefix}.templateDefaults`, named: '', template: defaults }]
      : []),
    ...listOf(wf.templates).map((t, i) => ({
      field: `${prefix}.templates[${i}]`,
      named: ` (${String(fieldsOf(t).name)})`,
      template: fieldsOf(t),
    })),
  ];
}

/**
 * Argo Workflows (`argoproj.io` Workflow, CronWorkflow's `spec.workflowSpec`, WorkflowTemplate,
 * ClusterWorkflowTemplate), read at argo-workflows f016ad89: `pkg/apis/workflow/v1alpha1/workflow_types.go`
 * (`WorkflowSpec`, `Template`, `ScriptTemplate`, `UserContainer`), `container_set_template_types.go`,
 * `cron_workflow_types.go`, and `workflow/controller/workflowpod.go`, which builds each template's pod:
 * the template's own `priorityClassName`, `securityContext`, `serviceAccountName`, else the workflow's
 * (`podPriorityClassName`, `securityContext`, `serviceAccountName`: `addSchedulingConstraints`,
 * `setupServiceAccount`), `spec.hostNetwork`, the template's `volumes` (`createVolumes`) and those
 * of `spec.volumes` its containers mount, and both `podSpecPatch`es applied last.
 *
 * So each template (and `templateDefaults`, merged into every one) is one pod spec at
 * `spec.templates[i] (name)`, holding what its pod gets: fields it inherits from the workflow are
 * judged, and named, as the template's. Its containers are its `container`, `script`,
 * `containerSet.containers`, `sidecars`, in that order. `spec` is one more: the workflow's own
 * `volumes`, `serviceAccountName`, `hostNetwork`, `securityContext` and `podPriorityClassName` (as
 * priorityClassName), which reach a pod of a WorkflowTemplate it names too. Each `podSpecPatch`,
 * parsed, is a pod spec at its own path: Argo merges it into the pod (strategic merge), so all it
 * writes is the pod's; unreadableArgoPodSpec refuses one cairn cannot read.
 */
export function argoPodSpecs(group: string, kind: string, spec: Fields): readonly PodSpecAt[] {
  const found = argoWorkflow(group, kind, spec);
  if (!found) return [];
  const { prefix, wf, runs } = found;
  const defaults = fieldsOf(wf.templateDefaults);
  const pods: PodSpecAt[] = argoTemplates(prefix, wf).map(({ field, named, template: t }) => {
    const account = t.serviceAccountName || defaults.serviceAccountName || wf.serviceAccountName;
    return [
      `${field}${named}`,
      {
        containers: [
          t.container,
          t.script,
          ...listOf(fieldsOf(t.containerSet).containers),
          ...listOf(t.sidecars),
        ]
          .map(fieldsOf)
          .filter((c) => Object.keys(c).length > 0),
        initContainers: listOf(t.initContainers),
        volumes: listOf(t.volumes),
        priorityClassName: t.priorityClassName || defaults.priorityClassName || wf.podPriorityClassName,
        securityContext: t.securityContext ?? defaults.securityContext ?? wf.securityContext,
        hostNetwork: wf.hostNetwork,
        ...withAccount(account || (runs ? 'default' : undefined)),
      },
    ];
  });
  pods.push([
    prefix,
    {
      volumes: listOf(wf.volumes),
      hostNetwork: wf.hostNetwork,
      securityContext: wf.securityContext,
      priorityClassName: wf.podPriorityClassName,
      ...withAccount(wf.serviceAccountName || undefined),
    },
  ]);
  for (const { path, text } of argoPatches(prefix, wf)) {
    const patch = parsePatch(text);
    if (patch)
      pods.push([path, { ...patch, ...withAccount(patch.serviceAccountName || patch.serviceAccount) }]);
  }
  return pods;
}

/** Every `podSpecPatch` of an Argo workflow spec, with its path. */
function argoPatches(prefix: string, wf: Fields): readonly { path: string; text: unknown }[] {
  return [
    { path: `${prefix}.podSpecPatch`, text: wf.podSpecPatch },
    ...argoTemplates(prefix, wf).map(({ field, named, template }) => ({
      path: `${field}.podSpecPatch${named}`,
      text: template.podSpecPatch,
    })),
  ].filter((p) => p.text !== undefined && p.text !== '');
}

/**
 * A podSpecPatch as pod fields, or undefined when it is no YAML (JSON is YAML) object, or one that
 * its aliases expand past its size (the bound every manifest document has), which no check walks.
 */
function parsePatch(text: unknown): Fields | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
    return typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !expandsPastText(value, text)
      ? (value as Fields)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Pod fields the checks judge by value, which an Argo expression (`{{…}}`) would hide until the workflow runs. */
const JUDGED_FIELDS = [
  'serviceAccountName',
  'serviceAccount',
  'priorityClassName',
  'podPriorityClassName',
  'nodeName',
];

/**
 * Why cairn cannot judge a pod spec of an Argo workflow, or undefined. A `podSpecPatch` is judged
 * as the pod fields it writes (argoPodSpecs), not refused outright: a careful platform team lets
 * Argo's own examples (a patch of a container's resources) through, and refusing it only without
 * `allowClusterPolicy` would let an environment trusted with cluster policy run as its own
 * ServiceAccount through a patch, which no setting allows. What cannot be judged is refused
 * whatever the settings: a patch that is no YAML or JSON object (a whole `{{…}}` expression
 * included), and an Argo expression in a field the checks judge by value (a ServiceAccount, a
 * priority class, a node, a CSI volume), which Argo fills in from parameters only when it runs
 * (`workflowpod.go` `processPodSpecPatch`, `common.ProcessArgs`).
 */
export function unreadableArgoPodSpec(group: string, kind: string, spec: Fields): string | undefined {
  const found = argoWorkflow(group, kind, spec);
  if (!found) return undefined;
  const { prefix, wf } = found;
  for (const { path, text } of argoPatches(prefix, wf)) {
    const patch = parsePatch(text);
    if (!patch || expressions(String(text)) !== expressionsInValues(patch))
      return `${path}: cairn cannot read it as a YAML or JSON object of pod fields (with Argo expressions only inside values), so it cannot judge what Argo merges into the pod; write the pod fields in the template instead`;
    const expression = judgedExpression(patch);
    if (expression) return `${path}: ${expression}`;
  }
  for (const [path, fields] of [
    [prefix, wf] as const,
    ...argoTemplates(prefix, wf).map(({ field, named, template }) => [`${field}${named}`, template] as const),
  ]) {
    const expression = judgedExpression(fields);
    if (expression) return `${path}.${expression}`;
  }
  return undefined;
}

/** The first judged field of `fields` holding an Argo expression, said with why, or undefined. */
function judgedExpression(fields: Fields): string | undefined {
  const why =
    'is an Argo expression, filled in only when the workflow runs, so cairn cannot judge it; write the value';
  const field = JUDGED_FIELDS.find((f) => mentionsExpression(fields[f]));
  if (field) return `${field} ${String(fields[field])} ${why}`;
  const i = listOf(fields.volumes).findIndex((v) => mentionsExpression(fieldsOf(v).csi));
  return i >= 0 ? `volumes[${i}].csi ${why}` : undefined;
}

/** How many Argo expressions (`{{`) a text holds. */
function expressions(text: string): number {
  return text.split('{{').length - 1;
}

/**
 * How many Argo expressions the string values under `value` hold: fewer than its text holds means
 * one sits where Argo's filling it in would write keys or structure (`{{…}}` alone parses as a
 * mapping), which cairn cannot judge. Its values are bounded by their text (parsePatch, and the
 * manifest's own parse), so the walk is too.
 */
function expressionsInValues(value: unknown): number {
  if (typeof value === 'string') return expressions(value);
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  for (const v of Object.values(value)) count += expressionsInValues(v);
  return count;
}

/** Whether an Argo expression appears anywhere in `value` (bounded as expressionsInValues says). */
function mentionsExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k.includes('{{') || mentionsExpression(v));
}

/** `{ serviceAccountName }` when it names one, else nothing (another object decides it). */
function withAccount(account: unknown): Fields {
  return typeof account === 'string' && account !== '' ? { serviceAccountName: account } : {};
}

/**
 * A Tekton task's pod pieces: its `steps`, `stepTemplate` and `sidecars` are containers, its
 * `volumes` the pod's (tektoncd/pipeline `pkg/apis/pipeline/v1/task_types.go` `TaskSpec`).
 */
function tektonTask(task: unknown, account: unknown): Fields {
  const t = fieldsOf(task);
  return {
    containers: [...listOf(t.steps), t.stepTemplate, ...listOf(t.sidecars)]
      .map(fieldsOf)
      .filter((c) => Object.keys(c).length > 0),
    volumes: listOf(t.volumes),
    ...withAccount(account),
  };
}

/** A Pipeline's (or a PipelineRun's `spec.pipelineSpec`'s) embedded task specs, with the ServiceAccount of each task's pods. */
function tektonPipelineTasks(
  prefix: string,
  pipeline: unknown,
  accountOf: (task: string) => unknown,
): PodSpecAt[] {
  const p = fieldsOf(pipeline);
  return (['tasks', 'finally'] as const).flatMap((list) =>
    listOf(p[list]).flatMap((task, i): PodSpecAt[] => {
      const t = fieldsOf(task);
      if (t.taskSpec === undefined) return [];
      return [
        [
          `${prefix}.${list}[${i}].taskSpec (${String(t.name)})`,
          tektonTask(t.taskSpec, accountOf(String(t.name))),
        ],
      ];
    }),
  );
}

/**
 * Tekton (`tekton.dev`), read at tektoncd/pipeline 3ee1745a: `pkg/apis/pipeline/v1/taskrun_types.go`,
 * `pipelinerun_types.go` (and v1beta1's), `task_types.go`, `pipeline_types.go`, and
 * `pkg/apis/pipeline/pod/template.go` (a `podTemplate` is a subset of a pod spec: `securityContext`,
 * `volumes`, `hostNetwork`, `priorityClassName`, ...). A TaskRun's pod runs as its
 * `spec.serviceAccountName` (`default` when it names none: `taskrun_defaults.go`), a PipelineRun's
 * as `spec.taskRunTemplate.serviceAccountName` (v1beta1 `spec.serviceAccountName`), or a task's
 * own in `spec.taskRunSpecs[]` (`serviceAccountName`, v1beta1 `taskServiceAccountName`; its
 * `podTemplate`, v1beta1 `taskPodTemplate`). A Task's or a Pipeline's pods run as their run's.
 */
export function tektonPodSpecs(group: string, kind: string, spec: Fields): readonly PodSpecAt[] {
  if (group !== TEKTON_GROUP) return [];
  const templated = (path: string, template: unknown, account: unknown): PodSpecAt[] =>
    typeof template === 'object' && template !== null
      ? [[path, { ...fieldsOf(template), ...withAccount(account) }]]
      : [];
  if (kind === 'Task' || kind === 'ClusterTask') return [['spec', tektonTask(spec, undefined)]];
  if (kind === 'Pipeline') return tektonPipelineTasks('spec', spec, () => undefined);
  if (kind === 'TaskRun') {
    const account = spec.serviceAccountName || 'default';
    return [
      ['spec', withAccount(account)],
      ...templated('spec.podTemplate', spec.podTemplate, account),
      ...(spec.taskSpec !== undefined
        ? [['spec.taskSpec', tektonTask(spec.taskSpec, account)] as const]
        : []),
    ];
  }
  if (kind !== 'PipelineRun') return [];
  const runTemplate = fieldsOf(spec.taskRunTemplate);
  const account = runTemplate.serviceAccountName || spec.serviceAccountName || 'default';
  const accountAt =
    runTemplate.serviceAccountName || !spec.serviceAccountName ? 'spec.taskRunTemplate' : 'spec';
  const taskRunSpecs = listOf(spec.taskRunSpecs).map(fieldsOf);
  const accountOf = (task: string) => {
    const own = taskRunSpecs.find((t) => t.pipelineTaskName === task);
    return own?.serviceAccountName || own?.taskServiceAccountName || account;
  };
  return [
    [accountAt, withAccount(account)],
    ...templated('spec.taskRunTemplate.podTemplate', runTemplate.podTemplate, account),
    ...templated('spec.podTemplate', spec.podTemplate, account),
    ...taskRunSpecs.flatMap((t, i): PodSpecAt[] => {
      const path = `spec.taskRunSpecs[${i}]`;
      const own = accountOf(String(t.pipelineTaskName));
      return [
        [path, withAccount(own)],
        ...templated(`${path}.podTemplate`, t.podTemplate, own),
        ...templated(`${path}.taskPodTemplate`, t.taskPodTemplate, own),
      ];
    }),
    ...tektonPipelineTasks('spec.pipelineSpec', spec.pipelineSpec, accountOf),
  ];
}
