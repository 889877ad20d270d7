import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfigFile } from '../../../controller/config/load-config';

const dir = mkdtempSync(join(tmpdir(), 'cairn-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const valid = `
repository: { url: ./repo, pollInterval: 10s }
environments:
  - name: dev
    aws: { region: eu-west-1, account: "111111111111" }
    kubernetes: { kubeconfig: ./kube.yaml, namespace: apps, healthTimeout: 500ms }
  - name: prod
    branch: main
    order: kubernetes-first
    kubernetes: {}
audit: { dir: ./audit }
`;

/** The server keys a config with a sidecar runner needs (checkSidecarServer): a token and /metrics behind it. */
const locked = 'server: { apiTokenEnv: CAIRN_API_TOKEN, metricsAuth: true }\n';

describe('loadConfig', () => {
  it('resolves what the config gives each environment once, shared by every environment', () => {
    const config = loadConfig(
      file(
        valid.replace(
          '    kubernetes: {}',
          '    kubernetes: { namespaces: [shop, "shop-*"], hosts: [shop.example.com] }',
        ),
      ),
    );
    const [dev, prod] = config.environments.map((e) => e.kubernetes!.claims!);
    expect(dev.env).toBe('dev');
    expect(prod.env).toBe('prod');
    // one object for the whole config, not a copy per environment
    expect(dev.config).toBe(prod.config);
    expect(dev.config).toEqual({
      namespaces: new Map([
        ['apps', ['dev']],
        ['default', ['prod']],
        ['shop', ['prod']],
      ]),
      namespaceGlobs: [{ env: 'prod', glob: 'shop-*' }],
      hosts: [{ env: 'prod', host: 'shop.example.com' }],
    });
  });

  it('reads kubernetes.render with the same defaults as aws.synth, and leaves it absent when not set', () => {
    const config = loadConfig(
      file(
        valid.replace('    kubernetes: {}', '    kubernetes: { render: { isolation: sidecar } }') + locked,
      ),
    );
    expect(config.environments[1]!.kubernetes!.render).toEqual({
      isolation: 'sidecar',
      socket: '/var/lib/cairn/runner/synth.sock',
      uid: 65534,
      gid: 65534,
    });
    expect(config.environments[0]!.kubernetes).not.toHaveProperty('render');
  });

  it('fills defaults, resolves paths against the file and turns durations into milliseconds', () => {
    const config = loadConfig(file(valid));
    expect(config.repository).toEqual({
      url: join(dir, 'repo'),
      backend: 'isomorphic',
      pollIntervalMs: 10_000,
      watch: true,
    });
    expect(config.environments[0]).toMatchObject({
      name: 'dev',
      branch: 'dev',
      order: 'aws-first',
      driftIntervalMs: 300_000,
      aws: {
        region: 'eu-west-1',
        account: '111111111111',
        prune: false,
        synthTimeoutMs: 300_000,
        maxAssemblyBytes: 256 * 1024 * 1024,
        synth: { isolation: 'bubblewrap', uid: 65534, gid: 65534 },
      },
      kubernetes: {
        kubeconfig: join(dir, 'kube.yaml'),
        namespace: 'apps',
        healthTimeoutMs: 500,
        pruneMaxShare: 0.5,
      },
    });
    expect(config.environments[1]).toMatchObject({ name: 'prod', branch: 'main', order: 'kubernetes-first' });
    expect(config.server).toEqual({
      port: 8080,
      host: '127.0.0.1',
      maxBodyBytes: 1_048_576,
    });
    expect(config.workspaces.dir).toBe(join(dir, 'workspaces'));
  });

  it('reads a promotion gate: the environment it waits for and the healthy time in milliseconds', () => {
    const gated = valid.replace(
      '    order: kubernetes-first\n',
      '    order: kubernetes-first\n    promotion: { after: dev, healthyFor: 10m }\n',
    );
    expect(loadConfig(file(gated)).environments[1]!.promotion).toEqual({
      after: 'dev',
      healthyForMs: 600_000,
    });
    expect(loadConfig(file(valid)).environments[1]!.promotion).toBeUndefined();
  });

  it('resolves repository.auth.sshKeyPath against the config file, like every path of it', () => {
    const ssh = valid.replace(
      'repository: { url: ./repo, pollInterval: 10s }',
      'repository: { url: ./repo, pollInterval: 10s, backend: native, auth: { sshKeyPath: keys/deploy } }',
    );
    expect(loadConfig(file(ssh)).repository.auth?.sshKeyPath).toBe(join(dir, 'keys', 'deploy'));
  });

  it('reads aws.imports as listed, leaves it absent when not set, and refuses a * anywhere but at the end', () => {
    const listed = valid.replace(
      'account: "111111111111" }',
      'account: "111111111111", imports: [platform:VpcId, "shared-*"] }',
    );
    expect(loadConfig(file(listed)).environments[0]!.aws!.imports).toEqual(['platform:VpcId', 'shared-*']);
    expect(loadConfig(file(valid)).environments[0]!.aws).not.toHaveProperty('imports');
    const star = valid.replace(
      'account: "111111111111" }',
      'account: "111111111111", imports: ["*-VpcId"] }',
    );
    expect(() => loadConfig(file(star))).toThrow(/environments\[0\]\.aws\.imports\[0\]/);
  });

  it('reads aws.resourceTypes and aws.serviceTokens as listed, and leaves them absent when not set', () => {
    const listed = valid.replace(
      'account: "111111111111" }',
      'account: "111111111111", resourceTypes: ["AWS::CloudFormation::LambdaHook"], serviceTokens: ["arn:aws:lambda:us-east-1:111111111111:function:shared-*"] }',
    );
    const aws = loadConfig(file(listed)).environments[0]!.aws!;
    expect(aws.resourceTypes).toEqual(['AWS::CloudFormation::LambdaHook']);
    expect(aws.serviceTokens).toEqual(['arn:aws:lambda:us-east-1:111111111111:function:shared-*']);
    expect(loadConfig(file(valid)).environments[0]!.aws).not.toHaveProperty('resourceTypes');
    expect(loadConfig(file(valid)).environments[0]!.aws).not.toHaveProperty('serviceTokens');
  });

  it('reads aws.externalTargets as listed, leaves it absent when not set, takes * alone and refuses a * inside', () => {
    const listed = (targets: string) =>
      valid.replace('account: "111111111111" }', `account: "111111111111", externalTargets: ${targets} }`);
    const aws = loadConfig(file(listed('["platform-reader", "arn:aws:sns:us-east-1:111111111111:shared-*"]')))
      .environments[0]!.aws!;
    expect(aws.externalTargets).toEqual(['platform-reader', 'arn:aws:sns:us-east-1:111111111111:shared-*']);
    expect(loadConfig(file(valid)).environments[0]!.aws).not.toHaveProperty('externalTargets');
    expect(() => loadConfig(file(listed('["env-*-role"]')))).toThrow(
      /environments\[0\]\.aws\.externalTargets\[0\]/,
    );
    // `*` alone: an environment trusted with every resource of the account (its grants on `*`).
    expect(loadConfig(file(listed('["*"]'))).environments[0]!.aws!.externalTargets).toEqual(['*']);
    expect(() => loadConfig(file(listed('["**"]')))).toThrow(/environments\[0\]\.aws\.externalTargets\[0\]/);
  });

  it('reads aws.accountWideReads only when true, and refuses anything but a boolean', () => {
    const reads = (value: string) =>
      valid.replace('account: "111111111111" }', `account: "111111111111", accountWideReads: ${value} }`);
    expect(loadConfig(file(reads('true'))).environments[0]!.aws!.accountWideReads).toBe(true);
    expect(loadConfig(file(reads('false'))).environments[0]!.aws).not.toHaveProperty('accountWideReads');
    expect(loadConfig(file(valid)).environments[0]!.aws).not.toHaveProperty('accountWideReads');
    expect(() => loadConfig(file(reads('"yes"')))).toThrow(/environments\[0\]\.aws\.accountWideReads/);
  });

  it('reads aws.synth: isolation none must be written out, and the uid and gid are kept', () => {
    const config = loadConfig(
      file(
        valid.replace(
          'account: "111111111111" }',
          'account: "111111111111", synth: { isolation: none, uid: 1500, gid: 1600 } }',
        ),
      ),
    );
    expect(config.environments[0]!.aws!.synth).toEqual({ isolation: 'none', uid: 1500, gid: 1600 });
  });

  it('reads aws.synth for the sidecar: the socket given, or the pod contract’s default', () => {
    const read = (synth: string) =>
      loadConfig(
        file(
          valid.replace('account: "111111111111" }', `account: "111111111111", synth: ${synth} }`) + locked,
        ),
      ).environments[0]!.aws!.synth;
    expect(read('{ isolation: sidecar, socket: /run/cairn/s.sock }')).toEqual({
      isolation: 'sidecar',
      socket: '/run/cairn/s.sock',
      uid: 65534,
      gid: 65534,
    });
    expect(read('{ isolation: sidecar }')?.socket).toBe('/var/lib/cairn/runner/synth.sock');
    expect(read('{ isolation: bubblewrap }')).not.toHaveProperty('socket');
  });

  it('reads the server keys: API tokens (file paths resolved) and the connection limits', () => {
    const config = loadConfig(
      file(
        `${valid}server:
  host: 0.0.0.0
  apiTokens:
    - { env: CAIRN_READ_TOKEN, scopes: [read] }
    - { file: ./secrets/sync-token, scopes: [read, sync] }
  maxConnections: 100
  maxConnectionsPerClient: 8
  headersTimeout: 5s
  bodyTimeout: 2500ms
  maxBufferedBodySize: 8388608
