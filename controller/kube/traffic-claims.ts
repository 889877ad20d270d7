import type { KubeObject } from './types';
import { groupOf } from './object-ref';
import { traefikRuleHosts } from './traefik-rule';
import { csiCertificateClaims, ingressShimClaims } from './cert-manager-claims';
import type { HostClaim } from './host-claim';
import { fieldsOf, listOf, type Fields } from './object-fields';

export type { HostClaim } from './host-claim';

// What an object claims of the traffic a shared ingress controller or gateway carries: the hosts an
// Ingress, a Gateway API object or another common controller's route serves, the namespaces whose
// objects it hands that traffic to, and the cluster namespace an ExternalName Service sends it to.
// bounds.ts's outOfBounds is the one caller; these read objects and decide nothing.

/**
 * A field naming another namespace's object that a shared controller follows with this object's
 * traffic; `unreadable`: a reference whose namespace cairn cannot tell (or that reaches the
 * controller's own services), and why.
 */
export interface NamespaceReference {
  readonly field: string;
  readonly namespace?: string;
  /** What the shared controller does with the other namespace's object, for a person (default: routes traffic to it). */
  readonly use?: string;
  /**
   * `alias` (the default): the controller serves this object's traffic from it, held to the
   * environment's own namespaces; `request`: it sends requests of its own there (an auth check),
   * which may go to a platform's shared service, as an `auth-url` may.
   */
  readonly kind?: 'alias' | 'request';
  readonly unreadable?: string;
}

/**
 * Ingress-controller annotations (under any prefix: `--annotations-prefix` moves them) whose value
 * `<namespace>/<name>` names an object the controller reads with its own rights, which read every
 * namespace, and the kinds that carry them. ingress-nginx's Secrets, where
 * `allow-cross-namespace-resources` is on (its default before v1.12; Traefik's ingress-nginx provider
 * has the same switch): `proxy-ssl-secret` is the client certificate and key the controller
 * presents to this Ingress's upstream, `auth-secret` the user file of the basic authentication it
 * asks this Ingress's visitors for (HAProxy's `auth-secret` too), `auth-tls-secret` the CA it
 * verifies their client certificates with. HAProxy's, which it reads on an Ingress or a Service
 * with no switch at all (`pkg/annotations/service/crt.go`, `ca.go`, `pkg/annotations/models.go`):
 * `server-crt` is the client certificate and key it presents to the backend, `server-ca` the CA it
 * verifies the backend with, `cr-backend` a `Backend` resource whose raw settings (request rules,
 * headers it adds) it gives this object's backend.
 */
const NAMESPACED_ANNOTATIONS: ReadonlyMap<
  string,
  { readonly names: string; readonly use: string; readonly onService?: true }
> = new Map([
  [
    'proxy-ssl-secret',
    { names: 'Secret', use: "presents that Secret's client certificate and key to this Ingress's upstream" },
  ],
  [
    'auth-secret',
    { names: 'Secret', use: "asks this Ingress's visitors for the passwords of that Secret's users" },
  ],
  ['auth-tls-secret', { names: 'Secret', use: "verifies this Ingress's visitors with that Secret's CA" }],
  [
    'server-crt',
    {
      names: 'Secret',
      use: "presents that Secret's client certificate and key to this object's backend",
      onService: true,
    },
  ],
  [
    'server-ca',
    { names: 'Secret', use: "verifies this object's backend with that Secret's CA", onService: true },
  ],
  [
    'cr-backend',
    {
      names: 'HAProxy Backend',
      use: "gives this object's backend that Backend's raw settings (its request rules, the headers it adds)",
      onService: true,
    },
  ],
]);

const INGRESS_GROUPS = ['networking.k8s.io', 'extensions'];
const GATEWAY_GROUPS = ['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'];
/** Gateway API routes matched by host name (`spec.hostnames`); TCP and UDP routes match a port alone. */
const HOST_ROUTES = ['HTTPRoute', 'GRPCRoute', 'TLSRoute'];
/** Gateway API routes matched by a listener's port alone (GEP-2644 TCPRoute, GEP-2645 UDPRoute). */
const PORT_ROUTES = ['TCPRoute', 'UDPRoute'];
/** Gateway API kinds with listeners, and the listener protocols that match by host name. */
const LISTENER_SETS = ['ListenerSet', 'XListenerSet'];
const LISTENER_KINDS = ['Gateway', ...LISTENER_SETS];
const HOST_PROTOCOLS = ['HTTP', 'HTTPS', 'TLS'];
export const TRAEFIK_GROUPS = ['traefik.io', 'traefik.containo.us'];
/** Traefik routes matched by a rule naming hosts; IngressRouteUDP matches an entry point alone. */
const TRAEFIK_ROUTES = ['IngressRoute', 'IngressRouteTCP'];
const CONTOUR_GROUP = 'projectcontour.io';
/** Kong's ingress controller: its own route kinds (`TCPIngress`; HTTP goes through Ingress and Gateway API). */
export const KONG_GROUP = 'configuration.konghq.com';
/** Kong's annotation (its prefix is fixed: `internal/annotations/annotations.go`) adding hosts to an Ingress's routes. */
const KONG_HOST_ALIASES = 'konghq.com/host-aliases';
/** Gloo Edge: its routes (`gateway.solo.io`) and where they lead (`gloo.solo.io`'s Upstreams). */
const GLOO_GATEWAY_GROUP = 'gateway.solo.io';
const GLOO_GROUP = 'gloo.solo.io';
/**
 * Gloo's kinds holding route or virtual host options: its routes, and the VirtualHostOptions and
 * RouteOptions whose `options` Gloo merges into the routes that take them (by
 * `optionsConfigRefs`, or a Gateway API `targetRefs`).
 */
