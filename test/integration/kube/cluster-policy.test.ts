import { execFileSync, spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import type { KubeApplier } from '../../../controller/kube/types';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import {
  KUBECTL,
  kubectlApply,
  kubectlDelete,
  twoEnvironmentInstall,
} from '../../helpers/install-identities';
import { kubeKit } from './kube-kit';

/**
 * What a committer to one environment, applied as its own ServiceAccount with the install's RBAC,
 * cannot make cairn write although RBAC lets that ServiceAccount write it: cluster policy carried
 * by objects it may write. Against the sandbox's kube-apiserver (RBAC and Pod Security admission
 * on, the clusterrole-aggregation controller running).
 */
jest.setTimeout(180_000);
const kit = kubeKit('policy');
const suffix = Math.random().toString(36).slice(2, 7);
const CLUSTER_KINDS = [
  'Namespace',
  'rbac.authorization.k8s.io/ClusterRole',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'PersistentVolume',
  'networking.k8s.io/IngressClass',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
];
const install = twoEnvironmentInstall(suffix, {}, (env) =>
  env === 'b' ? { clusterResources: CLUSTER_KINDS } : {},
);
const { a, b } = install;
const repository = (install.config.repository as { url: string }).url;

const kubectl = (...args: string[]) =>
  execFileSync(KUBECTL, ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, ...args], { encoding: 'utf8' });

/** Whether the API server admits this Pod in `namespace` (a server-side dry run as the admin). */
function admitted(namespace: string, pod: object): boolean {
  const res = spawnSync(
    KUBECTL,
    [
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      'create',
      '--dry-run=server',
      '-n',
      namespace,
      '-f',
      '-',
    ],
    { input: JSON.stringify(pod), encoding: 'utf8' },
  );
  return res.status === 0;
}

// What Pod Security's restricted (and baseline) level forbids: the node's process namespace and its
// root filesystem. (The sandbox's API server refuses `privileged: true` outright: --allow-privileged=false.)
const privilegedPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'root' },
  spec: {
    hostPID: true,
    containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
    volumes: [{ name: 'host', hostPath: { path: '/' } }],
  },
};

let applierA: KubeApplier;
let applierB: KubeApplier;
const cleanups: string[] = [];

beforeAll(() => {
  kubectlApply(install.exported);
  applierA = kit.applier(
    'a',
    kit.target(a.ns, { namespaces: [a.ns, a.extra], serviceAccount: `${a.ns}/${a.sa}`, pruneMaxShare: 1 }),
    { repository },
  );
  applierB = kit.applier(
    'b',
    kit.target(b.ns, {
      serviceAccount: `${b.ns}/${b.sa}`,
      clusterResources: CLUSTER_KINDS,
      pruneMaxShare: 1,
    }),
    { repository },
  );
});

afterAll(async () => {
  for (const path of cleanups) kit.track(path);
  await kit.cleanup();
  kubectlDelete(install.exported);
});

async function applyFiles(applier: KubeApplier, files: Record<string, string>) {
  return applier.apply(await applier.load(await kit.workspace(files)));
}

