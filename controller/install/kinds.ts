import { CairnError } from '../model/errors';

/** One API resource cairn may manage: its group (`''` for the core group) and its plural name. */
export interface ResourceRef {
  readonly group: string;
  readonly resource: string;
}

/**
 * The kinds a platform repository usually holds, by Kind name, so `--kinds Deployment` works
 * without knowing its group. Any other resource is given as `group/resource`.
 */
const WELL_KNOWN: Readonly<Record<string, ResourceRef>> = {
  Namespace: { group: '', resource: 'namespaces' },
  ConfigMap: { group: '', resource: 'configmaps' },
  Secret: { group: '', resource: 'secrets' },
  Service: { group: '', resource: 'services' },
  ServiceAccount: { group: '', resource: 'serviceaccounts' },
  PersistentVolumeClaim: { group: '', resource: 'persistentvolumeclaims' },
  LimitRange: { group: '', resource: 'limitranges' },
  ResourceQuota: { group: '', resource: 'resourcequotas' },
  Deployment: { group: 'apps', resource: 'deployments' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
  Ingress: { group: 'networking.k8s.io', resource: 'ingresses' },
  NetworkPolicy: { group: 'networking.k8s.io', resource: 'networkpolicies' },
  PodDisruptionBudget: { group: 'policy', resource: 'poddisruptionbudgets' },
  HorizontalPodAutoscaler: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
  Role: { group: 'rbac.authorization.k8s.io', resource: 'roles' },
  RoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'rolebindings' },
  ClusterRole: { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
  CustomResourceDefinition: { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
};

/**
 * The kinds the default install may manage: those of the example platform (`examples/platform`)
 * and of most application stacks. Namespaces and ConfigMaps are also what cairn's own inventory needs.
 */
export const DEFAULT_KINDS: readonly string[] = [
  'core/namespaces',
  'core/configmaps',
  'core/secrets',
  'core/services',
  'core/serviceaccounts',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  'batch/cronjobs',
  'networking.k8s.io/ingresses',
];

/**
 * What cairn itself writes whatever the repository holds: the inventory ConfigMap of each
 * environment, and the environment's namespace when no manifest creates it.
 */
export const OWN_NEEDS: readonly ResourceRef[] = [
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'configmaps' },
];

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESOURCE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Parses `--kinds`: a list of `group/resource` (`core/configmaps`, `apps/deployments`,
 * `monitoring.coreos.com/servicemonitors`), Kind names of well-known kinds (`Deployment`), or
 * `default` for the default set. The result is deduplicated and sorted, so output is stable.
 */
export function parseKinds(items: readonly string[]): readonly ResourceRef[] {
  const out = new Map<string, ResourceRef>();
  const add = (ref: ResourceRef) => out.set(`${ref.group}/${ref.resource}`, ref);
  for (const raw of items.flatMap((i) => i.split(',')).map((i) => i.trim())) {
    if (raw === '') continue;
    if (raw === 'default') {
      DEFAULT_KINDS.forEach((k) => add(parseOne(k)));
      continue;
    }
    add(parseOne(raw));
  }
  OWN_NEEDS.forEach(add);
  return [...out.values()].sort((a, b) =>
    a.group === b.group ? a.resource.localeCompare(b.resource) : a.group.localeCompare(b.group),
  );
}

function parseOne(item: string): ResourceRef {
  const known = WELL_KNOWN[item];
  if (known) return known;
  const slash = item.lastIndexOf('/');
  if (slash > 0) {
    const group = item.slice(0, slash);
    const resource = item.slice(slash + 1);
    const coreGroup = group === 'core' || group === 'v1';
    if ((coreGroup || DNS_SUBDOMAIN.test(group)) && RESOURCE.test(resource)) {
      return { group: coreGroup ? '' : group, resource };
    }
  }
  throw new CairnError(`"${item}" is neither group/resource nor a well-known Kind`, {
    code: 'install.kinds',
    subject: '--kinds',
    hint: `Write group/resource in lower case (core/configmaps, apps/deployments, example.com/widgets), or one of ${Object.keys(WELL_KNOWN).join(', ')}`,
  });
}

/** How a resource is written in `--kinds` (the core group as `core`). */
export function kindFlag(ref: ResourceRef): string {
  return `${ref.group === '' ? 'core' : ref.group}/${ref.resource}`;
}

/** Resources that are cluster-scoped: a namespace's Role cannot grant them, so they are left out of one. */
export const CLUSTER_SCOPED: readonly string[] = [
  'namespaces',
  'clusterroles',
  'clusterrolebindings',
  'customresourcedefinitions',
];

/**
 * The cluster-scoped kinds `clusterResources` may name without a group, with their group. The Helm
 * chart holds the same table (`cairn.clusterKinds`): keep the two equal.
 */
export const CLUSTER_KINDS: Readonly<Record<string, string>> = {
  Namespace: '',
  PersistentVolume: '',
  ClusterRole: 'rbac.authorization.k8s.io',
  ClusterRoleBinding: 'rbac.authorization.k8s.io',
  CustomResourceDefinition: 'apiextensions.k8s.io',
  StorageClass: 'storage.k8s.io',
  PriorityClass: 'scheduling.k8s.io',
  IngressClass: 'networking.k8s.io',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io',
  ValidatingWebhookConfiguration: 'admissionregistration.k8s.io',
};

/** A Kind's plural resource name as the API spells nearly every one (`Ingress` → `ingresses`, `NetworkPolicy` → `networkpolicies`). */
export function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/**
 * The resource of a `clusterResources` entry: a cluster-scoped `Kind` of `CLUSTER_KINDS`, or
 * `group/Kind` (its plural as `pluralOf` spells it; a CRD with another plural is granted by
 * `--kinds group/resource` instead).
 */
export function kindResource(item: string, key: string): ResourceRef {
  const known = CLUSTER_KINDS[item];
  if (known !== undefined) return { group: known, resource: pluralOf(item) };
  const slash = item.lastIndexOf('/');
  const group = item.slice(0, slash);
  const kind = item.slice(slash + 1);
  if (slash <= 0 || !(group === 'core' || DNS_SUBDOMAIN.test(group)) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    throw new CairnError(`"${item}" is neither group/Kind nor a cluster-scoped Kind cairn knows`, {
      code: 'install.config',
      subject: key,
      hint: `write group/Kind (example.com/Widget), or one of ${Object.keys(CLUSTER_KINDS).join(', ')}`,
    });
  }
  return { group: group === 'core' ? '' : group, resource: pluralOf(kind) };
}