const GLOO_OPTION_HOLDERS = ['VirtualService', 'RouteTable', 'VirtualHostOption', 'RouteOption'];
/** Gloo's filter chains of a platform's Gateway, which selects them by label from every namespace. */
const GLOO_MATCHABLE_GATEWAYS = ['MatchableHttpGateway', 'MatchableTcpGateway'];
/** Gloo's external auth settings (`AuthConfig`), read by Gloo Enterprise's ext-auth service. */
const GLOO_ENTERPRISE_GROUP = 'enterprise.gloo.solo.io';
const ISTIO_GROUP = 'networking.istio.io';
/** NGINX Inc's ingress controller (not ingress-nginx): its kinds, and the ones serving a host. */
export const NGINX_INC_GROUP = 'k8s.nginx.org';
const NGINX_INC_HOST_KINDS = ['VirtualServer', 'VirtualServerRoute'];
/** Its TLS passthrough listener (`pkg/apis/configuration/v1/types.go`), whose TransportServers share the hosts of its HTTPS server. */
const NGINX_INC_PASSTHROUGH = { name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' };
/** Emissary-ingress (Ambassador): its routes (`Mapping`, `TCPMapping`) and listeners' hosts (`Host`). */
const EMISSARY_GROUPS = ['getambassador.io', 'x.getambassador.io'];
const EMISSARY_ROUTES = ['Mapping', 'TCPMapping'];

/** cert-manager: what asks its issuers (a shared ClusterIssuer's ACME account) for a certificate. */
const CERT_MANAGER_GROUP = 'cert-manager.io';
const ACME_GROUP = 'acme.cert-manager.io';

const nameOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The hosts an Ingress (rules, TLS entries, default backend), a Gateway API route
 * (`spec.hostnames`) or a Gateway's listeners (`hostname`), a Traefik IngressRoute(TCP), a Contour
 * HTTPProxy, an Istio Gateway or gateway-bound VirtualService, an NGINX Inc VirtualServer(Route) or TransportServer (its SNI `host`), an
 * Emissary Mapping, TCPMapping or Host, a Gloo VirtualService (`spec.virtualHost.domains`) or MatchableHttpGateway (its matcher's SNI domains), a Kong TCPIngress (SNI `host`s) or an Ingress's `konghq.com/host-aliases`, or a cert-manager Certificate (and its ACME Order and Challenge) claim; empty for every other object. A rule, TLS entry, route or listener naming no host claims
 * them all: the ingress controller's catch-all server, or every host of the listeners a route
 * attaches to. Beside these, the names an object asks cert-manager for without a Certificate: an
 * Ingress's or Gateway's ingress-shim annotations and a pod template's csi-driver volumes
 * (cert-manager-claims.ts), issued by the same shared issuers.
 */
export function hostClaimsOf(object: KubeObject): readonly HostClaim[] {
  const shim =
    isIngress(object) || (GATEWAY_GROUPS.includes(groupOf(object.apiVersion)) && object.kind === 'Gateway')
      ? ingressShimClaims(object)
      : [];
  return [...routeClaimsOf(object), ...shim, ...csiCertificateClaims(object)];
}

/** The hosts an object serves or asks a certificate for in its spec (see hostClaimsOf). */
function routeClaimsOf(object: KubeObject): readonly HostClaim[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (isIngress(object)) return [...ingressClaims(spec), ...kongHostAliases(object)];
  if (TRAEFIK_GROUPS.includes(group) && TRAEFIK_ROUTES.includes(object.kind)) return traefikClaims(spec);
  if (group === CONTOUR_GROUP && object.kind === 'HTTPProxy') {
    // An HTTPProxy without a virtualhost serves only what includes it.
    if (spec.virtualhost === undefined) return [];
    const fqdn = nameOf(fieldsOf(spec.virtualhost).fqdn);
    return [{ field: 'spec.virtualhost.fqdn', ...(fqdn ? { host: fqdn } : {}) }];
  }
  if (group === ISTIO_GROUP) return istioClaims(object.kind, spec);
  if (group === NGINX_INC_GROUP && NGINX_INC_HOST_KINDS.includes(object.kind)) {
    const host = nameOf(spec.host);
    return [{ field: 'spec.host', ...(host ? { host } : {}) }];
  }
  if (group === NGINX_INC_GROUP && object.kind === 'TransportServer') {
    // On the TLS passthrough listener a TransportServer's `host` is taken from the same table as
    // VirtualServers' and Ingresses' hosts, the oldest winning (`internal/k8s/configuration.go`,
    // `buildHostsAndResources`): b's visitors' TLS sessions would reach a's backend. On a listener
    // of its own it is the SNI it serves there; without a host there it takes the port, no host.
    const host = nameOf(spec.host);
    if (host) return [{ field: 'spec.host', host }];
    const listener = fieldsOf(spec.listener);
    const passthrough =
      listener.name === NGINX_INC_PASSTHROUGH.name || listener.protocol === NGINX_INC_PASSTHROUGH.protocol;
    return passthrough ? [{ field: 'spec.host' }] : [];
  }
  if (group === CERT_MANAGER_GROUP || group === ACME_GROUP) return certificateClaims(object.kind, spec);
  if (EMISSARY_GROUPS.includes(group)) return emissaryClaims(object.kind, spec);
  if (group === KONG_GROUP && object.kind === 'TCPIngress') {
    // Kong routes a TCPIngress rule by its SNI `host`; one without routes the whole port
    // (`internal/dataplane/translator/translate_kong_l4.go`).
    const claims: HostClaim[] = listOf(spec.rules).map((r, i) => {
      const host = nameOf(fieldsOf(r).host);
      return { field: `spec.rules[${i}].host`, ...(host ? { host } : {}) };
    });
    listOf(spec.tls).forEach((t, i) =>
      listOf(fieldsOf(t).hosts).forEach((h, j) =>
        claims.push({ field: `spec.tls[${i}].hosts[${j}]`, host: String(h) }),
      ),
    );
    return claims;
  }
  if (group === GLOO_GATEWAY_GROUP && GLOO_MATCHABLE_GATEWAYS.includes(object.kind)) {
    // Its matcher picks the connections of the Gateway's listener it takes: a TLS one by SNI (none:
    // every TLS connection), a plaintext one every plaintext connection (Envoy matches no host
    // there); either way the hosts of everyone else's VirtualServices (or TCP hosts) on that
    // listener. A MatchableTcpGateway's TCP hosts match SNI names of their own within it.
    const ssl = fieldsOf(spec.matcher).sslConfig;
    if (ssl === undefined) return [{ field: 'spec.matcher.sslConfig' }];
    const domains = listOf(fieldsOf(ssl).sniDomains);
    if (domains.length === 0) return [{ field: 'spec.matcher.sslConfig.sniDomains' }];
    const tcpHosts = listOf(fieldsOf(spec.tcpGateway).tcpHosts).flatMap((h, i) =>
      listOf(fieldsOf(fieldsOf(h).sslConfig).sniDomains).map((d, j) => ({
        field: `spec.tcpGateway.tcpHosts[${i}].sslConfig.sniDomains[${j}]`,
        host: String(d),
      })),
    );
    return [
      ...domains.map((d, i) => ({ field: `spec.matcher.sslConfig.sniDomains[${i}]`, host: String(d) })),
      ...tcpHosts,
    ];
  }
  if (group === GLOO_GATEWAY_GROUP && object.kind === 'VirtualService') {
    // Gloo serves a VirtualService without domains, or with `*`, on every host.
    const domains = listOf(fieldsOf(spec.virtualHost).domains);
    if (domains.length === 0) return [{ field: 'spec.virtualHost.domains' }];
    return domains.map((d, i) =>
      d === '*'
        ? { field: `spec.virtualHost.domains[${i}]` }
        : { field: `spec.virtualHost.domains[${i}]`, host: String(d) },
    );
  }
  if (!GATEWAY_GROUPS.includes(group)) return [];
  if (HOST_ROUTES.includes(object.kind)) {
    // A route attached to Services alone is the mesh's (GAMMA), served by no gateway: a mesh
    // infers nothing from its hostnames (GEP-1294, "Route types"), and one naming another
    // namespace's Service (a consumer route) changes only the requests of its own namespace's
    // workloads (see isMeshServiceParent).
    const parents = listOf(spec.parentRefs).map(fieldsOf);
    if (parents.length > 0 && parents.every((ref) => isMeshServiceParent(parentRefOf(ref, object))))
      return [];
    const hostnames = listOf(spec.hostnames);
    if (hostnames.length === 0) return [{ field: 'spec.hostnames' }];
    return hostnames.map((h, i) => ({ field: `spec.hostnames[${i}]`, host: String(h) }));
  }
  if (LISTENER_KINDS.includes(object.kind))
    return listOf(spec.listeners).flatMap((l, i) => {
      const listener = fieldsOf(l);
      if (!HOST_PROTOCOLS.includes(String(listener.protocol))) return [];
      const host = nameOf(listener.hostname);
      return [{ field: `spec.listeners[${i}].hostname`, ...(host ? { host } : {}) }];
    });
  return [];
}

/**
 * The names a certificate is asked for: a cert-manager Certificate's or ACME Order's `dnsNames` and
 * `commonName`, an ACME Challenge's `dnsName`. Issued by a shared issuer (a ClusterIssuer, an ACME
 * account answering HTTP-01 through the shared ingress controller), it is a publicly trusted
 * certificate for that host in this environment's namespace. A certificate naming no host claims
 * none (it is for addresses or URIs). A CertificateRequest carries its names in a signed request
 * cairn does not decode: unreadable, never guessed.
 */
function certificateClaims(kind: string, spec: Fields): readonly HostClaim[] {
  if (kind === 'CertificateRequest')
    return [
      {
        field: 'spec.request',
        unreadable: 'is a certificate signing request whose names cairn does not read',
        instead: 'ask for the certificate through a Certificate naming its hosts in spec.dnsNames',
      },
    ];
  if (kind === 'Challenge') {
    const host = nameOf(spec.dnsName);
    return host ? [{ field: 'spec.dnsName', host }] : [];
  }
  if (kind !== 'Certificate' && kind !== 'Order') return [];
  const common = nameOf(spec.commonName);
  return [
    ...(common ? [{ field: 'spec.commonName', host: common }] : []),
    ...listOf(spec.dnsNames).map((h, i) => ({ field: `spec.dnsNames[${i}]`, host: String(h) })),
  ];
}

/** An Ingress of networking.k8s.io or of the older extensions group. */
export function isIngress(object: KubeObject): boolean {
  return object.kind === 'Ingress' && INGRESS_GROUPS.includes(groupOf(object.apiVersion));
}

function ingressClaims(spec: Fields): readonly HostClaim[] {
  const claims: HostClaim[] = [];
  // `backend` is extensions/v1beta1's name for it.
  for (const field of ['defaultBackend', 'backend'])
    if (spec[field] !== undefined) claims.push({ field: `spec.${field}` });
  listOf(spec.rules).forEach((r, i) => {
    const host = nameOf(fieldsOf(r).host);
    claims.push({ field: `spec.rules[${i}].host`, ...(host ? { host } : {}) });
  });
  listOf(spec.tls).forEach((t, i) => {
    const hosts = listOf(fieldsOf(t).hosts);
    if (hosts.length === 0) claims.push({ field: `spec.tls[${i}].hosts` });
    hosts.forEach((h, j) => claims.push({ field: `spec.tls[${i}].hosts[${j}]`, host: String(h) }));
  });
  return claims;
}

/**
 * Kong's `konghq.com/host-aliases` on an Ingress (comma-separated): Kong adds each to the hosts of
 * every route it makes of the Ingress, beside its rules' own (`internal/dataplane/kongstate/route.go`
 * `overrideHosts`, `internal/dataplane/translator/subtranslator/ingress_atc.go`), so each is a host
 * the Ingress claims as surely as a rule's `host`.
 */
function kongHostAliases(object: KubeObject): readonly HostClaim[] {
  const field = `metadata.annotations.${KONG_HOST_ALIASES}`;
  const value = object.metadata.annotations?.[KONG_HOST_ALIASES];
  if (value === undefined) return [];
  return value
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((host) => ({ field, host }));
}

/**
 * A Traefik route's hosts: each route's `match` rule (read by traefikRuleHosts: a rule naming no
 * host, as `PathPrefix` alone or `HostSNI(\`*\`)`, claims every host) and the TLS `domains` its
 * certificate resolver asks a certificate for.
 */
function traefikClaims(spec: Fields): readonly HostClaim[] {
  const claims: HostClaim[] = [];
  listOf(spec.routes).forEach((r, i) => {
    const field = `spec.routes[${i}].match`;
    const rule = String(fieldsOf(r).match ?? '');
    const read = traefikRuleHosts(rule);
    if (read.kind === 'unreadable')
      claims.push({
        field,
        unreadable: `${rule}: ${read.why}`,
        instead: 'write Host(`name`) for each host, joined to the rest of the rule with &&',
      });
    else if (read.kind === 'any') claims.push({ field });
    else read.hosts.forEach((host) => claims.push({ field, host }));
  });
  listOf(fieldsOf(spec.tls).domains).forEach((d, i) => {
    const domain = fieldsOf(d);
    const main = nameOf(domain.main);
    if (main) claims.push({ field: `spec.tls.domains[${i}].main`, host: main });
    listOf(domain.sans).forEach((h, j) =>
      claims.push({ field: `spec.tls.domains[${i}].sans[${j}]`, host: String(h) }),
    );
  });
  return claims;
}

/**
 * An Istio Gateway's server hosts (`[namespace/]host`: the namespace part says whose
 * VirtualServices may bind, the host is what the gateway serves), and a VirtualService's hosts when
 * it binds to a gateway (a name in `spec.gateways` other than `mesh`); `*` claims every host. A
 * VirtualService of the mesh alone routes what sidecars send, not a gateway's traffic.
 */
function istioClaims(kind: string, spec: Fields): readonly HostClaim[] {
  const claim = (field: string, host: string): HostClaim => (host === '*' ? { field } : { field, host });
  if (kind === 'Gateway')
    return listOf(spec.servers).flatMap((server, i) => {
      const hosts = listOf(fieldsOf(server).hosts);
      if (hosts.length === 0) return [{ field: `spec.servers[${i}].hosts` }];
      return hosts.map((h, j) => {
        const entry = String(h);
        return claim(`spec.servers[${i}].hosts[${j}]`, entry.slice(entry.indexOf('/') + 1));
      });
    });
  if (kind !== 'VirtualService') return [];
  if (!listOf(spec.gateways).some((g) => g !== 'mesh')) return [];
  const hosts = listOf(spec.hosts);
  if (hosts.length === 0) return [{ field: 'spec.hosts' }];
  return hosts.map((h, i) => claim(`spec.hosts[${i}]`, String(h)));
}

/**
 * An Emissary `Mapping`'s `hostname` (or the older `host`; a regular expression, `host_regex`, is
 * not read; neither given: `*`, every host, Emissary's default), a `TCPMapping`'s SNI `host` (none:
 * the whole port), and a `Host`'s `hostname`, for which Emissary's own ACME client asks a
 * certificate.
 */
function emissaryClaims(kind: string, spec: Fields): readonly HostClaim[] {
  const every = (field: string, host: string | undefined): HostClaim =>
    host === undefined || host === '*' ? { field } : { field, host };
  if (kind === 'Mapping') {
    if (spec.host_regex === true)
      return [
        {
          field: 'spec.host',
          unreadable: 'is a regular expression (host_regex)',
          instead: 'name the host in spec.hostname',
        },
      ];
    const hostname = nameOf(spec.hostname);
    return hostname !== undefined || nameOf(spec.host) === undefined
      ? [every('spec.hostname', hostname)]
      : [every('spec.host', nameOf(spec.host))];
  }
  if (kind === 'TCPMapping') return [every('spec.host', nameOf(spec.host))];
  if (kind === 'Host') return [every('spec.hostname', nameOf(spec.hostname))];
  return [];
}

/**
 * The fields of each shared controller's kinds that name another namespace's object as
 * `{ name, namespace }` (a path below `spec`; `[]` is each item of a list), and what the controller
 * does with it. Contour follows an include, and an ExtensionService by its namespace, without any
 * consent of that namespace (`internal/dag/httpproxy_processor.go`:
 * `validateExternalAuthExtensionService`); Traefik follows every one of its references when the
 * provider's `allowCrossNamespace` is on (`pkg/provider/kubernetes/crd/kubernetes.go`:
 * `resolveReference`, `kubernetes_http.go`: `nameAndService`, `resolveParentRouterNames`).
 */
const NAMESPACE_REFERENCE_FIELDS: readonly {
  readonly groups: readonly string[];
  readonly kinds: readonly string[];
  readonly paths: readonly string[];
  readonly use?: string;
  readonly kind?: 'request';
  /** The key naming the namespace (a name, or a list of names), when not `namespace`. */
  readonly namespaceKey?: string;
  /** The paths start at the object's top, not below `spec` (Kong's plugins keep their settings there). */
  readonly top?: true;
  /**
   * The value at each path is no reference but a selector over every namespace the controller
   * watches (a label selector): refused where set, with this reason and what to write instead.
   */
  readonly selects?: string;
}[] = [
  {
    groups: [CONTOUR_GROUP],
    kinds: ['HTTPProxy'],
    paths: ['includes[]', 'tcpproxy.include', 'tcpproxy.includes[]'],
  },
  {
    groups: [CONTOUR_GROUP],
    kinds: ['HTTPProxy'],
    paths: ['virtualhost.authorization.extensionRef'],
    use: "names an ExtensionService that Contour asks to authorize every request to this proxy's host, sending it each request's headers",
    kind: 'request',
  },
  {
    groups: TRAEFIK_GROUPS,
    kinds: TRAEFIK_ROUTES,
    paths: [
      'routes[].services[]',
      'routes[].middlewares[]',
      'routes[].services[].middlewares[]',
      'tls.options',
      'tls.store',
      'parentRefs[]',
    ],
  },
  { groups: TRAEFIK_GROUPS, kinds: ['IngressRouteUDP'], paths: ['routes[].services[]'] },
  { groups: TRAEFIK_GROUPS, kinds: ['Middleware'], paths: ['errors.service', 'chain.middlewares[]'] },
  {
    groups: TRAEFIK_GROUPS,
    kinds: ['TraefikService'],
    paths: [
      'weighted.services[]',
      'highestRandomWeight.services[]',
      'mirroring',
      'mirroring.mirrors[]',
      'failover.service',
      'failover.fallback',
    ],
  },
  // Gloo Edge reads every watched namespace's Upstreams, Services, RouteTables, AuthConfigs and
  // Secrets by `{ name, namespace }` with no consent of theirs (`projects/gloo/pkg/utils/ssl.go`:
  // `getSslSecrets`; `projects/gloo/pkg/plugins/kubernetes/plugin.go`: the Upstream's
  // `serviceNamespace`).
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['VirtualService'],
    paths: glooRoutePaths('virtualHost.routes[]'),
  },
  { groups: [GLOO_GATEWAY_GROUP], kinds: ['RouteTable'], paths: glooRoutePaths('routes[]') },
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['VirtualService', 'RouteTable'],
    paths: ['virtualHost.routes[].delegateAction.selector', 'routes[].delegateAction.selector'],
    namespaceKey: 'namespaces',
  },
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['VirtualService', 'RouteTable'],
    paths: [
      'virtualHost.optionsConfigRefs.delegateOptions[]',
      'virtualHost.routes[].optionsConfigRefs.delegateOptions[]',
      'routes[].optionsConfigRefs.delegateOptions[]',
    ],
    use: "names a VirtualHostOption or RouteOption whose settings (the headers it adds to requests, its auth) Gloo gives this object's routes",
  },
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: GLOO_OPTION_HOLDERS,
    paths: [
      'virtualHost.options.extauth.configRef',
      'virtualHost.routes[].options.extauth.configRef',
      'routes[].options.extauth.configRef',
      'options.extauth.configRef',
    ],
    use: "names an AuthConfig that Gloo's external auth service checks every request to this object's routes with",
    kind: 'request',
  },
  // A RateLimitConfig's counters are shared by every route naming it (`RateLimitConfigRefs`,
  // `projects/gloo/api/v1/enterprise/options/ratelimit/ratelimit.proto`): another environment's
  // would let this one's traffic use up that environment's limits. A platform's shared one passes.
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: GLOO_OPTION_HOLDERS,
    paths: ['virtualHost.options', 'virtualHost.routes[].options', 'routes[].options', 'options'].flatMap(
      (options) =>
        ['rateLimitConfigs', 'rateLimitEarlyConfigs', 'rateLimitRegularConfigs'].map(
          (refs) => `${options}.${refs}.refs[]`,
        ),
    ),
    use: "names a RateLimitConfig whose counters every route naming it shares, so this object's traffic uses up that namespace's limits",
    kind: 'request',
  },
  // A MatchableHttpGateway serves the VirtualServices it names, or those of the namespaces it
  // lists, on the filter chain it claims of a platform's Gateway (which selects it by label, from
  // every namespace unless told otherwise: `projects/gateway/pkg/translator/gateway_selector.go`).
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['MatchableHttpGateway'],
    paths: ['httpGateway.virtualServices[]', 'matcher.sslConfig.secretRef'],
    use: "names a VirtualService that Gloo serves on this gateway's filter chain, or the Secret whose certificate and key it presents there",
  },
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['MatchableHttpGateway'],
    paths: ['httpGateway'],
    namespaceKey: 'virtualServiceNamespaces',
    use: "is a namespace whose VirtualServices Gloo serves on this gateway's filter chain, with this gateway's TLS and connection settings",
  },
  // A MatchableTcpGateway's TCP hosts forward the connections of the filter chain it takes to
  // Upstreams (or Services, UpstreamGroups) of any namespace Gloo watches, with their TLS Secrets
  // (`projects/gloo/api/v1/proxy.proto` `TcpHost`).
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['MatchableTcpGateway'],
    paths: [
      ...['single', 'multi.destinations[].destination'].flatMap((d) => [
        `tcpGateway.tcpHosts[].destination.${d}.upstream`,
        `tcpGateway.tcpHosts[].destination.${d}.kube.ref`,
      ]),
      'tcpGateway.tcpHosts[].destination.upstreamGroup',
    ],
  },
  {
    groups: [GLOO_GATEWAY_GROUP],
    kinds: ['MatchableTcpGateway'],
    paths: ['matcher.sslConfig.secretRef', 'tcpGateway.tcpHosts[].sslConfig.secretRef'],
    use: "names a Secret whose certificate and key Gloo's proxy presents on this gateway's filter chain (reading every watched namespace's Secrets)",
  },
  {
    groups: [GLOO_GATEWAY_GROUP, GLOO_GROUP],
    kinds: ['VirtualService', 'Upstream'],
    paths: ['sslConfig.secretRef'],
    use: "names a Secret whose certificate and key Gloo's proxy presents for this object (reading every watched namespace's Secrets)",
  },
  {
    groups: [GLOO_GROUP],
    kinds: ['UpstreamGroup'],
    paths: ['destinations[].destination.upstream', 'destinations[].destination.kube.ref'],
  },
  { groups: [GLOO_GROUP], kinds: ['Upstream'], paths: ['kube'], namespaceKey: 'serviceNamespace' },
  // Gloo's external auth service reads an AuthConfig's Secrets and ConfigMaps from any namespace
  // Gloo watches, by `{ name, namespace }` (the API's own definition:
  // `projects/gloo/api/v1/enterprise/options/extauth/v1/extauth.proto`; the service that resolves
  // them is Gloo Enterprise's, not in this repository): b's OIDC client secret or signing key
  // signs in a's visitors as b's client, b's API keys (whose other fields Gloo can copy into
  // request headers, `headersFromMetadataEntry`) open a's routes, b's OPA modules decide them.
  {
    groups: [GLOO_ENTERPRISE_GROUP],
    kinds: ['AuthConfig'],
    paths: [
      'configs[].oauth.clientSecretRef',
      'configs[].oauth2.oidcAuthorizationCode.clientSecretRef',
      'configs[].oauth2.oidcAuthorizationCode.clientAuthentication.clientSecret.clientSecretRef',
      'configs[].oauth2.oidcAuthorizationCode.clientAuthentication.privateKeyJwt.signingKeyRef',
      'configs[].oauth2.oidcAuthorizationCode.session.cipherConfig.keyRef',
      'configs[].oauth2.oidcAuthorizationCode.azure.clientSecret',
      'configs[].oauth2.oauth2.clientSecretRef',
      'configs[].oauth2.oauth2.session.cipherConfig.keyRef',
      'configs[].oauth2.accessTokenValidation.introspection.clientSecretRef',
      'configs[].apiKeyAuth.apiKeySecretRefs[]',
      'configs[].apiKeyAuth.k8sSecretApikeyStorage.apiKeySecretRefs[]',
      'configs[].hmacAuth.secretRefs.secretRefs[]',
      'configs[].ldap.groupLookupSettings.credentialsSecretRef',
      'configs[].passThroughAuth.grpc.tlsConfig.secretRef',
      'configs[].passThroughAuth.http.tlsConfig.secretRef',
      'configs[].opaAuth.modules[]',
    ],
    use: "names a Secret or ConfigMap that Gloo's external auth service (reading every watched namespace's) checks the requests of every route taking this AuthConfig with",
  },
  {
    groups: [GLOO_ENTERPRISE_GROUP],
    kinds: ['AuthConfig'],
    paths: [
      'configs[].apiKeyAuth.labelSelector',
      'configs[].apiKeyAuth.k8sSecretApikeyStorage.labelSelector',
    ],
    selects:
      "selects API key Secrets by label in every namespace Gloo watches, another environment's too, so cairn cannot bound it; name this environment's Secrets in apiKeySecretRefs instead",
  },
  // Kong's controller reads a KongClusterPlugin's Secrets from whichever namespace they name (every
  // namespace's Secrets are its to read) and writes their values into the plugin's configuration
  // (`internal/dataplane/kongstate/plugin.go`: `kongPluginFromK8SClusterPlugin`,
  // `NamespacedSecretToConfiguration`), which every route naming the plugin then runs with: a
  // request-transformer adding a header from b's Secret hands its value to a's backend.
  {
    groups: [KONG_GROUP],
    kinds: ['KongClusterPlugin'],
    paths: ['configFrom.secretKeyRef', 'configPatches[].valueFrom.secretKeyRef'],
    use: "names a Secret whose value Kong's controller (reading every namespace's Secrets) writes into this plugin's configuration, for every route running the plugin to use",
    top: true,
  },
];

