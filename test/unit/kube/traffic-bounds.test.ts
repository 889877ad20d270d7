import { outOfBounds, type Bounds } from '../../../controller/kube/bounds';
import {
  controllerTargetsOf,
  externalNameReach,
  hostsOverlap,
  hostWithin,
} from '../../../controller/kube/traffic-claims';
import type { KubeObject } from '../../../controller/kube/types';

// What an environment's objects may claim of a shared ingress controller's or gateway's traffic:
// hosts (kubernetes.hosts), snippet annotations (cluster policy), ExternalName Services.

const base: Bounds = {
  namespace: 'team-a',
  clusterResources: ['Namespace'],
  refused: ['kube-system', 'kube-public', 'kube-node-lease', 'cairn'],
  ownerId: 'a-123',
};
const withHosts: Bounds = { ...base, hosts: ['a.example.com', '*.a.example.com'] };
/** Environment a's bounds, knowing environment b of the same config and its namespace team-b. */
const withEnvironmentB: Bounds = {
  ...base,
  claims: {
    env: 'a',
    config: {
      namespaces: new Map([
        ['team-a', ['a']],
        ['team-b', ['b']],
      ]),
      namespaceGlobs: [],
      hosts: [],
    },
  },
};

const made = (apiVersion: string, kind: string, rest: object, metadata: object = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', namespace: 'team-a', ...metadata }, ...rest }) as KubeObject;
const ingress = (spec: object, metadata: object = {}) =>
  made('networking.k8s.io/v1', 'Ingress', { spec }, metadata);
const rule = (host?: string) => ({
  ...(host ? { host } : {}),
  http: {
    paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }],
  },
});
const route = (kind: string, spec: object) => made('gateway.networking.k8s.io/v1', kind, { spec });
const traefik = (
  match: string,
  extra: object = {},
  kind = 'IngressRoute',
  group = 'traefik.io',
  routeExtra: object = {},
) =>
  made(`${group}/v1alpha1`, kind, {
    spec: {
      routes: [{ match, kind: 'Rule', services: [{ name: 'web', port: 80 }], ...routeExtra }],
      ...extra,
    },
  });
const traefikKind = (kind: string, spec: object) => made('traefik.io/v1alpha1', kind, { spec });
const httpProxy = (spec: object) => made('projectcontour.io/v1', 'HTTPProxy', { spec });
const istio = (kind: string, spec: object) => made('networking.istio.io/v1', kind, { spec });
const nginxInc = (kind: string, spec: object) => made('k8s.nginx.org/v1', kind, { spec });
const certManager = (kind: string, spec: object, group = 'cert-manager.io') =>
  made(`${group}/v1`, kind, { spec });

/** `object` refused as cluster policy matching `expected` (lifted by allowClusterPolicy), or not refused at all. */
function expectClusterPolicy(object: KubeObject, expected: RegExp | undefined): void {
  const why = outOfBounds(base, object, new Set());
  if (expected === undefined) return expect(why).toBeUndefined();
  expect(why).toMatch(expected);
  expect(why).toMatch(/kubernetes\.allowClusterPolicy/);
  expect(outOfBounds({ ...base, allowClusterPolicy: true }, object, new Set())).toBeUndefined();
}

describe('hostWithin', () => {
  it.each<[string, readonly string[], string, boolean]>([
    ['an exact name', ['a.example.com'], 'a.example.com', true],
    ['another name', ['a.example.com'], 'b.example.com', false],
    ['a name below an exact entry', ['a.example.com'], 'x.a.example.com', false],
    ['a name below a wildcard', ['*.a.example.com'], 'x.a.example.com', true],
    ['a name two labels below a wildcard', ['*.a.example.com'], 'x.y.a.example.com', true],
    ['the wildcard itself', ['*.a.example.com'], '*.a.example.com', true],
    ['a narrower wildcard', ['*.a.example.com'], '*.x.a.example.com', true],
    ['a wider wildcard', ['*.a.example.com'], '*.example.com', false],
    ['the wildcard domain itself', ['*.a.example.com'], 'a.example.com', false],
    ['a name ending like the domain', ['*.a.example.com'], 'evil-a.example.com', false],
    ['a sibling of the domain', ['*.a.example.com'], 'x.b.example.com', false],
    ['a wildcard under an exact entry', ['a.example.com'], '*.a.example.com', false],
    ['case and a trailing dot', ['*.A.example.com'], 'X.a.example.com.', true],
    ['a star inside the name', ['*.a.example.com'], 'x.*.a.example.com', false],
    ['a star glued to a label', ['*.a.example.com'], '*x.a.example.com', false],
    ['an empty list', [], 'a.example.com', false],
  ])('%s', (_what, allowed, host, within) => {
    expect(hostWithin(allowed, host)).toBe(within);
  });
});

describe('hostsOverlap', () => {
  it.each<[string, string, string, boolean]>([
    ['the same name', 'b.example.com', 'b.example.com', true],
    ['case and a trailing dot', 'B.example.com.', 'b.example.com', true],
    ['a name under a wildcard', '*.b.example.com', 'api.b.example.com', true],
    ['a wildcard over a name', 'api.b.example.com', '*.b.example.com', true],
    ['a wider wildcard over a narrower one', '*.example.com', '*.b.example.com', true],
    ['a wildcard over the name of its domain', '*.b.example.com', 'b.example.com', false],
    ['two names', 'a.example.com', 'b.example.com', false],
    ['a name ending like the domain', '*.b.example.com', 'evil-b.example.com', false],
    ['sibling wildcards', '*.a.example.com', '*.b.example.com', false],
    ['a malformed wildcard', '*b.example.com', 'xb.example.com', false],
  ])('%s', (_what, a, b, overlap) => {
    expect(hostsOverlap(a, b)).toBe(overlap);
    expect(hostsOverlap(b, a)).toBe(overlap);
  });
});

describe('hosts another environment lists, without kubernetes.hosts of its own', () => {
  const unlisted: Bounds = {
    ...base,
    claims: {
      env: 'a',
      config: {
        namespaces: new Map([['team-a', ['a']]]),
        namespaceGlobs: [],
        // its own entries never refuse it
        hosts: ['b.example.com', '*.b.example.com', 'a.example.org'].map((host) => ({
          env: host === 'a.example.org' ? 'a' : 'b',
          host,
        })),
      },
    },
  };

  it.each([
    [
      'its listed name',
      'b.example.com',
      /spec\.rules\[0\]\.host b\.example\.com overlaps b\.example\.com, which environment b lists/,
    ],
    [
      'a name under its wildcard',
      'api.b.example.com',
      /overlaps \*\.b\.example\.com, which environment b lists/,
    ],
    [
      'a wildcard covering its names',
      '*.example.com',
      /spec\.rules\[0\]\.host \*\.example\.com overlaps b\.example\.com/,
    ],
  ])('refuses %s', (_what, host, why) => {
    expect(outOfBounds(unlisted, ingress({ rules: [rule(host)] }), new Set())).toMatch(why);
  });

  it('applies any other host, and a rule naming none (unchecked without kubernetes.hosts)', () => {
    expect(
      outOfBounds(unlisted, ingress({ rules: [rule('a.example.org'), rule()] }), new Set()),
    ).toBeUndefined();
  });

  it('leaves the decision to kubernetes.hosts when the environment lists its own', () => {
    const both: Bounds = { ...unlisted, hosts: ['*.example.com'] };
    expect(outOfBounds(both, ingress({ rules: [rule('b.example.com')] }), new Set())).toBeUndefined();
  });
});