describe('cluster policy carried by objects an environment may write', () => {
  it.each([
    ['', false],
    [' (even with kubernetes.forceConflicts)', true],
  ])(
    'keeps the Pod Security level the cluster admin set on an environment namespace%s',
    async (_how, force) => {
      // given the admin enforces the restricted Pod Security level on environment a's namespace
      kubectl('label', 'namespace', a.ns, 'pod-security.kubernetes.io/enforce=restricted', '--overwrite');
      expect(admitted(a.ns, privilegedPod)).toBe(false);
      const applier = force
        ? kit.applier(
            'a',
            kit.target(a.ns, {
              namespaces: [a.ns, a.extra],
              serviceAccount: `${a.ns}/${a.sa}`,
              pruneMaxShare: 1,
              forceConflicts: true,
            }),
            { repository },
          )
        : applierA;

      // when a's commit declares its Namespace with the privileged level
      const result = await applyFiles(applier, {
        'ns.yaml': stringify({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: a.ns, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
        }),
      });

      // then a privileged hostPath pod is still refused there, the admin's level holds, and the
      // commit is refused naming the object and the label (Pod Security reads namespaces from an informer)
      await new Promise((r) => setTimeout(r, 2000));
      expect(admitted(a.ns, privilegedPod)).toBe(false);
      const ns = await kit.get(`/api/v1/namespaces/${a.ns}`);
      expect(ns!.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds', retryable: false });
      expect(result.failure!.message).toContain(`Namespace/${a.ns}`);
      expect(result.failure!.message).toContain('metadata.labels.pod-security.kubernetes.io/enforce');
    },
  );

  it('keeps a label the admin set by hand on an environment namespace (one its policies select on)', async () => {
    // given the admin labelled a's extra namespace for a policy that selects on it
    kubectl('label', 'namespace', a.extra, 'tier=restricted', '--overwrite');

    // when a's commit declares that Namespace with another value, then without the label
    const changed = await applyFiles(applierA, {
      'ns.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: a.extra, labels: { tier: 'open' } },
      }),
    });
    const dropped = await applyFiles(applierA, {
      'ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: a.extra } }),
    });

    // then the admin's label holds, and the first commit fails naming the conflict
    const ns = await kit.get(`/api/v1/namespaces/${a.extra}`);
    expect(ns!.metadata.labels?.tier).toBe('restricted');
    expect(changed.failure!.message).toContain(`Namespace/${a.extra} (k8s-resources/ns.yaml)`);
    expect(changed.failure!.message).toContain('field manager conflict');
    expect(dropped.failure).toBeUndefined();
  });

  it('refuses a node-selector annotation on an environment Namespace (PodNodeSelector confinement)', async () => {
    // when a's commit sets the namespace annotations the node-confining admission plugins read
    const result = await applyFiles(applierA, {
      'ns.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: a.extra, annotations: { 'scheduler.alpha.kubernetes.io/node-selector': '' } },
      }),
    });

    // then it is refused naming the annotation, and the Namespace keeps none
    const ns = await kit.get(`/api/v1/namespaces/${a.extra}`);
    expect(ns!.metadata.annotations?.['scheduler.alpha.kubernetes.io/node-selector']).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(
      `metadata.annotations.scheduler.alpha.kubernetes.io/node-selector`,
    );
  });

  it('refuses a ClusterRole that aggregates into the built-in view role', async () => {
    // given environment b may write ClusterRoles
    const name = kit.name('aggregated');
    cleanups.push(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);

    // when its commit labels one of them to be aggregated into `view` (rules b holds itself, so RBAC allows it)
    const result = await applyFiles(applierB, {
      'cr.yaml': stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name, labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            resources: ['clusterroles'],
            resourceNames: [name],
            verbs: ['get'],
          },
        ],
      }),
    });

    // then it is refused and never reaches the server, so `view` does not grow
    await new Promise((r) => setTimeout(r, 3000));
    expect(kubectl('get', 'clusterrole', 'view', '-o', 'json')).not.toContain(name);
    expect(await kit.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`)).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain('metadata.labels.rbac.authorization.k8s.io/aggregate-to-view');
  });

  it.each([
    [
      'a MutatingWebhookConfiguration',
      (name: string) => ({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name },
        webhooks: [
          {
            name: `${name}.example.com`,
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Ignore',
            // inert on the shared sandbox: it matches no object
            objectSelector: { matchLabels: { [`inert-${name}`]: 'yes' } },
            clientConfig: { service: { name: 'mitm', namespace: b.ns, path: '/mutate' } },
            rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          },
        ],
      }),
      (name: string) => `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${name}`,
      'admission webhook',
    ],
    [
      'a CustomResourceDefinition with a conversion webhook',
      (name: string) => ({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: `widgets.${name}.example.com` },
        spec: {
          group: `${name}.example.com`,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
          conversion: {
            strategy: 'Webhook',
            webhook: {
              conversionReviewVersions: ['v1'],
              clientConfig: { service: { name: 'mitm', namespace: b.ns, path: '/convert' } },
            },
          },
        },
      }),
      (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${name}.example.com`,
      'spec.conversion',
    ],
  ] as const)('refuses %s even when its kind is listed', async (_what, object, path, field) => {
    // given environment b lists the kind in kubernetes.clusterResources
    const name = kit.name('hook');
    cleanups.push(path(name));

    // when its commit holds one pointing at a Service b runs
    const result = await applyFiles(applierB, { 'hook.yaml': stringify(object(name)) });

    // then it is refused naming what it would do, and nothing reaches the server
    expect(await kit.get(path(name))).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(field);
    expect(result.failure!.message).toContain('kubernetes.allowClusterPolicy');
  });
});