/** Where a Gloo route (below `prefix`) names an Upstream, a Service, an UpstreamGroup or a RouteTable by namespace. */
function glooRoutePaths(prefix: string): readonly string[] {
  const destinations = ['routeAction.single', 'routeAction.multi.destinations[].destination'].flatMap((d) => [
    `${d}.upstream`,
    `${d}.kube.ref`,
  ]);
  // `delegateAction` itself is the older form of its `ref`.
  return [...destinations, 'routeAction.upstreamGroup', 'delegateAction', 'delegateAction.ref'].map(
    (path) => `${prefix}.${path}`,
  );
}

/**
 * Each value at `path` below `start` (`spec`, or the object's top: see NAMESPACE_REFERENCE_FIELDS),
 * with the field that holds it.
 */
function valuesAt(
  start: { field: string; value: unknown },
  path: string,
): { field: string; value: unknown }[] {
  let found = [start];
  for (const segment of path.split('.')) {
    const key = segment.replace(/\[\]$/, '');
    found = found.flatMap(({ field, value }) => {
      const next = fieldsOf(value)[key];
      const at = field ? `${field}.${key}` : key;
      if (next === undefined) return [];
      if (key === segment) return [{ field: at, value: next }];
      return listOf(next).map((item, i) => ({ field: `${at}[${i}]`, value: item }));
    });
  }
  return found;
}

