import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { IdentityFacts } from './environment-grants';
import { APPLY_VERBS, identityObjects, rulesFor } from './identity-objects';
import type { ResourceRef } from './kinds';

/** What `cairn install --export` (and the Helm chart) is rendered from. */
export interface InstallOptions {
  /** The namespace cairn runs in (created by the output). */
  readonly namespace: string;
  /** The controller's image (the Dockerfile's `controller` target). */
  readonly image: string;
  /** The synth runner's image (the Dockerfile's `synth-runner` target). */
  readonly runnerImage: string;
  readonly replicas: number;
  /** The resources the ClusterRole lets cairn manage (ignored with `clusterAdmin`). */
  readonly kinds: readonly ResourceRef[];
  /** Bind cluster-admin instead of the least-privilege ClusterRole. */
  readonly clusterAdmin: boolean;
  /** The text of cairn.yaml, stored in the ConfigMap as is (comments kept). */
  readonly config: string;
  /** The environment variables the config names (tokenEnv, webhookSecretEnv, …), from the Secret's keys of the same names. */
  readonly secretEnv: readonly string[];
  /** The port cairn serves webhooks, API and metrics on (`server.port`): the Service's port. */
  readonly port: number;
  /** The probe listener's port (`server.probePort`): the liveness and readiness probes', in no Service. */
  readonly probePort: number;
  /** Run the synth runner container beside the controller (the AWS half needs it). */
  readonly synthRunner: boolean;
  /** The environments' identities from the config; absent: every environment applies as cairn. */
  readonly identities?: IdentityFacts;
}

/** One Kubernetes object as plain data. */
export type ManifestObject = Readonly<Record<string, unknown>>;

/** The Secret the user creates; the output only refers to it (optional, so the pod starts without it). */
export const SECRET_NAME = 'cairn-secrets';
/** The ConfigMap holding cairn.yaml. */
export const CONFIG_MAP_NAME = 'cairn-config';
/** Where the config file is mounted in the controller container. */
export const CONFIG_PATH = '/etc/cairn/config/cairn.yaml';
/** Where the Secret's keys are mounted as files in the controller container. */
export const SECRETS_DIR = '/etc/cairn/secrets';
/** The contract with the synth runner: the shared folder, the socket, the uids. */
export const WORK_DIR = '/var/lib/cairn';
export const SYNTH_SOCKET = '/var/lib/cairn/runner/synth.sock';
/** The controller's workspaces (DEFAULT_SYNTH_WORK_ROOT): one of the two folders of the volume the runner sees. */
/** The pod annotation that keeps EKS's pod identity webhook from injecting AWS credentials into containers. */
export const SKIP_CONTAINERS = 'eks.amazonaws.com/skip-containers';
/** The containers of the pod that run no controller code and must hold no credentials (see runner-credentials.ts). */
export const RUNNER_CONTAINERS = ['synth-runner', 'prepare-workspaces', 'prepare-runner-folder'] as const;

const WORKSPACES = 'workspaces';
/** Where the runner mounts them, the same path as in the controller: `workspaces.dir` must be there. */
export const RUNNER_WORKSPACES_DIR = `${WORK_DIR}/${WORKSPACES}`;
/** The runner's own folder, holding its socket and key: the other one. */
const RUNNER_FOLDER = 'runner';
export const CONTROLLER_UID = 10001;
export const RUNNER_UID = 10002;

const NAME = 'cairn';

/** The names of the cluster-scoped RBAC objects, unique per namespace so two installs never collide. */
export function clusterRoleName(namespace: string, clusterAdmin: boolean): string {
  return clusterAdmin ? `cairn-cluster-admin:${namespace}` : `cairn-apply:${namespace}`;
}

/**
 * True when cairn's own identity still needs the cluster-wide ClusterRole (`cairn-apply:<ns>`): an
 * environment without a ServiceAccount applies as cairn (or the config names none, as the example).
 */
export function needsClusterApply(o: Pick<InstallOptions, 'identities'>): boolean {
  return !o.identities || o.identities.unbound.length > 0 || o.identities.grants.length === 0;
}

/**
 * The objects of an install, in apply order: Namespace, ServiceAccount, RBAC (cairn's own, then
 * each environment's identity), ConfigMap, Service, Deployment, PodDisruptionBudget. A pure function: the same options give the same objects, which
 * the Helm chart's templates must reproduce (a test compares them object by object).
 */
export function installObjects(o: InstallOptions): readonly ManifestObject[] {
  const labels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': NAME };
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: o.namespace } : {}),
    labels,
  });
  const subject = [{ kind: 'ServiceAccount', name: NAME, namespace: o.namespace }];
  const clusterName = clusterRoleName(o.namespace, o.clusterAdmin);
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(o.namespace, false) },
    // The token is mounted by the Deployment into the controller container only.
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME), automountServiceAccountToken: false },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('cairn-leases'),
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: APPLY_VERBS }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta('cairn-leases'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cairn-leases' },
      subjects: subject,
    },
    ...(o.identities
      ? identityObjects(o.identities, { namespace: o.namespace, kinds: o.kinds, labels })
      : []),
    ...(o.clusterAdmin || !needsClusterApply(o)
      ? []
      : [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: meta(clusterName, false),
            rules: rulesFor(o.kinds),
          },
        ]),
    ...(o.clusterAdmin || needsClusterApply(o)
      ? [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: meta(clusterName, false),
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'ClusterRole',
              name: o.clusterAdmin ? 'cluster-admin' : clusterName,
            },
            subjects: subject,
          },
        ]
      : []),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(CONFIG_MAP_NAME),
      data: { 'cairn.yaml': o.config },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(NAME),
      spec: {
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': NAME },
        ports: [{ name: 'http', port: o.port, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    deployment(o, labels),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(NAME),
      // maxUnavailable, not minAvailable: with one replica a drain still proceeds.
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': NAME } } },
    },
  ];
}

