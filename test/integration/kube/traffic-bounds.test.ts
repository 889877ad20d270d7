import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../../controller/config/load-config';
import type { KubeApplier, KubeObject } from '../../../controller/kube/types';
import type { KubernetesTargetConfig } from '../../../controller/config/types';
import type { PlaneResult } from '../../../controller/model';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { KUBECTL, twoEnvironmentInstall } from '../../helpers/install-identities';
import { operatorKinds, planAndApply } from '../../helpers/operator-kinds';
import { kubeKit } from './kube-kit';

/**
 * What a committer to one environment, applied as its own ServiceAccount with the install's RBAC,
 * cannot make cairn write of another environment's traffic through the ingress controller they
 * share: a host another environment serves, a snippet of the controller's configuration, an
 * ExternalName Service naming another namespace's Service. The sandbox runs no ingress controller:
 * each test shows that the API server, asked as the environment's ServiceAccount, admits the
 * object (only cairn's check stands between it and the controller), that plan and apply refuse it,
 * and that nothing of the tree reaches the server.
 */
jest.setTimeout(180_000);
const kit = kubeKit('traffic');
const suffix = Math.random().toString(36).slice(2, 7);
const install = twoEnvironmentInstall(suffix);
const { a, b } = install;
const repository = (install.config.repository as { url: string }).url;
const hostA = `a-${suffix}.example.com`;
const hostB = `b-${suffix}.example.com`;

let applierA: KubeApplier;
let applierB: KubeApplier;

/** The approval of Gateway API's CRDs by the Kubernetes API review. */
const APPROVED = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/4530' };

/**
 * Minimal CRDs of the ingress controllers', gateways' and meshes' kinds, as their charts install
 * them (the sandbox runs none of those controllers), and a Role giving a's ServiceAccount those
 * kinds in its namespace, as `--kinds default,ingressroutes.traefik.io,...` would. A CRD already
 * served (another test's) is kept.
 */
const routeCrds = [
  { group: 'traefik.io', version: 'v1alpha1', plural: 'ingressroutes', kind: 'IngressRoute' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'middlewares', kind: 'Middleware' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'traefikservices', kind: 'TraefikService' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'tlsoptions', kind: 'TLSOption' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'tlsstores', kind: 'TLSStore' },
  { group: 'gateway.solo.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService' },
  { group: 'gloo.solo.io', version: 'v1', plural: 'upstreams', kind: 'Upstream' },
  { group: 'configuration.konghq.com', version: 'v1beta1', plural: 'tcpingresses', kind: 'TCPIngress' },
  { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices', kind: 'VirtualService' },
  { group: 'getambassador.io', version: 'v3alpha1', plural: 'mappings', kind: 'Mapping' },
  { group: 'networking.istio.io', version: 'v1', plural: 'destinationrules', kind: 'DestinationRule' },
  { group: 'networking.istio.io', version: 'v1', plural: 'serviceentries', kind: 'ServiceEntry' },
  { group: 'projectcontour.io', version: 'v1', plural: 'httpproxies', kind: 'HTTPProxy' },
  { group: 'cert-manager.io', version: 'v1', plural: 'certificates', kind: 'Certificate' },
  { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledjobs', kind: 'ScaledJob' },
  { group: 'enterprise.gloo.solo.io', version: 'v1', plural: 'authconfigs', kind: 'AuthConfig' },
  { group: 'gateway.solo.io', version: 'v1', plural: 'matchablehttpgateways', kind: 'MatchableHttpGateway' },
  { group: 'configuration.konghq.com', version: 'v1', plural: 'kongconsumers', kind: 'KongConsumer' },
  { group: 'k8s.nginx.org', version: 'v1', plural: 'transportservers', kind: 'TransportServer' },
  { group: 'configuration.konghq.com', version: 'v1beta1', plural: 'udpingresses', kind: 'UDPIngress' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'ingressrouteudps', kind: 'IngressRouteUDP' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'ingressroutetcps', kind: 'IngressRouteTCP' },
  { group: 'ingress.v3.haproxy.org', version: 'v3', plural: 'tcps', kind: 'TCP' },
  { group: 'gateway.solo.io', version: 'v1', plural: 'matchabletcpgateways', kind: 'MatchableTcpGateway' },
  { group: 'gateway.solo.io', version: 'v1', plural: 'routeoptions', kind: 'RouteOption' },
  { group: 'gateway.solo.io', version: 'v1', plural: 'virtualhostoptions', kind: 'VirtualHostOption' },
  { group: 'getambassador.io', version: 'v3alpha1', plural: 'tcpmappings', kind: 'TCPMapping' },
  // the API server takes a CRD of a *.k8s.io group only with its API review's approval, as Gateway API's carry
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'tcproutes',
    kind: 'TCPRoute',
    annotations: APPROVED,
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'udproutes',
    kind: 'UDPRoute',
    annotations: APPROVED,
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'gateways',
    kind: 'Gateway',
    annotations: APPROVED,
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'httproutes',
    kind: 'HTTPRoute',
    annotations: APPROVED,
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    plural: 'listenersets',
    kind: 'ListenerSet',
    annotations: APPROVED,
  },
  {
    group: 'gateway.networking.x-k8s.io',
    version: 'v1alpha1',
    plural: 'xlistenersets',
    kind: 'XListenerSet',
  },
  {
    group: 'configuration.konghq.com',
    version: 'v1',
    plural: 'kongclusterplugins',
    kind: 'KongClusterPlugin',
    cluster: true,
  },
];
const kinds = operatorKinds(kit, install, `route-kinds-${suffix}`, routeCrds);
const { admittedAsA } = kinds;

/** What the install's config, loaded as cairn loads it, gives environment a to know of the others. */
function claimsOfA() {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-claims-'));
  try {
    const file = join(dir, 'cairn.yaml');
    writeFileSync(file, stringify(install.config));
    const { claims } = loadConfig(file).environments.find((e) => e.name === 'a')!.kubernetes!;
    return claims ? { claims } : {};
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An applier of environment a (named `name`, so its inventory is its own) as the install makes it:
 * its claims, its two namespaces, its ServiceAccount, each test's tree replacing the last one's,
 * with `overrides` on top.
 */
function applierOfA(name: string, overrides: Partial<KubernetesTargetConfig> = {}): KubeApplier {
  return kit.applier(
    name,
    kit.target(a.ns, {
      ...claimsOfA(),
      namespaces: [a.ns, a.extra],
      serviceAccount: `${a.ns}/${a.sa}`,
      pruneMaxShare: 1,
      ...overrides,
    }),
    { repository },
  );
}

beforeAll(() => {
  kinds.setUp();
  applierA = applierOfA('a', { hosts: [hostA, `*.${hostA}`] });
  applierB = kit.applier('b', kit.target(b.ns, { serviceAccount: `${b.ns}/${b.sa}`, hosts: [hostB] }), {
    repository,
  });
});

afterAll(() => kinds.tearDown());

const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (name: string, spec: object, annotations?: Record<string, string>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});
const hostRule = (host: string) => ({
  host,
  http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
});
const externalName = (name: string, target: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { type: 'ExternalName', externalName: target },
});

/** Expects plan and apply refused as kube.out-of-bounds, each naming `line`. */
function expectRefused(result: { plan: PlaneResult; apply: PlaneResult }, line: string) {
  for (const r of [result.plan, result.apply]) {
    expect(r.failure).toMatchObject({ code: 'kube.out-of-bounds', retryable: false });
    expect(r.failure!.message).toContain(line);
  }
}

type Named = { kind: string; metadata: { name: string } };
/** An object of a tree, as a test writes it. */
type Manifest = Named & { apiVersion: string; metadata: { namespace?: string } };

/** `object` of a's tree as the API server holds it (read as the sandbox's admin), or undefined. */
const readBack = (object: Manifest): Promise<unknown> => kit.get(kinds.pathOf(object));

/**
 * Plans and applies `files` with `applier` (a's unless another is given): neither reports a
 * failure, and every object of the tree is on the server afterwards.
 */
async function expectApplied(files: Record<string, Manifest>, applier: KubeApplier = applierA) {
  const result = await planAndApply(kit, applier, files);
  expect(result.plan.failure).toBeUndefined();
  expect(result.apply.failure).toBeUndefined();
  for (const object of Object.values(files)) expect(await readBack(object)).toBeDefined();
}

/**
 * Plans and applies a's commit declaring `object` beside `beside` (an object in bounds): both are
 * refused, `object` named by its file and `line`, and neither reaches the server (`read`).
 */
async function expectRefusedBeside<T extends Named>(
  object: T,
  beside: T,
  line: string,
  read: (object: T) => Promise<unknown>,
) {
  const result = await planAndApply(kit, applierA, { 'take.yaml': object, 'beside.yaml': beside });
  expectRefused(result, `k8s-resources/take.yaml: ${object.kind}/${a.ns}/${object.metadata.name}: ${line}`);
  expect(await read(object)).toBeUndefined();
  expect(await read(beside)).toBeUndefined();
}

describe("another environment's host", () => {
  it("refuses an Ingress for a host environment b serves, and applies none of a's tree", async () => {
    // given environment b serves its host
    const served = await planAndApply(kit, applierB, {
      'web.yaml': ingress('web', { rules: [hostRule(hostB)] }),
    });
    expect(served.apply.failure).toBeUndefined();

    // and the API server would take an Ingress for b's host from a's ServiceAccount
    const take = ingress('take', { rules: [hostRule(hostB)] });
    expect(admittedAsA(take)).toMatchObject({ ok: true });

    // when a's commit declares an Ingress for its own host and one for b's
    const result = await planAndApply(kit, applierA, {
      'own.yaml': ingress('own', { rules: [hostRule(hostA)] }),
      'take.yaml': take,
    });

    // then cairn refuses it in plan and apply naming the file, the object, the field and the host,
    // and nothing of a's tree exists: b's Ingress is the only one naming b's host (ingress-nginx
    // would have merged a's paths into it)
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/take`)).toBeUndefined();
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/own`)).toBeUndefined();
    expectRefused(
      result,
      `k8s-resources/take.yaml: Ingress/${a.ns}/take: spec.rules[0].host ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    );
    const all = JSON.parse(
      execFileSync(
        KUBECTL,
        ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, 'get', 'ingress', '-A', '-o', 'json'],
        { encoding: 'utf8' },
      ),
    ) as { items: KubeObject[] };
    const claiming = all.items.filter((i) => JSON.stringify(i.spec).includes(hostB));
    expect(claiming.map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([`${b.ns}/web`]);
  });

  it.each([
    [
      'a wildcard wider than its own',
      { rules: [hostRule('*.example.com')] },
      'spec.rules[0].host *.example.com',
    ],
    [
      'a rule naming no host (the catch-all server)',
      { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] },
      'spec.rules[0].host names no host',
    ],
    ['a default backend', { defaultBackend: backend }, 'spec.defaultBackend names no host'],
    [
      "a TLS entry for b's host",
      { rules: [hostRule(hostA)], tls: [{ hosts: [hostB], secretName: 'cert' }] },
      `spec.tls[0].hosts[0] ${hostB}`,
    ],
  ])('refuses an Ingress with %s', async (_what, spec, field) => {
    const name = kit.name('claim');
    const object = ingress(name, spec);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'claim.yaml': object });
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/${name}`)).toBeUndefined();
    expectRefused(result, `Ingress/${a.ns}/${name}: ${field}`);
  });

  it('applies an Ingress for its own hosts', async () => {
    await expectApplied({
      'mine.yaml': ingress('mine', {
        rules: [hostRule(hostA), hostRule(`api.${hostA}`)],
        tls: [{ hosts: [hostA, `*.${hostA}`], secretName: 'cert' }],
      }),
    });
  });

  it('without kubernetes.hosts of its own, refuses what another environment of the config lists, and applies any other host', async () => {
    // given a config in which b lists its hosts and a lists none (a's claims are otherwise unchecked)
    const dir = mkdtempSync(join(tmpdir(), 'cairn-hosts-'));
    const file = join(dir, 'cairn.yaml');
    writeFileSync(
      file,
      stringify({
        ...install.config,
        environments: (install.config.environments as { name: string; kubernetes: object }[]).map((e) =>
          e.name === 'b' ? { ...e, kubernetes: { ...e.kubernetes, hosts: [hostB, `*.${hostB}`] } } : e,
        ),
      }),
    );
    const loaded = loadConfig(file).environments.find((e) => e.name === 'a')!.kubernetes!;
    rmSync(dir, { recursive: true, force: true });
    expect(loaded.hosts).toBeUndefined();
    const unlisted = kit.applier(
      'a',
      kit.target(a.ns, {
        namespaces: [a.ns, a.extra],
        serviceAccount: `${a.ns}/${a.sa}`,
        pruneMaxShare: 1,
        ...(loaded.claims ? { claims: loaded.claims } : {}),
      }),
      { repository },
    );
    // when a's commit claims b's host, a name under b's wildcard, or a wildcard covering b's hosts
    for (const host of [hostB, `api.${hostB}`, '*.example.com']) {
      const name = kit.name('theirs');
      const object = ingress(name, { rules: [hostRule(host)] });
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const result = await planAndApply(kit, unlisted, { 'theirs.yaml': object });
      // then plan and apply refuse it, naming the host and the environment that lists it
      expect(
        await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/${name}`),
      ).toBeUndefined();
      expectRefused(
        result,
        `Ingress/${a.ns}/${name}: spec.rules[0].host ${host} overlaps ${host === hostB || host === '*.example.com' ? hostB : `*.${hostB}`}, which environment b lists in its kubernetes.hosts`,
      );
    }
    // and a host no environment lists is applied, as before
    await expectApplied(
      { 'free.yaml': ingress(kit.name('free'), { rules: [hostRule(`free-${suffix}.example.org`)] }) },
      unlisted,
    );
  });

  it('an Ingress of networking.k8s.io/v1 cannot name a Service of another namespace', () => {
    // The v1 backend names a Service of the Ingress's own namespace: the API server refuses a namespace there.
    const across = ingress('across', {
      rules: [
        {
          host: hostA,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', namespace: b.ns, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
    const res = admittedAsA(across);
    expect(res.ok).toBe(false);
    expect(res.stderr).toContain('unknown field "spec.rules[0].http.paths[0].backend.service.namespace"');
  });
});

describe('ingress controller snippets', () => {
  it("refuses a server-snippet, which would run a's configuration in the controller every environment shares", async () => {
    // when a's commit serves its own host with a snippet that serves the controller's token (which
    // the API server would take from a's ServiceAccount)
    const object = ingress(
      'snippet',
      { rules: [hostRule(hostA)] },
      {
        'nginx.ingress.kubernetes.io/server-snippet':
          'location /t { alias /var/run/secrets/kubernetes.io/serviceaccount/; }',
      },
    );
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'snippet.yaml': object });

    // then it never reaches the server, and cairn refuses it naming the annotation
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/snippet`)).toBeUndefined();
    expectRefused(
      result,
      `Ingress/${a.ns}/snippet: metadata.annotations.nginx.ingress.kubernetes.io/server-snippet: a snippet is raw configuration`,
    );
    expect(result.apply.failure!.message).toContain('kubernetes.allowClusterPolicy');
  });
});