/**
 * Why a Traefik reference's provider-qualified name (`name@provider`), which Traefik resolves
 * ignoring its `namespace`, is refused, if it is: a Kubernetes provider's name spells the namespace
 * in it (`<namespace>-<name>@kubernetescrd`, ambiguous where names hold dashes), and an internal
 * service but `noop` is the controller's own API, dashboard or metrics, which show every
 * environment's routes and middlewares. Another provider's (`@file`) is the operator's own
 * configuration.
 */
function traefikProviderName(name: string): string | undefined {
  const at = name.lastIndexOf('@');
  if (at < 0) return undefined;
  const provider = name.slice(at + 1);
  if (provider.startsWith('kubernetes'))
    return `names a Traefik object by its provider's id, which hides the namespace it belongs to; write its name and namespace fields instead`;
  if (provider === 'internal' && name !== 'noop@internal')
    return `is a service of Traefik itself (its API, dashboard or metrics, which show every environment's routes and middlewares)`;
  return undefined;
}

/**
 * The namespaces whose objects a shared controller follows from this one: the annotations
 * of ingress-nginx and HAProxy (NAMESPACED_ANNOTATIONS), and the fields NAMESPACE_REFERENCE_FIELDS lists
 * (a Contour include hands the including proxy's host and paths to another namespace's HTTPProxy;
 * a Traefik or Gloo route's Services and Middlewares serve its traffic).
 */