describe("reaching other environments' objects through a cluster-scoped kind it lists", () => {
  it("refuses a PersistentVolume bound in advance to another environment's claim", async () => {
    // given environment a waits for a volume for its claim `data`
    kubectlApply(
      stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: a.ns },
        spec: {
          storageClassName: '',
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: '1Gi' } },
        },
      }),
    );
    const pv = kit.name('pv');
    cleanups.push(`/api/v1/persistentvolumes/${pv}`);

    // when environment b's commit holds a volume on its own NFS server, claimed for a's `data`
    const result = await applyFiles(applierB, {
      'pv.yaml': stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pv },
        spec: {
          storageClassName: '',
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          nfs: { server: 'nfs.b.example', path: '/' },
          claimRef: { namespace: a.ns, name: 'data' },
        },
      }),
    });

    // then a's claim is not bound to b's volume, and the commit is refused naming the field
    let volume: unknown;
    for (let i = 0; i < 20 && volume === undefined; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const claim = await kit.get(`/api/v1/namespaces/${a.ns}/persistentvolumeclaims/data`);
      volume = (claim as { spec?: { volumeName?: string } } | undefined)?.spec?.volumeName;
    }
    expect(volume).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(`PersistentVolume/${pv}`);
    expect(result.failure!.message).toContain(`spec.claimRef.namespace`);
  });

  it("refuses a default IngressClass, which every other environment's new Ingress would get", async () => {
    const name = kit.name('ingress');
    try {
      // when environment b's commit makes its IngressClass the cluster's default
      const result = await applyFiles(applierB, {
        'class.yaml': stringify({
          apiVersion: 'networking.k8s.io/v1',
          kind: 'IngressClass',
          metadata: { name, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
          spec: { controller: 'b.example/mitm' },
        }),
      });

      // then a new Ingress of environment a without a class does not get b's class
      const ingress = JSON.parse(
        kubectl(
          'create',
          '--dry-run=server',
          '-o',
          'json',
          '-n',
          a.ns,
          'ingress',
          'web',
          '--rule=a.example/=web:80',
        ),
      ) as { spec: { ingressClassName?: string } };
      expect(ingress.spec.ingressClassName).not.toBe(name);
      expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
      expect(result.failure!.message).toContain(
        'metadata.annotations.ingressclass.kubernetes.io/is-default-class',
      );
    } finally {
      spawnSync(KUBECTL, [
        '--kubeconfig',
        sandboxEnv().kubernetes.kubeconfig,
        'delete',
        'ingressclass',
        name,
        '--ignore-not-found',
      ]);
    }
  });
});