describe("ingress-nginx annotations naming another namespace's Secret", () => {
  // Found in review: where ingress-nginx's allow-cross-namespace-resources is on (its default
  // before v1.12), these make the controller, which reads every namespace's Secrets, use one of b's:
  // present b's client certificate and key to a's upstream, or ask a's visitors for the passwords of
  // b's users (and hand them to a's backend). The API server admits them from a.
  it.each([
    ['proxy-ssl-secret', "presents that Secret's client certificate and key"],
    ['auth-secret', "asks this Ingress's visitors for the passwords"],
    ['auth-tls-secret', "verifies this Ingress's visitors with that Secret's CA"],
  ])('refuses %s naming a Secret of b', async (annotation, use) => {
    const name = kit.name('sec');
    const key = `nginx.ingress.kubernetes.io/${annotation}`;
    const object = ingress(name, { rules: [hostRule(hostA)] }, { [key]: `${b.ns}/tls` });
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'sec.yaml': object });
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/${name}`)).toBeUndefined();
    expectRefused(
      result,
      `Ingress/${a.ns}/${name}: metadata.annotations.${key} names a Secret of namespace ${b.ns}, and the ingress controller (reading every namespace's Secrets) ${use}`,
    );
  });

  it("applies them naming a Secret of a's own namespace, or one without a namespace", async () => {
    await expectApplied({
      'own.yaml': ingress(
        'own-secrets',
        { rules: [hostRule(hostA)] },
        {
          'nginx.ingress.kubernetes.io/proxy-ssl-secret': `${a.ns}/tls`,
          'nginx.ingress.kubernetes.io/auth-secret': 'basic-auth',
        },
      ),
    });
  });
});

describe('ingress-nginx annotations naming a URL the controller requests', () => {
  // Found in review: auth-url (asked for every visitor, headers of its answer copied upstream) and
  // mirror-target (a copy of every request) make the controller send requests of its own, from
  // inside the cluster, to whatever host they name: b's Services past the NetworkPolicies that let
  // the controller in, the API server, or a host a visitor picks through a variable.
  it.each([
    [
      'auth-url',
      "b's Service",
      () => `http://web.${b.ns}.svc.cluster.local/check`,
      () => `names a Service of namespace ${b.ns}`,
    ],
    [
      'mirror-target',
      "the API server's ClusterIP",
      () => 'http://10.96.0.1$request_uri',
      () => 'is an IPv4 address',
    ],
    [
      'auth-url',
      'a host a request header picks',
      () => 'http://$http_x_target/check',
      () => 'cairn cannot tell which host',
    ],
  ])('refuses %s naming %s', async (annotation, _what, url, line) => {
    const name = kit.name('url');
    const key = `nginx.ingress.kubernetes.io/${annotation}`;
    const object = ingress(name, { rules: [hostRule(hostA)] }, { [key]: url() });
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'url.yaml': object });
    expect(await kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/${name}`)).toBeUndefined();
    expectRefused(result, `Ingress/${a.ns}/${name}: metadata.annotations.${key} `);
    expect(result.apply.failure!.message).toContain(line());
  });

  it("refuses a Traefik forwardAuth middleware asking b's Service, and applies one asking a host outside the cluster", async () => {
    const middleware = (name: string, address: string) => ({
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'Middleware',
      metadata: { name },
      spec: { forwardAuth: { address } },
    });
    const theirs = middleware(kit.name('fwd'), `http://web.${b.ns}.svc.cluster.local/auth`);
    expect(admittedAsA(theirs)).toMatchObject({ ok: true });
    const refused = await planAndApply(kit, applierA, { 'fwd.yaml': theirs });
    expectRefused(
      refused,
      `Middleware/${a.ns}/${theirs.metadata.name}: spec.forwardAuth.address web.${b.ns}.svc.cluster.local names a Service of namespace ${b.ns}`,
    );
    await expectApplied({ 'fwd.yaml': middleware('own-auth', 'https://auth.example.com/check') });
  });

  it("applies one asking its own host, a platform's shared service, or a host outside the cluster", async () => {
    await expectApplied({
      'auth.yaml': ingress(
        'auth',
        { rules: [hostRule(hostA)] },
        {
          'nginx.ingress.kubernetes.io/auth-url': 'https://$host/oauth2/auth',
          'nginx.ingress.kubernetes.io/mirror-target': 'https://mirror.example.com$request_uri',
        },
      ),
      'shared.yaml': ingress(
        'shared-auth',
        { rules: [hostRule(hostA)] },
        {
          'nginx.ingress.kubernetes.io/auth-url':
            'http://oauth2-proxy.oauth2-proxy.svc.cluster.local/oauth2/auth',
        },
      ),
    });
  });
});

describe('Emissary-ingress Mappings', () => {
  // Found in review: Emissary's Mapping claims the host in spec.hostname (every host without one,
  // its default) and serves it from spec.service, `service.namespace` being another namespace's
  // Service. The API server admits each from a; cairn checked none of it.
  const mapping = (name: string, spec: object) => ({
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'Mapping',
    metadata: { name },
    spec: { prefix: '/', ...spec },
  });
  it.each([
    [
      "b's host",
      { hostname: hostB, service: 'web' },
      (): string => `spec.hostname ${hostB} is not within kubernetes.hosts`,
    ],
    ['no hostname (every host)', { service: 'web' }, (): string => 'spec.hostname names no host'],
    [
      "b's Service",
      { hostname: hostA, service: `web.${b.ns}:80` },
      (): string => `spec.service web.${b.ns} names a Service of namespace ${b.ns}`,
    ],
  ])('refuses one claiming or serving %s', async (_what, spec, line) => {
    const object = mapping(kit.name('map'), spec);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'map.yaml': object });
    expectRefused(result, `Mapping/${a.ns}/${object.metadata.name}: ${line()}`);
  });

  it('applies one for its own host served by its own Service or a host outside the cluster', async () => {
    await expectApplied({
      'own.yaml': mapping('own', { hostname: hostA, service: 'web:80' }),
      'api.yaml': mapping('api', { hostname: `api.${hostA}`, service: 'https://api.example.com' }),
    });
  });
});