export function namespaceReferencesOf(object: KubeObject): readonly NamespaceReference[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  const refs: NamespaceReference[] = [];
  const service = group === '' && object.kind === 'Service';
  if (isIngress(object) || service)
    for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
      const annotation = NAMESPACED_ANNOTATIONS.get(key.slice(key.lastIndexOf('/') + 1));
      const [namespace, name, ...rest] = String(value).trim().split('/');
      if (
        annotation &&
        (!service || annotation.onService) &&
        name !== undefined &&
        rest.length === 0 &&
        namespace
      )
        refs.push({
          field: `metadata.annotations.${key}`,
          namespace,
          use: `names a ${annotation.names} of namespace ${namespace}, and the ingress controller (reading every namespace's ${annotation.names}s) ${annotation.use}`,
        });
    }
  if (group === GLOO_GATEWAY_GROUP && object.kind === 'MatchableHttpGateway') {
    const every = glooEveryNamespaceSelected(fieldsOf(spec.httpGateway));
    if (every) refs.push({ field: 'spec.httpGateway', unreadable: every });
  }
  // Envoy forwards such a TCP host's connections to the Upstream cluster the client names in its
  // SNI: any Upstream of any namespace, another environment's too.
  if (group === GLOO_GATEWAY_GROUP && object.kind === 'MatchableTcpGateway')
    listOf(fieldsOf(spec.tcpGateway).tcpHosts).forEach((h, i) => {
      if (fieldsOf(fieldsOf(h).destination).forwardSniClusterName !== undefined)
        refs.push({
          field: `spec.tcpGateway.tcpHosts[${i}].destination.forwardSniClusterName`,
          unreadable:
            "sends each connection to the Upstream its client names in the SNI, any namespace's, another environment's too, so cairn cannot tell where it leads; name this environment's Upstream in destination.single",
        });
    });
  for (const entry of NAMESPACE_REFERENCE_FIELDS) {
    if (!entry.groups.includes(group) || !entry.kinds.includes(object.kind)) continue;
    const start = entry.top ? { field: '', value: object } : { field: 'spec', value: spec };
    for (const path of entry.paths)
      for (const { field, value } of valuesAt(start, path)) {
        if (entry.selects !== undefined) {
          if (Object.keys(fieldsOf(value)).length > 0) refs.push({ field, unreadable: entry.selects });
          continue;
        }
        const ref = fieldsOf(value);
        const name = nameOf(ref.name);
        const unreadable =
          name !== undefined && TRAEFIK_GROUPS.includes(group) ? traefikProviderName(name) : undefined;
        if (unreadable) refs.push({ field: `${field}.name`, unreadable: `${name} ${unreadable}` });
        const key = entry.namespaceKey ?? 'namespace';
        const named = Array.isArray(ref[key])
          ? listOf(ref[key]).map((n, i) => ({ at: `${field}.${key}[${i}]`, namespace: nameOf(n) }))
          : [{ at: `${field}.${key}`, namespace: nameOf(ref[key]) }];
        for (const { at, namespace } of named)
          if (namespace)
            refs.push({
              field: at,
              namespace,
              ...(entry.use ? { use: `${namespace} ${entry.use}` } : {}),
              ...(entry.kind ? { kind: entry.kind } : {}),
            });
      }
  }
  return refs;
}

/**
 * Why a Gloo `httpGateway` selects the VirtualServices of every namespace, if it does: a label
 * selector (or selector expressions, which take precedence over named ones), or no VirtualService
 * named at all, without `virtualServiceNamespaces` searches every namespace
 * (`projects/gateway/pkg/translator/virtual_service_translator.go`:
 * `HttpGatewayContainsVirtualService`, `virtualServiceNamespaceValidForGateway`).
 */
function glooEveryNamespaceSelected(httpGateway: Fields): string | undefined {
  if (listOf(httpGateway.virtualServiceNamespaces).length > 0) return undefined;
  const selecting =
    httpGateway.virtualServiceSelector !== undefined || httpGateway.virtualServiceExpressions !== undefined;
  if (!selecting && listOf(httpGateway.virtualServices).length > 0) return undefined;
  return "selects VirtualServices of every namespace (Gloo's default without virtualServiceNamespaces), another environment's too, and serves them on this gateway's filter chain with its TLS and connection settings; list this environment's namespaces in spec.httpGateway.virtualServiceNamespaces, or name its VirtualServices in spec.httpGateway.virtualServices";
}

/** HAProxy's ingress controller: its `TCP` resource, which binds ports on the controller itself. */
const HAPROXY_TCP_GROUPS = ['ingress.v1.haproxy.org', 'ingress.v3.haproxy.org'];

/**
 * A port of a shared gateway that an object takes whole, matched by no host: every connection (or
 * datagram) to it reaches this object's backend, another environment's clients' too, and where two
 * environments' objects take one port the controller keeps one of them.
 */
export interface PortClaim {
  readonly field: string;
  /** The port, entry point or listener, for a person: `UDP port 5353`, `entry point web`. */
  readonly port: string;
  /** What the controller does with the claim, and which of two it keeps. */
  readonly how: string;
  /** What to write instead, where the protocol has a host to name. */
  readonly instead?: string;
}

/**
 * The ports of a shared gateway this object takes whole: a Kong `UDPIngress` rule (its port alone)
 * and a `TCPIngress` rule without an SNI `host`, a Traefik `IngressRouteUDP` (its entry points) and
 * an `IngressRouteTCP` route matching no SNI host (``HostSNI(`*`)``), an NGINX Inc
 * `TransportServer` without a `host` on a TCP or UDP listener, each bind of a HAProxy `TCP`
 * resource, an Emissary `TCPMapping` without a `host`, and each parent of a Gateway API `TCPRoute`
 * or `UDPRoute` that is a Gateway or ListenerSet outside the environment's own namespaces, and
 * each listener matched by no host (TCP, UDP, ...) of a ListenerSet attached to a Gateway outside
 * them (`ownNamespace`: a listener of its own is its own to share out); empty for every other object.
 */
