import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { exampleConfigPath, installCommand } from '../../../controller/cli/commands/install';
import { validateConfigFile } from '../../../controller/config/load-config';
import { DEFAULT_PROBE_PORT } from '../../../controller/config/types';
import { configFacts } from '../../../controller/install/config-facts';
import { PROBE_PATHS } from '../../../controller/server/probe-listener';
import { DEFAULT_KINDS, parseKinds } from '../../../controller/install/kinds';
import { installObjects, renderYaml, type InstallOptions } from '../../../controller/install/manifests';

const base: InstallOptions = {
  namespace: 'cairn',
  image: 'cairn/controller:1',
  runnerImage: 'cairn/synth-runner:1',
  replicas: 2,
  kinds: parseKinds(DEFAULT_KINDS),
  clusterAdmin: false,
  config: 'repository: {}\n',
  secretEnv: ['GIT_TOKEN'],
  port: 8080,
  probePort: 8081,
  synthRunner: true,
};

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const byKind = (objects: readonly Obj[], kind: string): Obj => objects.find((o) => o.kind === kind)!;
const pod = (objects: readonly Obj[]): Obj => byKind(objects, 'Deployment').spec.template.spec;

describe('parseKinds', () => {
  it.each([
    ['apps/deployments', { group: 'apps', resource: 'deployments' }],
    ['core/configmaps', { group: '', resource: 'configmaps' }],
    ['Deployment', { group: 'apps', resource: 'deployments' }],
    ['PodDisruptionBudget', { group: 'policy', resource: 'poddisruptionbudgets' }],
    [
      'monitoring.coreos.com/servicemonitors',
      { group: 'monitoring.coreos.com', resource: 'servicemonitors' },
    ],
  ])('reads %s', (item, ref) => {
    expect(parseKinds([item])).toContainEqual(ref);
  });

  it('always adds what cairn itself writes (namespaces and its inventory ConfigMaps), deduplicated and sorted', () => {
    expect(parseKinds(['apps/deployments', 'Deployment'])).toEqual([
      { group: '', resource: 'configmaps' },
      { group: '', resource: 'namespaces' },
      { group: 'apps', resource: 'deployments' },
    ]);
  });

  it('expands "default", and takes comma-separated lists', () => {
    const kinds = parseKinds(['default,policy/poddisruptionbudgets']);
    expect(kinds).toHaveLength(DEFAULT_KINDS.length + 1);
    expect(kinds).toContainEqual({ group: 'networking.k8s.io', resource: 'ingresses' });
  });

  it.each(['Widget', 'apps/Deployments', '/configmaps', 'a b/c'])(
    'refuses %s, naming --kinds and the forms it takes',
    (item) => {
      expect(() => parseKinds([item])).toThrow(
        /--kinds: ".*" is neither group\/resource nor a well-known Kind.*core\/configmaps/,
      );
    },
  );
});