const restricted = (uid: number) => ({
  runAsUser: uid,
  runAsGroup: uid,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
});

const resources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '1Gi' },
};
// A CDK synth (node, aws-cdk-lib, the app) is the pod's largest memory user; this bounds every synth.
const runnerResources = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '2Gi' },
};

function deployment(o: InstallOptions, labels: Readonly<Record<string, string>>): ManifestObject {
  const controller = {
    name: 'controller',
    image: o.image,
    args: ['run', '--config', CONFIG_PATH],
    ports: [
      { name: 'http', containerPort: o.port, protocol: 'TCP' },
      // /healthz and /readyz only, with caps of their own: a flood of the http port never fails a probe.
      { name: 'probes', containerPort: o.probePort, protocol: 'TCP' },
    ],
    env: [
      { name: 'HOME', value: '/tmp' },
      // With sharding, the replica's Lease identity and the address other replicas hand webhooks to.
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      // These config keys read only variables; each comes from the Secret key of the same name.
      ...o.secretEnv.map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: SECRET_NAME, key: name, optional: true } },
      })),
    ],
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'probes' },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'probes' },
      periodSeconds: 5,
      timeoutSeconds: 5,
      failureThreshold: 3,
    },
    resources,
    securityContext: restricted(CONTROLLER_UID),
    volumeMounts: [
      { name: 'config', mountPath: '/etc/cairn/config', readOnly: true },
      { name: 'secrets', mountPath: SECRETS_DIR, readOnly: true },
      { name: 'work', mountPath: WORK_DIR },
      // Below the shared folder but mounted only here: the runner never sees the audit trail.
      { name: 'state', mountPath: `${WORK_DIR}/state` },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ],
  };
  const runner = {
    name: 'synth-runner',
    image: o.runnerImage,
    args: ['synth-runner', '--socket', SYNTH_SOCKET],
    env: [{ name: 'HOME', value: '/tmp' }],
    resources: runnerResources,
    securityContext: restricted(RUNNER_UID),
    // The runner never sees the volume's root: kubelet makes an emptyDir's root writable by every
    // container of the pod (2777, no sticky bit), so a job there could rename the controller's
    // workspaces folder and put its own tree (or a link to it) in its place between two of the
    // controller's checks. It sees two folders of it, each mounted by itself (a mount point cannot
    // be renamed): the workspaces (the controller's, 0710, so the runner's group cannot rename what
    // is in it either) and its own folder for the socket.
    volumeMounts: [
      { name: 'work', mountPath: RUNNER_WORKSPACES_DIR, subPath: WORKSPACES },
      { name: 'work', mountPath: `${WORK_DIR}/${RUNNER_FOLDER}`, subPath: RUNNER_FOLDER },
      { name: 'runner-tmp', mountPath: '/tmp' },
    ],
  };
  // Each of those two folders is made by its owner before either container starts: kubelet makes a
  // missing subPath itself, as root, where neither could write.
  const prepare = (name: string, image: string, uid: number, folder: string, mode: number) => ({
    name,
    image,
    command: [
      'node',
      '-e',
      `const fs = require('fs'); const d = '${WORK_DIR}/${folder}'; fs.mkdirSync(d, { recursive: true }); fs.chmodSync(d, 0o${mode.toString(8)});`,
    ],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    securityContext: restricted(uid),
    volumeMounts: [{ name: 'work', mountPath: WORK_DIR }],
  });
  const initContainers = [
    prepare('prepare-workspaces', o.image, CONTROLLER_UID, WORKSPACES, 0o710),
    prepare('prepare-runner-folder', o.runnerImage, RUNNER_UID, RUNNER_FOLDER, 0o750),
  ];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas,
      // A new pod starts only once an old one is gone: an unsharded replica refuses to start while
      // another's heartbeat is live (sharding.unsharded-peer), so a surge pod would never be Ready.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
      template: {
        metadata: {
          labels,
          // A new config rolls the pods: cairn reads its config once, at start-up.
          annotations: {
            'cairn.dev/config-sha256': createHash('sha256').update(o.config).digest('hex'),
            'kubectl.kubernetes.io/default-container': 'controller',
            // EKS's pod identity webhook gives IRSA's and Pod Identity's variables and token to
            // every container of the pod but these: the runner's jobs are the environments' code.
            ...(o.synthRunner ? { [SKIP_CONTAINERS]: RUNNER_CONTAINERS.join(',') } : {}),
          },
        },
        spec: {
          serviceAccountName: NAME,
          // The pod gets no token by default; the controller mounts one, the runner none.
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            fsGroup: CONTROLLER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          terminationGracePeriodSeconds: 30,
          ...(o.synthRunner ? { initContainers } : {}),
          containers: o.synthRunner ? [controller, runner] : [controller],
          volumes: [
            { name: 'config', configMap: { name: CONFIG_MAP_NAME } },
            { name: 'secrets', secret: { secretName: SECRET_NAME, optional: true, defaultMode: 0o440 } },
            { name: 'work', emptyDir: {} },
            { name: 'state', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
            ...(o.synthRunner ? [{ name: 'runner-tmp', emptyDir: {} }] : []),
            {
              name: 'kube-api-access',
              projected: {
                defaultMode: 0o444,
                sources: [
                  { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  {
                    downwardAPI: {
                      items: [
                        {
                          path: 'namespace',
                          fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                        },
                      ],
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

/** The objects as one multi-document YAML stream, the way `flux install --export` prints. */
export function renderYaml(objects: readonly ManifestObject[]): string {
  return objects
    .map((object) => `---\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })}`)
    .join('');
}