describe('Istio rules for the mesh', () => {
  // Found in review: Istio applies a VirtualService, DestinationRule or ServiceEntry to the sidecars
  // of every namespace it is exported to, all of them without spec.exportTo. a's mesh VirtualService
  // for b's Service (or for an API b calls) reroutes b's own calls to a's workloads; a
  // DestinationRule for b's Service can turn their TLS off. The API server admits each from a.
  const istio = (kind: string, name: string, spec: object) => ({
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name },
    spec,
  });
  const toA = { http: [{ route: [{ destination: { host: 'web' } }] }] };
  it.each([
    [
      "a VirtualService for b's Service",
      () => istio('VirtualService', kit.name('vs'), { hosts: [`web.${b.ns}.svc.cluster.local`], ...toA }),
      () => `spec.hosts[0] web.${b.ns}.svc.cluster.local is a Service of namespace ${b.ns}`,
    ],
    [
      'a VirtualService for an API every environment calls',
      () => istio('VirtualService', kit.name('vs'), { hosts: ['api.example.com'], ...toA }),
      () => 'spec.hosts[0] api.example.com is a host outside this environment',
    ],
    [
      "a DestinationRule turning off TLS to b's Service",
      () =>
        istio('DestinationRule', kit.name('dr'), {
          host: `web.${b.ns}.svc.cluster.local`,
          trafficPolicy: { tls: { mode: 'DISABLE' } },
        }),
      () => `spec.host web.${b.ns}.svc.cluster.local is a Service of namespace ${b.ns}`,
    ],
    [
      'a ServiceEntry exported to every namespace',
      () =>
        istio('ServiceEntry', kit.name('se'), {
          hosts: ['api.example.com'],
          exportTo: ['*'],
          ports: [{ number: 443, name: 'https', protocol: 'TLS' }],
          resolution: 'DNS',
        }),
      () => 'spec.hosts[0] api.example.com is a host outside this environment, and spec.exportTo (*)',
    ],
  ])('refuses %s', async (_what, make, line) => {
    const object = make();
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'mesh.yaml': object });
    expectRefused(result, `${object.kind}/${a.ns}/${object.metadata.name}: ${line()}`);
  });

  it('applies rules for its own Services, and any rule kept to its own namespaces', async () => {
    await expectApplied({
      'own.yaml': istio('VirtualService', 'own', {
        hosts: ['web', `web.${a.extra}.svc.cluster.local`],
        ...toA,
      }),
      'dr.yaml': istio('DestinationRule', 'own-dr', {
        host: 'web',
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } },
      }),
      'se.yaml': istio('ServiceEntry', 'own-se', {
        hosts: ['api.example.com'],
        exportTo: ['.'],
        ports: [{ number: 443, name: 'https', protocol: 'TLS' }],
        resolution: 'DNS',
      }),
      'gw.yaml': istio('VirtualService', 'gateway-only', {
        hosts: [hostA],
        gateways: ['istio-system/public'],
        ...toA,
      }),
    });
  });
});

/**
 * An ExternalName Service of a's naming `target`: admitted from a by the API server, refused by
 * cairn in plan and apply with `reason` after its name, and not applied.
 */
async function expectExternalNameRefused(label: string, target: string, reason: string): Promise<void> {
  const name = kit.name(label);
  const object = externalName(name, target);
  expect(admittedAsA(object)).toMatchObject({ ok: true });
  const result = await planAndApply(kit, applierA, { [`${label}.yaml`]: object });
  expect(await kit.get(`/api/v1/namespaces/${a.ns}/services/${name}`)).toBeUndefined();
  expectRefused(result, `Service/${a.ns}/${name}: spec.externalName ${target} ${reason}`);
}

describe('ExternalName Services', () => {
  it.each([
    ["b's Service by its full name", () => `web.${b.ns}.svc.cluster.local`, () => b.ns],
    ["b's Service by its short name", () => `web.${b.ns}`, () => b.ns],
    ['the API server', () => 'kubernetes.default.svc', () => 'default'],
  ])('refuses one naming %s', (_what, target, namespace) =>
    expectExternalNameRefused('alias', target(), `names a Service of namespace ${namespace()}`),
  );

  // Found in review: the API server admits a name of digits, which ingress-nginx takes for an
  // address and proxies to (internal/ingress/controller/endpointslices.go, loopback excepted), and
  // a pod's name, which CoreDNS's default `pods insecure` answers with whatever address it spells.
  it.each([
    ["the API server's ClusterIP", '10.96.0.1', 'an IPv4 address'],
    ["the node's metadata endpoint", '169.254.169.254', 'an IPv4 address'],
    ["an address spelled as a pod's name", '10-96-0-1.default.pod.cluster.local', "a pod's name"],
    ["a pod's name in the search domain's short form", '10-96-0-1.whatever.pod', "a pod's name"],
  ])('refuses one naming %s', (_what, target, spelled) =>
    expectExternalNameRefused('addr', target, `is ${spelled}`),
  );

  // Found in review: ingress-nginx tries a name of fewer than five dots under its search domains
  // first (rootfs/etc/nginx/lua/util/dns.lua, lookup), where <pod>.<service>.<namespace> is a
  // StatefulSet pod's own name (….svc.cluster.local): b's pod's address, past b's Service.
  it.each([
    ["a pod of b's by <pod>.<service>.<namespace>", () => `web-0.web.${b.ns}`, () => b.ns],
    ['a pod of the cluster', () => 'etcd-0.etcd.kube-system', () => 'kube-system'],
  ])('refuses one naming %s', (_what, target, namespace) =>
    expectExternalNameRefused(
      'pod',
      target(),
      `is looked up under the resolver's search domains first, where it is ${target()}.svc.cluster.local, pod ${target().split('.')[0]} of a headless Service of namespace ${namespace()}`,
    ),
  );

  it("applies one naming a pod of its own, and the same name as b's pod written absolute", async () => {
    await expectApplied({
      'own-pod.yaml': externalName('own-pod', `web-0.web.${a.ns}`),
      'outside.yaml': externalName('outside', `web-0.web.${b.ns}.`),
    });
  });

  // Found in review: a cluster whose DNS domain is not cluster.local (kubelet's --cluster-domain)
  // names b's Service web.<b>.svc.<domain>, four labels and more, which passed as a host outside
  // the cluster; the API server admitted it from a and cairn applied it.
  it("with kubernetes.clusterDomain, refuses one naming b's Service under that domain, and applies its own", async () => {
    const domain = 'corp.internal';
    const applier = applierOfA('a', { hosts: [hostA, `*.${hostA}`], clusterDomain: domain });
    const name = kit.name('domain');
    const object = externalName(name, `web.${b.ns}.svc.${domain}`);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const refused = await planAndApply(kit, applier, {
      'domain.yaml': object,
      'own.yaml': externalName('own-domain', `web.${a.extra}.svc.${domain}`),
    });
    expectRefused(
      refused,
      `Service/${a.ns}/${name}: spec.externalName web.${b.ns}.svc.${domain} names a Service of namespace ${b.ns}`,
    );
    expect(await kit.get(`/api/v1/namespaces/${a.ns}/services/${name}`)).toBeUndefined();
    expect(await kit.get(`/api/v1/namespaces/${a.ns}/services/own-domain`)).toBeUndefined();

    await expectApplied(
      {
        'own.yaml': externalName('own-domain', `web.${a.extra}.svc.${domain}`),
        'public.yaml': externalName('public-domain', 'api.example.com'),
      },
      applier,
    );
  });

  it('applies one naming its own Service, a public name, and an absolute name of two labels', async () => {
    await expectApplied({
      'own.yaml': externalName('own', `web.${a.extra}.svc.cluster.local`),
      'public.yaml': externalName('public', 'api.example.com'),
      'apex.yaml': externalName('apex', 'example.com.'),
    });
    const apex = await kit.get(`/api/v1/namespaces/${a.ns}/services/apex`);
    expect((apex as { spec?: { externalName?: string } } | undefined)?.spec?.externalName).toBe(
      'example.com.',
    );
  });
});

describe("other ingress controllers' route kinds", () => {
  const ingressRoute = (name: string, match: string, extra: object = {}) => ({
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'IngressRoute',
    metadata: { name },
    spec: {
      entryPoints: ['web'],
      routes: [{ match, kind: 'Rule', services: [{ name: 'web', port: 80 }] }],
      ...extra,
    },
  });
  const httpProxy = (name: string, spec: object) => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { name },
    spec,
  });
  const certificate = (name: string, dnsNames: string[]) => ({
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: { name },
    spec: { secretName: `${name}-tls`, dnsNames, issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
  });

  it.each([
    [
      "a Traefik IngressRoute for b's host",
      () => ingressRoute(kit.name('take'), `Host(\`${hostB}\`) && PathPrefix(\`/\`)`),
      () => `spec.routes[0].match ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
    [
      'a Traefik IngressRoute whose rule is a regular expression',
      () => ingressRoute(kit.name('take'), 'HostRegexp(`^.+$`)'),
      () =>
        'spec.routes[0].match HostRegexp(`^.+$`): HostRegexp is a regular expression, so cairn cannot tell',
    ],
    [
      'a Traefik IngressRoute naming no host (every host)',
      () => ingressRoute(kit.name('take'), 'PathPrefix(`/`)'),
      () => 'spec.routes[0].match names no host',
    ],
    [
      "a Contour HTTPProxy for b's host",
      () =>
        httpProxy(kit.name('take'), {
          virtualhost: { fqdn: hostB },
          routes: [{ services: [{ name: 'web', port: 80 }] }],
        }),
      () => `spec.virtualhost.fqdn ${hostB} is not within kubernetes.hosts`,
    ],
    [
      "a Contour HTTPProxy including b's HTTPProxy",
      () =>
        httpProxy(kit.name('take'), {
          virtualhost: { fqdn: hostA },
          includes: [{ name: 'web', namespace: b.ns }],
        }),
      () => `spec.includes[0].namespace ${b.ns} hands this object's traffic to another namespace's objects`,
    ],
    [
      // with a shared ClusterIssuer (an ACME account answering HTTP-01 through the shared ingress
      // controller), a publicly trusted certificate for b's host in a's namespace
      "a cert-manager Certificate for b's host",
      () => certificate(kit.name('take'), [hostA, hostB]),
      () => `spec.dnsNames[1] ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
  ])('refuses %s, which the API server admits from a', async (_what, make, line) => {
    // given the API server takes the object from a's ServiceAccount (only cairn's check stands
    // between it and the controller)
    const object = make();
    expect(admittedAsA(object)).toMatchObject({ ok: true });

    // when a's commit declares it, then plan and apply refuse it naming the field, and it never reaches the server
    const result = await planAndApply(kit, applierA, { 'take.yaml': object });
    expectRefused(result, `${object.kind}/${a.ns}/${object.metadata.name}: ${line()}`);
    const plural = {
      HTTPProxy: 'projectcontour.io/v1/namespaces/X/httpproxies',
      IngressRoute: 'traefik.io/v1alpha1/namespaces/X/ingressroutes',
      Certificate: 'cert-manager.io/v1/namespaces/X/certificates',
    }[object.kind]!;
    expect(await kit.get(`/apis/${plural.replace('X', a.ns)}/${object.metadata.name}`)).toBeUndefined();
  });

  it('applies a Traefik IngressRoute, a Contour HTTPProxy and a cert-manager Certificate of its own hosts', async () => {
    await expectApplied({
      'route.yaml': ingressRoute('mine', `Host(\`api.${hostA}\`) && PathPrefix(\`/v1\`)`),
      'certificate.yaml': certificate('mine', [hostA, `*.${hostA}`]),
      'proxy.yaml': httpProxy('mine', {
        virtualhost: { fqdn: hostA },
        includes: [{ name: 'child', namespace: a.extra }],
      }),
    });
  });
});