`,
      ),
    );
    expect(config.server).toEqual({
      port: 8080,
      probePort: 8081,
      host: '0.0.0.0',
      maxBodyBytes: 1_048_576,
      apiTokens: [
        { env: 'CAIRN_READ_TOKEN', scopes: ['read'] },
        { file: join(dir, 'secrets', 'sync-token'), scopes: ['read', 'sync'] },
      ],
      maxConnections: 100,
      maxConnectionsPerClient: 8,
      headersTimeoutMs: 5000,
      bodyTimeoutMs: 2500,
      maxBufferedBodyBytes: 8_388_608,
    });
  });

  it('keeps a public URL whose only @ is after its host', () => {
    const publicUrl = (url: string) =>
      loadConfig(file(`${valid}server: { publicUrl: "${url}" }\n`)).server.publicUrl;
    expect(publicUrl('https://cairn.example.com/@ops/')).toBe('https://cairn.example.com/@ops');
    expect(publicUrl('https://cairn.example.com?team=a@b')).toBe('https://cairn.example.com?team=a@b');
  });

  it('gives the probe listener a port of its own: 8081 beyond loopback, none on loopback, a free one beside port 0, or the one set', () => {
    const probe = (server: string) => loadConfig(file(`${valid}server:\n${server}`)).server.probePort;
    expect(probe('  host: 0.0.0.0\n  port: 9000\n')).toBe(8081);
    // no kubelet probes a loopback server, and several local controllers must not fight over 8081
    expect(probe('  port: 9000\n')).toBeUndefined();
    expect(probe('  host: localhost\n')).toBeUndefined();
    expect(probe('  port: 0\n')).toBe(0);
    expect(probe('  port: 9000\n  probePort: 9001\n')).toBe(9001);
    expect(() => probe('  port: 9000\n  probePort: 9000\n')).toThrow(
      'server.probePort: 9000 is server.port too; the probe listener needs a port of its own',
    );
    expect(() => probe('  probePort: 8080\n')).toThrow('server.probePort: 8080 is server.port too');
    expect(() => probe('  host: 0.0.0.0\n  port: 8081\n')).toThrow(
      'server.probePort: 8081 is server.port too',
    );
  });

  it('reads a file:// URL as the local path it names, percent-decoded', () => {
    const config = loadConfig(file(valid.replace('url: ./repo', 'url: "file:///srv/git/my%20platform.git"')));
    expect(config.repository).toMatchObject({ url: '/srv/git/my platform.git', watch: true });
  });

  it('throws one error listing every problem with the file named', () => {
    const path = file('repository: {}\nenvironments: []\n');
    expect(() => loadConfig(path)).toThrow(`${path}: is not a valid cairn config`);
  });
});

describe('the Kubernetes bounds keys', () => {
  it('defaults: Namespace only, no adoption of unowned objects, cairn and the kube-* namespaces refused', () => {
    const config = loadConfig(file(valid));
    expect(config.kubernetes).toEqual({ requireServiceAccount: false, controllerNamespace: 'cairn' });
    expect(config.environments[0]!.kubernetes).toMatchObject({
      adoptUnowned: false,
      clusterResources: ['Namespace'],
      refusedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'cairn'],
    });
    expect(config.environments[0]!.kubernetes?.namespaces).toBeUndefined();
  });

  it('reads namespaces, clusterResources, serviceAccount, hosts and controllerNamespace', () => {
    const text = valid
      .replace(
        'kubernetes: {}',
        "kubernetes: { namespaces: [team-*], clusterResources: [rbac.authorization.k8s.io/ClusterRole], serviceAccount: team/deployer, adoptUnowned: true, hosts: [team.example.com, '*.team.example.com'] }",
      )
      .concat('kubernetes: { controllerNamespace: ops }\n');
    const config = loadConfig(file(text));
    expect(config.kubernetes.controllerNamespace).toBe('ops');
    expect(config.environments[1]!.kubernetes).toMatchObject({
      namespaces: ['team-*'],
      clusterResources: ['rbac.authorization.k8s.io/ClusterRole'],
      serviceAccount: 'team/deployer',
      adoptUnowned: true,
      hosts: ['team.example.com', '*.team.example.com'],
      refusedNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'ops'],
    });
  });

  it('requireServiceAccount refuses an environment without one, naming it', () => {
    const result = validateConfigFile(
      file(
        valid
          .replace('kubernetes: {}', 'kubernetes: { serviceAccount: a/b }')
          .concat('kubernetes: { requireServiceAccount: true }\n'),
      ),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        expect.stringContaining(
          'environments[0].kubernetes.serviceAccount: environment "dev" names no ServiceAccount',
        ),
      ]);
  });
});

describe('a sidecar runner shares the pod network: the server answers nothing it keeps without a token', () => {
  const sidecar = (server: string) =>
    validateConfigFile(
      file(
        valid.replace('    kubernetes: {}', '    kubernetes: { render: { isolation: sidecar } }') + server,
      ),
    );

  it('refuses a config without an API token or with /metrics open, naming the environment and the field', () => {
    const result = sidecar('');
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        expect.stringMatching(
          /^server\.apiTokens: none is configured, but environments\[1\] \(prod\) has kubernetes\.render\.isolation: sidecar, .*every environment's ledger, plans and status.*add server\.apiTokens \(or server\.apiTokenEnv\)$/,
        ),
        expect.stringMatching(
          /^server\.metricsAuth: is not true, but environments\[1\] \(prod\) has kubernetes\.render\.isolation: sidecar, .*set server\.metricsAuth: true/,
        ),
      ]);
  });

  it('counts the CDK sidecar too, and says how many more environments use one', () => {
    const result = validateConfigFile(
      file(
        valid
          .replace('account: "111111111111" }', 'account: "111111111111", synth: { isolation: sidecar } }')
          .replace('    kubernetes: {}', '    kubernetes: { render: { isolation: sidecar } }') +
          'server: { apiTokens: [{ file: ./token, scopes: [read] }] }\n',
      ),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.errors).toEqual([
        expect.stringContaining(
          'server.metricsAuth: is not true, but environments[0] (dev) has aws.synth.isolation: sidecar (and 1 more), ',
        ),
      ]);
  });

  it('loads with a token (apiTokenEnv or apiTokens) and metricsAuth, and without either where no sidecar runs', () => {
    expect(sidecar(locked).ok).toBe(true);
    expect(sidecar('server: { apiTokens: [{ env: T, scopes: [read] }], metricsAuth: true }\n').ok).toBe(true);
    // a workstation: no sidecar, the API open on loopback only
    expect(validateConfigFile(file(valid)).ok).toBe(true);
    expect(
      validateConfigFile(
        file(valid.replace('kubernetes: {}', 'kubernetes: { render: { isolation: bubblewrap } }')),
      ).ok,
    ).toBe(true);
  });
});

describe('validateConfigFile rejects broken configs naming the field', () => {
  it.each([
    [
      'a bad region',
      valid.replace('eu-west-1', 'Europe'),
      'environments[0].aws.region: "Europe" is not valid. AWS region',
    ],
    [
      'a short account',
      valid.replace('"111111111111"', '"42"'),
      'environments[0].aws.account: "42" is not valid. The 12-digit AWS account id',
    ],
    [
      'an unknown isolation',
      valid.replace('account: "111111111111" }', 'account: "111111111111", synth: { isolation: docker } }'),
      'environments[0].aws.synth.isolation: must be one of "bubblewrap", "sidecar", "none"',
    ],
    [
      'a relative synth runner socket',
      valid.replace(
        'account: "111111111111" }',
        'account: "111111111111", synth: { isolation: sidecar, socket: run/synth.sock } }',
      ),
      'environments[0].aws.synth.socket: "run/synth.sock" is not valid. With isolation sidecar: the absolute path of the synth runner\'s Unix socket',
    ],
    [
      'a synth runner socket without the sidecar isolation',
      valid.replace('account: "111111111111" }', 'account: "111111111111", synth: { socket: /run/s.sock } }'),
      'environments[0].aws.synth.socket: is set but aws.synth.isolation is bubblewrap (the default), not sidecar',
    ],
    [
      'a host with a wildcard inside',
      valid.replace('    kubernetes: {}', "    kubernetes: { hosts: ['a.*.example.com'] }"),
      'environments[1].kubernetes.hosts[0]: "a.*.example.com" is not valid',
    ],
    [
      'a render runner socket without the sidecar isolation',
      valid.replace('    kubernetes: {}', '    kubernetes: { render: { socket: /run/s.sock } }'),
      'environments[1].kubernetes.render.socket: is set but kubernetes.render.isolation is bubblewrap (the default), not sidecar',
    ],
    [
      'an unknown key',
      valid.replace('pollInterval: 10s', 'pollInterval: 10s, colour: red'),
      'repository.colour: unknown key',
    ],
    [
      'a misspelt key',
      valid.replace('pollInterval: 10s', 'pollIntervall: 10s'),
      'repository.pollIntervall: unknown key (did you mean pollInterval?)',
    ],
    [
      'a key in the wrong case',
      valid.replace('pollInterval: 10s', 'pollinterval: 10s'),
      'repository.pollinterval: unknown key (did you mean pollInterval?)',
    ],
    [
      'an inline token',
      valid.replace('pollInterval: 10s', 'pollInterval: 10s, auth: { token: abc }'),
      'repository.auth.token: unknown key (secrets are never inline',
    ],
    [
      'a bad duration',
      valid.replace('10s', 'ten seconds'),
      'repository.pollInterval: "ten seconds" is not valid. A duration',
    ],
    [
      // a URL may carry a credential: its value is never shown, not even in an error
      'a collector URL that is not http(s), with a password in it',
      valid.replace(
        'audit: { dir: ./audit }',
        'audit: { dir: ./audit }\ntelemetry: { otlpEndpoint: "grpc://u:s3cret@otel:4317" }',
      ),
      'telemetry.otlpEndpoint: is not valid.',
    ],
    ['a missing audit', valid.replace('audit: { dir: ./audit }', ''), 'audit: is required'],
    [
      'a duplicate name',
      valid.replace('name: prod', 'name: dev'),
      'environments[1].name: "dev" is already used by environments[0]',
    ],
    [
      'a bad backend',
      valid.replace('pollInterval: 10s', 'pollInterval: 10s, backend: jgit'),
      'repository.backend: must be one of "isomorphic", "native"',
    ],
    [
      'a duplicate branch',
      valid.replace('branch: main', 'branch: dev'),
      'environments[1].branch: "dev" is already the branch of environments[0]',
    ],
    [
      'an environment with nothing to apply',
      valid.replace('    kubernetes: {}\n', ''),
      'environments[1]: needs an aws or a kubernetes section',
    ],
    [
      'watching a remote repository',
      valid.replace('url: ./repo', 'url: "https://git.example.com/platform.git", watch: true'),
      'repository.watch: watching needs a local repository',
    ],
    [
      'a file URL on another host',
      valid.replace('url: ./repo', 'url: "file://otherhost/srv/platform.git"'),
      'repository.url: "file://otherhost/srv/platform.git" names a remote host',
    ],
    [
      'an API token written inline',
      `${valid}server: { apiTokens: [{ value: abc, scopes: [read] }] }\n`,
      'server.apiTokens[0].value: unknown key (secrets are never inline',
    ],
    [
      'an API token with both a variable and a file',
      `${valid}server: { apiTokens: [{ env: T, file: ./t, scopes: [read] }] }\n`,
      'server.apiTokens[0]: must match exactly one schema in oneOf',
    ],
    [
      'an API token with an unknown scope',
      `${valid}server: { apiTokens: [{ env: T, scopes: [admin] }] }\n`,
      'server.apiTokens[0].scopes[0]: must be one of "read", "sync"',
    ],
    [
      'credentials in the public URL',
      `${valid}server: { publicUrl: "https://ops:pass@cairn.example.com" }\n`,
      'server.publicUrl: holds credentials (user information before the host)',
    ],
    [
      "a token as the public URL's user",
      `${valid}server: { publicUrl: "https://tok3n@cairn.example.com/cairn" }\n`,
      'server.publicUrl: holds credentials',
    ],
    [
      'a bad body timeout',
      `${valid}server: { bodyTimeout: soon }\n`,
      'server.bodyTimeout: "soon" is not valid. A duration',
    ],
    [
      'a promotion gate naming no environment',
      valid.replace(
        '    order: kubernetes-first\n',
        '    order: kubernetes-first\n    promotion: { after: qa, healthyFor: 10m }\n',
      ),
      'environments[1].promotion.after: "qa" is not an environment of this config',
    ],
    [
      'a promotion gate on itself',
      valid.replace(
        '    order: kubernetes-first\n',
        '    order: kubernetes-first\n    promotion: { after: prod, healthyFor: 10m }\n',
      ),
      'environments[1].promotion.after: environment "prod" cannot wait for itself',
    ],
    [
      'promotion gates in a cycle',
      valid
        .replace(
          '    order: kubernetes-first\n',
          '    order: kubernetes-first\n    promotion: { after: dev, healthyFor: 10m }\n',
        )
        .replace('  - name: dev\n', '  - name: dev\n    promotion: { after: prod, healthyFor: 1m }\n'),
      'environments[0].promotion.after: the promotion gates form a cycle (dev → prod → dev)',
    ],
    [
      'a promotion gate on an environment without the plane',
      valid.replace('  - name: dev\n', '  - name: dev\n    promotion: { after: prod, healthyFor: 1m }\n'),
      'environments[0].promotion.after: "prod" has no aws section, so the aws half of "dev" could never be seen healthy there',
    ],
    [
      'a promotion gate without its duration',
      valid.replace(
        '    order: kubernetes-first\n',
        '    order: kubernetes-first\n    promotion: { after: dev }\n',
      ),
      'environments[1].promotion.healthyFor: is required',
    ],
    // A YAML error names its line and column.
    ['broken YAML', 'repository: [\n', 'invalid YAML at line 2, column 1: unexpected end of the stream'],
    [
      'a key written twice',
      `${valid}repository: { url: other }\n`,
      `invalid YAML at line ${valid.split('\n').length}, column 1: duplicated mapping key`,
    ],
  ])('%s', (_name, text, expected) => {
    const result = validateConfigFile(file(text));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(expected);
  });
  it('never shows the value of a URL it refuses, which may carry a credential', () => {
    const result = validateConfigFile(
      file(`${valid}telemetry: { otlpEndpoint: "grpc://u:s3cret@otel:4317" }\n`),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).not.toContain('s3cret');
  });
});
