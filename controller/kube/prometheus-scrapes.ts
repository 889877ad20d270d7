import type { KubeObject } from './types';
import type { SharedCredentialUse } from './shared-credential-use';
import { fieldsOf, listOf, nameOf, type Fields } from './object-fields';

// Where an environment's scrape object makes the cluster's shared Prometheus act for the committer
// with what is Prometheus's own: the files of its pod (its ServiceAccount token, its client
// certificates) sent to a target of the committer's, and its discovery of every namespace's pods
// and Services. The operator reads a scrape object's Secrets in that object's namespace only
// (`pkg/prometheus/resource_selector.go`: `rs.store.GetSecretKey(ctx, sm.GetNamespace(), ...)`), so
// `authorization`, `basicAuth`, `oauth2` and a TLS key Secret are the environment's own and pass.
// Sources read at prometheus-operator 6adcebc5.

/** The group of the Prometheus Operator's kinds. */
export const MONITORING_GROUP = 'monitoring.coreos.com';

/**
 * A ServiceMonitor endpoint's fields that name a file of the Prometheus pod. The operator allows
 * them unless the Prometheus runs with `arbitraryFSAccessThroughSMs.deny: true`, off by default
 * (`pkg/apis/monitoring/v1/types.go` `ArbitraryFSAccessThroughSMsConfig`: "A malicious user could
 * create a service monitor selecting arbitrary secret files in the Prometheus container. Those
 * secrets would then be sent with a scrape request by Prometheus to a malicious target";
 * `resource_selector.go` `testForArbitraryFSAccess` checks these four), which cairn cannot see.
 * PodMonitor, Probe and ScrapeConfig take Secrets only (`SafeTLSConfig`, `SafeAuthorization`).
 */
const PROMETHEUS_FILE_FIELDS: readonly (readonly string[])[] = [
  ['bearerTokenFile'],
  ['tlsConfig', 'caFile'],
  ['tlsConfig', 'certFile'],
  ['tlsConfig', 'keyFile'],
];

const PROMETHEUS_FILES =
  "Prometheus reads that file of its own pod (its ServiceAccount token at /var/run/secrets/kubernetes.io/serviceaccount/token, a client certificate or any Secret mounted there) and presents it to this endpoint, whose address this environment's Service or relabelings choose: a server of the committer's; use authorization, basicAuth or tlsConfig Secrets of this namespace";

const DISCOVERS =
  "Prometheus discovers and scrapes, with its own cluster-wide identity, the pods and Services of those namespaces (another environment's), labelled as this object's and under this environment's relabelings and credentials";

const PROMETHEUS_NAMESPACES = `${DISCOVERS}; select this namespace only (leave namespaceSelector out)`;

const SCRAPE_CONFIG_NAMESPACES = `${DISCOVERS}; name this namespace only in namespaces.names, without ownNamespace (Prometheus's own namespace, not this object's)`;

/**
 * The namespaces a `namespaceSelector` reaches beyond `own`, `*` for every one: `any: true` selects
 * every namespace, `matchNames` those named, and an empty selector the object's own
 * (`pkg/prometheus/promcfg.go` `getNamespacesFromNamespaceSelector`; a Prometheus running with
 * `ignoreNamespaceSelectors`, off by default, keeps each object to its own, which cairn cannot see).
 */
function selectedNamespaces(selector: Fields, own: string): readonly string[] {
  if (selector.any === true) return ['*'];
  return listOf(selector.matchNames)
    .map(nameOf)
    .filter((name) => name !== own);
}

/**
 * The namespaces a ScrapeConfig's `kubernetesSDConfigs[i]` reaches beyond `own`. Without
 * `apiServer` Prometheus asks its own cluster with its own ServiceAccount; without `namespaces.names`
 * its Kubernetes discovery covers every namespace unless `ownNamespace` is true (Prometheus
 * `discovery/kubernetes`; the operator writes both through unchanged, `promcfg.go`
 * `generateScrapeConfig`). `ownNamespace` is Prometheus's own namespace, not the ScrapeConfig's
 * (`getNamespaces` adds the namespace of Prometheus's ServiceAccount, which is why Prometheus
 * refuses it beside an `apiServer`): cairn cannot see where Prometheus runs, so it counts as `*`.
 * An `apiServer` of the committer's is reached with this namespace's credentials only.
 */
function discoveredNamespaces(config: Fields, own: string): readonly string[] {
  if (config.apiServer !== undefined) return [];
  if (nameOf(config.role).toLowerCase() === 'node') return [];
  const namespaces = fieldsOf(config.namespaces);
  const names = listOf(namespaces.names).map(nameOf);
  if (names.length === 0 || namespaces.ownNamespace === true) return ['*'];
  return names.filter((name) => name !== own);
}

/**
 * Prometheus Operator: a ServiceMonitor endpoint naming a file of the Prometheus pod
 * (PROMETHEUS_FILE_FIELDS, counted as `PrometheusServer/files`), and a ServiceMonitor, PodMonitor
 * or Probe (`spec.targets.ingress`) selecting another namespace, or a ScrapeConfig's Kubernetes
 * discovery reaching one (counted as `PrometheusTargets/<namespace>`, `PrometheusTargets/*` for
 * every namespace). `PrometheusRule` and `AlertmanagerConfig` are not read here (see SECURITY.md).
 */
export function prometheusUsesOf(object: KubeObject, spec: Fields): readonly SharedCredentialUse[] {
  const own = object.metadata.namespace ?? '';
  const uses: SharedCredentialUse[] = [];
  const reach = (field: string, namespaces: readonly string[], how = PROMETHEUS_NAMESPACES) => {
    for (const namespace of namespaces) uses.push({ field, holder: `PrometheusTargets/${namespace}`, how });
  };
  if (object.kind === 'ServiceMonitor')
    listOf(spec.endpoints).forEach((endpoint, i) => {
      for (const path of PROMETHEUS_FILE_FIELDS) {
        const value = path.reduce<unknown>((at, key) => fieldsOf(at)[key], endpoint);
        if (typeof value === 'string' && value !== '')
          uses.push({
            field: `spec.endpoints[${i}].${path.join('.')}`,
            holder: 'PrometheusServer/files',
            how: PROMETHEUS_FILES,
          });
      }
    });
  if (object.kind === 'ServiceMonitor' || object.kind === 'PodMonitor')
    reach('spec.namespaceSelector', selectedNamespaces(fieldsOf(spec.namespaceSelector), own));
  if (object.kind === 'Probe') {
    const ingress = fieldsOf(fieldsOf(spec.targets).ingress);
    reach(
      'spec.targets.ingress.namespaceSelector',
      selectedNamespaces(fieldsOf(ingress.namespaceSelector), own),
    );
  }
  if (object.kind === 'ScrapeConfig')
    listOf(spec.kubernetesSDConfigs).forEach((config, i) =>
      reach(
        `spec.kubernetesSDConfigs[${i}]`,
        discoveredNamespaces(fieldsOf(config), own),
        SCRAPE_CONFIG_NAMESPACES,
      ),
    );
  return uses;
}