describe('references the shared controllers follow into another namespace, or to themselves', () => {
  // Found in review: the API server admitted each from a's ServiceAccount and cairn applied it.
  // Contour follows an HTTPProxy's authorization extensionRef to an ExtensionService of any
  // namespace (no delegation asked) and has Envoy fetch a remoteJWKS URI from inside the cluster;
  // Traefik, with allowCrossNamespace on, serves a Middleware's error pages and a TraefikService's
  // mirrors from another namespace's Services, and resolves `<namespace>-<name>@kubernetescrd`
  // (whatever the namespace field says) and its own `api@internal` in any route.
  const traefik = (kind: string, name: string, spec: object) => ({
    apiVersion: 'traefik.io/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });
  const route = (name: string, extra: object) =>
    traefik('IngressRoute', name, {
      entryPoints: ['websecure'],
      routes: [
        { match: `Host(\`${hostA}\`)`, kind: 'Rule', services: [{ name: 'web', port: 80 }], ...extra },
      ],
    });
  const proxy = (name: string, virtualhost: object) => ({
    apiVersion: 'projectcontour.io/v1',
    kind: 'HTTPProxy',
    metadata: { name },
    spec: {
      virtualhost: { fqdn: hostA, tls: { secretName: 'cert' }, ...virtualhost },
      routes: [{ services: [{ name: 'web', port: 80 }] }],
    },
  });
  const plural: Record<string, string> = {
    HTTPProxy: 'projectcontour.io/v1/namespaces/X/httpproxies',
    IngressRoute: 'traefik.io/v1alpha1/namespaces/X/ingressroutes',
    Middleware: 'traefik.io/v1alpha1/namespaces/X/middlewares',
    TraefikService: 'traefik.io/v1alpha1/namespaces/X/traefikservices',
  };
  const read = (object: { kind: string; metadata: { name: string } }) =>
    kit.get(`/apis/${plural[object.kind]!.replace('X', a.ns)}/${object.metadata.name}`);

  it.each([
    [
      "a Contour HTTPProxy authorized by b's ExtensionService",
      () => proxy(kit.name('authz'), { authorization: { extensionRef: { name: 'authz', namespace: b.ns } } }),
      () =>
        `spec.virtualhost.authorization.extensionRef.namespace ${b.ns} names an ExtensionService that Contour asks to authorize every request to this proxy's host, sending it each request's headers: namespace ${b.ns} is environment b's`,
    ],
    [
      "a Contour HTTPProxy whose JWT keys Envoy fetches from b's Service",
      () =>
        proxy(kit.name('jwks'), {
          jwtProviders: [{ name: 'p', remoteJWKS: { uri: `http://keys.${b.ns}.svc.cluster.local/jwks` } }],
        }),
      () =>
        `spec.virtualhost.jwtProviders[0].remoteJWKS.uri keys.${b.ns}.svc.cluster.local names a Service of namespace ${b.ns}: namespace ${b.ns} is environment b's`,
    ],
    [
      "a Traefik Middleware whose error pages b's Service serves",
      () =>
        traefik('Middleware', kit.name('errors'), {
          errors: {
            status: ['500-599'],
            query: '/{status}.html',
            service: { name: 'web', namespace: b.ns, port: 80 },
          },
        }),
      () =>
        `spec.errors.service.namespace ${b.ns} hands this object's traffic to another namespace's objects`,
    ],
    [
      "a TraefikService mirroring every request to b's Service",
      () =>
        traefik('TraefikService', kit.name('mirror'), {
          mirroring: {
            name: 'web',
            port: 80,
            mirrors: [{ name: 'web', namespace: b.ns, port: 80, percent: 100 }],
          },
        }),
      () =>
        `spec.mirroring.mirrors[0].namespace ${b.ns} hands this object's traffic to another namespace's objects`,
    ],
    [
      "a Traefik IngressRoute through b's Middleware named by its provider's id",
      () => route(kit.name('crdid'), { middlewares: [{ name: `${b.ns}-auth@kubernetescrd` }] }),
      () =>
        `spec.routes[0].middlewares[0].name ${b.ns}-auth@kubernetescrd names a Traefik object by its provider's id, which hides the namespace it belongs to; write its name and namespace fields instead`,
    ],
    [
      "a Traefik IngressRoute serving Traefik's own API on a's host",
      () => route(kit.name('api'), { services: [{ name: 'api@internal', kind: 'TraefikService' }] }),
      () => 'spec.routes[0].services[0].name api@internal is a service of Traefik itself',
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      // given the API server takes it from a's ServiceAccount (only cairn's check stands between it and the controller)
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const beside = traefik('Middleware', kit.name('beside'), { stripPrefix: { prefixes: ['/x'] } });

      // when a's commit declares it beside an object in bounds, then plan and apply refuse it
      // naming the file, the object and the field, and neither reaches the server
      await expectRefusedBeside(object, beside, line(), read);
    },
  );

  it("applies the same kinds referring to a's own namespaces, a platform's shared auth service, and Traefik's noop", async () => {
    const objects = {
      'proxy.yaml': proxy('authz-mine', {
        authorization: { extensionRef: { name: 'authz', namespace: `projectcontour-auth-${suffix}` } },
        jwtProviders: [{ name: 'p', remoteJWKS: { uri: `http://keys.${a.extra}.svc.cluster.local/jwks` } }],
      }),
      'errors.yaml': traefik('Middleware', 'errors-mine', {
        errors: {
          status: ['500-599'],
          query: '/{status}.html',
          service: { name: 'web', namespace: a.extra, port: 80 },
        },
      }),
      'mirror.yaml': traefik('TraefikService', 'mirror-mine', {
        mirroring: {
          name: 'web',
          port: 80,
          mirrors: [{ name: 'web', namespace: a.ns, port: 80, percent: 10 }],
        },
      }),
      'redirect.yaml': route('redirect-mine', {
        services: [{ name: 'noop@internal', kind: 'TraefikService' }],
      }),
    };
    await expectApplied(objects);
  });
});

describe("Gloo Edge's and HAProxy's references to another namespace", () => {
  // Found in review: the API server admitted each from a's ServiceAccount and cairn applied it.
  // Gloo reads every watched namespace's Secrets and Services by `{ name, namespace }` with no
  // consent of theirs, and serves a VirtualService on the domains it lists; HAProxy reads a
  // Service's `server-crt` Secret from any namespace.
  const virtualService = (name: string, spec: object) => ({
    apiVersion: 'gateway.solo.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec,
  });
  const upstream = (name: string, spec: object) => ({
    apiVersion: 'gloo.solo.io/v1',
    kind: 'Upstream',
    metadata: { name },
    spec,
  });
  const haproxyService = (name: string, secret: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, annotations: { 'haproxy.org/server-ssl': 'true', 'haproxy.org/server-crt': secret } },
    spec: { selector: { app: 'web' }, ports: [{ port: 443 }] },
  });
  const route = { matchers: [{ prefix: '/' }], routeAction: { single: { upstream: { name: 'web' } } } };
  const path: Record<string, string> = {
    VirtualService: '/apis/gateway.solo.io/v1/namespaces/X/virtualservices',
    Upstream: '/apis/gloo.solo.io/v1/namespaces/X/upstreams',
    Service: '/api/v1/namespaces/X/services',
  };
  const read = (object: { kind: string; metadata: { name: string } }) =>
    kit.get(`${path[object.kind]!.replace('X', a.ns)}/${object.metadata.name}`);

  it.each([
    [
      "a Gloo VirtualService serving b's certificate and key",
      () =>
        virtualService(kit.name('tls'), {
          sslConfig: { secretRef: { name: 'tls', namespace: b.ns } },
          virtualHost: { domains: [hostA], routes: [route] },
        }),
      () =>
        `spec.sslConfig.secretRef.namespace ${b.ns} names a Secret whose certificate and key Gloo's proxy presents for this object`,
    ],
    [
      "a Gloo VirtualService for b's host",
      () => virtualService(kit.name('host'), { virtualHost: { domains: [hostB], routes: [route] } }),
      () => `spec.virtualHost.domains[0] ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
    [
      "a Gloo VirtualService taking b's VirtualHostOption",
      () =>
        virtualService(kit.name('opts'), {
          virtualHost: {
            domains: [hostA],
            routes: [route],
            optionsConfigRefs: { delegateOptions: [{ name: 'headers', namespace: b.ns }] },
          },
        }),
      () =>
        `spec.virtualHost.optionsConfigRefs.delegateOptions[0].namespace ${b.ns} names a VirtualHostOption or RouteOption whose settings (the headers it adds to requests, its auth) Gloo gives this object's routes`,
    ],
    [
      "a Gloo Upstream for b's Service",
      () =>
        upstream(kit.name('up'), { kube: { serviceName: 'web', serviceNamespace: b.ns, servicePort: 80 } }),
      () => `spec.kube.serviceNamespace ${b.ns} hands this object's traffic to another namespace's objects`,
    ],
    [
      "a Service whose backend HAProxy reaches with b's client certificate",
      () => haproxyService(kit.name('crt'), `${b.ns}/client`),
      () =>
        `metadata.annotations.haproxy.org/server-crt names a Secret of namespace ${b.ns}, and the ingress controller (reading every namespace's Secrets) presents that Secret's client certificate and key to this object's backend`,
    ],
    [
      "a Service whose backend HAProxy gives b's Backend settings",
      () => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: kit.name('crb'), annotations: { 'haproxy.org/cr-backend': `${b.ns}/backend` } },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      }),
      () =>
        `metadata.annotations.haproxy.org/cr-backend names a HAProxy Backend of namespace ${b.ns}, and the ingress controller (reading every namespace's HAProxy Backends) gives this object's backend that Backend's raw settings`,
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const beside = upstream(kit.name('beside'), {
        kube: { serviceName: 'web', serviceNamespace: a.ns, servicePort: 80 },
      });

      await expectRefusedBeside(object, beside, line(), read);
    },
  );

  it("applies them naming a's own host, namespaces and Secrets", async () => {
    const objects = {
      'vs.yaml': virtualService('gloo-mine', {
        sslConfig: { secretRef: { name: 'tls', namespace: a.ns } },
        virtualHost: {
          domains: [hostA],
          routes: [
            {
              matchers: [{ prefix: '/' }],
              routeAction: { single: { upstream: { name: 'web', namespace: a.extra } } },
            },
          ],
        },
      }),
      'upstream.yaml': upstream('gloo-mine', {
        kube: { serviceName: 'web', serviceNamespace: a.extra, servicePort: 80 },
      }),
      'service.yaml': haproxyService('haproxy-mine', `${a.ns}/client`),
    };
    await expectApplied(objects);
  });
});

