/**
 * Generators of the three tree shapes of the large-objects benchmark (issue 29), each parameterized
 * by a prefix so that cairn, kubectl and the floor apply disjoint copies side by side:
 * - `small`: many small objects (Namespaces and ConfigMaps);
 * - `huge`: a CRD bundle like a real operator's: ten CustomResourceDefinitions with deep OpenAPI
 *   schemas (4.4 MB in all, the largest about 800 KB) plus its RBAC, Service, Deployment and one
 *   custom resource of its own kinds;
 * - `crs`: a few CRDs followed by many custom resources of their kinds.
 */
import { dump } from 'js-yaml';
import { crd } from '../helpers/crd-bundle';

/** One generated object: its body and the API path it lives at (for the floor and the cleanup). */
export interface ShapeObject {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** Which apply step it belongs to: CRDs first, then Namespaces, then the rest. */
  readonly step: 'crd' | 'namespace' | 'rest';
}

/** One generated tree: its files (path under k8s-resources/ → YAML) and its objects. */
export interface Shape {
  readonly name: string;
  readonly namespace: string;
  readonly files: ReadonlyMap<string, string>;
  readonly objects: readonly ShapeObject[];
}

/** The three shapes' names. */
export const SHAPES = ['small', 'huge', 'crs'] as const;

// The sizes of the CRDs of the huge shape, in KB: 4.4 MB in all, as the operator.
const HUGE_KB = [800, 750, 700, 550, 500, 400, 300, 200, 120, 80];
const SMALL_NAMESPACES = 3;
const SMALL_CONFIGMAPS = 100;
const CR_KINDS = 4;
const CRS_PER_KIND = 50;

function crdPath(group: string, kind: string): string {
  return `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${kind.toLowerCase()}s.${group}`;
}

function namespace(name: string): ShapeObject {
  return {
    path: `/api/v1/namespaces/${name}`,
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    step: 'namespace',
  };
}

function yaml(objects: readonly ShapeObject[]): string {
  return objects.map((o) => dump(o.body, { lineWidth: -1, noRefs: true })).join('---\n');
}

function small(prefix: string): Shape {
  const files = new Map<string, string>();
  const objects: ShapeObject[] = [];
  for (let n = 0; n < SMALL_NAMESPACES; n++) {
    const ns = `${prefix}-${n}`;
    const here = [namespace(ns)];
    for (let i = 0; i < SMALL_CONFIGMAPS; i++) {
      here.push({
        path: `/api/v1/namespaces/${ns}/configmaps/cm-${i}`,
        body: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm-${i}`, namespace: ns, labels: { app: 'bench' } },
          data: { index: String(i), payload: 'x'.repeat(200) },
        },
        step: 'rest',
      });
    }
    files.set(`ns-${n}.yaml`, yaml(here));
    objects.push(...here);
  }
  return { name: 'small', namespace: `${prefix}-0`, files, objects };
}

/** The RBAC, Service and Deployment of an operator, in namespace `ns`. */
function operator(prefix: string, ns: string, group: string): ShapeObject[] {
  const labels = { app: 'operator' };
  return [
    {
      path: `/api/v1/namespaces/${ns}/serviceaccounts/operator`,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'operator', namespace: ns } },
      step: 'rest',
    },
    {
      path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${prefix}-operator`,
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: `${prefix}-operator` },
        rules: [{ apiGroups: [group], resources: ['*'], verbs: ['get', 'list', 'watch'] }],
      },
      step: 'rest',
    },
    {
      path: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${prefix}-operator`,
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${prefix}-operator` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${prefix}-operator` },
        subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: ns }],
      },
      step: 'rest',
    },
    {
      path: `/api/v1/namespaces/${ns}/services/operator`,
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'operator', namespace: ns },
        spec: { selector: labels, ports: [{ port: 8080, targetPort: 8080 }] },
      },
      step: 'rest',
    },
    {
      path: `/apis/apps/v1/namespaces/${ns}/deployments/operator`,
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'operator', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { serviceAccountName: 'operator', containers: [{ name: 'operator', image: 'operator:1' }] },
          },
        },
      },
      step: 'rest',
    },
  ];
}

function customResource(group: string, kind: string, ns: string, name: string): ShapeObject {
  return {
    path: `/apis/${group}/v1/namespaces/${ns}/${kind.toLowerCase()}s/${name}`,
    body: {
      apiVersion: `${group}/v1`,
      kind,
      metadata: { name, namespace: ns },
      spec: { section0: { field3x0: { field2x0: { field1x0: 7 } } } },
    },
    step: 'rest',
  };
}

function huge(prefix: string): Shape {
  const group = `${prefix}.bench.cairn.test`;
  const ns = prefix;
  const crds: ShapeObject[] = HUGE_KB.map((kb, i) => ({
    path: crdPath(group, `Kind${i}`),
    body: crd(group, `Kind${i}`, kb * 1024),
    step: 'crd',
  }));
  const rest = [namespace(ns), ...operator(prefix, ns, group), customResource(group, 'Kind0', ns, 'main')];
  const files = new Map<string, string>();
  crds.forEach((c, i) => files.set(`crds/kind${i}.yaml`, yaml([c])));
  files.set('operator.yaml', yaml(rest));
  return { name: 'huge', namespace: ns, files, objects: [...crds, ...rest] };
}

function crs(prefix: string): Shape {
  const group = `${prefix}.bench.cairn.test`;
  const ns = prefix;
  const crds: ShapeObject[] = Array.from({ length: CR_KINDS }, (_, k) => ({
    path: crdPath(group, `Thing${k}`),
    body: crd(group, `Thing${k}`, 40 * 1024),
    step: 'crd',
  }));
  const resources: ShapeObject[] = [];
  for (let k = 0; k < CR_KINDS; k++)
    for (let i = 0; i < CRS_PER_KIND; i++)
      resources.push(customResource(group, `Thing${k}`, ns, `thing-${i}`));
  const files = new Map<string, string>([
    ['crds.yaml', yaml(crds)],
    ['namespace.yaml', yaml([namespace(ns)])],
    ['things.yaml', yaml(resources)],
  ]);
  return { name: 'crs', namespace: ns, files, objects: [...crds, namespace(ns), ...resources] };
}

/** The tree of `shape` with every name derived from `prefix`. */
export function makeShape(shape: (typeof SHAPES)[number], prefix: string): Shape {
  return shape === 'small' ? small(prefix) : shape === 'huge' ? huge(prefix) : crs(prefix);
}