describe('hosts claimed beyond kubernetes.hosts', () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['an Ingress of its own host', ingress({ rules: [rule('a.example.com')] }), undefined],
    ['an Ingress of a host below its wildcard', ingress({ rules: [rule('api.a.example.com')] }), undefined],
    [
      "an Ingress of another environment's host",
      ingress({ rules: [rule('a.example.com'), rule('b.example.com')] }),
      /^spec\.rules\[1\]\.host b\.example\.com is not within kubernetes\.hosts \(a\.example\.com, \*\.a\.example\.com\)/,
    ],
    [
      'an Ingress of a wider wildcard',
      ingress({ rules: [rule('*.example.com')] }),
      /^spec\.rules\[0\]\.host \*\.example\.com is not within/,
    ],
    [
      'an Ingress rule naming no host',
      ingress({ rules: [rule()] }),
      /^spec\.rules\[0\]\.host names no host, so it claims every host no other object claims/,
    ],
    [
      'an Ingress default backend',
      ingress({ defaultBackend: { service: { name: 'web', port: { number: 80 } } } }),
      /^spec\.defaultBackend names no host/,
    ],
    [
      "a TLS entry for another environment's host",
      ingress({ rules: [rule('a.example.com')], tls: [{ hosts: ['a.example.com', 'b.example.com'] }] }),
      /^spec\.tls\[0\]\.hosts\[1\] b\.example\.com is not within/,
    ],
    [
      'a TLS entry naming no host',
      ingress({ rules: [rule('a.example.com')], tls: [{ secretName: 'cert' }] }),
      /^spec\.tls\[0\]\.hosts names no host/,
    ],
    [
      'an extensions/v1beta1 Ingress',
      made('extensions/v1beta1', 'Ingress', { spec: { rules: [rule('b.example.com')] } }),
      /^spec\.rules\[0\]\.host b\.example\.com/,
    ],
    ['an HTTPRoute of its own host', route('HTTPRoute', { hostnames: ['a.example.com'] }), undefined],
    [
      "an HTTPRoute of another environment's host",
      route('HTTPRoute', { hostnames: ['b.example.com'] }),
      /^spec\.hostnames\[0\] b\.example\.com is not within/,
    ],
    [
      'an HTTPRoute naming no host',
      route('HTTPRoute', { parentRefs: [{ name: 'shared', namespace: 'gateways' }] }),
      /^spec\.hostnames names no host/,
    ],
    [
      'a GRPCRoute',
      route('GRPCRoute', { hostnames: ['*.example.com'] }),
      /^spec\.hostnames\[0\] \*\.example\.com/,
    ],
    [
      'a TLSRoute (experimental group)',
      made('gateway.networking.x-k8s.io/v1alpha1', 'TLSRoute', { spec: { hostnames: ['b.example.com'] } }),
      /^spec\.hostnames\[0\] b\.example\.com/,
    ],
    ['a TCPRoute, matched by port alone', route('TCPRoute', {}), undefined],
    [
      "a Gateway listener for another environment's host",
      route('Gateway', {
        listeners: [
          { name: 'a', protocol: 'HTTPS', hostname: 'a.example.com', port: 443 },
          { name: 'b', protocol: 'HTTPS', hostname: 'b.example.com', port: 443 },
        ],
      }),
      /^spec\.listeners\[1\]\.hostname b\.example\.com is not within/,
    ],
    [
      'a Gateway HTTP listener naming no host',
      route('Gateway', { listeners: [{ name: 'all', protocol: 'HTTP', port: 80 }] }),
      /^spec\.listeners\[0\]\.hostname names no host/,
    ],
    [
      'a Gateway TCP listener (no host to name)',
      route('Gateway', { listeners: [{ name: 'db', protocol: 'TCP', port: 5432 }] }),
      undefined,
    ],
    [
      'a Traefik IngressRoute of its own host',
      traefik('Host(`a.example.com`) && PathPrefix(`/x`)'),
      undefined,
    ],
    [
      "a Traefik IngressRoute of another environment's host",
      traefik('Host(`b.example.com`) && PathPrefix(`/x`)'),
      /^spec\.routes\[0\]\.match b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      'a Traefik IngressRoute (traefik.containo.us) naming no host',
      traefik('PathPrefix(`/`)', {}, 'IngressRoute', 'traefik.containo.us'),
      /^spec\.routes\[0\]\.match names no host/,
    ],
    [
      'a Traefik HostRegexp',
      traefik('HostRegexp(`.+`)'),
      /^spec\.routes\[0\]\.match HostRegexp\(`\.\+`\): HostRegexp is a regular expression, so cairn cannot tell which hosts it claims; write Host\(`name`\) for each host, joined to the rest of the rule with &&, within kubernetes\.hosts \(/,
    ],
    [
      'a Traefik || mixing a host with a path',
      traefik('Host(`a.example.com`) || PathPrefix(`/x`)'),
      /^spec\.routes\[0\]\.match Host\(`a\.example\.com`\) \|\| PathPrefix\(`\/x`\): a `\|\|` joins a host/,
    ],
    [
      "a Traefik TLS domain of another environment's host",
      traefik('Host(`a.example.com`)', {
        tls: { certResolver: 'le', domains: [{ main: 'a.example.com', sans: ['b.example.com'] }] },
      }),
      /^spec\.tls\.domains\[0\]\.sans\[0\] b\.example\.com is not within/,
    ],
    [
      "a Traefik IngressRouteTCP of another environment's SNI",
      traefik('HostSNI(`b.example.com`)', {}, 'IngressRouteTCP'),
      /^spec\.routes\[0\]\.match b\.example\.com is not within/,
    ],
    [
      'a Contour HTTPProxy of its own host',
      httpProxy({ virtualhost: { fqdn: 'api.a.example.com' } }),
      undefined,
    ],
    [
      "a Contour HTTPProxy of another environment's host",
      httpProxy({ virtualhost: { fqdn: 'b.example.com' } }),
      /^spec\.virtualhost\.fqdn b\.example\.com is not within/,
    ],
    ['a Contour HTTPProxy without a virtualhost (only included)', httpProxy({ routes: [] }), undefined],
    [
      "an Istio VirtualService on a shared gateway for another environment's host",
      istio('VirtualService', {
        gateways: ['istio-system/public'],
        hosts: ['a.example.com', 'b.example.com'],
      }),
      /^spec\.hosts\[1\] b\.example\.com is not within/,
    ],
    [
      'an Istio VirtualService on a gateway for every host',
      istio('VirtualService', { gateways: ['public'], hosts: ['*'] }),
      /^spec\.hosts\[0\] names no host/,
    ],
    [
      'an Istio VirtualService on a gateway naming no hosts',
      istio('VirtualService', { gateways: ['istio-system/public'] }),
      /^spec\.hosts names no host/,
    ],
    [
      'an Istio VirtualService of the mesh alone',
      istio('VirtualService', { gateways: ['mesh'], hosts: ['web'] }),
      undefined,
    ],
    [
      "an Istio Gateway server for another environment's host",
      istio('Gateway', {
        servers: [{ port: { number: 443 }, hosts: ['./a.example.com', 'team-a/b.example.com'] }],
      }),
      /^spec\.servers\[0\]\.hosts\[1\] b\.example\.com is not within/,
    ],
    [
      'an Istio Gateway server for every host',
      istio('Gateway', { servers: [{ port: { number: 80 }, hosts: ['*/*'] }] }),
      /^spec\.servers\[0\]\.hosts\[0\] names no host/,
    ],
    [
      'an NGINX Inc VirtualServer of its own host',
      nginxInc('VirtualServer', { host: 'a.example.com' }),
      undefined,
    ],
    [
      "an NGINX Inc VirtualServerRoute of another environment's host",
      nginxInc('VirtualServerRoute', { host: 'b.example.com' }),
      /^spec\.host b\.example\.com is not within/,
    ],
    [
      'a cert-manager Certificate of its own hosts',
      certManager('Certificate', {
        commonName: 'a.example.com',
        dnsNames: ['a.example.com', '*.a.example.com'],
      }),
      undefined,
    ],
    [
      "a cert-manager Certificate of another environment's host",
      certManager('Certificate', { dnsNames: ['a.example.com', 'b.example.com'], secretName: 'tls' }),
      /^spec\.dnsNames\[1\] b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      "a cert-manager Certificate whose common name is another environment's host",
      certManager('Certificate', { commonName: 'b.example.com', dnsNames: ['a.example.com'] }),
      /^spec\.commonName b\.example\.com is not within/,
    ],
    [
      'a cert-manager Certificate for addresses alone',
      certManager('Certificate', { ipAddresses: ['10.0.0.1'], secretName: 'tls' }),
      undefined,
    ],
    [
      "an ACME Order of another environment's host",
      certManager('Order', { dnsNames: ['b.example.com'], request: 'LS0t' }, 'acme.cert-manager.io'),
      /^spec\.dnsNames\[0\] b\.example\.com is not within/,
    ],
    [
      "an ACME Challenge of another environment's host",
      certManager('Challenge', { dnsName: 'b.example.com', type: 'HTTP-01' }, 'acme.cert-manager.io'),
      /^spec\.dnsName b\.example\.com is not within/,
    ],
    [
      'a cert-manager CertificateRequest (its names are in a signed request cairn does not read)',
      certManager('CertificateRequest', { request: 'LS0t', issuerRef: { name: 'letsencrypt' } }),
      /^spec\.request is a certificate signing request whose names cairn does not read, so cairn cannot tell which hosts it claims; ask for the certificate through a Certificate/,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
    // Without kubernetes.hosts, hosts are not checked (as before the list existed).
    expect(outOfBounds(base, object, new Set())).toBeUndefined();
  });

  it('an empty list refuses every host', () => {
    expect(
      outOfBounds({ ...base, hosts: [] }, ingress({ rules: [rule('a.example.com')] }), new Set()),
    ).toMatch(/not within kubernetes\.hosts \(none\)/);
  });
});

describe("names asked of cert-manager's issuers without a Certificate", () => {
  const CSI = 'csi.cert-manager.io';
  const volume = (attributes: Record<string, string>, driver = CSI) => ({
    name: 'tls',
    csi: {
      driver,
      readOnly: true,
      volumeAttributes: {
        'csi.cert-manager.io/issuer-name': 'public',
        'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
        ...attributes,
      },
    },
  });
  const pod = (attributes: Record<string, string>, driver?: string) =>
    made('v1', 'Pod', {
      spec: { containers: [{ name: 'c', image: 'x' }], volumes: [volume(attributes, driver)] },
    });
  const deployment = (attributes: Record<string, string>) =>
    made('apps/v1', 'Deployment', {
      spec: {
        template: { spec: { containers: [{ name: 'c', image: 'x' }], volumes: [volume(attributes)] } },
      },
    });
  const cronJob = (attributes: Record<string, string>) =>
    made('batch/v1', 'CronJob', {
      spec: {
        schedule: '* * * * *',
        jobTemplate: { spec: { template: { spec: { containers: [], volumes: [volume(attributes)] } } } },
      },
    });
  const dns = (names: string) => ({ 'csi.cert-manager.io/dns-names': names });
  const shim = (annotations: Record<string, string>) => ({
    annotations: { 'cert-manager.io/cluster-issuer': 'public', ...annotations },
  });
  const tlsIngress = (annotations: Record<string, string>) =>
    ingress(
      { rules: [rule('a.example.com')], tls: [{ hosts: ['a.example.com'], secretName: 'tls' }] },
      shim(annotations),
    );
  const gateway = (annotations: Record<string, string>) =>
    made(
      'gateway.networking.k8s.io/v1',
      'Gateway',
      {
        spec: {
          gatewayClassName: 'x',
          listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, hostname: 'a.example.com' }],
        },
      },
      shim(annotations),
    );
  const VOLUME = 'volumes\\[0\\]\\.csi\\.volumeAttributes\\["csi\\.cert-manager\\.io\\/';

  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      "a pod's csi-driver volume of its own hosts",
      pod({ 'csi.cert-manager.io/common-name': 'a.example.com', ...dns('a.example.com,api.a.example.com') }),
      undefined,
    ],
    [
      "a Deployment's csi-driver volume asking another environment's host",
      deployment(dns('a.example.com, b.example.com')),
      new RegExp(
        `^spec\\.template\\.spec\\.${VOLUME}dns-names"\\] b\\.example\\.com is not within kubernetes\\.hosts`,
      ),
    ],
    [
      "a pod's csi-driver common name of another environment's host",
      pod({ 'csi.cert-manager.io/common-name': 'b.example.com' }),
      new RegExp(`^spec\\.${VOLUME}common-name"\\] b\\.example\\.com is not within`),
    ],
    [
      "a CronJob's csi-driver volume asking another environment's host",
      cronJob(dns('b.example.com')),
      new RegExp(`^spec\\.jobTemplate\\.spec\\.template\\.spec\\.${VOLUME}dns-names"\\] b\\.example\\.com`),
    ],
    [
      "the pod's namespace expanded within its hosts",
      pod(dns('web.${POD_NAMESPACE}.a.example.com')),
      undefined,
    ],
    [
      "the pod's name below a domain of its own (a wildcard of any depth)",
      pod(dns('${POD_NAME}.a.example.com')),
      undefined,
    ],
    [
      "the pod's name below another domain (a pod named api.b would ask for api.b.example.com)",
      pod(dns('$POD_NAME.example.com')),
      /dns-names"\] \*\.example\.com is not within/,
    ],
    [
      "a name that is the pod's name alone",
      pod(dns('${POD_NAME}')),
      /dns-names"\] names \$\{POD_NAME\}, a host the pod's own name or ServiceAccount makes, so cairn cannot tell/,
    ],
    [
      'a literal subject (its common name is not read)',
      pod({ 'csi.cert-manager.io/literal-subject': 'CN=b.example.com,O=x' }),
      /literal-subject"\] is an X\.509 subject whose common name cairn does not read, so cairn cannot tell which hosts it claims; name the hosts in csi\.cert-manager\.io\/common-name/,
    ],
    ['a CSI volume of another driver', pod(dns('b.example.com'), 'secrets-store.csi.k8s.io'), undefined],
    [
      // Found in review: podSpecs knew no ScaledJob, whose jobTargetRef is a Job's spec.
      "a KEDA ScaledJob's csi-driver volume asking another environment's host",
      made('keda.sh/v1alpha1', 'ScaledJob', {
        spec: {
          jobTargetRef: { template: { spec: { containers: [], volumes: [volume(dns('b.example.com'))] } } },
        },
      }),
      new RegExp(
        `^spec\\.jobTargetRef\\.template\\.spec\\.${VOLUME}dns-names"\\] b\\.example\\.com is not within`,
      ),
    ],
    [
      // Found in review: csi-driver's own example, a pod's name under its Service of its namespace.
      "the pod's name under its own namespace's cluster domain",
      pod(dns('${POD_NAME}.web.${POD_NAMESPACE}.svc.cluster.local,web.team-a.svc')),
      /dns-names"\] web\.team-a\.svc is not within/,
    ],
    [
      "the pod's name under its own namespace's Service names",
      pod(dns('${POD_NAME}.web.${POD_NAMESPACE}.svc.cluster.local,web.team-a.svc.cluster.local')),
      undefined,
    ],
    [
      "a Service name of another namespace (another environment's workload under a shared CA)",
      pod(dns('web.team-b.svc.cluster.local')),
      /dns-names"\] web\.team-b\.svc\.cluster\.local is not within kubernetes\.hosts/,
    ],
    [
      "every namespace's Service names",
      pod(dns('${POD_NAME}.svc.cluster.local')),
      /dns-names"\] \*\.svc\.cluster\.local is not within/,
    ],
    [
      "ingress-shim's annotations of its own hosts",
      tlsIngress({
        'cert-manager.io/common-name': 'a.example.com',
        'cert-manager.io/alt-names': 'api.a.example.com',
      }),
      undefined,
    ],
    [
      "ingress-shim's common name of another environment's host",
      tlsIngress({ 'cert-manager.io/common-name': 'b.example.com' }),
      /^metadata\.annotations\["cert-manager\.io\/common-name"\] b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      "ingress-shim's alt names with another environment's host",
      tlsIngress({ 'cert-manager.io/alt-names': 'api.a.example.com,b.example.com' }),
      /^metadata\.annotations\["cert-manager\.io\/alt-names"\] b\.example\.com is not within/,
    ],
    [
      "ingress-shim's common name on a Gateway",
      gateway({ 'cert-manager.io/common-name': 'b.example.com' }),
      /^metadata\.annotations\["cert-manager\.io\/common-name"\] b\.example\.com is not within/,
    ],
    [
      'the annotations on a kind ingress-shim does not read',
      made('v1', 'ConfigMap', { data: {} }, shim({ 'cert-manager.io/common-name': 'b.example.com' })),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it("refuses another environment's listed host without kubernetes.hosts of its own", () => {
    const withB: Bounds = {
      ...base,
      claims: {
        env: 'a',
        config: {
          namespaces: new Map([['team-a', ['a']]]),
          namespaceGlobs: [],
          hosts: [{ env: 'b', host: 'b.example.com' }],
        },
      },
    };
    expect(outOfBounds(withB, deployment(dns('b.example.com')), new Set())).toMatch(
      /dns-names"\] b\.example\.com overlaps b\.example\.com, which environment b lists/,
    );
    expect(
      outOfBounds(withB, tlsIngress({ 'cert-manager.io/common-name': 'b.example.com' }), new Set()),
    ).toMatch(/common-name"\] b\.example\.com overlaps b\.example\.com/);
    expect(outOfBounds(withB, pod(dns('x.example.org')), new Set())).toBeUndefined();
  });
});