describe("Traefik's default TLS options", () => {
  // Found in review: Traefik takes a TLSOption named `default`, in whichever namespace, as the TLS
  // settings of every route of every namespace that names none; the API server admitted one from
  // a's ServiceAccount (TLS 1.0, or client certificates required of every environment's visitors)
  // and cairn applied it.
  const tlsOption = (name: string) => ({
    apiVersion: 'traefik.io/v1alpha1',
    kind: 'TLSOption',
    metadata: { name },
    spec: {
      minVersion: 'VersionTLS10',
      clientAuth: { clientAuthType: 'RequireAndVerifyClientCert', secretNames: ['ca'] },
    },
  });
  const read = (name: string) => kit.get(`/apis/traefik.io/v1alpha1/namespaces/${a.ns}/tlsoptions/${name}`);

  it('refuses a TLSOption named default as cluster policy, and applies nothing of the commit', async () => {
    const object = tlsOption('default');
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, {
      'default.yaml': object,
      'mtls.yaml': tlsOption('mtls-beside'),
    });
    expectRefused(
      result,
      `k8s-resources/default.yaml: TLSOption/${a.ns}/default: metadata.name default: a Traefik TLSOption named default is the ingress controller's own, whatever its namespace`,
    );
    expect(await read('default')).toBeUndefined();
    expect(await read('mtls-beside')).toBeUndefined();
  });

  it("refuses a TLSStore named default, whose certificate Traefik would serve for every host without one, and whose resolver would ask one for b's host", async () => {
    const store = {
      apiVersion: 'traefik.io/v1alpha1',
      kind: 'TLSStore',
      metadata: { name: 'default' },
      spec: { defaultGeneratedCert: { resolver: 'letsencrypt', domain: { main: hostB } } },
    };
    expect(admittedAsA(store)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'store.yaml': store });
    expectRefused(
      result,
      `k8s-resources/store.yaml: TLSStore/${a.ns}/default: metadata.name default: a Traefik TLSStore named default is the ingress controller's own, whatever its namespace`,
    );
    expect(await kit.get(`/apis/traefik.io/v1alpha1/namespaces/${a.ns}/tlsstores/default`)).toBeUndefined();
  });

  it('applies a TLSOption of another name, which only the routes naming it use', async () => {
    await expectApplied({ 'mtls.yaml': tlsOption('mtls') });
  });
});

describe("Kong's TCPIngress", () => {
  // Found in review: Kong routes a TCPIngress rule by its SNI host (none: every connection to the
  // port); the API server admitted from a's ServiceAccount one for b's host and cairn applied it.
  const tcpIngress = (name: string, rule: object) => ({
    apiVersion: 'configuration.konghq.com/v1beta1',
    kind: 'TCPIngress',
    metadata: { name },
    spec: { rules: [{ port: 9443, backend: { serviceName: 'db', servicePort: 5432 }, ...rule }] },
  });
  const read = (name: string) =>
    kit.get(`/apis/configuration.konghq.com/v1beta1/namespaces/${a.ns}/tcpingresses/${name}`);

  it.each([
    [
      "b's SNI host",
      { host: hostB },
      `spec.rules[0].host ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
    [
      'no SNI host (the whole port)',
      {},
      'spec.rules[0].port: it takes TCP port 9443 of the gateway every environment shares, whatever the host',
    ],
  ])('refuses one for %s, which the API server admits from a', async (_what, rule, line) => {
    const name = kit.name('tcp');
    const object = tcpIngress(name, rule);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, { 'tcp.yaml': object });
    expectRefused(result, `k8s-resources/tcp.yaml: TCPIngress/${a.ns}/${name}: ${line}`);
    expect(await read(name)).toBeUndefined();
  });

  it('applies one for its own SNI host', async () => {
    await expectApplied({ 'tcp.yaml': tcpIngress('tcp-mine', { host: `db.${hostA}` }) });
  });
});

describe("Kong's host aliases", () => {
  // Found in review: Kong adds every host of an Ingress's konghq.com/host-aliases to the routes it
  // makes of it (internal/dataplane/kongstate/route.go, overrideHosts); the API server admitted from
  // a's ServiceAccount an Ingress for a's host aliased to b's, and cairn applied it.
  const aliased = (name: string, aliases: string) =>
    ingress(name, { rules: [hostRule(hostA)] }, { 'konghq.com/host-aliases': aliases });
  const read = (object: Named) =>
    kit.get(`/apis/networking.k8s.io/v1/namespaces/${a.ns}/ingresses/${object.metadata.name}`);

  it("refuses an Ingress aliased to b's host, which the API server admits from a, and applies nothing of the commit", async () => {
    const object = aliased(kit.name('alias'), `www.${hostA},${hostB}`);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    await expectRefusedBeside(
      object,
      ingress(kit.name('beside'), { rules: [hostRule(hostA)] }),
      `metadata.annotations.konghq.com/host-aliases ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
      read,
    );
  });

  it('applies one aliased to its own hosts', async () => {
    const object = aliased('kong-aliased', `www.${hostA}, api.${hostA}`);
    await expectApplied({ 'aliased.yaml': object });
  });
});

describe("names asked of cert-manager's issuers without a Certificate", () => {
  // Found in review: a pod's csi-driver volume asks the issuer (a shared ClusterIssuer included)
  // for its csi.cert-manager.io/dns-names and common-name directly, and ingress-shim makes a
  // Certificate of an Ingress's or Gateway's cert-manager.io/common-name and alt-names
  // (cert-manager pkg/controller/certificate-shim/helper.go, translateAnnotations); cairn applied
  // both for b's host.
  const csiVolume = (attributes: Record<string, string>) => ({
    name: 'tls',
    csi: {
      driver: 'csi.cert-manager.io',
      readOnly: true,
      volumeAttributes: {
        'csi.cert-manager.io/issuer-kind': 'ClusterIssuer',
        'csi.cert-manager.io/issuer-name': 'letsencrypt',
        ...attributes,
      },
    },
  });
  const podTemplate = (name: string, attributes: Record<string, string>) => ({
    metadata: { labels: { app: name } },
    spec: {
      containers: [{ name: 'app', image: 'registry.example.com/app:1' }],
      volumes: [csiVolume(attributes)],
    },
  });
  const deployment = (name: string, attributes: Record<string, string>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: podTemplate(name, attributes) },
  });
  const cronJob = (name: string, attributes: Record<string, string>) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '0 0 * * *',
      suspend: true,
      jobTemplate: {
        spec: {
          template: {
            ...podTemplate(name, attributes),
            spec: { ...podTemplate(name, attributes).spec, restartPolicy: 'Never' },
          },
        },
      },
    },
  });
  const scaledJob = (name: string, attributes: Record<string, string>) => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledJob',
    metadata: { name },
    spec: {
      jobTargetRef: {
        template: {
          ...podTemplate(name, attributes),
          spec: { ...podTemplate(name, attributes).spec, restartPolicy: 'Never' },
        },
      },
      triggers: [
        {
          type: 'cron',
          metadata: { timezone: 'UTC', start: '0 0 * * *', end: '0 1 * * *', desiredReplicas: '1' },
        },
      ],
    },
  });
  const shimIngress = (name: string, annotations: Record<string, string>) =>
    ingress(
      name,
      { rules: [hostRule(hostA)], tls: [{ hosts: [hostA], secretName: `${name}-tls` }] },
      { 'cert-manager.io/cluster-issuer': 'letsencrypt', ...annotations },
    );
  const shimGateway = (name: string, annotations: Record<string, string>) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt', ...annotations } },
    spec: {
      gatewayClassName: 'shared',
      listeners: [
        {
          name: 'https',
          protocol: 'HTTPS',
          port: 443,
          hostname: hostA,
          tls: { certificateRefs: [{ name: `${name}-tls` }] },
        },
      ],
    },
  });
  const volumeField = 'volumes[0].csi.volumeAttributes["csi.cert-manager.io/';
  const within = `is not within kubernetes.hosts (${hostA}, *.${hostA})`;

  it.each<[string, () => Manifest, () => string]>([
    [
      "a Deployment whose csi-driver volume asks for b's host",
      () => deployment(kit.name('take'), { 'csi.cert-manager.io/dns-names': `${hostA},${hostB}` }),
      () => `spec.template.spec.${volumeField}dns-names"] ${hostB} ${within}`,
    ],
    [
      "a CronJob whose csi-driver volume's common name is b's host",
      () => cronJob(kit.name('take'), { 'csi.cert-manager.io/common-name': hostB }),
      () => `spec.jobTemplate.spec.template.spec.${volumeField}common-name"] ${hostB} ${within}`,
    ],
    [
      "a Deployment whose csi-driver names are the pod's name under b's domain",
      () => deployment(kit.name('take'), { 'csi.cert-manager.io/dns-names': `\${POD_NAME}.${hostB}` }),
      () => `spec.template.spec.${volumeField}dns-names"] *.${hostB} ${within}`,
    ],
    [
      // Found in review: podSpecs knew no ScaledJob, and cairn applied it.
      "a KEDA ScaledJob whose csi-driver volume asks for b's host",
      () => scaledJob(kit.name('take'), { 'csi.cert-manager.io/dns-names': hostB }),
      () => `spec.jobTargetRef.template.spec.${volumeField}dns-names"] ${hostB} ${within}`,
    ],
    [
      "a Deployment whose csi-driver names are b's namespace's Service names",
      () =>
        deployment(kit.name('take'), { 'csi.cert-manager.io/dns-names': `web.${b.ns}.svc.cluster.local` }),
      () => `spec.template.spec.${volumeField}dns-names"] web.${b.ns}.svc.cluster.local ${within}`,
    ],
    [
      "an Ingress whose ingress-shim common name is b's host",
      () => shimIngress(kit.name('take'), { 'cert-manager.io/common-name': hostB }),
      () => `metadata.annotations["cert-manager.io/common-name"] ${hostB} ${within}`,
    ],
    [
      "an Ingress whose ingress-shim alt names hold b's host",
      () => shimIngress(kit.name('take'), { 'cert-manager.io/alt-names': `www.${hostA},${hostB}` }),
      () => `metadata.annotations["cert-manager.io/alt-names"] ${hostB} ${within}`,
    ],
    [
      "a Gateway whose ingress-shim common name is b's host",
      () => shimGateway(kit.name('take'), { 'cert-manager.io/common-name': hostB }),
      () => `metadata.annotations["cert-manager.io/common-name"] ${hostB} ${within}`,
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefusedBeside(
        object,
        ingress(kit.name('beside'), { rules: [hostRule(hostA)] }) as Manifest,
        line(),
        readBack,
      );
    },
  );

  it('applies each asking only its own hosts', async () => {
    await expectApplied({
      'deployment.yaml': deployment('csi-mine', {
        'csi.cert-manager.io/common-name': hostA,
        'csi.cert-manager.io/dns-names': `\${POD_NAME}.\${POD_NAMESPACE}.${hostA},www.${hostA}`,
      }),
      'cronjob.yaml': cronJob('csi-mine', { 'csi.cert-manager.io/dns-names': hostA }),
      // Found in review: csi-driver's own example, refused since sec9 though only a's namespace answers to it.
      'svc-names.yaml': deployment('csi-svc-mine', {
        'csi.cert-manager.io/dns-names': `\${POD_NAME}.web.\${POD_NAMESPACE}.svc.cluster.local,web.${a.ns}.svc.cluster.local`,
      }),
      'ingress.yaml': shimIngress('shim-mine', {
        'cert-manager.io/common-name': hostA,
        'cert-manager.io/alt-names': `www.${hostA}`,
        'cert-manager.io/subject-organizations': 'team-a',
      }),
      'gateway.yaml': shimGateway('shim-mine', { 'cert-manager.io/common-name': hostA }),
    });
  });
});

