import type { KubeObject } from './types';
import type { HostClaim } from './host-claim';
import { podSpecs } from './pod-specs';
import { fieldsOf, listOf } from './object-fields';

// Host names an object asks cert-manager's issuers for without a Certificate: the csi-driver's
// inline volumes and ingress-shim's annotations. A shared ClusterIssuer signs them as it signs a
// Certificate's names, so traffic-claims.ts's hostClaimsOf counts them as the same claims.

/** cert-manager csi-driver's driver name and the attributes naming hosts (csi-driver `pkg/apis/v1alpha1/types.go`). */
const CSI_DRIVER = 'csi.cert-manager.io';
const CSI_COMMON_NAME = 'csi.cert-manager.io/common-name';
const CSI_DNS_NAMES = 'csi.cert-manager.io/dns-names';
const CSI_LITERAL_SUBJECT = 'csi.cert-manager.io/literal-subject';

/**
 * ingress-shim's annotations that name hosts of the Certificate it makes of an Ingress or Gateway
 * (cert-manager `pkg/controller/certificate-shim/helper.go` `translateAnnotations`: the common name
 * is `cert-manager.io/common-name`, `cert-manager.io/alt-names` is appended to `dnsNames`, which
 * are otherwise the Ingress's `tls[].hosts` or the listeners' hostnames, claims already).
 */
const SHIM_COMMON_NAME = 'cert-manager.io/common-name';
const SHIM_ALT_NAMES = 'cert-manager.io/alt-names';

/**
 * The hosts of ingress-shim's annotations on an Ingress or Gateway. Claimed whether or not it
 * names an issuer: `kubernetes.io/tls-acme` and the controller's `--default-issuer-*` flags ask
 * too, and an annotation naming no issuer asks nothing, so claiming it costs nothing.
 */
export function ingressShimClaims(object: KubeObject): readonly HostClaim[] {
  const annotations = fieldsOf(object.metadata.annotations);
  const claims: HostClaim[] = [];
  const common = annotations[SHIM_COMMON_NAME];
  if (typeof common === 'string' && common.trim() !== '')
    claims.push({ field: `metadata.annotations["${SHIM_COMMON_NAME}"]`, host: common.trim() });
  const alt = annotations[SHIM_ALT_NAMES];
  if (typeof alt === 'string')
    splitNames(alt).forEach((host) =>
      claims.push({ field: `metadata.annotations["${SHIM_ALT_NAMES}"]`, host }),
    );
  return claims;
}

/**
 * The hosts a pod (or pod template) asks through a csi-driver inline volume: its
 * `csi.cert-manager.io/common-name` and `dns-names` (csi-driver `pkg/requestgen/generator.go`
 * `RequestForMetadata`, which expands `${POD_NAMESPACE}` and the pod's name, UID and
 * ServiceAccount in them). A literal subject carries its common name in an RDN string cairn does
 * not parse: unreadable, never guessed.
 */
export function csiCertificateClaims(object: KubeObject): readonly HostClaim[] {
  return podSpecs(object).flatMap(([path, spec]) =>
    listOf(spec.volumes).flatMap((v, i) => {
      const csi = fieldsOf(fieldsOf(v).csi);
      if (csi.driver !== CSI_DRIVER) return [];
      const attributes = fieldsOf(csi.volumeAttributes);
      const field = (key: string) => `${path}.volumes[${i}].csi.volumeAttributes["${key}"]`;
      const claims: HostClaim[] = [];
      const literal = attributes[CSI_LITERAL_SUBJECT];
      if (typeof literal === 'string' && literal !== '')
        claims.push({
          field: field(CSI_LITERAL_SUBJECT),
          unreadable: 'is an X.509 subject whose common name cairn does not read',
          instead: `name the hosts in ${CSI_COMMON_NAME} and ${CSI_DNS_NAMES}`,
        });
      else if (typeof attributes[CSI_COMMON_NAME] === 'string' && attributes[CSI_COMMON_NAME] !== '')
        claims.push(csiName(field(CSI_COMMON_NAME), attributes[CSI_COMMON_NAME], object));
      if (typeof attributes[CSI_DNS_NAMES] === 'string')
        splitNames(attributes[CSI_DNS_NAMES]).forEach((name) =>
          claims.push(csiName(field(CSI_DNS_NAMES), name, object)),
        );
      return claims;
    }),
  );
}

/** A comma-separated list of names, trimmed, empty ones left out (as both split them). */
function splitNames(list: string): readonly string[] {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * One csi-driver name as a claim. `${POD_NAMESPACE}` is the object's namespace; the other
 * variables (the pod's name, UID, ServiceAccount) are the committer's to choose and may hold dots,
 * so every label up to the last one using them becomes one `*.`, a wildcard of any depth (a
 * narrower reading would let a pod named `api.other` ask for another environment's host).
 */
function csiName(field: string, name: string, object: KubeObject): HostClaim {
  const namespace = object.metadata.namespace ?? '';
  const expanded = name.replace(/\$\{POD_NAMESPACE\}|\$POD_NAMESPACE\b/g, namespace);
  if (!expanded.includes('$')) return { field, host: expanded };
  const labels = expanded.split('.');
  const rest = labels.slice(labels.findLastIndex((label) => label.includes('$')) + 1);
  if (rest.length === 0)
    return {
      field,
      unreadable: `names ${name}, a host the pod's own name or ServiceAccount makes`,
      instead: 'write the host, or a variable followed by a domain of its own',
    };
  return { field, host: ['*', ...rest].join('.') };
}