export function wholePortClaimsOf(
  object: KubeObject,
  ownNamespace: (namespace: string) => boolean,
): readonly PortClaim[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (GATEWAY_GROUPS.includes(group) && PORT_ROUTES.includes(object.kind))
    return gatewayPortClaims(object, spec, ownNamespace);
  if (GATEWAY_GROUPS.includes(group) && LISTENER_SETS.includes(object.kind))
    return listenerSetPortClaims(object, spec, ownNamespace);
  if (EMISSARY_GROUPS.includes(group) && object.kind === 'TCPMapping') {
    // Emissary groups TCPMappings by address, port and host (`*` when none:
    // `python/ambassador/src/ambassador/ir/irtcpmapping.py` `_group_id`), so every environment's
    // host-less mapping of one port joins one group, whose filter chain matches every connection
    // to the port and splits them by weight among all the group's Services (`envoy/v3/v3listener.py`
    // `compute_tcpchains`, `finalize_tcp`; `ir/irbasemappinggroup.py`
    // `normalize_weights_in_mappings`: equal shares, or all of them to a mapping of `weight: 100`;
    // Emissary 3ebe0f46).
    const host = nameOf(spec.host);
    if (host !== undefined && host !== '*') return [];
    const address = nameOf(spec.address);
    return [
      {
        field: 'spec.port',
        port: `TCP port ${String(spec.port)}${address ? ` of address ${address}` : ''}`,
        how: "Emissary puts every TCPMapping of that port without a host, any namespace's, in one group whose filter chain takes every connection to the port and shares them by weight among the group's Services, so another environment's mapping of the port takes a share of this one's connections (all of them with weight 100), and this one of its",
        instead: 'name the SNI host this TCPMapping serves in spec.host, with a TLSContext for it',
      },
    ];
  }
  if (group === KONG_GROUP && (object.kind === 'UDPIngress' || object.kind === 'TCPIngress')) {
    // Kong routes such a rule by its port alone (`internal/dataplane/translator/translate_kong_l4.go`
    // `ingressRulesFromUDPIngressV1beta1`, `ingressRulesFromTCPIngressV1beta1`): a route whose
    // only match is a destination port, which another environment's rule of that port matches too.
    const udp = object.kind === 'UDPIngress';
    return listOf(spec.rules).flatMap((r, i) => {
      const rule = fieldsOf(r);
      if (!udp && nameOf(rule.host) !== undefined) return [];
      return [
        {
          field: `spec.rules[${i}].port`,
          port: `${udp ? 'UDP' : 'TCP'} port ${String(rule.port)}`,
          how: `Kong routes every ${udp ? 'datagram' : 'connection'} to that port of the gateway to this rule's Service, and a rule of another environment naming the port matches the same ${udp ? 'datagrams' : 'connections'}, one of the two routes taking them`,
          ...(udp ? {} : { instead: 'name the SNI host this rule serves in its host' }),
        },
      ];
    });
  }
  if (
    TRAEFIK_GROUPS.includes(group) &&
    (object.kind === 'IngressRouteUDP' || object.kind === 'IngressRouteTCP')
  ) {
    // A router without entry points is put on every default entry point (`pkg/server/aggregator.go`
    // `mergeConfiguration`; a UDP one on every UDP entry point: `pkg/config/runtime/runtime_udp.go`).
    const named = listOf(spec.entryPoints).map(String);
    const entryPoints = named.length > 0 ? `entry point ${named.join(', ')}` : 'every default entry point';
    if (object.kind === 'IngressRouteUDP')
      return [
        {
          field: 'spec.entryPoints',
          port: entryPoints,
          how: "Traefik keeps one UDP router per entry point, whichever's name sorts last (`pkg/server/router/udp/router.go` `BuildHandlers`), so this route takes every datagram to it, another environment's route there stops, and a route of another environment with a later name takes this one's",
        },
      ];
    return listOf(spec.routes).flatMap((r, i) =>
      traefikRuleHosts(String(fieldsOf(r).match ?? '')).kind === 'any'
        ? [
            {
              field: `spec.routes[${i}].match`,
              port: entryPoints,
              how: "a TCP router matching no SNI host takes every connection to it that no router of a named host takes, a plaintext one before any HTTP router sees it (`pkg/server/router/tcp/router.go` `ServeTCP`): every environment's plain HTTP on that entry point",
              instead: 'match the SNI hosts this route serves with HostSNI(`name`)',
            },
          ]
        : [],
    );
  }
  if (group === NGINX_INC_GROUP && object.kind === 'TransportServer') {
    const listener = fieldsOf(spec.listener);
    const passthrough =
      listener.name === NGINX_INC_PASSTHROUGH.name || listener.protocol === NGINX_INC_PASSTHROUGH.protocol;
    // Its validation requires a listener's name (`pkg/apis/configuration/validation/transportserver.go`),
    // forbids a host on a UDP one and wants a TLS Secret beside a host on a TCP one (its SNI).
    if (passthrough || nameOf(listener.name) === undefined || nameOf(spec.host) !== undefined) return [];
    return [
      {
        field: 'spec.listener',
        port: `listener ${String(listener.name)} (${String(listener.protocol)})`,
        how: "NGINX Inc's controller gives a listener without a host to one TransportServer of any namespace, the oldest (`internal/k8s/configuration.go` `buildListenerHostsAndTSConfigurations`), which takes every connection to its port",
        ...(listener.protocol === 'UDP'
          ? {}
          : {
              instead:
                'name the SNI host this TransportServer serves in spec.host, with its certificate in spec.tls.secret',
            }),
      },
    ];
  }
  if (HAPROXY_TCP_GROUPS.includes(group) && object.kind === 'TCP')
    // Binds are a list (v1) or a map by name (v3).
    return listOf((object as { spec?: unknown }).spec).flatMap((item, i) => {
      const binds = fieldsOf(fieldsOf(item).frontend).binds;
      const entries: [string, unknown][] = Array.isArray(binds)
        ? binds.map((b, j) => [`[${j}]`, b])
        : Object.entries(fieldsOf(binds)).map(([k, b]) => [`.${k}`, b]);
      return entries.map(([at, b]) => ({
        field: `spec[${i}].frontend.binds${at}.port`,
        port: `port ${String(fieldsOf(b).port)}`,
        how: "HAProxy's controller binds that port on itself for this resource, and of two resources of any namespaces binding one address and port keeps the oldest (`pkg/store/types-tcp-cr.go` `CheckCollision`)",
      }));
    });
  return [];
}

/**
 * A TCPRoute's or UDPRoute's parents that are another namespace's Gateway or ListenerSet (a
 * parentRef's namespace defaults to the route's own, its kind to Gateway). Gateway API gives a TCP
 * or UDP listener to one of the routes attached to it, the oldest (then the first by
 * `namespace/name`), and reports every one of them Accepted (GEP-2644 and GEP-2645, "Multiple
 * TCPRoutes attaching to the same listener"; conformance `TCPRouteMultipleRoutesAttachment`,
 * gateway-api 4564255a). A parent of any other kind (a Service, for a mesh) is not a gateway's port.
 */
function gatewayPortClaims(
  object: KubeObject,
  spec: Fields,
  ownNamespace: (namespace: string) => boolean,
): readonly PortClaim[] {
  const udp = object.kind === 'UDPRoute';
  return listOf(spec.parentRefs).flatMap((r, i) => {
    const ref = fieldsOf(r);
    const parent = sharedParentOf(ref, object, LISTENER_KINDS, ownNamespace);
    if (!parent) return [];
    const { kind, namespace } = parent;
    const section = nameOf(ref.sectionName);
    const port = ref.port === undefined ? undefined : String(ref.port);
    const listener =
      section !== undefined || port !== undefined
        ? [section && `listener ${section}`, port && `port ${port}`].filter(Boolean).join(', ')
        : `every ${udp ? 'UDP' : 'TCP'} listener`;
    return [
      {
        field: `spec.parentRefs[${i}]`,
        port: `${listener} of ${kind} ${namespace}/${String(ref.name)}`,
        how: `Gateway API gives a ${udp ? 'UDP' : 'TCP'} listener's ${udp ? 'datagrams' : 'connections'} to one of the routes attached to it, the oldest, and reports every one of them Accepted (GEP-${udp ? '2645' : '2644'}), so a route of another environment there, older than this one, takes them all from it, and this one takes them from a newer one`,
        instead: "attach it to a Gateway or ListenerSet of this environment's own namespaces",
      },
    ];
  });
}

/**
 * Whether a route's parent reference names a Service, which makes the route the mesh's (GAMMA). The
 * core group must be written: a parentRef's group defaults to gateway.networking.k8s.io, and the
 * spec's examples write it `""` (conformance `MeshConsumerRoute`) or `core` (the mesh overview). A
 * route in the Service's namespace (a producer route) applies to every client of that Service, its
 * own; one in another namespace (a consumer route) only to requests from workloads of the route's
 * own namespace (`apis/v1/shared_types.go` `ParentReference.Namespace`, GEP-1294 "Namespace
 * boundaries", conformance `MeshConsumerRoute`; gateway-api 4564255a): neither changes another
 * environment's clients' traffic.
 */
function isMeshServiceParent(parent: ParentRef): boolean {
  return parent.kind === 'Service' && (parent.group === '' || parent.group === 'core');
}

/** A Gateway API parent reference as the spec reads it. */
interface ParentRef {
  readonly kind: string;
  readonly group: string;
  readonly namespace: string | undefined;
}

/**
 * A parent reference with the spec's defaults, decided here alone: kind Gateway, group
 * gateway.networking.k8s.io, the referring object's own namespace.
 */
function parentRefOf(ref: Fields, object: KubeObject): ParentRef {
  return {
    kind: nameOf(ref.kind) ?? 'Gateway',
    group: typeof ref.group === 'string' ? ref.group : GATEWAY_GROUPS[0]!,
    namespace: nameOf(ref.namespace) ?? object.metadata.namespace,
  };
}

/**
 * A parent reference (`parentRefOf`) when it names one of `kinds` in a namespace outside the
 * environment's own: a listener shared with other environments. Undefined for a parent of the
 * environment's own, or of another kind (a Service, for a mesh).
 */
function sharedParentOf(
  ref: Fields,
  object: KubeObject,
  kinds: readonly string[],
  ownNamespace: (namespace: string) => boolean,
): { readonly kind: string; readonly namespace: string } | undefined {
  const { kind, group, namespace } = parentRefOf(ref, object);
  if (!GATEWAY_GROUPS.includes(group) || !kinds.includes(kind)) return undefined;
  if (namespace === undefined || ownNamespace(namespace)) return undefined;
  return { kind, namespace };
}

/**
 * The listeners of a ListenerSet (or XListenerSet) attached to another namespace's Gateway that
 * match by port alone: TCP, UDP and any protocol not matched by host name (whose `hostname` the
 * spec says is ignored; an HTTP, HTTPS or TLS listener is a host claim, `hostClaimsOf`). Its
 * `spec.parentRef` defaults to a Gateway of the ListenerSet's own namespace. Gateway API merges a
 * ListenerSet's listeners into its Gateway's, and of listeners not distinct (one port and protocol,
 * and for TCP and UDP nothing else to tell them apart; a TCP listener and HTTP, HTTPS or TLS ones
 * of one port, `apis/v1/gateway_types.go` "Distinct Listeners", conformance
 * `ListenerSetProtocolConflict`) accepts the Gateway's own, then the oldest ListenerSet's, then the
 * first by `namespace/name`, marking the others Conflicted (GEP-1713, "Listener Precedence" and
 * "Listener and ListenerSet Conflicts"; `apis/v1/listenerset_types.go` `ListenerSetSpec.Listeners`,
 * gateway-api 4564255a). Only the Gateway's `allowedListeners` bounds who attaches, and a
 * platform letting environments attach their HTTPS listeners lets their TCP ones too.
 */
