import type { KubeObject } from './types';
import { fieldsOf, listOf, type Fields } from './object-fields';
import { groupOf } from './object-ref';
import { argoPodSpecs, tektonPodSpecs, unreadableArgoPodSpec } from './workflow-pod-specs';

// Where an object holds pod specs; read by cluster policy, shared credentials and host claims.
// Every reader of pod specs goes through podSpecs: a kind it does not know is a kind whose pods
// (their priority, node, ServiceAccount, volumes) none of those checks sees.

/** A pod spec (or the part of one an operator takes) and the path it sits at, said for a person. */
export type PodSpecAt = readonly [string, Fields];

/**
 * The pod specs of an object, with their paths. Each one's `serviceAccountName` is the
 * ServiceAccount its pods run as, where this object decides it (a pod's own `serviceAccountName`,
 * else its deprecated `serviceAccount`, else `default`, as the API server reads them; an operator's
 * own field where the operator sets it), and absent where another object decides it (a Tekton Task
 * is run as its TaskRun's).
 *
 * Kubernetes: a Pod's `spec`, a workload's `spec.template.spec` (Deployments, StatefulSets,
 * DaemonSets, Jobs, ReplicaSets, and custom kinds of that shape), a CronJob's
 * `spec.jobTemplate.spec.template.spec`, a KEDA ScaledJob's `spec.jobTargetRef.template.spec` (its
 * `jobTargetRef` is a Job's spec, KEDA `apis/keda/v1alpha1/scaledjob_types.go`). Operators' kinds,
 * matched by API group and kind: OPERATOR_POD_TEMPLATES, Spark (sparkPodSpecs), Argo Workflows and
 * Tekton (workflow-pod-specs.ts).
 */
export function podSpecs(object: KubeObject): readonly PodSpecAt[] {
  // Every kind above keeps its pods under `spec`: a ConfigMap or a Secret (most of a large tree)
  // returns here, before the group is parsed and the operators' tables are looked at.
  if (!isObject((object as { spec?: unknown }).spec)) return [];
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  const templates: [string, unknown][] = [
    ['spec', group === '' && object.kind === 'Pod' ? spec : undefined],
    ['spec.template.spec', fieldsOf(spec.template).spec],
    [
      'spec.jobTemplate.spec.template.spec',
      fieldsOf(fieldsOf(fieldsOf(spec.jobTemplate).spec).template).spec,
    ],
    ['spec.jobTargetRef.template.spec', fieldsOf(fieldsOf(spec.jobTargetRef).template).spec],
    ...(OPERATOR_POD_TEMPLATES[`${group}/${object.kind}`]?.(spec) ?? []),
  ];
  const fallback = group === FLINK_GROUP ? fieldsOf(spec).serviceAccount : undefined;
  return [
    ...templates.flatMap(([path, pod]) => (isObject(pod) ? [podAt(path, pod, fallback)] : [])),
    ...(group === SPARK_GROUP ? sparkPodSpecs(object.kind, spec) : []),
    ...argoPodSpecs(group, object.kind, spec),
    ...tektonPodSpecs(group, object.kind, spec),
  ];
}

/**
 * Why cairn cannot read a pod spec of this object (the field, said for a person), or undefined: a
 * pod spec that no check can judge must not pass them all. Today: Argo's `podSpecPatch`
 * (unreadableArgoPodSpec).
 */
export function unreadablePodSpec(object: KubeObject): string | undefined {
  if (!isObject((object as { spec?: unknown }).spec)) return undefined;
  return unreadableArgoPodSpec(
    groupOf(object.apiVersion),
    object.kind,
    fieldsOf((object as { spec?: unknown }).spec),
  );
}

/** A real pod spec at `path`, with the ServiceAccount its pods run as (`fallback`: the operator's, before `default`). */
function podAt(path: string, pod: Fields, fallback?: unknown): PodSpecAt {
  return [
    path,
    { ...pod, serviceAccountName: pod.serviceAccountName || pod.serviceAccount || fallback || 'default' },
  ];
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `<prefix>[i].template.spec` of each item of a list of groups of pods. */
function eachTemplate(prefix: string, list: unknown, inner = 'template.spec'): [string, unknown][] {
  return listOf(list).map((item, i) => [`${prefix}[${i}].${inner}`, at(item, inner)]);
}

/** The value at a dotted path under `value` (undefined where any step is no object). */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => fieldsOf(v)[key], value);
}

/** A Kubeflow training job's `spec.<x>ReplicaSpecs.<role>.template.spec`, one per role. */
function replicaSpecs(key: string) {
  return (spec: Fields): [string, unknown][] =>
    Object.entries(fieldsOf(spec[key])).map(([role, replica]) => [
      `spec.${key}.${role}.template.spec`,
      at(replica, 'template.spec'),
    ]);
}

/** A Ray cluster's head and worker groups' pod templates, under `prefix` (`spec`, or a RayJob's `spec.rayClusterSpec`). */
function rayCluster(prefix: string, cluster: unknown): [string, unknown][] {
  return [
    [`${prefix}.headGroupSpec.template.spec`, at(cluster, 'headGroupSpec.template.spec')],
    ...eachTemplate(`${prefix}.workerGroupSpecs`, fieldsOf(cluster).workerGroupSpecs),
  ];
}