describe("Gloo's AuthConfig references", () => {
  // Found in review: Gloo's external auth service reads an AuthConfig's Secrets and ConfigMaps from
  // any namespace it watches (extauth.proto); the API server admitted from a's ServiceAccount an
  // AuthConfig signing visitors in with b's OIDC client secret, and one taking API keys by label
  // from every namespace, and cairn applied them.
  const authConfig = (name: string, config: object) => ({
    apiVersion: 'enterprise.gloo.solo.io/v1',
    kind: 'AuthConfig',
    metadata: { name },
    spec: { configs: [config] },
  });
  const oidc = (namespace: string) => ({
    oauth2: {
      oidcAuthorizationCode: {
        appUrl: `https://${hostA}`,
        callbackPath: '/callback',
        clientId: 'web',
        clientSecretRef: { name: 'oidc', namespace },
        issuerUrl: 'https://idp.example.com/',
      },
    },
  });
  const read = (object: Named) =>
    kit.get(`/apis/enterprise.gloo.solo.io/v1/namespaces/${a.ns}/authconfigs/${object.metadata.name}`);

  it.each([
    [
      "b's OIDC client secret",
      () => authConfig(kit.name('oidc'), oidc(b.ns)),
      () =>
        `spec.configs[0].oauth2.oidcAuthorizationCode.clientSecretRef.namespace ${b.ns} names a Secret or ConfigMap that Gloo's external auth service (reading every watched namespace's) checks the requests of every route taking this AuthConfig with: namespace ${b.ns} is neither kubernetes.namespace (${a.ns}) nor in kubernetes.namespaces`,
    ],
    [
      "a pass-through auth server of b's",
      () =>
        authConfig(kit.name('pass'), {
          passThroughAuth: { http: { url: `http://auth.${b.ns}.svc.cluster.local:9001/check` } },
        }),
      () =>
        `spec.configs[0].passThroughAuth.http.url auth.${b.ns}.svc.cluster.local names a Service of namespace ${b.ns}: namespace ${b.ns} is environment b's`,
    ],
    [
      'API keys selected by label in every namespace',
      () =>
        authConfig(kit.name('keys'), {
          apiKeyAuth: { k8sSecretApikeyStorage: { labelSelector: { team: 'b' } } },
        }),
      () =>
        'spec.configs[0].apiKeyAuth.k8sSecretApikeyStorage.labelSelector selects API key Secrets by label in every namespace Gloo watches',
    ],
  ])(
    'refuses one with %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefusedBeside(object, authConfig(kit.name('beside'), oidc(a.ns)), line(), read);
    },
  );

  it("applies one with a's own client secret and API keys, its OPA sidecar and a platform's pass-through server", async () => {
    const objects = {
      'oidc.yaml': authConfig('gloo-oidc', oidc(a.extra)),
      'keys.yaml': authConfig('gloo-keys', {
        apiKeyAuth: { k8sSecretApikeyStorage: { apiKeySecretRefs: [{ name: 'key', namespace: a.ns }] } },
      }),
      'opa.yaml': authConfig('gloo-opa', { opaServerAuth: { serverAddr: 'http://localhost:8181' } }),
      'shared.yaml': authConfig('gloo-shared', {
        passThroughAuth: { grpc: { address: 'auth.platform-auth.svc.cluster.local:9001' } },
      }),
    };
    await expectApplied(objects);
  });
});

describe("Gloo's MatchableHttpGateways and rate limit configs", () => {
  // Found in review: a platform's Gloo Gateway selecting MatchableHttpGateways by label takes them
  // from every namespace (projects/gateway/pkg/translator/gateway_selector.go), and one without
  // virtualServiceNamespaces serves every namespace's VirtualServices on the filter chain its
  // matcher claims (virtual_service_translator.go); a RateLimitConfig's counters are shared by
  // every route naming it. The API server admitted each from a's ServiceAccount and cairn applied it.
  const gateway = (name: string, sniDomains: string[], httpGateway: object) => ({
    apiVersion: 'gateway.solo.io/v1',
    kind: 'MatchableHttpGateway',
    metadata: { name, labels: { gateway: 'shared' } },
    spec: {
      matcher: { sslConfig: { secretRef: { name: 'tls', namespace: a.ns }, sniDomains } },
      httpGateway,
    },
  });
  const limited = (name: string, namespace: string) => ({
    apiVersion: 'gateway.solo.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec: {
      virtualHost: {
        domains: [hostA],
        routes: [
          {
            matchers: [{ prefix: '/' }],
            routeAction: { single: { upstream: { name: 'web' } } },
            options: { rateLimitConfigs: { refs: [{ name: 'limits', namespace }] } },
          },
        ],
      },
    },
  });
  const path: Record<string, string> = {
    MatchableHttpGateway: '/apis/gateway.solo.io/v1/namespaces/X/matchablehttpgateways',
    VirtualService: '/apis/gateway.solo.io/v1/namespaces/X/virtualservices',
  };
  const read = (object: Named) => kit.get(`${path[object.kind]!.replace('X', a.ns)}/${object.metadata.name}`);
  const own = () => ({ virtualServiceNamespaces: [a.ns] });

  it.each([
    [
      "a MatchableHttpGateway for b's SNI host",
      () => gateway(kit.name('mhg'), [hostB], own()),
      () =>
        `spec.matcher.sslConfig.sniDomains[0] ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
    [
      "a MatchableHttpGateway serving every namespace's VirtualServices",
      () => gateway(kit.name('mhg'), [hostA], { virtualServiceSelector: { app: 'web' } }),
      () =>
        "spec.httpGateway selects VirtualServices of every namespace (Gloo's default without virtualServiceNamespaces)",
    ],
    [
      "a MatchableHttpGateway serving b's namespace",
      () => gateway(kit.name('mhg'), [hostA], { virtualServiceNamespaces: [b.ns] }),
      () =>
        `spec.httpGateway.virtualServiceNamespaces[0] ${b.ns} is a namespace whose VirtualServices Gloo serves on this gateway's filter chain, with this gateway's TLS and connection settings: namespace ${b.ns} is neither kubernetes.namespace (${a.ns}) nor in kubernetes.namespaces`,
    ],
    [
      "a VirtualService counting against b's RateLimitConfig",
      () => limited(kit.name('rl'), b.ns),
      () =>
        `spec.virtualHost.routes[0].options.rateLimitConfigs.refs[0].namespace ${b.ns} names a RateLimitConfig whose counters every route naming it shares, so this object's traffic uses up that namespace's limits: namespace ${b.ns} is environment b's`,
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefusedBeside(object, gateway(kit.name('beside'), [hostA], own()), line(), read);
    },
  );

  it("applies a MatchableHttpGateway of a's own host and namespaces, and a VirtualService taking a's own or a platform's RateLimitConfig", async () => {
    const objects = {
      'mhg.yaml': gateway('gloo-mhg', [`api.${hostA}`], { virtualServiceNamespaces: [a.ns, a.extra] }),
      'own.yaml': limited('gloo-limited', a.extra),
      'shared.yaml': limited('gloo-shared-limits', 'platform-limits'),
    };
    await expectApplied(objects);
  });
});

describe("Kong's KongClusterPlugins", () => {
  // Found in review: Kong's controller reads a KongClusterPlugin's configFrom and configPatches
  // Secrets from whichever namespace they name and writes their values into the plugin's
  // configuration (internal/dataplane/kongstate/plugin.go), and runs one labelled global on every
  // route (internal/store/store.go); where a's kubernetes.clusterResources lists the kind, the API
  // server admitted both from a's ServiceAccount and cairn applied them.
  const clusterPlugin = (name: string, rest: object, labels?: Record<string, string>) => ({
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongClusterPlugin',
    metadata: { name, ...(labels ? { labels } : {}) },
    plugin: 'request-transformer',
    ...rest,
  });
  const secretOf = (namespace: string) => ({ secretKeyRef: { name: 'creds', namespace, key: 'config' } });
  const read = (name: string) => kit.get(`/apis/configuration.konghq.com/v1/kongclusterplugins/${name}`);
  /** Environment a trusted with the kind (its own inventory, so applierA's trees never prune it). */
  const listing = () =>
    applierOfA('a-plugins', {
      clusterResources: ['Namespace', 'configuration.konghq.com/KongClusterPlugin'],
    });

  it('refuses one where kubernetes.clusterResources does not list it', async () => {
    const name = kit.name('kcp');
    const result = await planAndApply(kit, applierA, { 'plugin.yaml': clusterPlugin(name, { config: {} }) });
    expectRefused(
      result,
      `k8s-resources/plugin.yaml: KongClusterPlugin/${name}: the cluster-scoped kind configuration.konghq.com/KongClusterPlugin is not in kubernetes.clusterResources`,
    );
    expect(await read(name)).toBeUndefined();
  });

  it.each([
    [
      "configured from b's Secret",
      (name: string) => clusterPlugin(name, { configFrom: secretOf(b.ns) }),
      () =>
        `configFrom.secretKeyRef.namespace ${b.ns} names a Secret whose value Kong's controller (reading every namespace's Secrets) writes into this plugin's configuration, for every route running the plugin to use: namespace ${b.ns} is neither kubernetes.namespace (${a.ns}) nor in kubernetes.namespaces`,
    ],
    [
      "patched with b's Secret",
      (name: string) =>
        clusterPlugin(name, {
          config: { add: { headers: [] } },
          configPatches: [{ path: '/add/headers/0', valueFrom: secretOf(b.ns) }],
        }),
      () => `configPatches[0].valueFrom.secretKeyRef.namespace ${b.ns} names a Secret`,
    ],
    [
      'labelled global',
      (name: string) => clusterPlugin(name, { config: {} }, { global: 'true' }),
      () =>
        'metadata.labels.global: Kong runs a KongClusterPlugin labelled global on every route of every environment it serves',
    ],
  ])(
    'where kubernetes.clusterResources lists it, refuses one %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const [name, beside] = [kit.name('kcp'), kit.name('beside')];
      const object = make(name);
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const result = await planAndApply(kit, listing(), {
        'take.yaml': object,
        'beside.yaml': clusterPlugin(beside, { configFrom: secretOf(a.ns) }),
      });
      expectRefused(result, `k8s-resources/take.yaml: KongClusterPlugin/${name}: ${line()}`);
      expect(await read(name)).toBeUndefined();
      expect(await read(beside)).toBeUndefined();
    },
  );

  it("where kubernetes.clusterResources lists it, applies one configured from a's own Secret", async () => {
    const name = kit.name('kcp-mine');
    kit.track(`/apis/configuration.konghq.com/v1/kongclusterplugins/${name}`);
    await expectApplied({ 'plugin.yaml': clusterPlugin(name, { configFrom: secretOf(a.extra) }) }, listing());
  });
});

