import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import type { KubeApplier } from '../../controller/kube/types';
import type { PlaneResult } from '../../controller/model';
import type { KubeKit } from '../integration/kube/kube-kit';
import { sandboxEnv } from '../sandbox/sandbox-env';
import {
  KUBECTL,
  kubectlApply,
  kubectlDelete,
  waitCrdEstablished,
  type TwoEnvironmentInstall,
} from './install-identities';

/** A kind of an operator the sandbox does not run, whose CRD a test installs as the operator's chart does. */
export interface OperatorCrd {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  /** Discovery's categories of the kind (Crossplane files its managed kinds under `managed`). */
  readonly categories?: readonly string[];
  /** Cluster-scoped rather than namespaced. */
  readonly cluster?: boolean;
  /** Annotations of the CRD (its API review's approval, for a *.k8s.io group). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An object of a tree, as a test writes it. */
export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: object;
};

/** The plurals of the built-in kinds the trees hold; the operators' kinds' are in their CRDs. */
const BUILT_IN_PLURALS: Readonly<Record<string, string>> = {
  ConfigMap: 'configmaps',
  Ingress: 'ingresses',
  Deployment: 'deployments',
  CronJob: 'cronjobs',
  Service: 'services',
  Secret: 'secrets',
};

export interface OperatorKinds {
  /** Applies the install, the CRDs not served yet and the RBAC giving a's ServiceAccount their kinds (beforeAll). */
  setUp(): void;
  /** Cleans up the kit, deletes the RBAC, the install and the CRDs made here (afterAll). */
  tearDown(): Promise<void>;
  /**
   * Whether the API server admits `object` in a's namespace from a's ServiceAccount (a server-side
   * dry run, impersonated by the sandbox's admin): RBAC, validation and admission, all but cairn's
   * own check.
   */
  admittedAsA(object: object): { ok: boolean; stderr: string };
  /** The API path of `object` (in a's namespace unless it names one, or cluster-scoped). */
  pathOf(object: Manifest): string;
}

/**
 * The operators' kinds `crds` on the sandbox for environment a of `install`: their minimal CRDs (a
 * schema that keeps every field; a CRD already served, another test's, is kept), and a Role named
 * `name` giving a's ServiceAccount `*` on them in its namespace (a ClusterRole for the
 * cluster-scoped ones).
 */
export function operatorKinds(
  kit: KubeKit,
  install: TwoEnvironmentInstall,
  name: string,
  crds: readonly OperatorCrd[],
): OperatorKinds {
  const { a } = install;
  const kubeconfig = () => sandboxEnv().kubernetes.kubeconfig;
  const crdsMadeHere: string[] = [];
  const rules = (of: readonly OperatorCrd[]) =>
    of.map((c) => ({ apiGroups: [c.group], resources: [c.plural], verbs: ['*'] }));
  const subjects = [{ kind: 'ServiceAccount', name: a.sa, namespace: a.ns }];
  const clusterCrds = crds.filter((c) => c.cluster);
  const rbac = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: a.ns },
      rules: rules(crds),
    },
    // the cluster-scoped kinds, as the install grants a kind kubernetes.clusterResources lists
    ...(clusterCrds.length > 0
      ? [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: { name },
            rules: rules(clusterCrds),
          },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
            subjects,
          },
        ]
      : []),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: a.ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ]
    .map((o) => stringify(o))
    .join('---\n');

  function installCrds(): void {
    for (const c of crds) {
      const crd = `${c.plural}.${c.group}`;
      const there = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig(), 'get', 'crd', crd], {
        encoding: 'utf8',
      });
      if (there.status === 0) continue;
      kubectlApply(
        stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: crd, ...(c.annotations ? { annotations: c.annotations } : {}) },
          spec: {
            group: c.group,
            scope: c.cluster ? 'Cluster' : 'Namespaced',
            names: {
              plural: c.plural,
              singular: c.kind.toLowerCase(),
              kind: c.kind,
              ...(c.categories ? { categories: c.categories } : {}),
            },
            versions: [
              {
                name: c.version,
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
              },
            ],
          },
        }),
      );
      crdsMadeHere.push(crd);
      waitCrdEstablished(kubeconfig(), crd);
    }
  }

  return {
    setUp() {
      kubectlApply(install.exported);
      installCrds();
      kubectlApply(rbac);
    },
    async tearDown() {
      await kit.cleanup();
      kubectlDelete(rbac);
      kubectlDelete(install.exported);
      for (const crd of crdsMadeHere)
        spawnSync(KUBECTL, ['--kubeconfig', kubeconfig(), 'delete', 'crd', crd, '--wait=false']);
    },
    admittedAsA(object) {
      const res = spawnSync(
        KUBECTL,
        [
          '--kubeconfig',
          kubeconfig(),
          'create',
          '--dry-run=server',
          `--as=system:serviceaccount:${a.ns}:${a.sa}`,
          '-n',
          a.ns,
          '-f',
          '-',
        ],
        { input: JSON.stringify(object), encoding: 'utf8' },
      );
      return { ok: res.status === 0, stderr: res.stderr };
    },
    pathOf(object) {
      const crd = crds.find((c) => `${c.group}/${c.version}` === object.apiVersion && c.kind === object.kind);
      const plural = crd?.plural ?? BUILT_IN_PLURALS[object.kind];
      if (plural === undefined)
        throw new Error(`pathOf: no plural known for ${object.apiVersion} ${object.kind}`);
      const api = object.apiVersion.includes('/')
        ? `/apis/${object.apiVersion}`
        : `/api/${object.apiVersion}`;
      const scope = crd?.cluster ? '' : `/namespaces/${object.metadata.namespace ?? a.ns}`;
      return `${api}${scope}/${plural}/${object.metadata.name}`;
    },
  };
}

/** The same tree (file → object) planned, then applied, by `applier` in a workspace of `kit`. */
export async function planAndApply(
  kit: KubeKit,
  applier: KubeApplier,
  files: Record<string, object>,
): Promise<{ plan: PlaneResult; apply: PlaneResult }> {
  const texts = Object.fromEntries(Object.entries(files).map(([file, o]) => [file, stringify(o)]));
  const manifests = await applier.load(await kit.workspace(texts));
  return { plan: await applier.plan(manifests), apply: await applier.apply(manifests) };
}