describe('ingress controller snippets (cluster policy)', () => {
  it.each<[string, string | undefined, RegExp | undefined]>([
    [
      'ingress-nginx configuration-snippet',
      'nginx.ingress.kubernetes.io/configuration-snippet',
      /^metadata\.annotations\.nginx\.ingress\.kubernetes\.io\/configuration-snippet: a snippet is raw configuration/,
    ],
    ['ingress-nginx server-snippet', 'nginx.ingress.kubernetes.io/server-snippet', /server-snippet/],
    ['ingress-nginx auth-snippet', 'nginx.ingress.kubernetes.io/auth-snippet', /auth-snippet/],
    ['ingress-nginx stream-snippet', 'nginx.ingress.kubernetes.io/stream-snippet', /stream-snippet/],
    ['ingress-nginx modsecurity-snippet', 'nginx.ingress.kubernetes.io/modsecurity-snippet', /modsecurity/],
    ['another annotation prefix', 'ingress.example.com/server-snippet', /server-snippet/],
    ['NGINX Inc location-snippets', 'nginx.org/location-snippets', /location-snippets/],
    ['NGINX Inc server-snippets', 'nginx.org/server-snippets', /nginx\.org\/server-snippets/],
    ['HAProxy backend-config-snippet', 'haproxy.org/backend-config-snippet', /backend-config-snippet/],
    ['an ordinary annotation', 'nginx.ingress.kubernetes.io/rewrite-target', undefined],
    ['no annotation', undefined, undefined],
  ])('%s', (_what, key, expected) => {
    const object = ingress(
      { rules: [rule('a.example.com')] },
      key ? { annotations: { [key]: 'location / { return 200; }' } } : {},
    );
    expectClusterPolicy(object, expected);
  });

  it('leaves the same annotation on other kinds alone', () => {
    const service = made(
      'v1',
      'Service',
      { spec: { ports: [{ port: 80 }] } },
      {
        annotations: { 'nginx.ingress.kubernetes.io/server-snippet': 'x' },
      },
    );
    expect(outOfBounds(base, service, new Set())).toBeUndefined();
  });
});

describe("Traefik's default TLSOption and TLSStore (cluster policy)", () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'a TLSOption named default',
      made('traefik.io/v1alpha1', 'TLSOption', { spec: { minVersion: 'VersionTLS10' } }, { name: 'default' }),
      /^metadata\.name default: a Traefik TLSOption named default is the ingress controller's own, whatever its namespace: it sets the TLS versions, ciphers and client certificate checks of every route of every namespace/,
    ],
    [
      'a TLSStore named default (traefik.containo.us)',
      made(
        'traefik.containo.us/v1alpha1',
        'TLSStore',
        { spec: { defaultCertificate: { secretName: 'cert' } } },
        { name: 'default' },
      ),
      /^metadata\.name default: a Traefik TLSStore named default .* the certificate Traefik serves for every host without one of its own/,
    ],
    [
      'a TLSOption of another name',
      made('traefik.io/v1alpha1', 'TLSOption', { spec: {} }, { name: 'mtls' }),
      undefined,
    ],
    ['a ConfigMap named default', made('v1', 'ConfigMap', { data: {} }, { name: 'default' }), undefined],
  ])('%s', (_what, object, expected) => expectClusterPolicy(object, expected));
});

describe('NGINX Inc snippet fields (cluster policy)', () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'a VirtualServer server-snippets',
      nginxInc('VirtualServer', { host: 'a.example.com', 'server-snippets': 'location /t { return 200; }' }),
      /^spec\.server-snippets: a snippet is raw configuration/,
    ],
    [
      'a VirtualServer http-snippets',
      nginxInc('VirtualServer', { host: 'a.example.com', 'http-snippets': 'x' }),
      /^spec\.http-snippets: a snippet/,
    ],
    [
      'a VirtualServerRoute subroute location-snippets',
      nginxInc('VirtualServerRoute', {
        host: 'a.example.com',
        subroutes: [{ path: '/', 'location-snippets': 'x' }],
      }),
      /^spec\.subroutes\[0\]\.location-snippets: a snippet/,
    ],
    [
      'a TransportServer serverSnippets',
      nginxInc('TransportServer', { serverSnippets: 'x' }),
      /^spec\.serverSnippets: a snippet/,
    ],
    [
      'a VirtualServer without snippets',
      nginxInc('VirtualServer', { host: 'a.example.com', routes: [] }),
      undefined,
    ],
    [
      'the same field on another group',
      made('example.com/v1', 'VirtualServer', { spec: { 'server-snippets': 'x' } }),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    expectClusterPolicy(object, expected);
  });
});

describe("references to another namespace's objects", () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      "a Contour include of another environment's HTTPProxy",
      httpProxy({ virtualhost: { fqdn: 'a.example.com' }, includes: [{ name: 'web', namespace: 'team-b' }] }),
      /^spec\.includes\[0\]\.namespace team-b hands this object's traffic to another namespace's objects: namespace team-b is neither/,
    ],
    [
      'a Contour include of its own namespace',
      httpProxy({ virtualhost: { fqdn: 'a.example.com' }, includes: [{ name: 'web', namespace: 'team-a' }] }),
      undefined,
    ],
    [
      "a Contour tcpproxy include of another environment's",
      httpProxy({
        virtualhost: { fqdn: 'a.example.com' },
        tcpproxy: { include: { name: 'db', namespace: 'team-b' } },
      }),
      /^spec\.tcpproxy\.include\.namespace team-b/,
    ],
    [
      "a Traefik route to another environment's Service",
      made('traefik.io/v1alpha1', 'IngressRoute', {
        spec: {
          routes: [
            { match: 'Host(`a.example.com`)', services: [{ name: 'web', namespace: 'team-b', port: 80 }] },
          ],
        },
      }),
      /^spec\.routes\[0\]\.services\[0\]\.namespace team-b/,
    ],
    [
      "a Traefik route through another environment's Middleware",
      made('traefik.io/v1alpha1', 'IngressRoute', {
        spec: {
          routes: [
            {
              match: 'Host(`a.example.com`)',
              middlewares: [{ name: 'auth', namespace: 'team-b' }],
              services: [],
            },
          ],
        },
      }),
      /^spec\.routes\[0\]\.middlewares\[0\]\.namespace team-b/,
    ],
    [
      "a Traefik error page served by another environment's Service",
      traefikKind('Middleware', {
        errors: { status: ['500-599'], service: { name: 'web', namespace: 'team-b', port: 80 } },
      }),
      /^spec\.errors\.service\.namespace team-b hands this object's traffic/,
    ],
    [
      "a Traefik chain through another environment's Middleware",
      traefikKind('Middleware', {
        chain: { middlewares: [{ name: 'x' }, { name: 'auth', namespace: 'team-b' }] },
      }),
      /^spec\.chain\.middlewares\[1\]\.namespace team-b/,
    ],
    [
      "a TraefikService weighting another environment's Service",
      traefikKind('TraefikService', {
        weighted: { services: [{ name: 'web', namespace: 'team-b', port: 80 }] },
      }),
      /^spec\.weighted\.services\[0\]\.namespace team-b/,
    ],
    [
      "a TraefikService mirroring to another environment's Service",
      traefikKind('TraefikService', {
        mirroring: {
          name: 'web',
          port: 80,
          mirrors: [{ name: 'spy', namespace: 'team-b', port: 80, percent: 100 }],
        },
      }),
      /^spec\.mirroring\.mirrors\[0\]\.namespace team-b/,
    ],
    [
      "a TraefikService failing over to another environment's Service",
      traefikKind('TraefikService', {
        failover: { service: { name: 'web' }, fallback: { name: 'web', namespace: 'team-b' } },
      }),
      /^spec\.failover\.fallback\.namespace team-b/,
    ],
    [
      "a Traefik route with another environment's TLSOption",
      traefik('Host(`a.example.com`)', { tls: { options: { name: 'mtls', namespace: 'team-b' } } }),
      /^spec\.tls\.options\.namespace team-b/,
    ],
    [
      "a Traefik route below another environment's IngressRoute",
      traefik('Host(`a.example.com`)', { parentRefs: [{ name: 'root', namespace: 'team-b' }] }),
      /^spec\.parentRefs\[0\]\.namespace team-b/,
    ],
    [
      "a Traefik Middleware named by its provider's id, which hides its namespace",
      traefik('Host(`a.example.com`)', {}, 'IngressRoute', 'traefik.io', {
        middlewares: [{ name: 'team-b-auth@kubernetescrd' }],
      }),
      /^spec\.routes\[0\]\.middlewares\[0\]\.name team-b-auth@kubernetescrd names a Traefik object by its provider's id, which hides the namespace it belongs to; write its name and namespace fields instead$/,
    ],
    [
      "Traefik's own API as a route's service",
      traefik('Host(`a.example.com`)', {}, 'IngressRoute', 'traefik.io', {
        services: [{ name: 'api@internal', kind: 'TraefikService' }],
      }),
      /^spec\.routes\[0\]\.services\[0\]\.name api@internal is a service of Traefik itself/,
    ],
    [
      "Traefik's noop service, an operator's file middleware, and references of its own namespace",
      traefikKind('TraefikService', {
        weighted: {
          services: [
            { name: 'noop@internal', kind: 'TraefikService' },
            { name: 'web', namespace: 'team-a' },
          ],
        },
        mirroring: { name: 'web', mirrors: [{ name: 'audit@file', kind: 'TraefikService' }] },
      }),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(base, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
    // A bound, not cluster policy: allowClusterPolicy does not lift it.
    expect(outOfBounds({ ...base, allowClusterPolicy: true }, object, new Set())).toEqual(why);
  });

  describe("a Contour ExtensionService authorizing a proxy's requests", () => {
    const authorized = (extensionRef: object) =>
      httpProxy({
        virtualhost: { fqdn: 'a.example.com', tls: { secretName: 'cert' }, authorization: { extensionRef } },
      });
    it.each<[string, object, RegExp | undefined]>([
      [
        "another environment's",
        { name: 'authz', namespace: 'team-b' },
        /^spec\.virtualhost\.authorization\.extensionRef\.namespace team-b names an ExtensionService that Contour asks to authorize every request to this proxy's host, sending it each request's headers: namespace team-b is environment b's/,
      ],
      [
        "the cluster's own",
        { name: 'authz', namespace: 'kube-system' },
        /^spec\.virtualhost\.authorization\.extensionRef\.namespace kube-system .*refused/,
      ],
      // the usual set-up: one auth service of the platform's, in a namespace of its own
      ["a platform's shared one", { name: 'authz', namespace: 'projectcontour-auth' }, undefined],
      ['its own', { name: 'authz' }, undefined],
    ])('%s', (_what, ref, expected) => {
      const why = outOfBounds(withEnvironmentB, authorized(ref), new Set());
      if (expected === undefined) expect(why).toBeUndefined();
      else expect(why).toMatch(expected);
    });

    it("bounds a JWT provider's remoteJWKS URI, which Envoy fetches from inside the cluster, as an auth-url", () => {
      const jwks = (uri: string) =>
        httpProxy({
          virtualhost: { fqdn: 'a.example.com', jwtProviders: [{ name: 'p', remoteJWKS: { uri } }] },
        });
      expect(
        outOfBounds(withEnvironmentB, jwks('http://keys.team-b.svc.cluster.local/jwks'), new Set()),
      ).toMatch(
        /^spec\.virtualhost\.jwtProviders\[0\]\.remoteJWKS\.uri keys\.team-b\.svc\.cluster\.local names a Service of namespace team-b: namespace team-b is environment b's/,
      );
      expect(outOfBounds(withEnvironmentB, jwks('https://10.96.0.1/jwks'), new Set())).toMatch(
        /is an IPv4 address/,
      );
      expect(
        outOfBounds(withEnvironmentB, jwks('https://login.example.com/jwks'), new Set()),
      ).toBeUndefined();
    });
  });
});