describe('installObjects', () => {
  it('emits the objects in apply order, every namespaced one in the install namespace', () => {
    const objects = installObjects(base) as Obj[];
    expect(objects.map((o) => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Role',
      'RoleBinding',
      'ClusterRole',
      'ClusterRoleBinding',
      'ConfigMap',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
    ]);
    for (const o of objects.filter(
      (x) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(x.kind),
    ))
      expect([o.kind, o.metadata.namespace]).toEqual([o.kind, 'cairn']);
  });

  it('grants Leases only in its own namespace, and the kinds it applies cluster-wide, never a wildcard', () => {
    const objects = installObjects(base) as Obj[];
    expect(byKind(objects, 'Role').rules).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
      },
    ]);
    const rules = byKind(objects, 'ClusterRole').rules as Obj[];
    expect(rules.map((r) => [r.apiGroups[0], r.resources])).toEqual([
      ['', ['configmaps', 'namespaces', 'secrets', 'serviceaccounts', 'services']],
      ['apps', ['daemonsets', 'deployments', 'statefulsets']],
      ['batch', ['cronjobs', 'jobs']],
      ['networking.k8s.io', ['ingresses']],
    ]);
    expect(JSON.stringify(objects)).not.toContain('"*"');
    expect(JSON.stringify(objects)).not.toContain('cluster-admin');
  });

  it('binds cluster-admin only when asked, and then emits no ClusterRole of its own', () => {
    const objects = installObjects({ ...base, clusterAdmin: true }) as Obj[];
    expect(objects.some((o) => o.kind === 'ClusterRole')).toBe(false);
    expect(byKind(objects, 'ClusterRoleBinding').roleRef.name).toBe('cluster-admin');
  });

  it('runs both containers non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const spec = pod(installObjects(base) as Obj[]);
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.containers.map((c: Obj) => [c.name, c.securityContext.runAsUser])).toEqual([
      ['controller', 10001],
      ['synth-runner', 10002],
    ]);
    for (const c of spec.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits).toBeDefined();
    }
  });

  it('probes /healthz and /readyz on the probe listener, a port of its own the Service does not expose', () => {
    const objects = installObjects({ ...base, probePort: 9191 }) as Obj[];
    const [controller] = pod(objects).containers;
    expect(controller.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'probes', containerPort: 9191, protocol: 'TCP' },
    ]);
    expect(controller.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(controller.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    expect(PROBE_PATHS).toEqual(['/healthz', '/readyz']);
    expect(byKind(objects, 'Service').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('follows the synth runner contract: shared /var/lib/cairn, the socket, no token, no Secret, no variables from it', () => {
    const spec = pod(installObjects(base) as Obj[]);
    const [controller, runner] = spec.containers;
    expect(runner.args).toEqual(['synth-runner', '--socket', '/var/lib/cairn/runner/synth.sock']);
    expect(spec.automountServiceAccountToken).toBe(false);
    const mounts = (c: Obj) => c.volumeMounts.map((m: Obj) => `${m.name}:${m.mountPath}`);
    // The runner sees the workspaces folder and its own folder, each mounted alone, never the
    // volume's root (every container of the pod may rename what is in an emptyDir's root).
    expect(mounts(runner)).toEqual([
      'work:/var/lib/cairn/workspaces',
      'work:/var/lib/cairn/runner',
      'runner-tmp:/tmp',
    ]);
    expect(runner.volumeMounts.map((m: Obj) => m.subPath)).toEqual(['workspaces', 'runner', undefined]);
    // each made by its owner before either container starts (kubelet would make it as root)
    expect(
      spec.initContainers.map((c: Obj) => [c.name, c.securityContext.runAsUser, c.command.join(' ')]),
    ).toEqual([
      ['prepare-workspaces', 10001, expect.stringContaining("'/var/lib/cairn/workspaces'")],
      ['prepare-runner-folder', 10002, expect.stringContaining("'/var/lib/cairn/runner'")],
    ]);
    expect(mounts(controller)).toEqual(
      expect.arrayContaining([
        'work:/var/lib/cairn',
        'secrets:/etc/cairn/secrets',
        'kube-api-access:/var/run/secrets/kubernetes.io/serviceaccount',
      ]),
    );
    expect(runner.env).toEqual([{ name: 'HOME', value: '/tmp' }]);
    expect(controller.env).toContainEqual({
      name: 'GIT_TOKEN',
      valueFrom: { secretKeyRef: { name: 'cairn-secrets', key: 'GIT_TOKEN', optional: true } },
    });
  });

  it('keeps the pod identity webhook from giving AWS credentials to any container but the controller', () => {
    // EKS's webhook adds IRSA's and Pod Identity's variables and token volume to every container
    // of the pod except those its skip-containers annotation names: the runner's jobs are the
    // environments' code, and the runner refuses to start holding a credential.
    const deployment = byKind(installObjects(base) as Obj[], 'Deployment');
    const spec = deployment.spec.template.spec;
    const skipped = deployment.spec.template.metadata.annotations['eks.amazonaws.com/skip-containers'];
    const others = [...spec.initContainers, ...spec.containers]
      .map((c: Obj) => c.name as string)
      .filter((name) => name !== 'controller');
    expect(skipped.split(',').sort()).toEqual(others.sort());
    const without = byKind(installObjects({ ...base, synthRunner: false }) as Obj[], 'Deployment');
    expect(without.spec.template.metadata.annotations).not.toHaveProperty(
      'eks.amazonaws.com/skip-containers',
    );
  });

  it('leaves the runner out when asked', () => {
    const spec = pod(installObjects({ ...base, synthRunner: false }) as Obj[]);
    expect(spec.containers.map((c: Obj) => c.name)).toEqual(['controller']);
    expect(spec.volumes.map((v: Obj) => v.name)).not.toContain('runner-tmp');
    expect(spec.initContainers).toBeUndefined();
  });

  it('renders deterministic, parseable YAML with the config text kept byte for byte and its hash on the pod', () => {
    const config = '# comment\nrepository:\n  url: x\n';
    const text = renderYaml(installObjects({ ...base, config }));
    expect(renderYaml(installObjects({ ...base, config }))).toBe(text);
    const docs = parseAllDocuments(text).map((d) => d.toJS() as Obj);
    expect(docs.every((d) => d && d.kind)).toBe(true);
    expect(byKind(docs, 'ConfigMap').data['cairn.yaml']).toBe(config);
    expect(byKind(docs, 'Deployment').spec.template.metadata.annotations['cairn.dev/config-sha256']).toMatch(
      /^[0-9a-f]{64}$/,
    );
    expect(text).not.toMatch(/[&*]a\d/); // no YAML anchors or aliases
  });
});

describe('configFacts', () => {
  it('finds every variable the config names for a secret, and the port', () => {
    const facts = configFacts(
      'repository: {auth: {tokenEnv: GIT_TOKEN}}\naudit: {keyEnv: AUDIT_KEY, backend: dynamodb}\nserver: {host: 0.0.0.0, port: 9090, webhookSecretEnv: HOOK, apiTokens: [{env: API_A, scopes: [read]}]}\n',
      'c.yaml',
      2,
    );
    expect(facts).toEqual({
      secretEnv: ['API_A', 'AUDIT_KEY', 'GIT_TOKEN', 'HOOK'],
      port: 9090,
      probePort: DEFAULT_PROBE_PORT,
      warnings: [],
    });
    expect(DEFAULT_PROBE_PORT).toBe(8081);
    const set = configFacts(
      'server: {host: 0.0.0.0, port: 9090, probePort: 9191, apiTokenEnv: A}\n',
      'c.yaml',
      1,
    );
    expect([set.probePort, set.warnings]).toEqual([9191, []]);
    expect(configFacts('server: {host: 0.0.0.0, port: 0, apiTokenEnv: A}\n', 'c.yaml', 1).warnings).toEqual([
      'c.yaml: server.port and server.probePort must be fixed ports in a pod (the Service and the probes name them); the install assumes 8080 and 8081',
    ]);
  });

  it('warns about what would keep the pod from working', () => {
    const facts = configFacts('environments: [{name: p, aws: {region: x}}]\nserver: {}\n', 'c.yaml', 2);
    expect(facts.warnings.join('\n')).toMatch(/server.host is not 0.0.0.0/);
    expect(facts.warnings.join('\n')).toMatch(/no API token/);
    expect(facts.warnings.join('\n')).toMatch(/audit.backend: dynamodb/);
    expect(facts.warnings.join('\n')).toMatch(/environment p has an AWS half.*isolation: sidecar/);
  });

  describe('workspaces.dir, which the synth runner must see', () => {
    // An environment whose CDK app runs in the synth-runner container, and the rest of a sound config.
    const config = (rest: string) =>
      `environments: [{name: prod, aws: {region: x, synth: {isolation: sidecar}}}]\naudit: {backend: dynamodb, dir: /var/lib/cairn/state/audit}\nserver: {host: 0.0.0.0, apiTokenEnv: A}\n${rest}`;
    const warned = (text: string, synthRunner = true) =>
      configFacts(text, 'c.yaml', 1, 'cairn', synthRunner).warnings;

    it.each([
      ['elsewhere', 'workspaces: {dir: /data/ws}\n', 'workspaces.dir is /data/ws'],
      [
        'unset, beside an audit.dir on the controller-only volume',
        '',
        'workspaces.dir is unset, so /var/lib/cairn/state/workspaces (workspaces/ beside audit.dir)',
      ],
      [
        'relative (to the mounted config)',
        'workspaces: {dir: ws}\n',
        'workspaces.dir is ws (/etc/cairn/config/ws in the pod)',
      ],
    ])('warns when it is %s, naming the field, its value and the mount', (_case, rest, named) => {
      expect(warned(config(rest))).toEqual([
        `c.yaml: ${named}, but the synth-runner container mounts only /var/lib/cairn/workspaces of the pod's volume, so every job it runs (CDK synths, sidecar renders) fails; set workspaces.dir: /var/lib/cairn/workspaces`,
      ]);
    });

    it.each([
      ['at the mount', config('workspaces: {dir: /var/lib/cairn/workspaces}\n'), true],
      ['below the mount', config('workspaces: {dir: /var/lib/cairn/workspaces/envs}\n'), true],
      ['elsewhere, with no synth runner installed', config('workspaces: {dir: /data/ws}\n'), false],
      [
        'elsewhere, with no environment that runs jobs in the runner',
        'environments: [{name: dev, kubernetes: {namespace: apps}}]\naudit: {backend: dynamodb, dir: /a}\nserver: {host: 0.0.0.0, apiTokenEnv: A}\nworkspaces: {dir: /data/ws}\n',
        true,
      ],
    ])('says nothing when it is %s', (_case, text, synthRunner) => {
      expect(warned(text, synthRunner)).toEqual([]);
    });
  });

  it('names the file of a config that is not YAML', () => {
    expect(() => configFacts('a: [', 'bad.yaml', 1)).toThrow(/^bad.yaml: not valid YAML/);
  });
});

describe('the example config and the command', () => {
  it('ships an example config that cairn itself accepts, with no warning', () => {
    expect(validateConfigFile(exampleConfigPath()).ok).toBe(true);
    expect(configFacts(readFileSync(exampleConfigPath(), 'utf8'), 'example', 2).warnings).toEqual([]);
  });

  it.each([
    [{ replicas: '0' }, /--replicas: "0" is not a whole number/],
    [{ replicas: '2', kinds: ['Widget'] }, /--kinds: "Widget" is neither/],
  ])('exits 2 (a wrong command line) on a bad flag value: %j', async (flags, message) => {
    let err = '';
    let out = '';
    const code = await installCommand(
      { export: true, namespace: 'cairn', synthRunner: true, ...flags },
      (t) => (out += t),
      (t) => (err += t),
    );
    expect([code, out]).toEqual([2, '']);
    expect(err).toMatch(message);
  });
});