describe("Kong's consumers", () => {
  // Found in review: Kong's consumers are one set for the whole gateway (a consumer's key-auth
  // credential passes b's route's key-auth plugin, and an acl credential joins whichever group it
  // names, b's too: internal/dataplane/kongstate/consumer.go); the API server admitted from a's
  // ServiceAccount a KongConsumer with credentials, and cairn applied it.
  const consumer = (name: string, credentials?: string[]) => ({
    apiVersion: 'configuration.konghq.com/v1',
    kind: 'KongConsumer',
    metadata: { name },
    username: name,
    ...(credentials ? { credentials } : {}),
  });
  const credential = (name: string, type: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { 'konghq.com/credential': type } },
    stringData: data,
  });
  const read = (object: Named) =>
    kit.get(
      object.kind === 'Secret'
        ? `/api/v1/namespaces/${a.ns}/secrets/${object.metadata.name}`
        : `/apis/configuration.konghq.com/v1/namespaces/${a.ns}/kongconsumers/${object.metadata.name}`,
    );

  it("refuses one with a key and b's ACL group, which the API server admits from a, and applies nothing of the commit", async () => {
    const name = kit.name('consumer');
    const object = consumer(name, [`${name}-key`, `${name}-acl`]);
    expect(admittedAsA(object)).toMatchObject({ ok: true });
    const result = await planAndApply(kit, applierA, {
      'take.yaml': object,
      'key.yaml': credential(`${name}-key`, 'key-auth', { key: 'let-me-in' }),
      'acl.yaml': credential(`${name}-acl`, 'acl', { group: 'b-admins' }),
    });
    expectRefused(
      result,
      `k8s-resources/take.yaml: KongConsumer/${a.ns}/${name}: credentials: Kong's consumers are one set for the whole gateway, so this consumer's credentials pass the authentication plugins of every environment's routes`,
    );
    expect(await read(object)).toBeUndefined();
    expect(await read(credential(`${name}-key`, 'key-auth', {}))).toBeUndefined();
  });

  it('applies one without credentials, and one with credentials where kubernetes.allowClusterPolicy is set', async () => {
    const trusted = applierOfA('a-trusted', { allowClusterPolicy: true });
    await expectApplied({ 'bare.yaml': consumer('kong-bare') });
    await expectApplied(
      {
        'ci.yaml': consumer('kong-ci', ['kong-ci-key']),
        'key.yaml': credential('kong-ci-key', 'key-auth', { key: 'ci' }),
      },
      trusted,
    );
  });
});

describe("NGINX Inc's TransportServers", () => {
  // Found in review: on the TLS passthrough listener NGINX Inc's controller takes a
  // TransportServer's host from the table VirtualServers' and Ingresses' hosts share, the oldest
  // winning (internal/k8s/configuration.go); the API server admitted from a's ServiceAccount one
  // for b's host, and cairn applied it.
  const transportServer = (name: string, host?: string) => ({
    apiVersion: 'k8s.nginx.org/v1',
    kind: 'TransportServer',
    metadata: { name },
    spec: {
      listener: { name: 'tls-passthrough', protocol: 'TLS_PASSTHROUGH' },
      ...(host ? { host } : {}),
      upstreams: [{ name: 'web', service: 'web', port: 443 }],
      action: { pass: 'web' },
    },
  });
  const read = (object: Named) =>
    kit.get(`/apis/k8s.nginx.org/v1/namespaces/${a.ns}/transportservers/${object.metadata.name}`);

  it.each<[string, string | undefined, string]>([
    ["b's host", hostB, `spec.host ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`],
    ['no host', undefined, 'spec.host names no host'],
  ])(
    'refuses a TLS passthrough one for %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, host, line) => {
      const object = transportServer(kit.name('ts'), host);
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefusedBeside(object, transportServer(kit.name('beside'), `db.${hostA}`), line, read);
    },
  );

  it('applies one for its own host', async () => {
    const object = transportServer('ts-mine', `db.${hostA}`);
    await expectApplied({ 'ts.yaml': object });
  });
});

describe("a shared gateway's port taken whole", () => {
  // Found in review: a route matched by its port alone takes that port (an entry point, a listener)
  // of the gateway every environment shares, and where two environments' objects name one port the
  // controller keeps one of them (the oldest, or the name sorting last); the API server admitted
  // each from a's ServiceAccount, and cairn applied it.
  const udpIngress = (name: string) => ({
    apiVersion: 'configuration.konghq.com/v1beta1',
    kind: 'UDPIngress',
    metadata: { name },
    spec: { rules: [{ port: 53, backend: { serviceName: 'dns', servicePort: 53 } }] },
  });
  const traefikRoute = (kind: string, name: string, spec: object) => ({
    apiVersion: 'traefik.io/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });
  const tcpRoute = (name: string, match: string) =>
    traefikRoute('IngressRouteTCP', name, {
      entryPoints: ['web'],
      routes: [{ match, services: [{ name: 'db', port: 5432 }] }],
    });
  const transportServer = (name: string, host?: string) => ({
    apiVersion: 'k8s.nginx.org/v1',
    kind: 'TransportServer',
    metadata: { name },
    spec: {
      listener: { name: 'tcp-5432', protocol: 'TCP' },
      ...(host ? { host, tls: { secret: 'db-tls' } } : {}),
      upstreams: [{ name: 'db', service: 'db', port: 5432 }],
      action: { pass: 'db' },
    },
  });
  const haproxyTcp = (name: string) => ({
    apiVersion: 'ingress.v3.haproxy.org/v3',
    kind: 'TCP',
    metadata: { name },
    spec: [
      {
        name: 'db',
        frontend: { name: 'fe-db', binds: { v4: { name: 'v4', port: 5432 } } },
        service: { name: 'db', port: 5432 },
      },
    ],
  });
  const tcpMapping = (name: string, host?: string) => ({
    apiVersion: 'getambassador.io/v3alpha1',
    kind: 'TCPMapping',
    metadata: { name },
    spec: { port: 9000, ...(host ? { host } : {}), service: 'db:5432' },
  });
  const gatewayRoute = (kind: 'TCPRoute' | 'UDPRoute', name: string, parentRef: object) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name },
    spec: { parentRefs: [parentRef], rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
  });
  const listenerSet = (name: string, parentRef: object, listener: object) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ListenerSet',
    metadata: { name },
    spec: { parentRef, listeners: [listener] },
  });

  it.each<[string, () => Named & { apiVersion: string }, string]>([
    [
      'a Kong UDPIngress',
      () => udpIngress(kit.name('udp')),
      `spec.rules[0].port: it takes UDP port 53 of the gateway every environment shares, whatever the host: Kong routes every datagram to that port of the gateway to this rule's Service`,
    ],
    [
      'a Traefik IngressRouteUDP',
      () =>
        traefikRoute('IngressRouteUDP', kit.name('udp'), {
          entryPoints: ['dns'],
          routes: [{ services: [{ name: 'dns', port: 53 }] }],
        }),
      `spec.entryPoints: it takes entry point dns of the gateway every environment shares, whatever the host: Traefik keeps one UDP router per entry point`,
    ],
    [
      'a Traefik IngressRouteTCP of HostSNI(`*`) on the web entry point',
      () => tcpRoute(kit.name('tcp'), 'HostSNI(`*`)'),
      `spec.routes[0].match: it takes entry point web of the gateway every environment shares, whatever the host: a TCP router matching no SNI host takes every connection to it that no router of a named host takes, a plaintext one before any HTTP router sees it`,
    ],
    [
      'an NGINX Inc TransportServer without a host on a TCP listener',
      () => transportServer(kit.name('ts')),
      `spec.listener: it takes listener tcp-5432 (TCP) of the gateway every environment shares, whatever the host: NGINX Inc's controller gives a listener without a host to one TransportServer of any namespace, the oldest`,
    ],
    [
      'a HAProxy TCP resource',
      () => haproxyTcp(kit.name('tcp')),
      `spec[0].frontend.binds.v4.port: it takes port 5432 of the gateway every environment shares, whatever the host: HAProxy's controller binds that port on itself for this resource`,
    ],
    [
      'an Emissary TCPMapping without a host',
      () => tcpMapping(kit.name('tcpm')),
      `spec.port: it takes TCP port 9000 of the gateway every environment shares, whatever the host: Emissary puts every TCPMapping of that port without a host, any namespace's, in one group`,
    ],
    [
      "a TCPRoute on a listener of the platform's Gateway",
      () =>
        gatewayRoute('TCPRoute', kit.name('tcpr'), {
          name: 'shared',
          namespace: 'gateways',
          sectionName: 'db',
        }),
      `spec.parentRefs[0]: it takes listener db of Gateway gateways/shared of the gateway every environment shares, whatever the host: Gateway API gives a TCP listener's connections to one of the routes attached to it, the oldest`,
    ],
    [
      "a UDPRoute on a port of environment b's Gateway",
      () => gatewayRoute('UDPRoute', kit.name('udpr'), { name: 'dns', namespace: b.ns, port: 53 }),
      `spec.parentRefs[0]: it takes port 53 of Gateway ${b.ns}/dns of the gateway every environment shares, whatever the host: Gateway API gives a UDP listener's datagrams to one of the routes attached to it, the oldest`,
    ],
    [
      "a ListenerSet of a TCP listener on the platform's Gateway",
      () =>
        listenerSet(
          kit.name('lset'),
          { name: 'shared', namespace: 'gateways' },
          { name: 'db', protocol: 'TCP', port: 5432 },
        ),
      `spec.listeners[0]: it takes TCP port 5432 (listener db) of Gateway gateways/shared of the gateway every environment shares, whatever the host: Gateway API merges this ListenerSet's listeners into that Gateway's`,
    ],
    [
      "a ListenerSet of a UDP listener on environment b's Gateway",
      () =>
        listenerSet(
          kit.name('lset'),
          { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'dns', namespace: b.ns },
          { name: 'dns', protocol: 'UDP', port: 53 },
        ),
      `spec.listeners[0]: it takes UDP port 53 (listener dns) of Gateway ${b.ns}/dns of the gateway every environment shares, whatever the host: Gateway API merges this ListenerSet's listeners into that Gateway's, and of listeners of one port that nothing tells apart (two UDP listeners) accepts the Gateway's own, then the oldest ListenerSet's`,
    ],
    [
      "an XListenerSet of the experimental channel, of a TCP listener on the platform's Gateway",
      () => ({
        ...listenerSet(
          kit.name('xlset'),
          { name: 'shared', namespace: 'gateways' },
          { name: 'db', protocol: 'TCP', port: 5432 },
        ),
        apiVersion: 'gateway.networking.x-k8s.io/v1alpha1',
        kind: 'XListenerSet',
      }),
      `spec.listeners[0]: it takes TCP port 5432 (listener db) of Gateway gateways/shared of the gateway every environment shares`,
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const beside = transportServer(kit.name('beside'), `db.${hostA}`);
      await expectRefusedBeside(object, beside, line, readBack);
    },
  );

  it.each([
    [
      'a Traefik IngressRouteTCP of HostSNI(`*`)',
      () => tcpRoute(kit.name('tcp'), 'HostSNI(`*`)'),
      'spec.routes[0].match',
    ],
    [
      'a Kong TCPIngress rule without an SNI host',
      () => ({
        apiVersion: 'configuration.konghq.com/v1beta1',
        kind: 'TCPIngress',
        metadata: { name: kit.name('tcp') },
        spec: { rules: [{ port: 9000, backend: { serviceName: 'db', servicePort: 5432 } }] },
      }),
      'spec.rules[0].port',
    ],
    ['an Emissary TCPMapping without a host', () => tcpMapping(kit.name('tcpm')), 'spec.port'],
  ])(
    'without kubernetes.hosts (no host claim to refuse it), refuses %s, and applies nothing of the commit',
    async (_what, make, field) => {
      const unlisted = applierOfA('a-unlisted');
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const result = await planAndApply(kit, unlisted, { 'take.yaml': object });
      expectRefused(
        result,
        `k8s-resources/take.yaml: ${object.kind}/${a.ns}/${object.metadata.name}: ${field}: it takes`,
      );
      expect(await readBack(object)).toBeUndefined();
    },
  );

  it("applies ListenerSets of TCP and UDP listeners on a's own Gateways, and of an HTTPS listener of a's host on the platform's", async () => {
    await expectApplied({
      // a's own Gateways: in its own namespace (the parentRef's default), and in another it lists
      'tcp.yaml': listenerSet('lset-tcp-own', { name: 'own' }, { name: 'db', protocol: 'TCP', port: 5432 }),
      'udp.yaml': listenerSet(
        'lset-udp-own',
        { name: 'own', namespace: a.extra },
        { name: 'dns', protocol: 'UDP', port: 53 },
      ),
      'https.yaml': listenerSet(
        'lset-https',
        { name: 'shared', namespace: 'gateways' },
        {
          name: 'web',
          protocol: 'HTTPS',
          hostname: `app.${hostA}`,
          port: 443,
          tls: { certificateRefs: [{ name: 'app-tls' }] },
        },
      ),
    });
  });

  it("applies routes of its own SNI hosts and on a's own Gateways, and a port taken whole where kubernetes.allowClusterPolicy is set", async () => {
    const own = {
      'route.yaml': tcpRoute('tcp-own', `HostSNI(\`db.${hostA}\`)`),
      'ts.yaml': transportServer('ts-own', `db.${hostA}`),
      'tcpm.yaml': tcpMapping('tcpm-own', `db.${hostA}`),
      // on listeners of a's own Gateways: in its own namespace (a parentRef's default), and in another it lists
      'tcpr.yaml': gatewayRoute('TCPRoute', 'tcpr-own', { name: 'own', sectionName: 'db' }),
      'udpr.yaml': gatewayRoute('UDPRoute', 'udpr-own', { name: 'own', namespace: a.extra, port: 53 }),
    };
    await expectApplied(own);

    const trusted = applierOfA('a-ports', { allowClusterPolicy: true });
    await expectApplied({ 'udp.yaml': udpIngress('udp-trusted') }, trusted);
  });
});

