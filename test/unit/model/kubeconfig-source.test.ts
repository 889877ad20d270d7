import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigSource, type KubeconfigOwner } from '../../../controller/model/kubeconfig-source';
import { forgetSecrets, MASK, maskSecrets } from '../../../controller/model/secret-mask';

/**
 * The one kubeconfig loader of the apply's client (`kube`) and the Lease API (`shard`): each gets
 * the same decision and the same errors, under its own code, phase and subject.
 */
const dir = mkdtempSync(join(tmpdir(), 'cairn-kubeconfig-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const owners: [string, KubeconfigOwner][] = [
  [
    'kube',
    { area: 'kube', phase: 'apply-kubernetes', subject: 'k.yaml', contextField: 'kubernetes.context' },
  ],
  ['shard', { area: 'shard', phase: 'config', subject: 'k.yaml', contextField: 'sharding.context' }],
];

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('kubeconfigSource', () => {
  it.each(owners)('reads a static user without the library, for %s', (_area, owner) => {
    const file = write(
      'static.yaml',
      'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://k.example:6443/"}}]\nusers: [{name: u, user: {token: t0k}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n',
    );
    const source = kubeconfigSource({ kubeconfig: file }, owner);
    expect(source.server).toBe('https://k.example:6443');
    expect(source.refused).toBeUndefined();
  });

  it.each(owners)(
    'makes a kubeconfig the library cannot read a %s.kubeconfig error that names the file, not its secrets',
    (area, owner) => {
      // given a kubeconfig with a YAML mistake on the line of its token (the library's error quotes that line)
      const file = write(
        'broken.yaml',
        'apiVersion: v1\nkind: Config\ncurrent-context: c\nusers: [{name: u, user: {token: SECRET-TOKEN-1, exec: [ }]\n',
      );
      // then
      expect(() => kubeconfigSource({ kubeconfig: file }, owner)).toThrow(
        expect.objectContaining({
          code: `${area}.kubeconfig`,
          retryable: true,
          subject: 'k.yaml',
          message: expect.not.stringContaining('SECRET-TOKEN-1') as unknown as string,
        }),
      );
    },
  );

  it.each(owners)('names the context field when %s finds no current cluster', (_area, owner) => {
    const file = write(
      'no-context.yaml',
      'apiVersion: v1\nkind: Config\nclusters: [{name: k, cluster: {server: "https://k.example"}}]\nusers: [{name: u, user: {exec: {command: x, apiVersion: client.authentication.k8s.io/v1}}}]\ncontexts: []\n',
    );
    expect(() => kubeconfigSource({ kubeconfig: file }, owner)).toThrow(
      expect.objectContaining({ code: `${owner.area}.kubeconfig`, phase: owner.phase }),
    );
    expect(() => kubeconfigSource({ kubeconfig: file }, owner)).toThrow(
      `set ${owner.contextField} to a context of that kubeconfig`,
    );
  });

  it.each(owners)(
    'says that the context %s names is not in the kubeconfig, and which are',
    (_area, owner) => {
      // given a kubeconfig with contexts a and b, and a config that names a third
      const file = write(
        'two-contexts.yaml',
        'apiVersion: v1\nkind: Config\ncurrent-context: a\nclusters: [{name: k, cluster: {server: "https://k.example"}}]\nusers: [{name: u, user: {token: t0k}}]\ncontexts: [{name: a, context: {cluster: k, user: u}}, {name: b, context: {cluster: k, user: u}}]\n',
      );
      // then the error is about that name, not about a current cluster the kubeconfig lacks
      expect(() => kubeconfigSource({ kubeconfig: file, context: 'staging' }, owner)).toThrow(
        expect.objectContaining({
          code: `${owner.area}.kubeconfig`,
          subject: 'k.yaml',
          message: expect.stringContaining(
            `has no context "staging" (${owner.contextField})`,
          ) as unknown as string,
          hint: `use one of: a, b`,
        }),
      );
    },
  );
});

describe('kubeconfigSource remembers the credentials it reads, for masking', () => {
  afterEach(() => forgetSecrets());

  it('remembers a static user’s client key, token and basic-auth password', () => {
    // given a user with a client key (as data), a token and a password
    const key = '-----BEGIN PRIVATE KEY-----\nMIIcanaryclientkey0123456789\n-----END PRIVATE KEY-----\n';
    const file = write(
      'static-secrets.yaml',
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://k.example:6443"}}]\nusers: [{name: u, user: {client-key-data: ${Buffer.from(key).toString('base64')}, token: canary-static-token, username: cairn, password: canary-basic-password}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n`,
    );
    // when its source is made
    kubeconfigSource({ kubeconfig: file }, owners[0]![1]);
    // then each is masked wherever it is quoted, the key raw and in its kubeconfig's base64
    expect(maskSecrets(`a ${key} b`)).toBe(`a ${MASK} b`);
    expect(maskSecrets(Buffer.from(key).toString('base64'))).toBe(MASK);
    expect(maskSecrets('401: Bearer canary-static-token')).toBe(`401: ${MASK}`);
    expect(maskSecrets('pw canary-basic-password')).toBe(`pw ${MASK}`);
  });

  it('remembers an exec plugin’s secret env values and flag values, not its other words', () => {
    // given a plugin with secret and ordinary env entries and flags
    const file = write(
      'exec-secrets.yaml',
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://k.example:6443"}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: plugin, interactiveMode: Never, args: [eks, get-token, --cluster-name, production, --token-file, /var/run/token, --api-key, canary-arg-key, --password=canary-inline-pw], env: [{name: AWS_PROFILE, value: staging-profile}, {name: VAULT_TOKEN, value: canary-vault-token}]}}}]\n`,
    );
    // when its source is made (the plugin is not run yet)
    kubeconfigSource({ kubeconfig: file }, owners[0]![1]);
    // then the secrets are masked and the ordinary words are not
    expect(maskSecrets('canary-arg-key canary-inline-pw canary-vault-token')).toBe(`${MASK} ${MASK} ${MASK}`);
    const ordinary = 'eks get-token production /var/run/token staging-profile';
    expect(maskSecrets(ordinary)).toBe(ordinary);
  });

  it('remembers an auth provider’s secret config values, not its other settings', () => {
    // given an OIDC user (the plugin is not run yet)
    const file = write(
      'oidc-secrets.yaml',
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://k.example:6443"}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {auth-provider: {name: oidc, config: {client-id: cairn-client, client-secret: canary-client-secret, refresh-token: canary-refresh-token, idp-issuer-url: "https://issuer.example"}}}}]\n`,
    );
    kubeconfigSource({ kubeconfig: file }, owners[0]![1]);
    // then
    expect(maskSecrets('canary-client-secret canary-refresh-token')).toBe(`${MASK} ${MASK}`);
    expect(maskSecrets('cairn-client https://issuer.example')).toBe('cairn-client https://issuer.example');
  });

  it('remembers no password for a basic-auth user without one', () => {
    const file = write(
      'no-password.yaml',
      'apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "https://k.example:6443"}}]\nusers: [{name: u, user: {username: cairn}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n',
    );
    kubeconfigSource({ kubeconfig: file }, owners[0]![1]);
    expect(maskSecrets('value is undefined')).toBe('value is undefined');
  });
});