describe('Gloo Edge references and hosts', () => {
  const gloo = (kind: string, spec: object, group = 'gateway.solo.io') => made(`${group}/v1`, kind, { spec });
  const vs = (route: object, extra: object = {}) =>
    gloo('VirtualService', {
      virtualHost: { domains: ['a.example.com'], routes: [{ matchers: [{ prefix: '/' }], ...route }] },
      ...extra,
    });
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      "a route to another environment's Upstream",
      vs({ routeAction: { single: { upstream: { name: 'web', namespace: 'team-b' } } } }),
      /^spec\.virtualHost\.routes\[0\]\.routeAction\.single\.upstream\.namespace team-b hands this object's traffic/,
    ],
    [
      "a weighted route to another environment's Service",
      vs({
        routeAction: {
          multi: {
            destinations: [
              { weight: 1, destination: { kube: { ref: { name: 'web', namespace: 'team-b' }, port: 80 } } },
            ],
          },
        },
      }),
      /^spec\.virtualHost\.routes\[0\]\.routeAction\.multi\.destinations\[0\]\.destination\.kube\.ref\.namespace team-b/,
    ],
    [
      "a delegation to the RouteTables of another environment's namespace",
      vs({ delegateAction: { selector: { namespaces: ['team-a', 'team-b'] } } }),
      /^spec\.virtualHost\.routes\[0\]\.delegateAction\.selector\.namespaces\[1\] team-b/,
    ],
    [
      "a RouteTable delegating to another environment's",
      gloo('RouteTable', { routes: [{ delegateAction: { ref: { name: 'api', namespace: 'team-b' } } }] }),
      /^spec\.routes\[0\]\.delegateAction\.ref\.namespace team-b/,
    ],
    [
      "a VirtualService serving another environment's certificate and key",
      vs(
        { routeAction: { single: { upstream: { name: 'web' } } } },
        { sslConfig: { secretRef: { name: 'tls', namespace: 'team-b' } } },
      ),
      /^spec\.sslConfig\.secretRef\.namespace team-b names a Secret whose certificate and key Gloo's proxy presents/,
    ],
    [
      "a VirtualService taking another environment's VirtualHostOption",
      vs(
        {},
        {
          virtualHost: {
            domains: ['a.example.com'],
            optionsConfigRefs: { delegateOptions: [{ name: 'headers', namespace: 'team-b' }] },
          },
        },
      ),
      /^spec\.virtualHost\.optionsConfigRefs\.delegateOptions\[0\]\.namespace team-b names a VirtualHostOption or RouteOption/,
    ],
    [
      "an Upstream for another environment's Service",
      gloo(
        'Upstream',
        { kube: { serviceName: 'web', serviceNamespace: 'team-b', servicePort: 80 } },
        'gloo.solo.io',
      ),
      /^spec\.kube\.serviceNamespace team-b hands this object's traffic/,
    ],
    [
      "a static Upstream to the API server's ClusterIP",
      gloo('Upstream', { static: { hosts: [{ addr: '10.96.0.1', port: 443 }] } }, 'gloo.solo.io'),
      /^spec\.static\.hosts\[0\]\.addr 10\.96\.0\.1 is an IPv4 address/,
    ],
    [
      'a route to an Upstream of its own namespace',
      vs({ routeAction: { single: { upstream: { name: 'web', namespace: 'team-a' } } } }),
      undefined,
    ],
    [
      'a static Upstream outside the cluster',
      gloo('Upstream', { static: { hosts: [{ addr: 'api.example.com', port: 443 }] } }, 'gloo.solo.io'),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(base, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it.each<[string, KubeObject, RegExp | undefined]>([
    ['its own domain', vs({}), undefined],
    [
      "another environment's domain",
      gloo('VirtualService', { virtualHost: { domains: ['b.example.com'] } }),
      /^spec\.virtualHost\.domains\[0\] b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      'no domains (every host)',
      gloo('VirtualService', { virtualHost: { routes: [] } }),
      /^spec\.virtualHost\.domains names no host/,
    ],
    [
      'a * domain',
      gloo('VirtualService', { virtualHost: { domains: ['*'] } }),
      /^spec\.virtualHost\.domains\[0\] names no host/,
    ],
  ])('with kubernetes.hosts, a VirtualService for %s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Kong's TCPIngress hosts", () => {
  const tcpIngress = (spec: object) => made('configuration.konghq.com/v1beta1', 'TCPIngress', { spec });
  const backend = { serviceName: 'db', servicePort: 5432 };
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'its own SNI',
      tcpIngress({
        rules: [{ host: 'db.a.example.com', port: 9443, backend }],
        tls: [{ hosts: ['db.a.example.com'], secretName: 'tls' }],
      }),
      undefined,
    ],
    [
      "another environment's SNI",
      tcpIngress({ rules: [{ host: 'db.b.example.com', port: 9443, backend }] }),
      /^spec\.rules\[0\]\.host db\.b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      'no SNI (the whole port)',
      tcpIngress({ rules: [{ port: 9000, backend }] }),
      /^spec\.rules\[0\]\.port: it takes TCP port 9000 of the gateway every environment shares/,
    ],
    [
      "a TLS entry for another environment's host",
      tcpIngress({
        rules: [{ host: 'db.a.example.com', port: 9443, backend }],
        tls: [{ hosts: ['b.example.com'] }],
      }),
      /^spec\.tls\[0\]\.hosts\[0\] b\.example\.com/,
    ],
  ])('with kubernetes.hosts, %s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Kong's host aliases and KongClusterPlugins", () => {
  const aliased = (aliases: string) =>
    ingress({ rules: [rule('a.example.com')] }, { annotations: { 'konghq.com/host-aliases': aliases } });
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['aliases of its own hosts', aliased('www.a.example.com, api.a.example.com'), undefined],
    [
      "an alias of another environment's host",
      aliased('www.a.example.com,b.example.com'),
      /^metadata\.annotations\.konghq\.com\/host-aliases b\.example\.com is not within kubernetes\.hosts/,
    ],
  ])('with kubernetes.hosts, an Ingress with %s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  it('without kubernetes.hosts, refuses an alias of a host another environment lists', () => {
    const bounds: Bounds = {
      ...base,
      claims: {
        env: 'a',
        config: { namespaces: new Map(), namespaceGlobs: [], hosts: [{ env: 'b', host: 'b.example.com' }] },
      },
    };
    expect(outOfBounds(bounds, aliased('b.example.com'), new Set())).toMatch(
      /^metadata\.annotations\.konghq\.com\/host-aliases b\.example\.com overlaps b\.example\.com, which environment b lists/,
    );
  });

  const clusterPlugin = (rest: object, labels?: Record<string, string>) =>
    ({
      apiVersion: 'configuration.konghq.com/v1',
      kind: 'KongClusterPlugin',
      metadata: { name: 'x', ...(labels ? { labels } : {}) },
      plugin: 'request-transformer',
      ...rest,
    }) as KubeObject;
  const listing: Bounds = { ...withEnvironmentB, clusterResources: ['Namespace', 'KongClusterPlugin'] };
  const secret = (namespace: string) => ({ name: 'creds', namespace, key: 'config' });

  it('refuses a KongClusterPlugin where kubernetes.clusterResources does not list it', () => {
    expect(outOfBounds(withEnvironmentB, clusterPlugin({ config: {} }), new Set())).toMatch(
      /^the cluster-scoped kind configuration\.konghq\.com\/KongClusterPlugin is not in kubernetes\.clusterResources/,
    );
  });

  it.each<[string, KubeObject, RegExp | undefined]>([
    ['its own Secret', clusterPlugin({ configFrom: { secretKeyRef: secret('team-a') } }), undefined],
    [
      "another environment's Secret",
      clusterPlugin({ configFrom: { secretKeyRef: secret('team-b') } }),
      /^configFrom\.secretKeyRef\.namespace team-b names a Secret whose value Kong's controller .*: namespace team-b is environment b's/,
    ],
    [
      "another environment's Secret patched into its configuration",
      clusterPlugin({
        config: {},
        configPatches: [{ path: '/add/headers/0', valueFrom: { secretKeyRef: secret('kube-system') } }],
      }),
      /^configPatches\[0\]\.valueFrom\.secretKeyRef\.namespace kube-system .*: namespace kube-system is never written/,
    ],
    [
      'the global label',
      clusterPlugin({ config: {} }, { global: 'true' }),
      /^metadata\.labels\.global: Kong runs a KongClusterPlugin labelled global on every route of every environment/,
    ],
  ])('where kubernetes.clusterResources lists it, a KongClusterPlugin with %s', (_what, object, expected) => {
    const why = outOfBounds(listing, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('NGINX Inc TransportServer hosts', () => {
  const transportServer = (listener: object, host?: string) =>
    made('k8s.nginx.org/v1', 'TransportServer', {
      spec: { listener, ...(host ? { host } : {}), upstreams: [{ name: 'db', service: 'db', port: 5432 }] },
    });
  const passthrough = { name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' };
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['TLS passthrough of its own host', transportServer(passthrough, 'db.a.example.com'), undefined],
    [
      "TLS passthrough of another environment's host",
      transportServer(passthrough, 'b.example.com'),
      /^spec\.host b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      'TLS passthrough without a host',
      transportServer({ name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' }),
      /^spec\.host names no host/,
    ],
    [
      "another environment's SNI on a listener of its own",
      transportServer({ name: 'tls-5443', protocol: 'TCP' }, 'b.example.com'),
      /^spec\.host b\.example\.com is not within/,
    ],
    [
      'a TCP listener without a host (the whole port)',
      transportServer({ name: 'tcp-5432', protocol: 'TCP' }),
      /^spec\.listener: it takes listener tcp-5432 \(TCP\) of the gateway every environment shares, whatever the host: NGINX Inc's controller gives a listener without a host to one TransportServer of any namespace, the oldest/,
    ],
  ])('with kubernetes.hosts, %s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Kong's consumers (cluster policy)", () => {
  const consumer = (rest: object) =>
    made('configuration.konghq.com/v1', 'KongConsumer', { username: 'ci', ...rest });
  it.each<[string, Bounds, KubeObject, RegExp | undefined]>([
    [
      'with credentials',
      base,
      consumer({ credentials: ['ci-key'] }),
      /^credentials: Kong's consumers are one set for the whole gateway.*: that is cluster policy/,
    ],
    ['without credentials', base, consumer({}), undefined],
    [
      'with credentials, where kubernetes.allowClusterPolicy is set',
      { ...base, allowClusterPolicy: true },
      consumer({ credentials: ['ci-key'] }),
      undefined,
    ],
  ])('a KongConsumer %s', (_what, bounds, object, expected) => {
    const why = outOfBounds(bounds, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Gloo's AuthConfig references", () => {
  const authConfig = (config: object) =>
    made('enterprise.gloo.solo.io/v1', 'AuthConfig', { spec: { configs: [config] } });
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'its own OIDC client secret and API keys',
      authConfig({
        oauth2: {
          oidcAuthorizationCode: { clientId: 'a', clientSecretRef: { name: 'oidc', namespace: 'team-a' } },
        },
      }),
      undefined,
    ],
    [
      "another environment's OIDC client secret",
      authConfig({
        oauth2: {
          oidcAuthorizationCode: { clientId: 'b', clientSecretRef: { name: 'oidc', namespace: 'team-b' } },
        },
      }),
      /^spec\.configs\[0\]\.oauth2\.oidcAuthorizationCode\.clientSecretRef\.namespace team-b names a Secret or ConfigMap that Gloo's external auth service .*: namespace team-b is environment b's/,
    ],
    [
      "another environment's API keys",
      authConfig({
        apiKeyAuth: { k8sSecretApikeyStorage: { apiKeySecretRefs: [{ name: 'key', namespace: 'team-b' }] } },
      }),
      /^spec\.configs\[0\]\.apiKeyAuth\.k8sSecretApikeyStorage\.apiKeySecretRefs\[0\]\.namespace team-b/,
    ],
    [
      "another environment's OPA module",
      authConfig({ opaAuth: { modules: [{ name: 'policy', namespace: 'team-b' }], query: 'data.allow' } }),
      /^spec\.configs\[0\]\.opaAuth\.modules\[0\]\.namespace team-b/,
    ],
    [
      'API keys selected by label',
      authConfig({ apiKeyAuth: { k8sSecretApikeyStorage: { labelSelector: { team: 'b' } } } }),
      /^spec\.configs\[0\]\.apiKeyAuth\.k8sSecretApikeyStorage\.labelSelector selects API key Secrets by label in every namespace Gloo watches/,
    ],
    [
      "a pass-through auth server of another environment's",
      authConfig({ passThroughAuth: { http: { url: 'http://auth.team-b.svc.cluster.local:9001/check' } } }),
      /^spec\.configs\[0\]\.passThroughAuth\.http\.url auth\.team-b\.svc\.cluster\.local names a Service of namespace team-b: namespace team-b is environment b's/,
    ],
    [
      "a gRPC pass-through server of the cluster's",
      authConfig({ passThroughAuth: { grpc: { address: 'auth.kube-system.svc.cluster.local:9001' } } }),
      /^spec\.configs\[0\]\.passThroughAuth\.grpc\.address auth\.kube-system\.svc\.cluster\.local names a Service of namespace kube-system/,
    ],
    [
      'an LDAP server at an address',
      authConfig({ ldap: { address: '10.96.0.10:389' } }),
      /^spec\.configs\[0\]\.ldap\.address 10\.96\.0\.10 is an IPv4 address, which Gloo's external auth service connects to directly/,
    ],
    [
      "its OPA sidecar, a platform's pass-through server and keys from outside the cluster",
      made('enterprise.gloo.solo.io/v1', 'AuthConfig', {
        spec: {
          configs: [
            { opaServerAuth: { serverAddr: 'http://localhost:8181', package: 'authz' } },
            { passThroughAuth: { grpc: { address: 'auth.platform-auth.svc.cluster.local:9001' } } },
            {
              oauth2: {
                accessTokenValidation: { jwt: { remoteJwks: { url: 'https://idp.example.com/keys' } } },
              },
            },
          ],
        },
      }),
      undefined,
    ],
  ])('an AuthConfig with %s', (_what, object, expected) => {
    const why = outOfBounds(withEnvironmentB, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Gloo's MatchableHttpGateways and rate limit configs", () => {
  const gateway = (spec: object) => made('gateway.solo.io/v1', 'MatchableHttpGateway', { spec });
  const tls = (sniDomains: string[]) => ({
    sslConfig: { secretRef: { name: 'tls', namespace: 'team-a' }, sniDomains },
  });
  const own = { virtualServiceNamespaces: ['team-a'] };
  it.each<[string, Bounds, KubeObject, RegExp | undefined]>([
    [
      'its own SNI domains and namespaces',
      withHosts,
      gateway({ matcher: tls(['a.example.com']), httpGateway: own }),
      undefined,
    ],
    [
      'its own VirtualServices named',
      withHosts,
      gateway({
        matcher: tls(['a.example.com']),
        httpGateway: { virtualServices: [{ name: 'web', namespace: 'team-a' }] },
      }),
      undefined,
    ],
    [
      "another environment's SNI domain",
      withHosts,
      gateway({ matcher: tls(['b.example.com']), httpGateway: own }),
      /^spec\.matcher\.sslConfig\.sniDomains\[0\] b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      'no SNI domain (every TLS connection)',
      withHosts,
      gateway({ matcher: tls([]), httpGateway: own }),
      /^spec\.matcher\.sslConfig\.sniDomains names no host/,
    ],
    [
      'no TLS (every plaintext connection)',
      withHosts,
      gateway({ matcher: {}, httpGateway: own }),
      /^spec\.matcher\.sslConfig names no host/,
    ],
    [
      "every namespace's VirtualServices (no virtualServiceNamespaces)",
      withEnvironmentB,
      gateway({ matcher: tls(['a.example.com']), httpGateway: {} }),
      /^spec\.httpGateway selects VirtualServices of every namespace/,
    ],
    [
      'VirtualServices by label, named ones beside (the selector wins)',
      withEnvironmentB,
      gateway({
        matcher: tls(['a.example.com']),
        httpGateway: {
          virtualServiceSelector: { app: 'web' },
          virtualServices: [{ name: 'web', namespace: 'team-a' }],
        },
      }),
      /^spec\.httpGateway selects VirtualServices of every namespace/,
    ],
    [
      "another environment's namespace",
      withEnvironmentB,
      gateway({
        matcher: tls(['a.example.com']),
        httpGateway: { virtualServiceNamespaces: ['team-a', 'team-b'] },
      }),
      /^spec\.httpGateway\.virtualServiceNamespaces\[1\] team-b is a namespace whose VirtualServices Gloo serves on this gateway's filter chain.*: namespace team-b is environment b's/,
    ],
    [
      'every namespace by *',
      withEnvironmentB,
      gateway({ matcher: tls(['a.example.com']), httpGateway: { virtualServiceNamespaces: ['*'] } }),
      /^spec\.httpGateway\.virtualServiceNamespaces\[0\] \* is a namespace/,
    ],
    [
      "another environment's certificate",
      withEnvironmentB,
      gateway({
        matcher: {
          sslConfig: { secretRef: { name: 'tls', namespace: 'team-b' }, sniDomains: ['a.example.com'] },
        },
        httpGateway: own,
      }),
      /^spec\.matcher\.sslConfig\.secretRef\.namespace team-b/,
    ],
  ])('a MatchableHttpGateway with %s', (_what, bounds, object, expected) => {
    const why = outOfBounds(bounds, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  const limited = (namespace: string, at: 'rateLimitConfigs' | 'rateLimitEarlyConfigs') =>
    made('gateway.solo.io/v1', 'VirtualService', {
      spec: {
        virtualHost: {
          domains: ['a.example.com'],
          routes: [
            { matchers: [{ prefix: '/' }], options: { [at]: { refs: [{ name: 'limits', namespace }] } } },
          ],
        },
      },
    });
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['its own rate limit config', limited('team-a', 'rateLimitConfigs'), undefined],
    ["a platform's shared one", limited('platform-limits', 'rateLimitConfigs'), undefined],
    [
      "another environment's",
      limited('team-b', 'rateLimitEarlyConfigs'),
      /^spec\.virtualHost\.routes\[0\]\.options\.rateLimitEarlyConfigs\.refs\[0\]\.namespace team-b names a RateLimitConfig whose counters every route naming it shares/,
    ],
    [
      "the cluster's own",
      limited('kube-system', 'rateLimitConfigs'),
      /namespace kube-system is cairn's or the cluster's own/,
    ],
  ])('a Gloo VirtualService taking %s', (_what, object, expected) => {
    const why = outOfBounds(withEnvironmentB, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('HAProxy annotations naming a Secret', () => {
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      "server-crt of another environment's on a Service",
      made(
        'v1',
        'Service',
        { spec: { ports: [{ port: 443 }] } },
        { annotations: { 'haproxy.org/server-crt': 'team-b/client' } },
      ),
      /^metadata\.annotations\.haproxy\.org\/server-crt names a Secret of namespace team-b, and the ingress controller \(reading every namespace's Secrets\) presents that Secret's client certificate and key to this object's backend: namespace team-b is neither/,
    ],
    [
      "server-ca of another environment's on an Ingress",
      ingress({ rules: [rule('a.example.com')] }, { annotations: { 'haproxy.org/server-ca': 'team-b/ca' } }),
      /^metadata\.annotations\.haproxy\.org\/server-ca names a Secret of namespace team-b/,
    ],
    [
      "auth-secret of another environment's on an Ingress",
      ingress(
        { rules: [rule('a.example.com')] },
        { annotations: { 'haproxy.org/auth-secret': 'team-b/users' } },
      ),
      /^metadata\.annotations\.haproxy\.org\/auth-secret names a Secret of namespace team-b/,
    ],
    [
      "cr-backend of another environment's on a Service",
      made(
        'v1',
        'Service',
        { spec: { ports: [{ port: 80 }] } },
        { annotations: { 'haproxy.org/cr-backend': 'team-b/backend' } },
      ),
      /^metadata\.annotations\.haproxy\.org\/cr-backend names a HAProxy Backend of namespace team-b, and the ingress controller \(reading every namespace's HAProxy Backends\) gives this object's backend that Backend's raw settings/,
    ],
    [
      'server-crt of its own namespace, and an Ingress-only annotation on a Service (no controller reads it there)',
      made(
        'v1',
        'Service',
        { spec: { ports: [{ port: 443 }] } },
        { annotations: { 'haproxy.org/server-crt': 'team-a/client', 'x.io/auth-secret': 'team-b/users' } },
      ),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(base, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('externalNameReach under another cluster domain', () => {
  it.each<[string, object]>([
    ['web.team-b.svc.corp.internal', { kind: 'namespace', namespace: 'team-b' }],
    ['web.team-b.svc.cluster.local', { kind: 'namespace', namespace: 'team-b' }],
    ['10-96-0-1.default.pod.corp.internal', { kind: 'address', spelled: "a pod's name" }],
    ['web.team-b.svc.example.com', { kind: 'external' }],
    ['api.example.com', { kind: 'searched', namespace: 'com' }],
  ])('%s', (name, reach) => {
    expect(externalNameReach(name, 'corp.internal')).toEqual(reach);
  });

  it('bounds a Service named under it as any other', () => {
    const object = made('v1', 'Service', {
      spec: { type: 'ExternalName', externalName: 'web.team-b.svc.corp.internal' },
    });
    expect(outOfBounds(withEnvironmentB, object, new Set())).toBeUndefined();
    expect(outOfBounds({ ...withEnvironmentB, clusterDomain: 'corp.internal' }, object, new Set())).toMatch(
      /^spec\.externalName web\.team-b\.svc\.corp\.internal names a Service of namespace team-b: namespace team-b is environment b's/,
    );
  });
});

describe('externalNameReach', () => {
  it.each([
    ['web.team-b.svc.cluster.local', { kind: 'namespace', namespace: 'team-b' }],
    ['web.team-b.svc.cluster.local.', { kind: 'namespace', namespace: 'team-b' }],
    ['web.team-b.svc', { kind: 'namespace', namespace: 'team-b' }],
    ['kubernetes.default.svc', { kind: 'namespace', namespace: 'default' }],
    ['web-0.web.team-b.svc.cluster.local', { kind: 'namespace', namespace: 'team-b' }],
    ['web.team-b', { kind: 'namespace', namespace: 'team-b' }],
    ['Web.Team-B', { kind: 'namespace', namespace: 'team-b' }],
    ['web', { kind: 'resolver-namespace' }],
    ['api.example.com', { kind: 'searched', namespace: 'com' }],
    ['api.example.com.', { kind: 'external' }],
    ['web-0.web.team-b', { kind: 'searched', namespace: 'team-b' }],
    ['a.api.example.com', { kind: 'external' }],
    ['example.com.', { kind: 'external' }],
    ['svc.example.com', { kind: 'searched', namespace: 'com' }],
    ['10.96.0.1', { kind: 'address', spelled: 'an IPv4 address' }],
    ['169.254.169.254.', { kind: 'address', spelled: 'an IPv4 address' }],
    ['10-96-0-1.team-b.pod.cluster.local', { kind: 'address', spelled: "a pod's name" }],
    ['10-96-0-1.team-b.pod', { kind: 'address', spelled: "a pod's name" }],
    ['1.2.3.example.com', { kind: 'external' }],
    ['pod.example.com', { kind: 'searched', namespace: 'com' }],
  ])('%s', (name, reach) => {
    expect(externalNameReach(name)).toEqual(reach);
  });
});

describe('ExternalName Services', () => {
  const external = (externalName: string) =>
    made('v1', 'Service', { spec: { type: 'ExternalName', externalName } }, { name: 'alias' });
  const declared = new Set(['team-a-extra']);
  it.each<[string, Bounds, string, RegExp | undefined]>([
    ['a public name', base, 'api.example.com', undefined],
    ['an absolute public name of two labels', base, 'example.com.', undefined],
    ['a Service of its own namespace', base, 'web.team-a.svc.cluster.local', undefined],
    ['a Service of a Namespace of its tree', base, 'web.team-a-extra', undefined],
    [
      'a Service of a listed namespace',
      { ...base, namespaces: ['team-a-*'] },
      'web.team-a-jobs.svc',
      undefined,
    ],
    [
      "another environment's Service",
      base,
      'web.team-b.svc.cluster.local',
      /^spec\.externalName web\.team-b\.svc\.cluster\.local names a Service of namespace team-b: namespace team-b is neither kubernetes\.namespace/,
    ],
    [
      "another environment's Service by its short name",
      base,
      'web.team-b',
      /^spec\.externalName web\.team-b names a Service of namespace team-b \(read as <service>\.<namespace>; end a name outside the cluster with a dot\)/,
    ],
    ['the API server', base, 'kubernetes.default.svc', /namespace default is neither/],
    [
      'kube-system',
      { ...base, namespaces: ['*'] },
      'kube-dns.kube-system.svc.cluster.local',
      /never written/,
    ],
    [
      'a single label',
      base,
      'web',
      /^spec\.externalName web is one label, which the ingress controller looks up as a Service of its own namespace/,
    ],
  ])('%s', (_what, bounds, name, expected) => {
    const why = outOfBounds(bounds, external(name), declared);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });

  describe('a name of three labels, which the resolver tries under its search domains first', () => {
    it.each<[string, string, RegExp | undefined]>([
      ['a public name', 'api.example.com', undefined],
      ['a pod of its own namespace', 'web-0.web.team-a', undefined],
      [
        "another environment's pod",
        'web-0.web.team-b',
        /^spec\.externalName web-0\.web\.team-b is looked up under the resolver's search domains first, where it is web-0\.web\.team-b\.svc\.cluster\.local, pod web-0 of a headless Service of namespace team-b: namespace team-b is environment b's .*end a name outside the cluster with a dot \(web-0\.web\.team-b\.\)$/,
      ],
      [
        'a pod of the cluster',
        'etcd-0.etcd.kube-system',
        /namespace kube-system is cairn's or the cluster's own/,
      ],
      ['the same name, absolute', 'web-0.web.team-b.', undefined],
    ])('%s', (_what, name, expected) => {
      const why = outOfBounds(withEnvironmentB, external(name), declared);
      if (expected === undefined) expect(why).toBeUndefined();
      else expect(why).toMatch(expected);
    });
  });

  it('reads externalName only on an ExternalName Service', () => {
    const clusterIp = made('v1', 'Service', { spec: { type: 'ClusterIP', externalName: 'web.team-b' } });
    expect(outOfBounds(base, clusterIp, new Set())).toBeUndefined();
  });

  it('is refused whatever allowClusterPolicy says', () => {
    expect(outOfBounds({ ...base, allowClusterPolicy: true }, external('web.team-b'), new Set())).toMatch(
      /namespace team-b/,
    );
  });
});

describe('Gateway API cross-namespace references', () => {
  it('a ReferenceGrant in another namespace is refused by the namespace bound', () => {
    const grant = {
      apiVersion: 'gateway.networking.k8s.io/v1beta1',
      kind: 'ReferenceGrant',
      metadata: { name: 'let-a-in', namespace: 'team-b' },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'team-a' }],
        to: [{ group: '', kind: 'Service' }],
      },
    } as KubeObject;
    expect(outOfBounds(base, grant, new Set())).toMatch(/^namespace team-b is neither/);
  });
});

describe('controllerTargetsOf: the hosts ingress-nginx requests for an Ingress', () => {
  const ingressWith = (annotations: Record<string, string>) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'x', namespace: 'team-a', annotations },
  });
  it.each([
    ['http://web.team-b.svc.cluster.local/check', 'web.team-b.svc.cluster.local'],
    ['https://user:pw@auth.example.com:8443/check?x=1', 'auth.example.com'],
    ['http://10.96.0.1$request_uri', '10.96.0.1'],
    ['https://mirror.example.com$uri$is_args$args', 'mirror.example.com'],
    ['http://[fd00::1]:80/x', 'fd00::1'],
    ['http://$http_x_target/check', undefined],
    ['http://web.$arg_ns.svc/check', undefined],
    ['not a url', undefined],
  ])('%s', (url, name) => {
    expect(controllerTargetsOf(ingressWith({ 'nginx.ingress.kubernetes.io/auth-url': url }))).toEqual([
      {
        field: 'metadata.annotations.nginx.ingress.kubernetes.io/auth-url',
        name,
        written: url,
        kind: 'request',
        who: 'the ingress controller',
      },
    ]);
  });

  it('leaves $host (the Ingress’s own host) and other annotations out, under any prefix', () => {
    expect(
      controllerTargetsOf(
        ingressWith({
          'nginx.ingress.kubernetes.io/auth-url': 'https://$host/oauth2/auth',
          'example.com/mirror-target': 'http://10.0.0.1/',
          'nginx.ingress.kubernetes.io/auth-signin': 'http://10.0.0.2/',
        }),
      ).map((t) => t.name),
    ).toEqual(['10.0.0.1']);
  });
});

describe('Istio rules for the mesh', () => {
  const withExtra: Bounds = { ...base, namespaces: ['team-a-*'] };
  const istio = (kind: string, spec: object) => made('networking.istio.io/v1', kind, { spec });
  it.each([
    [
      'a mesh VirtualService for its own Service by short name',
      istio('VirtualService', { hosts: ['web'] }),
      undefined,
    ],
    [
      'one for a Service of its other namespaces',
      istio('VirtualService', { hosts: ['web.team-a-x.svc.cluster.local'] }),
      undefined,
    ],
    [
      'a gateway-only VirtualService (kubernetes.hosts decides)',
      istio('VirtualService', { hosts: ['api.example.com'], gateways: ['gw'] }),
      undefined,
    ],
    [
      'any rule exported to its own namespaces only',
      istio('ServiceEntry', { hosts: ['api.example.com'], exportTo: ['.', 'team-a-x'] }),
      undefined,
    ],
    [
      'a rule exported to none',
      istio('DestinationRule', { host: 'web.team-b.svc', exportTo: ['~'] }),
      undefined,
    ],
    [
      'a mesh VirtualService (gateways naming mesh) for another namespace’s Service',
      istio('VirtualService', { hosts: ['web.team-b.svc.cluster.local'], gateways: ['gw', 'mesh'] }),
      /spec.hosts\[0\] web.team-b.svc.cluster.local is a Service of namespace team-b, and spec.exportTo \(absent: every namespace\)/,
    ],
    [
      'a DestinationRule for another namespace’s Service exported to it',
      istio('DestinationRule', { host: 'web.team-b.svc.cluster.local', exportTo: ['team-b'] }),
      /spec.host web.team-b.svc.cluster.local is a Service of namespace team-b, and spec.exportTo \(team-b\)/,
    ],
    [
      'a ServiceEntry for an address',
      istio('ServiceEntry', { hosts: ['10.96.0.1'] }),
      /spec.hosts\[0\] 10.96.0.1 is a host outside this environment/,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(withExtra, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe('Emissary-ingress routes', () => {
  const emissary = (kind: string, spec: object) => made('getambassador.io/v3alpha1', kind, { spec });
  it.each([
    [
      'a Mapping for its host, served by its own Service',
      emissary('Mapping', { hostname: 'a.example.com', service: 'web:80' }),
      undefined,
    ],
    [
      'one under its wildcard, served from outside',
      emissary('Mapping', { hostname: 'x.a.example.com', service: 'https://api.example.com' }),
      undefined,
    ],
    [
      'a Mapping by its older host field',
      emissary('Mapping', { host: 'b.example.com', service: 'web' }),
      /spec.host b.example.com is not within/,
    ],
    [
      'a host regex',
      emissary('Mapping', { host: '.*', host_regex: true, service: 'web' }),
      /spec.host is a regular expression \(host_regex\)/,
    ],
    [
      'a TCPMapping without an SNI host (the whole port, cluster policy before any host claim)',
      emissary('TCPMapping', { port: 9000, service: 'web:9000' }),
      /^spec\.port: it takes TCP port 9000 /,
    ],
    [
      'a TCPMapping of its SNI host',
      emissary('TCPMapping', { port: 9443, host: 'db.a.example.com', service: 'db:5432' }),
      undefined,
    ],
    [
      'a Host for another host',
      emissary('Host', { hostname: 'b.example.com' }),
      /spec.hostname b.example.com is not within/,
    ],
    [
      'a Mapping served by an address',
      emissary('Mapping', { hostname: 'a.example.com', service: '10.0.0.5:8080' }),
      /spec.service 10.0.0.5 is an IPv4 address/,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(withHosts, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("a shared gateway's port taken whole (cluster policy)", () => {
  // Found in review: a route matching a port alone takes it from every environment sharing the
  // gateway, and where two environments' objects name one port the controller keeps one of them.
  const kong = (kind: string, rules: object[]) =>
    made('configuration.konghq.com/v1beta1', kind, { spec: { rules } });
  const backend = { serviceName: 'dns', servicePort: 53 };
  const transportServer = (listener: object, host?: string) =>
    made('k8s.nginx.org/v1', 'TransportServer', {
      spec: { listener, ...(host ? { host, tls: { secret: 'db-tls' } } : {}), action: { pass: 'db' } },
    });
  const emissary = (kind: string, spec: object) => made('getambassador.io/v3alpha1', kind, { spec });
  const haproxyTcp = (apiVersion: string, binds: unknown) =>
    made(apiVersion, 'TCP', {
      spec: [{ name: 'db', frontend: { name: 'fe-db', binds }, service: { name: 'db', port: 5432 } }],
    });
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      'a Kong UDPIngress rule (its port alone)',
      kong('UDPIngress', [{ port: 53, backend }]),
      /^spec\.rules\[0\]\.port: it takes UDP port 53 of the gateway every environment shares, whatever the host: Kong routes every datagram to that port of the gateway to this rule's Service.*: that is cluster policy/,
    ],
    [
      'a Kong TCPIngress rule without an SNI host, after one with',
      kong('TCPIngress', [
        { host: 'db.a.example.com', port: 9443, backend },
        { port: 9000, backend },
      ]),
      /^spec\.rules\[1\]\.port: it takes TCP port 9000 .*; name the SNI host this rule serves in its host: that is cluster policy/,
    ],
    [
      'a Kong TCPIngress rule of its SNI host',
      kong('TCPIngress', [{ host: 'db.a.example.com', port: 9443, backend }]),
      undefined,
    ],
    [
      'a Traefik IngressRouteUDP on its entry point',
      traefikKind('IngressRouteUDP', {
        entryPoints: ['dns'],
        routes: [{ services: [{ name: 'dns', port: 53 }] }],
      }),
      /^spec\.entryPoints: it takes entry point dns of the gateway every environment shares, whatever the host: Traefik keeps one UDP router per entry point, whichever's name sorts last/,
    ],
    [
      'a Traefik IngressRouteUDP naming no entry point',
      traefikKind('IngressRouteUDP', { routes: [{ services: [{ name: 'dns', port: 53 }] }] }),
      /^spec\.entryPoints: it takes every default entry point/,
    ],
    [
      'a Traefik IngressRouteTCP of HostSNI(`*`) on the web entry point',
      traefik('HostSNI(`*`)', { entryPoints: ['web'] }, 'IngressRouteTCP'),
      /^spec\.routes\[0\]\.match: it takes entry point web .*a plaintext one before any HTTP router sees it.*; match the SNI hosts this route serves with HostSNI\(`name`\)/,
    ],
    [
      'a Traefik IngressRouteTCP of its own SNI host',
      traefik('HostSNI(`db.a.example.com`)', { entryPoints: ['websecure'] }, 'IngressRouteTCP'),
      undefined,
    ],
    [
      'an NGINX Inc TransportServer without a host on a UDP listener',
      transportServer({ name: 'dns-udp', protocol: 'UDP' }),
      /^spec\.listener: it takes listener dns-udp \(UDP\) of the gateway every environment shares, whatever the host: .*the oldest .*which takes every connection to its port: that is cluster policy/,
    ],
    [
      'an NGINX Inc TransportServer of its SNI host on a TCP listener',
      transportServer({ name: 'tcp-5432', protocol: 'TCP' }, 'db.a.example.com'),
      undefined,
    ],
    [
      'a HAProxy TCP resource (v3: binds by name)',
      haproxyTcp('ingress.v3.haproxy.org/v3', { v4: { name: 'v4', port: 5432 } }),
      /^spec\[0\]\.frontend\.binds\.v4\.port: it takes port 5432 of the gateway every environment shares, whatever the host: HAProxy's controller binds that port on itself for this resource, and of two resources of any namespaces binding one address and port keeps the oldest/,
    ],
    [
      'a HAProxy TCP resource (v1: a list of binds)',
      haproxyTcp('ingress.v1.haproxy.org/v1', [{ name: 'v4', port: 5432 }]),
      /^spec\[0\]\.frontend\.binds\[0\]\.port: it takes port 5432/,
    ],
    [
      'an Emissary TCPMapping without a host',
      emissary('TCPMapping', { port: 9000, service: 'db:5432' }),
      /^spec\.port: it takes TCP port 9000 of the gateway every environment shares, whatever the host: Emissary puts every TCPMapping of that port without a host, any namespace's, in one group .*shares them by weight among the group's Services.*; name the SNI host this TCPMapping serves in spec\.host, with a TLSContext for it: that is cluster policy/,
    ],
    [
      'an Emissary TCPMapping of host * on an address',
      emissary('TCPMapping', { port: 9000, address: '10.0.0.9', host: '*', service: 'db:5432' }),
      /^spec\.port: it takes TCP port 9000 of address 10\.0\.0\.9 /,
    ],
    [
      'an Emissary TCPMapping of its SNI host',
      emissary('TCPMapping', { port: 9443, host: 'db.a.example.com', service: 'db:5432' }),
      undefined,
    ],
    [
      "a TCPRoute on a listener of another namespace's Gateway",
      route('TCPRoute', { parentRefs: [{ name: 'shared', namespace: 'gateways', sectionName: 'db' }] }),
      /^spec\.parentRefs\[0\]: it takes listener db of Gateway gateways\/shared of the gateway every environment shares, whatever the host: Gateway API gives a TCP listener's connections to one of the routes attached to it, the oldest, .*GEP-2644.*; attach it to a Gateway or ListenerSet of this environment's own namespaces: that is cluster policy/,
    ],
    [
      "a UDPRoute on a port of another namespace's ListenerSet",
      route('UDPRoute', {
        parentRefs: [
          {
            group: 'gateway.networking.k8s.io',
            kind: 'ListenerSet',
            name: 'dns',
            namespace: 'gateways',
            port: 53,
          },
        ],
      }),
      /^spec\.parentRefs\[0\]: it takes port 53 of ListenerSet gateways\/dns .*a UDP listener's datagrams .*GEP-2645/,
    ],
    [
      "a TCPRoute on its own Gateway, then on every TCP listener of another namespace's",
      made('gateway.networking.k8s.io/v1alpha2', 'TCPRoute', {
        spec: { parentRefs: [{ name: 'own' }, { name: 'shared', namespace: 'team-b' }] },
      }),
      /^spec\.parentRefs\[1\]: it takes every TCP listener of Gateway team-b\/shared /,
    ],
    [
      "a TCPRoute on its own namespace's Gateway (the parentRef's namespace defaults to the route's)",
      route('TCPRoute', {
        parentRefs: [
          { name: 'own', sectionName: 'db' },
          { name: 'own', namespace: 'team-a' },
        ],
      }),
      undefined,
    ],
    [
      "a ListenerSet of a TCP listener on another namespace's Gateway",
      route('ListenerSet', {
        parentRef: { name: 'shared', namespace: 'gateways' },
        listeners: [
          { name: 'web', protocol: 'HTTPS', hostname: 'a.example.com', port: 443 },
          { name: 'db', protocol: 'TCP', port: 5432 },
        ],
      }),
      /^spec\.listeners\[1\]: it takes TCP port 5432 \(listener db\) of Gateway gateways\/shared of the gateway every environment shares, whatever the host: Gateway API merges this ListenerSet's listeners into that Gateway's, and of listeners of one port that nothing tells apart \(two TCP listeners, or a TCP one beside HTTP, HTTPS or TLS ones\) accepts the Gateway's own, then the oldest ListenerSet's, .*GEP-1713.*; attach this ListenerSet to a Gateway of this environment's own namespaces \(spec\.parentRef\), or serve it on an HTTP, HTTPS or TLS listener with a hostname of this environment's: that is cluster policy/,
    ],
    [
      "an XListenerSet of a UDP listener on another namespace's Gateway, named by its full reference",
      made('gateway.networking.x-k8s.io/v1alpha1', 'XListenerSet', {
        spec: {
          parentRef: {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: 'dns',
            namespace: 'team-b',
          },
          listeners: [{ name: 'dns', protocol: 'UDP', port: 53 }],
        },
      }),
      /^spec\.listeners\[0\]: it takes UDP port 53 \(listener dns\) of Gateway team-b\/dns /,
    ],
    [
      "a ListenerSet of a listener of another protocol, matched by no host, on another namespace's Gateway",
      route('ListenerSet', {
        parentRef: { name: 'shared', namespace: 'gateways' },
        listeners: [{ name: 'mq', protocol: 'example.com/amqp', hostname: 'mq.a.example.com', port: 5672 }],
      }),
      /^spec\.listeners\[0\]: it takes example\.com\/amqp port 5672 \(listener mq\) of Gateway gateways\/shared /,
    ],
    [
      "a ListenerSet of a TCP listener on its own namespace's Gateway (the parentRef's namespace defaults to its own)",
      route('ListenerSet', {
        parentRef: { name: 'own' },
        listeners: [{ name: 'db', protocol: 'TCP', port: 5432 }],
      }),
      undefined,
    ],
    [
      "a ListenerSet of HTTPS listeners of its own hosts on another namespace's Gateway (host claims)",
      route('ListenerSet', {
        parentRef: { name: 'shared', namespace: 'gateways' },
        listeners: [{ name: 'web', protocol: 'HTTPS', hostname: 'a.example.com', port: 443 }],
      }),
      undefined,
    ],
    [
      'a ListenerSet whose parentRef is not a Gateway',
      route('ListenerSet', {
        parentRef: { group: 'example.com', kind: 'Proxy', name: 'shared', namespace: 'gateways' },
        listeners: [{ name: 'db', protocol: 'TCP', port: 5432 }],
      }),
      undefined,
    ],
    [
      "a TCPRoute of the mesh, on another namespace's Service",
      route('TCPRoute', { parentRefs: [{ group: '', kind: 'Service', name: 'db', namespace: 'gateways' }] }),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(base, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
    // Cluster policy: an environment trusted with the whole cluster may take a port.
    expect(outOfBounds({ ...base, allowClusterPolicy: true }, object, new Set())).toBeUndefined();
  });

  it("takes a TCPRoute's Gateway in a namespace the environment lists, or its tree declares, for its own", () => {
    const object = route('TCPRoute', { parentRefs: [{ name: 'db', namespace: 'team-a-gateways' }] });
    expect(outOfBounds({ ...base, namespaces: ['team-a-*'] }, object, new Set())).toBeUndefined();
    expect(outOfBounds(base, object, new Set(['team-a-gateways']))).toBeUndefined();
    expect(outOfBounds(base, object, new Set())).toMatch(
      /^spec\.parentRefs\[0\]: it takes every TCP listener of Gateway team-a-gateways\/db /,
    );
  });

  it("still bounds a trusted environment's UDP route by the namespaces of its Services", () => {
    const object = traefikKind('IngressRouteUDP', {
      entryPoints: ['dns'],
      routes: [{ services: [{ name: 'dns', namespace: 'team-b', port: 53 }] }],
    });
    expect(outOfBounds({ ...base, allowClusterPolicy: true }, object, new Set())).toMatch(
      /^spec\.routes\[0\]\.services\[0\]\.namespace team-b/,
    );
  });
});

describe('Gateway API routes of the mesh (GAMMA), on a Service parent', () => {
  // Read in review (GEP-1294 "Namespace boundaries" and "hostnames field", conformance
  // MeshConsumerRoute, gateway-api 4564255a): a route on a Service in another namespace (a consumer
  // route) applies only to requests from its own namespace's workloads, one on its own namespace's
  // Service (a producer route) to that Service's clients, and a mesh infers nothing from hostnames.
  // No gateway serves a route attached to Services alone, so it claims no host.
  const service = (name: string, namespace?: string, group = '') => ({
    group,
    kind: 'Service',
    name,
    ...(namespace ? { namespace } : {}),
  });
  const mesh = (kind: string, spec: object, apiVersion = 'gateway.networking.k8s.io/v1') =>
    made(apiVersion, kind, { spec: { rules: [{ backendRefs: [{ name: 'web', port: 80 }] }], ...spec } });

  it.each<[string, KubeObject]>([
    [
      "an HTTPRoute on environment b's Service, naming no host (a consumer route)",
      mesh('HTTPRoute', { parentRefs: [service('web', 'team-b')] }),
    ],
    [
      "an HTTPRoute on b's Service written with group core, naming b's host",
      mesh('HTTPRoute', { parentRefs: [service('web', 'team-b', 'core')], hostnames: ['b.example.com'] }),
    ],
    [
      "a GRPCRoute on its own namespace's Service (a producer route)",
      mesh('GRPCRoute', { parentRefs: [service('grpc')] }),
    ],
    [
      "a TLSRoute on b's Service and on its own (experimental group)",
      mesh(
        'TLSRoute',
        { parentRefs: [service('db', 'team-b'), service('db')], hostnames: ['db.b.example.com'] },
        'gateway.networking.x-k8s.io/v1alpha2',
      ),
    ],
    [
      "a TCPRoute on its own Gateway and on b's Service",
      mesh('TCPRoute', { parentRefs: [{ name: 'own', sectionName: 'db' }, service('db', 'team-b')] }),
    ],
    [
      "a UDPRoute on a port of b's Service",
      mesh('UDPRoute', { parentRefs: [{ ...service('dns', 'team-b'), port: 53 }] }),
    ],
  ])('%s applies, whatever kubernetes.hosts lists', (_what, object) => {
    for (const hosts of [withHosts.hosts, [], undefined])
      expect(outOfBounds({ ...base, ...(hosts ? { hosts } : {}) }, object, new Set())).toBeUndefined();
    // Nor is a host environment b lists taken from it (b.example.com, without a's own list).
    const bListsItsHost = {
      ...withEnvironmentB,
      claims: {
        ...withEnvironmentB.claims!,
        config: { ...withEnvironmentB.claims!.config, hosts: [{ env: 'b', host: 'b.example.com' }] },
      },
    };
    expect(outOfBounds(bListsItsHost, object, new Set())).toBeUndefined();
  });

  it.each<[string, KubeObject, RegExp]>([
    [
      "an HTTPRoute on b's Service and on the platform's Gateway claims every host of the Gateway's listeners",
      mesh('HTTPRoute', {
        parentRefs: [service('web', 'team-b'), { name: 'shared', namespace: 'gateways' }],
      }),
      /^spec\.hostnames names no host, so it claims every host no other object claims/,
    ],
    [
      "an HTTPRoute whose Service parent has no group (gateway.networking.k8s.io's, no Service of the core's)",
      mesh('HTTPRoute', { parentRefs: [{ kind: 'Service', name: 'web', namespace: 'team-b' }] }),
      /^spec\.hostnames names no host/,
    ],
    [
      "an HTTPRoute without parents, of b's host",
      mesh('HTTPRoute', { hostnames: ['b.example.com'] }),
      /^spec\.hostnames\[0\] b\.example\.com is not within kubernetes\.hosts/,
    ],
  ])('%s', (_what, object, expected) => {
    expect(outOfBounds(withHosts, object, new Set())).toMatch(expected);
  });

  it("still takes a TCPRoute on b's Service and on the platform's Gateway as the port taken whole", () => {
    const object = mesh('TCPRoute', {
      parentRefs: [service('db', 'team-b'), { name: 'shared', namespace: 'gateways', sectionName: 'db' }],
    });
    expect(outOfBounds(base, object, new Set())).toMatch(
      /^spec\.parentRefs\[1\]: it takes listener db of Gateway gateways\/shared .*: that is cluster policy/,
    );
  });
});

describe("Gloo's MatchableTcpGateway", () => {
  // Found in review: a platform's Gateway selects MatchableTcpGateways by label from every
  // namespace; their matcher's SNI domains and TCP hosts' SNI domains pick its connections, and
  // their TCP hosts forward them to Upstreams, Services and Secrets of any namespace Gloo watches.
  const tcpGateway = (matcher: object, tcpHost: object) =>
    made('gateway.solo.io/v1', 'MatchableTcpGateway', {
      spec: { matcher, tcpGateway: { tcpHosts: [{ name: 'db', ...tcpHost }] } },
    });
  const sni = (...sniDomains: string[]) => ({ sslConfig: { sniDomains } });
  const single = (destination: object) => ({ destination: { single: destination } });
  const own = single({ upstream: { name: 'db', namespace: 'team-a' } });
  it.each<[string, KubeObject, RegExp | undefined]>([
    ['its own SNI host to its own Upstream', tcpGateway(sni('db.a.example.com'), own), undefined],
    [
      "another environment's SNI host",
      tcpGateway(sni('db.b.example.com'), own),
      /^spec\.matcher\.sslConfig\.sniDomains\[0\] db\.b\.example\.com is not within kubernetes\.hosts/,
    ],
    [
      "a TCP host of another environment's SNI",
      tcpGateway(sni('db.a.example.com'), { ...own, ...sni('db.b.example.com') }),
      /^spec\.tcpGateway\.tcpHosts\[0\]\.sslConfig\.sniDomains\[0\] db\.b\.example\.com is not within/,
    ],
    [
      'no SNI (every connection of the listener)',
      tcpGateway({}, own),
      /^spec\.matcher\.sslConfig names no host/,
    ],
    [
      "another environment's Upstream",
      tcpGateway(sni('db.a.example.com'), single({ upstream: { name: 'db', namespace: 'team-b' } })),
      /^spec\.tcpGateway\.tcpHosts\[0\]\.destination\.single\.upstream\.namespace team-b hands this object's traffic to another namespace's objects/,
    ],
    [
      "another environment's Service among weighted destinations",
      tcpGateway(sni('db.a.example.com'), {
        destination: {
          multi: { destinations: [{ destination: { kube: { ref: { name: 'db', namespace: 'team-b' } } } }] },
        },
      }),
      /^spec\.tcpGateway\.tcpHosts\[0\]\.destination\.multi\.destinations\[0\]\.destination\.kube\.ref\.namespace team-b/,
    ],
    [
      "another environment's TLS Secret",
      tcpGateway(
        { sslConfig: { sniDomains: ['db.a.example.com'], secretRef: { name: 'tls', namespace: 'team-b' } } },
        own,
      ),
      /^spec\.matcher\.sslConfig\.secretRef\.namespace team-b names a Secret whose certificate and key Gloo's proxy presents/,
    ],
    [
      'the Upstream its client names in the SNI',
      tcpGateway(sni('db.a.example.com'), { destination: { forwardSniClusterName: {} } }),
      /^spec\.tcpGateway\.tcpHosts\[0\]\.destination\.forwardSniClusterName sends each connection to the Upstream its client names in the SNI/,
    ],
  ])('with kubernetes.hosts, %s', (_what, object, expected) => {
    const why = outOfBounds({ ...withHosts, claims: withEnvironmentB.claims! }, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});

describe("Gloo's RouteOption and VirtualHostOption own options", () => {
  // Found in review: Gloo merges their options into every route taking them, so an AuthConfig or
  // RateLimitConfig they name acts as one named by the route itself.
  const option = (kind: string, options: object) => made('gateway.solo.io/v1', kind, { spec: { options } });
  const ref = (namespace: string) => ({ name: 'x', namespace });
  it.each<[string, KubeObject, RegExp | undefined]>([
    [
      "a RouteOption checking requests with another environment's AuthConfig",
      option('RouteOption', { extauth: { configRef: ref('team-b') } }),
      /^spec\.options\.extauth\.configRef\.namespace team-b names an AuthConfig that Gloo's external auth service checks every request to this object's routes with: namespace team-b is environment b's/,
    ],
    [
      "a VirtualHostOption counting against another environment's RateLimitConfig",
      option('VirtualHostOption', { rateLimitConfigs: { refs: [ref('team-b')] } }),
      /^spec\.options\.rateLimitConfigs\.refs\[0\]\.namespace team-b names a RateLimitConfig whose counters every route naming it shares/,
    ],
    [
      "a RouteOption of its own AuthConfig and a platform's RateLimitConfig",
      option('RouteOption', {
        extauth: { configRef: ref('team-a') },
        rateLimitRegularConfigs: { refs: [ref('platform')] },
      }),
      undefined,
    ],
  ])('%s', (_what, object, expected) => {
    const why = outOfBounds(withEnvironmentB, object, new Set());
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});