function listenerSetPortClaims(
  object: KubeObject,
  spec: Fields,
  ownNamespace: (namespace: string) => boolean,
): readonly PortClaim[] {
  const ref = fieldsOf(spec.parentRef);
  const namespace = sharedParentOf(ref, object, ['Gateway'], ownNamespace)?.namespace;
  if (namespace === undefined) return [];
  return listOf(spec.listeners).flatMap((l, i) => {
    const listener = fieldsOf(l);
    const protocol = String(listener.protocol);
    if (HOST_PROTOCOLS.includes(protocol)) return [];
    return [
      {
        field: `spec.listeners[${i}]`,
        port: `${protocol} port ${String(listener.port)} (listener ${String(listener.name)}) of Gateway ${namespace}/${String(ref.name)}`,
        how: `Gateway API merges this ListenerSet's listeners into that Gateway's, and of listeners of one port that nothing tells apart (two ${protocol} listeners${protocol === 'TCP' ? ', or a TCP one beside HTTP, HTTPS or TLS ones' : ''}) accepts the Gateway's own, then the oldest ListenerSet's, and marks the others Conflicted (GEP-1713), so this listener takes the port from a newer ListenerSet of another environment, and an older one takes it from this`,
        instead:
          "attach this ListenerSet to a Gateway of this environment's own namespaces (spec.parentRef), or serve it on an HTTP, HTTPS or TLS listener with a hostname of this environment's",
      },
    ];
  });
}

/**
 * The raw nginx configuration fields of an NGINX Inc object (`server-snippets`, `location-snippets`,
 * `http-snippets` of VirtualServer and VirtualServerRoute, `serverSnippets` and `streamSnippets` of
 * TransportServer, ...: any key ending in `snippets`, at any depth), with their paths.
 */
export function nginxIncSnippetFields(object: KubeObject): readonly string[] {
  if (groupOf(object.apiVersion) !== NGINX_INC_GROUP) return [];
  const found: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (typeof value === 'object' && value !== null)
      for (const [key, v] of Object.entries(value)) {
        const at = `${path}.${key}`;
        if (/snippets?$/i.test(key) && v !== '' && v !== null) found.push(at);
        else walk(v, at);
      }
  };
  walk((object as { spec?: unknown }).spec, 'spec');
  return found;
}

/**
 * Whether `host` (a name, or a wildcard `*.name`) is within `allowed`: equal to an entry, or below
 * an entry `*.domain` (any depth, wildcards too: `*.domain` covers `x.domain`, `x.y.domain` and
 * `*.x.domain`, not `domain` itself), as a Gateway API wildcard listener matches. Case and a
 * trailing dot do not count; a `*` anywhere but a leading `*.` is never within.
 */
export function hostWithin(allowed: readonly string[], host: string): boolean {
  const name = canonicalHost(host);
  if (name.lastIndexOf('*') > 0 || (name.startsWith('*') && !name.startsWith('*.'))) return false;
  return allowed.some((entry) => {
    const bound = canonicalHost(entry);
    return bound.startsWith('*.') ? name.endsWith(bound.slice(1)) : name === bound;
  });
}

/**
 * Whether two host names (or `*.domain` wildcards) can name one host: equal, one a name under the
 * other's wildcard, or two wildcards one of which covers the other. A malformed wildcard (`*`
 * elsewhere than a first label of its own) overlaps nothing: the API server refuses it in an
 * Ingress host, and `hostWithin` refuses it where hosts are listed.
 */
export function hostsOverlap(a: string, b: string): boolean {
  const [x, y] = [canonicalHost(a), canonicalHost(b)];
  const malformed = (name: string) =>
    name.lastIndexOf('*') > 0 || (name.startsWith('*') && !name.startsWith('*.'));
  if (malformed(x) || malformed(y)) return false;
  const covers = (wide: string, name: string) => wide.startsWith('*.') && name.endsWith(wide.slice(1));
  return x === y || covers(x, y) || covers(y, x);
}

function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * The namespace whose Services a name `<...>.<namespace>.svc.<cluster domain>` (or a `*.` wildcard
 * over it) belongs to, else undefined: only that namespace's Services and their pods answer to
 * such names, so a certificate for them serves none of another namespace's. `kubernetes.hosts`
 * bounds the rest; a name without the domain (`web.ns.svc`) may be a public one, and is not read.
 */
export function clusterServiceNamespace(
  host: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): string | undefined {
  const name = canonicalHost(host);
  const domain = [clusterDomain, DEFAULT_CLUSTER_DOMAIN]
    .map((d) => `.svc.${canonicalHost(d)}`)
    .find((d) => name.endsWith(d));
  if (domain === undefined) return undefined;
  const labels = name.slice(0, -domain.length).split('.');
  const namespace = labels.at(-1)!;
  return labels.length >= 2 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) ? namespace : undefined;
}

/** The cluster's DNS domain unless `kubernetes.clusterDomain` names another (kubelet's `--cluster-domain`). */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/**
 * Where an ExternalName Service's name leads inside the cluster: a Service's (or a pod's) namespace
 * for `name.namespace.svc` and `…svc.<cluster domain>` (`kubernetes.clusterDomain`, and
 * `cluster.local` whatever it says), and for the `service.namespace` shorthand, which
 * ingress-nginx (like a pod's resolver) looks up under its search domains (`svc.cluster.local`)
 * before the name itself; the namespace of whoever looks it up for a single label; any address
 * for an IPv4 address (ingress-nginx sends traffic straight to it, loopback excepted: the API
 * server admits one as a name of digits) and for a pod's name (`<a-b-c-d>.<namespace>.pod`, with
 * or without `.cluster.local`: CoreDNS's default `pods insecure` answers it with the address it
 * spells, whatever the namespace holds); outside the cluster otherwise (names of four labels or
 * more, and absolute names ending in a dot), names of three labels perhaps (`searched`).
 */
export type ExternalNameReach =
  | { readonly kind: 'external' }
  | { readonly kind: 'namespace'; readonly namespace: string }
  /**
   * Three labels, not absolute: outside the cluster (`api.example.com`), unless found under the
   * resolver's search domains first, which ingress-nginx tries before the name itself for a name
   * of fewer dots than `ndots` (5 in a pod: `rootfs/etc/nginx/lua/util/dns.lua`, `lookup`):
   * `<pod>.<service>.<namespace>.svc.cluster.local` is a pod's own name under a headless Service
   * (a StatefulSet's), its address past the Service and whatever the Service exposes.
   */
  | { readonly kind: 'searched'; readonly namespace: string }
  | { readonly kind: 'resolver-namespace' }
  | { readonly kind: 'address'; readonly spelled: 'an IPv4 address' | "a pod's name" };

/** Where `externalName` leads in a cluster of DNS domain `clusterDomain` (see ExternalNameReach). */
export function externalNameReach(
  externalName: string,
  clusterDomain: string = DEFAULT_CLUSTER_DOMAIN,
): ExternalNameReach {
  const absolute = externalName.endsWith('.');
  const name = canonicalHost(externalName);
  const labels = name.split('.');
  if (labels.length === 4 && labels.every((l) => /^\d{1,3}$/.test(l)))
    return { kind: 'address', spelled: 'an IPv4 address' };
  // The cluster's own names read without its domain: `web.ns.svc.<domain>` as `web.ns.svc`. The
  // default stays the cluster's too (a resolver may serve both): naming another only tightens.
  const domain = [clusterDomain, DEFAULT_CLUSTER_DOMAIN]
    .map((d) => `.${canonicalHost(d)}`)
    .find((d) => name.endsWith(d));
  const local = domain ? name.slice(0, -domain.length).split('.') : labels;
  if (labels.length >= 3 && local.at(-1) === 'pod') return { kind: 'address', spelled: "a pod's name" };
  if (local.length >= 2 && local.at(-1) === 'svc') return { kind: 'namespace', namespace: local.at(-2)! };
  if (absolute) return { kind: 'external' };
  if (labels.length === 1) return { kind: 'resolver-namespace' };
  if (labels.length === 2) return { kind: 'namespace', namespace: labels[1]! };
  if (labels.length === 3) return { kind: 'searched', namespace: labels[2]! };
  return { kind: 'external' };
}

/** The `spec.externalName` of a Service of type ExternalName, else undefined. */
function externalNameOf(object: KubeObject): string | undefined {
  if (groupOf(object.apiVersion) !== '' || object.kind !== 'Service') return undefined;
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  return spec.type === 'ExternalName' ? nameOf(spec.externalName) : undefined;
}

