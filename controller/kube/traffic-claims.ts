import type { KubeObject } from './types';
import { groupOf } from './object-ref';

// What an object claims of the traffic a shared ingress controller or gateway carries: the hosts an
// Ingress or a Gateway API object serves, and the cluster namespace an ExternalName Service sends
// it to. bounds.ts's outOfBounds is the one caller; these read objects and decide nothing.

/** One host an object claims, with the field that claims it; no `host`: every host no one else claims. */
export interface HostClaim {
  readonly field: string;
  readonly host?: string;
}

const INGRESS_GROUPS = ['networking.k8s.io', 'extensions'];
const GATEWAY_GROUPS = ['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'];
/** Gateway API routes matched by host name (`spec.hostnames`); TCP and UDP routes match a port alone. */
const HOST_ROUTES = ['HTTPRoute', 'GRPCRoute', 'TLSRoute'];
/** Gateway API kinds with listeners, and the listener protocols that match by host name. */
const LISTENER_KINDS = ['Gateway', 'ListenerSet', 'XListenerSet'];
const HOST_PROTOCOLS = ['HTTP', 'HTTPS', 'TLS'];

type Fields = Readonly<Record<string, unknown>>;
const fieldsOf = (value: unknown): Fields =>
  typeof value === 'object' && value !== null ? (value as Fields) : {};
const listOf = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const nameOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The hosts an Ingress (rules, TLS entries, default backend), a Gateway API route
 * (`spec.hostnames`) or a Gateway's listeners (`hostname`) claim; empty for every other object.
 * A rule, TLS entry, route or listener naming no host claims them all: the ingress controller's
 * catch-all server, or every host of the listeners a route attaches to.
 */
export function hostClaimsOf(object: KubeObject): readonly HostClaim[] {
  const group = groupOf(object.apiVersion);
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  if (isIngress(object)) return ingressClaims(spec);
  if (!GATEWAY_GROUPS.includes(group)) return [];
  if (HOST_ROUTES.includes(object.kind)) {
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

function canonicalHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/**
 * Where an ExternalName Service's name leads inside the cluster: a Service's (or a pod's) namespace
 * for `name.namespace.svc` and `…svc.cluster.local`, and for the `service.namespace` shorthand, which
 * ingress-nginx (like a pod's resolver) looks up under its search domains (`svc.cluster.local`)
 * before the name itself; the namespace of whoever looks it up for a single label; outside the
 * cluster otherwise (names of three labels or more, and absolute names ending in a dot).
 */
export type ExternalNameReach =
  | { readonly kind: 'external' }
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'resolver-namespace' };

/** Where `externalName` leads (see ExternalNameReach). */
export function externalNameReach(externalName: string): ExternalNameReach {
  const absolute = externalName.endsWith('.');
  const labels = canonicalHost(externalName).split('.');
  const svc = clusterServiceSuffix(labels);
  if (svc > 0) return { kind: 'namespace', namespace: labels[svc - 1]! };
  if (absolute) return { kind: 'external' };
  if (labels.length === 1) return { kind: 'resolver-namespace' };
  if (labels.length === 2) return { kind: 'namespace', namespace: labels[1]! };
  return { kind: 'external' };
}

/** The index of the `svc` label of a name ending in `.svc` or `.svc.cluster.local`, else -1. */
function clusterServiceSuffix(labels: readonly string[]): number {
  const tail = labels.slice(-3).join('.');
  if (tail === 'svc.cluster.local') return labels.length - 3;
  return labels[labels.length - 1] === 'svc' ? labels.length - 1 : -1;
}

/** The `spec.externalName` of a Service of type ExternalName, else undefined. */
export function externalNameOf(object: KubeObject): string | undefined {
  if (groupOf(object.apiVersion) !== '' || object.kind !== 'Service') return undefined;
  const spec = fieldsOf((object as { spec?: unknown }).spec);
  return spec.type === 'ExternalName' ? nameOf(spec.externalName) : undefined;
}