const FLINK_GROUP = 'flink.apache.org';
const SPARK_GROUP = 'sparkoperator.k8s.io';

/**
 * Operators' kinds whose pods are made from whole pod templates at other paths, by API group and
 * kind (another group's kind of the same name is someone else's), each read at the operator's source:
 * - Kubeflow training operator v1.9.0 (6f74c7f6), `pkg/apis/kubeflow.org/v1/*_types.go`: a
 *   `map[ReplicaType]*ReplicaSpec` whose `template` is a PodTemplateSpec (`common_types.go`); MPIJob
 *   keeps the key in mpi-operator's v2beta1.
 * - KubeRay (feeaf72f) `ray-operator/apis/ray/v1/raycluster_types.go` (`headGroupSpec`,
 *   `workerGroupSpecs[]`, each `template`), `rayjob_types.go` (`rayClusterSpec`,
 *   `submitterPodTemplate`), `rayservice_types.go` (`rayClusterConfig`).
 * - JobSet (08dfbdfd) `api/jobset/v1alpha2/jobset_types.go`: `replicatedJobs[].template` is a
 *   JobTemplateSpec.
 * - Volcano (volcano-sh/apis 536f121f) `pkg/apis/batch/v1alpha1/job.go`: `tasks[].template`.
 * - Flink Kubernetes operator (6e9caeb4) `FlinkDeploymentSpec.java`, `JobManagerSpec.java`,
 *   `TaskManagerSpec.java`: `podTemplate`, each merged into the pods, which run as
 *   `spec.serviceAccount` when the template names none. A FlinkSessionJob has no pod of its own.
 */
const OPERATOR_POD_TEMPLATES: Readonly<Record<string, (spec: Fields) => [string, unknown][]>> = {
  'kubeflow.org/PyTorchJob': replicaSpecs('pytorchReplicaSpecs'),
  'kubeflow.org/TFJob': replicaSpecs('tfReplicaSpecs'),
  'kubeflow.org/MPIJob': replicaSpecs('mpiReplicaSpecs'),
  'kubeflow.org/XGBoostJob': replicaSpecs('xgbReplicaSpecs'),
  'kubeflow.org/PaddleJob': replicaSpecs('paddleReplicaSpecs'),
  'kubeflow.org/JAXJob': replicaSpecs('jaxReplicaSpecs'),
  'ray.io/RayCluster': (spec) => rayCluster('spec', spec),
  'ray.io/RayJob': (spec) => [
    ...rayCluster('spec.rayClusterSpec', spec.rayClusterSpec),
    ['spec.submitterPodTemplate.spec', at(spec.submitterPodTemplate, 'spec')],
  ],
  'ray.io/RayService': (spec) => rayCluster('spec.rayClusterConfig', spec.rayClusterConfig),
  'jobset.x-k8s.io/JobSet': (spec) =>
    eachTemplate('spec.replicatedJobs', spec.replicatedJobs, 'template.spec.template.spec'),
  'batch.volcano.sh/Job': (spec) => eachTemplate('spec.tasks', spec.tasks),
  [`${FLINK_GROUP}/FlinkDeployment`]: (spec) => [
    ['spec.podTemplate.spec', at(spec.podTemplate, 'spec')],
    ['spec.jobManager.podTemplate.spec', at(spec.jobManager, 'podTemplate.spec')],
    ['spec.taskManager.podTemplate.spec', at(spec.taskManager, 'podTemplate.spec')],
  ],
};

/**
 * A SparkApplication's (or a ScheduledSparkApplication's `spec.template`'s) pods, read at the Spark
 * operator's `api/v1beta2/sparkapplication_types.go` (kubeflow/spark-operator 38082f33): the
 * driver's and executors' `SparkPodSpec` fields that are pod fields (`priorityClassName`,
 * `serviceAccount` as serviceAccountName, `hostNetwork`, `podSecurityContext` as securityContext,
 * `initContainers`, `sidecars` as containers), their `template` (a PodTemplateSpec the operator
 * starts the pod from), and `spec.volumes`, which both may mount.
 */
function sparkPodSpecs(kind: string, spec: Fields): readonly PodSpecAt[] {
  const [prefix, app] =
    kind === 'SparkApplication'
      ? ['spec', spec]
      : kind === 'ScheduledSparkApplication'
        ? ['spec.template', fieldsOf(spec.template)]
        : [undefined, {}];
  if (prefix === undefined) return [];
  const found: PodSpecAt[] = [];
  if (Array.isArray(app.volumes)) found.push([prefix, { volumes: app.volumes }]);
  for (const role of ['driver', 'executor']) {
    const pod = fieldsOf(app[role]);
    const account = pod.serviceAccount || 'default';
    found.push([
      `${prefix}.${role}`,
      {
        priorityClassName: pod.priorityClassName,
        serviceAccountName: account,
        hostNetwork: pod.hostNetwork,
        securityContext: pod.podSecurityContext,
        initContainers: pod.initContainers,
        containers: pod.sidecars,
      },
    ]);
    const template = at(pod.template, 'spec');
    if (isObject(template)) found.push(podAt(`${prefix}.${role}.template.spec`, template, account));
  }
  return found;
}