describe("Gateway API routes of the mesh on another namespace's Service (GAMMA consumer routes)", () => {
  // A route on b's Service from a's namespace applies only to requests of a's own workloads
  // (GEP-1294 "Namespace boundaries", conformance MeshConsumerRoute), and no gateway serves a
  // route attached to Services alone: a's own, whatever kubernetes.hosts lists.
  const meshRoute = (kind: string, name: string, parentRefs: object[]) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind,
    metadata: { name },
    spec: { parentRefs, rules: [{ backendRefs: [{ name: 'web', namespace: b.ns, port: 80 }] }] },
  });
  const serviceOfB = { group: '', kind: 'Service', name: 'web', namespace: b.ns };

  it("applies an HTTPRoute naming no host, and TCP and UDP routes, on b's Service", async () => {
    await expectApplied({
      'http.yaml': meshRoute('HTTPRoute', 'consumer-http', [{ ...serviceOfB, port: 80 }]),
      'tcp.yaml': meshRoute('TCPRoute', 'consumer-tcp', [{ name: 'own', sectionName: 'db' }, serviceOfB]),
      'udp.yaml': meshRoute('UDPRoute', 'consumer-udp', [{ ...serviceOfB, port: 53 }]),
    });
  });
});

describe("Gloo's MatchableTcpGateways", () => {
  // Found in review: a platform's Gateway selects MatchableTcpGateways by label from every
  // namespace (projects/gateway/pkg/translator/gateway_selector.go); the API server admitted from
  // a's ServiceAccount one for b's SNI host, one forwarding to b's Upstream and one forwarding to
  // whichever Upstream the client names, and cairn applied them.
  const tcpGateway = (name: string, host: string, destination: object) => ({
    apiVersion: 'gateway.solo.io/v1',
    kind: 'MatchableTcpGateway',
    metadata: { name },
    spec: {
      matcher: { sslConfig: { sniDomains: [host] } },
      tcpGateway: { tcpHosts: [{ name: 'db', destination }] },
    },
  });
  const upstream = (namespace: string) => ({ single: { upstream: { name: 'db', namespace } } });
  const read = (object: Named) =>
    kit.get(`/apis/gateway.solo.io/v1/namespaces/${a.ns}/matchabletcpgateways/${object.metadata.name}`);

  it.each<[string, () => Named, string]>([
    [
      "b's SNI host",
      () => tcpGateway(kit.name('tgw'), hostB, upstream(a.ns)),
      `spec.matcher.sslConfig.sniDomains[0] ${hostB} is not within kubernetes.hosts (${hostA}, *.${hostA})`,
    ],
    [
      "b's Upstream",
      () => tcpGateway(kit.name('tgw'), `db.${hostA}`, upstream(b.ns)),
      `spec.tcpGateway.tcpHosts[0].destination.single.upstream.namespace ${b.ns} hands this object's traffic to another namespace's objects: namespace ${b.ns} is neither kubernetes.namespace`,
    ],
    [
      'the Upstream its client names in the SNI',
      () => tcpGateway(kit.name('tgw'), `db.${hostA}`, { forwardSniClusterName: {} }),
      'spec.tcpGateway.tcpHosts[0].destination.forwardSniClusterName sends each connection to the Upstream its client names in the SNI',
    ],
  ])(
    'refuses one forwarding %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      await expectRefusedBeside(
        object,
        tcpGateway(kit.name('beside'), `db.${hostA}`, upstream(a.ns)),
        line,
        read,
      );
    },
  );

  it("applies one for a's own SNI host and Upstream", async () => {
    const object = tcpGateway('tgw-own', `db.${hostA}`, upstream(a.ns));
    await expectApplied({ 'tgw.yaml': object });
  });
});

describe("Gloo's RouteOption and VirtualHostOption own options", () => {
  // Found in review: Gloo merges a RouteOption's or VirtualHostOption's options into every route
  // taking it (projects/gateway/pkg/translator/virtual_service_translator.go,
  // mergeDelegatedVirtualHostOptions), so an AuthConfig or RateLimitConfig named there acts as one
  // the route names; the API server admitted from a's ServiceAccount options naming b's, and
  // cairn applied them.
  const option = (kind: string, name: string, options: object) => ({
    apiVersion: 'gateway.solo.io/v1',
    kind,
    metadata: { name },
    spec: { options },
  });
  const ref = (namespace: string) => ({ name: 'shared', namespace });
  const read = (object: Named) =>
    kit.get(
      `/apis/gateway.solo.io/v1/namespaces/${a.ns}/${object.kind.toLowerCase()}s/${object.metadata.name}`,
    );

  it.each<[string, () => Named, string]>([
    [
      "a RouteOption checking requests with b's AuthConfig",
      () => option('RouteOption', kit.name('opt'), { extauth: { configRef: ref(b.ns) } }),
      `spec.options.extauth.configRef.namespace ${b.ns} names an AuthConfig that Gloo's external auth service checks every request to this object's routes with: namespace ${b.ns} is environment b's`,
    ],
    [
      "a VirtualHostOption counting against b's RateLimitConfig",
      () => option('VirtualHostOption', kit.name('opt'), { rateLimitConfigs: { refs: [ref(b.ns)] } }),
      `spec.options.rateLimitConfigs.refs[0].namespace ${b.ns} names a RateLimitConfig whose counters every route naming it shares`,
    ],
  ])(
    'refuses %s, which the API server admits from a, and applies nothing of the commit',
    async (_what, make, line) => {
      const object = make();
      expect(admittedAsA(object)).toMatchObject({ ok: true });
      const beside = option('RouteOption', kit.name('beside'), { extauth: { configRef: ref(a.ns) } });
      await expectRefusedBeside(object, beside, line, read);
    },
  );

  it("applies options naming a's own AuthConfig and a platform's RateLimitConfig", async () => {
    const object = option('RouteOption', 'opt-own', {
      extauth: { configRef: ref(a.ns) },
      rateLimitConfigs: { refs: [ref('platform-shared')] },
    });
    await expectApplied({ 'opt.yaml': object });
  });
});