describe('handing its rights to everyone', () => {
  it('refuses a binding of its own ClusterRole to every authenticated user', async () => {
    // given environment b may write ClusterRoleBindings, and holds the rules of its own ClusterRole
    const name = kit.name('everyone');
    cleanups.push(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`);
    const stranger = ['--as=stranger', '--as-group=system:authenticated'];
    const strangerMay = () =>
      spawnSync(
        KUBECTL,
        [
          '--kubeconfig',
          sandboxEnv().kubernetes.kubeconfig,
          'auth',
          'can-i',
          'create',
          'clusterroles',
          ...stranger,
        ],
        { encoding: 'utf8' },
      ).status === 0;
    expect(strangerMay()).toBe(false);

    // when its commit binds that ClusterRole (RBAC's escalation check allows it) to system:authenticated
    const result = await applyFiles(applierB, {
      'crb.yaml': stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: `cairn-env:${install.ns}:b`,
        },
        subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:authenticated' }],
      }),
    });

    // then nobody else got b's rights, and the commit is refused naming the subject
    expect(strangerMay()).toBe(false);
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain('subjects[0]: Group system:authenticated');
  });
});

describe('namespaced objects that act on the whole cluster', () => {
  it("refuses a Service with externalIPs, which would capture every pod's traffic to those addresses", async () => {
    // when a's commit holds a Service claiming the address of a service outside the environment
    const result = await applyFiles(applierA, {
      'svc.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'capture' },
        spec: { ports: [{ port: 443 }], selector: { app: 'mitm' }, externalIPs: ['203.0.113.10'] },
      }),
    });

    // then it never reaches the server, and the commit is refused naming the field
    expect(await kit.get(`/api/v1/namespaces/${a.ns}/services/capture`)).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(
      `k8s-resources/svc.yaml: Service/${a.ns}/capture: spec.externalIPs`,
    );
  });

  it.each([
    [
      'a system priority class',
      { priorityClassName: 'system-node-critical' },
      'spec.template.spec.priorityClassName system-node-critical',
    ],
    ['a nodeName', { nodeName: 'kwok-node-0' }, 'spec.template.spec.nodeName'],
  ])('refuses a workload whose pods carry %s', async (_what, podSpec, field) => {
    // when a's commit holds a DaemonSet-like Deployment (no replicas: nothing runs on the shared sandbox)
    const name = kit.name('critical');
    const result = await applyFiles(applierA, {
      'deploy.yaml': stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { ...podSpec, containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      }),
    });

    // then it never reaches the server, and the commit is refused naming the field
    expect(await kit.get(`/apis/apps/v1/namespaces/${a.ns}/deployments/${name}`)).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(`Deployment/${a.ns}/${name}: ${field}`);
  });
});

describe("the environment's own ServiceAccount, living in its own namespace", () => {
  it('refuses a token Secret for it, so the tree never holds a token that bypasses cairn', async () => {
    // when a's commit asks the token controller for a long-lived token of a's own ServiceAccount
    const result = await applyFiles(applierA, {
      'token.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'own-token', annotations: { 'kubernetes.io/service-account.name': a.sa } },
        type: 'kubernetes.io/service-account-token',
      }),
    });

    // then no token of that identity exists in a's namespace, and the commit is refused naming the field
    await new Promise((r) => setTimeout(r, 2000));
    expect(await kit.get(`/api/v1/namespaces/${a.ns}/secrets/own-token`)).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(
      `Secret/${a.ns}/own-token: metadata.annotations.kubernetes.io/service-account.name`,
    );
  });

  it('refuses a workload whose pods would run as it', async () => {
    // when a's commit runs a Deployment as a's own ServiceAccount
    const result = await applyFiles(applierA, {
      'deploy.yaml': stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'as-cairn' },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          template: {
            metadata: { labels: { app: 'x' } },
            spec: {
              serviceAccountName: a.sa,
              automountServiceAccountToken: true,
              containers: [{ name: 'c', image: 'busybox' }],
            },
          },
        },
      }),
    });

    // then it never reaches the server
    expect(await kit.get(`/apis/apps/v1/namespaces/${a.ns}/deployments/as-cairn`)).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain('spec.template.spec.serviceAccountName');
  });
});

describe('the garbage collector as a way to delete', () => {
  it('refuses ownerReferences on a Namespace, which would have the garbage collector delete it with what it holds', async () => {
    // given a ConfigMap of someone else in a's extra namespace (cairn never prunes a Namespace holding one)
    kubectl('create', 'configmap', 'theirs', '-n', a.extra, '--from-literal=k=v');

    // when a's commit gives that Namespace an owner that does not exist
    const result = await applyFiles(applierA, {
      'ns.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: a.extra,
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Namespace',
              name: kit.name('gone'),
              uid: '3f6e1c2a-0000-4000-8000-000000000001',
            },
          ],
        },
      }),
    });

    // then the Namespace is not deleted (an environment may never delete one), and the commit is refused naming the field
    await new Promise((r) => setTimeout(r, 4000));
    const ns = await kit.get(`/api/v1/namespaces/${a.extra}`);
    expect((ns?.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp).toBeUndefined();
    expect(result.failure).toMatchObject({ code: 'kube.out-of-bounds' });
    expect(result.failure!.message).toContain(`Namespace/${a.extra}: metadata.ownerReferences`);
  });
});