/**
 * ingress-nginx annotations (under any prefix) whose value is a URL the controller itself requests,
 * from inside the cluster: `auth-url` for every visitor (copying headers of its answer to the
 * upstream request), `mirror-target` with a copy of every request.
 */
const NGINX_URL_ANNOTATIONS: ReadonlySet<string> = new Set(['auth-url', 'mirror-target']);

/**
 * A host the shared ingress controller itself connects to for this object: an ExternalName
 * Service's name, or the host of a URL an Ingress annotation makes it request (`$host`, the
 * Ingress's own host, is no target of its own). `name` is undefined when a variable picks the host
 * at request time (`$http_…`: whoever sends the request chooses it).
 */
export interface ControllerTarget {
  readonly field: string;
  readonly name: string | undefined;
  readonly written: string;
  /**
   * `alias`: the controller serves the object's host from there (an ExternalName); `request`: it
   * sends requests of its own there (an auth check, a mirrored copy), whose answers a visitor
   * never sees.
   */
  readonly kind: 'alias' | 'request';
  /** What connects there, as an error names it: `the ingress controller`, `Gloo's external auth service`, ... */
  readonly who: string;
  /** A single label names a Service of the object's own namespace (Emissary's), not the controller's. */
  readonly shortNameIsOwn?: true;
  /** `localhost` is the requesting service's own pod (Gloo's ext-auth with its OPA sidecar), no Service. */
  readonly localhostIsOwn?: true;
}

/**
 * Where Gloo's external auth service sends requests of its own for an AuthConfig, from inside the
 * cluster (`projects/gloo/api/v1/enterprise/options/extauth/v1/extauth.proto`): a pass-through
 * auth server, asked about every request with its headers (`passThroughAuth`), a JWKS it fetches,
 * an LDAP server, an OPA server. `url`: written as a URL; else `host:port`.
 */
const GLOO_AUTH_REQUESTS: readonly { readonly path: string; readonly url: boolean }[] = [
  { path: 'configs[].passThroughAuth.http.url', url: true },
  { path: 'configs[].passThroughAuth.grpc.address', url: false },
  { path: 'configs[].oauth2.accessTokenValidation.jwt.remoteJwks.url', url: true },
  { path: 'configs[].ldap.address', url: false },
  { path: 'configs[].opaServerAuth.serverAddr', url: false },
];

/**
 * The hosts an Istio rule sets the mesh's traffic for, and the namespaces whose sidecars take it
 * (`spec.exportTo`; absent: every namespace, Istio's default): a VirtualService bound to the mesh
 * (no `spec.gateways`, or `mesh` among them) for its `spec.hosts`, a DestinationRule for its
 * `spec.host`, a ServiceEntry for its `spec.hosts`. Undefined for anything else.
 */
export interface MeshRule {
  readonly hosts: readonly { readonly field: string; readonly host: string }[];
  readonly exportTo: readonly string[] | undefined;
}

/** What an Istio rule sets for the mesh (see MeshRule). */
export function meshRuleOf(object: KubeObject): MeshRule | undefined {
  if (groupOf(object.apiVersion) !== ISTIO_GROUP) return undefined;
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  const exportTo = Array.isArray(spec.exportTo) ? spec.exportTo.map(String) : undefined;
  const listed = (field: string) =>
    listOf(spec[field]).map((h, i) => ({ field: `spec.${field}[${i}]`, host: String(h) }));
  if (object.kind === 'VirtualService') {
    const gateways = listOf(spec.gateways);
    const mesh = gateways.length === 0 || gateways.includes('mesh');
    return mesh ? { hosts: listed('hosts'), exportTo } : undefined;
  }
  if (object.kind === 'ServiceEntry') return { hosts: listed('hosts'), exportTo };
  if (object.kind === 'DestinationRule')
    return typeof spec.host === 'string'
      ? { hosts: [{ field: 'spec.host', host: spec.host }], exportTo }
      : undefined;
  return undefined;
}

/** What an error calls the shared ingress controller (ingress-nginx, or any serving an ExternalName). */
const INGRESS_CONTROLLER = 'the ingress controller';

/** Where the shared controllers connect for this object (see ControllerTarget). */
export function controllerTargetsOf(object: KubeObject): readonly ControllerTarget[] {
  const external = externalNameOf(object);
  if (external !== undefined)
    return [
      {
        field: 'spec.externalName',
        name: external,
        written: external,
        kind: 'alias',
        who: INGRESS_CONTROLLER,
      },
    ];
  const group = groupOf(object.apiVersion);
  // An Emissary route's `service` (`[scheme://]service[.namespace][:port]`, or an address): Emissary
  // serves the route's hosts from there; a short name is a Service of the route's own namespace.
  if (EMISSARY_GROUPS.includes(group) && EMISSARY_ROUTES.includes(object.kind)) {
    const service = nameOf(fieldsOf((object as { spec?: unknown }).spec).service);
    if (service === undefined) return [];
    const { name } = requestTarget('spec.service', service.includes('://') ? service : `tcp://${service}`);
    return [
      { field: 'spec.service', name, written: service, kind: 'alias', who: 'Emissary', shortNameIsOwn: true },
    ];
  }
  if (group === GLOO_ENTERPRISE_GROUP && object.kind === 'AuthConfig') {
    const spec = { field: 'spec', value: (object as { spec?: unknown }).spec };
    return GLOO_AUTH_REQUESTS.flatMap(({ path, url }) =>
      valuesAt(spec, path).map(({ field, value }) => {
        const written = String(value);
        const target = requestTarget(
          field,
          url || written.includes('://') ? written : `tcp://${written}`,
          "Gloo's external auth service",
        );
        return { ...target, written, localhostIsOwn: true as const };
      }),
    );
  }
  // Traefik's forwardAuth middleware asks its address for every request it guards, as auth-url does.
  if (TRAEFIK_GROUPS.includes(group) && object.kind === 'Middleware') {
    const address = fieldsOf(fieldsOf((object as { spec?: unknown }).spec).forwardAuth).address;
    return address === undefined
      ? []
      : [requestTarget('spec.forwardAuth.address', String(address), 'Traefik')];
  }
  // A Gloo static Upstream's hosts are where its proxy sends the traffic of every route to it.
  if (group === GLOO_GROUP && object.kind === 'Upstream')
    return listOf(fieldsOf(fieldsOf((object as { spec?: unknown }).spec).static).hosts).flatMap((h, i) => {
      const addr = nameOf(fieldsOf(h).addr);
      return addr === undefined
        ? []
        : [
            {
              field: `spec.static.hosts[${i}].addr`,
              name: addr,
              written: addr,
              kind: 'alias' as const,
              who: "Gloo's proxy",
            },
          ];
    });
  // Contour has Envoy fetch a JWT provider's key set from its remoteJWKS URI, from inside the cluster.
  if (group === CONTOUR_GROUP && object.kind === 'HTTPProxy') {
    const virtualhost = fieldsOf(fieldsOf((object as { spec?: unknown }).spec).virtualhost);
    return listOf(virtualhost.jwtProviders).flatMap((p, i) => {
      const uri = fieldsOf(fieldsOf(p).remoteJWKS).uri;
      return uri === undefined
        ? []
        : [
            requestTarget(
              `spec.virtualhost.jwtProviders[${i}].remoteJWKS.uri`,
              String(uri),
              "Contour's Envoy",
            ),
          ];
    });
  }
  if (!INGRESS_GROUPS.includes(group) || object.kind !== 'Ingress') return [];
  return Object.entries(object.metadata.annotations ?? {})
    .filter(([key]) => NGINX_URL_ANNOTATIONS.has(key.slice(key.lastIndexOf('/') + 1)))
    .map(([key, value]) => requestTarget(`metadata.annotations.${key}`, String(value)))
    .filter((target) => target.name !== '$host');
}

/** A URL the controller requests, as a target: its host, or undefined when a variable picks it. */
function requestTarget(field: string, url: string, who = INGRESS_CONTROLLER): ControllerTarget {
  const written = url.trim();
  // nginx variables that stand for the path and query may follow the host at once
  // (`https://mirror.example.com$request_uri`); any other variable in it picks the host.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i
    .exec(written)?.[1]
    ?.replace(/\$(?:request_uri|uri|document_uri|is_args|args|query_string)\b.*$/, '');
  const host = authority
    ?.replace(/^[^@]*@/, '')
    .replace(/:\d*$/, '')
    .replace(/^\[(.*)\]$/, '$1');
  // `$host` is the Ingress's own host: no target of its own (filtered by the caller).
  const name =
    host === '$host' ? host : host === undefined || host === '' || host.includes('$') ? undefined : host;
  return { field, name, written, kind: 'request', who };
}
