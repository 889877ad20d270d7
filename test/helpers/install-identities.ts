import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { planInstall } from '../../controller/cli/commands/install';
import { renderYaml } from '../../controller/install/manifests';
import { sandboxEnv } from '../sandbox/sandbox-env';

/** kubectl, as the machine provides it. */
export const KUBECTL = '/usr/bin/kubectl';

/**
 * Waits until CRD `name` is Established. `kubectl wait --for=condition=Established` fails at once,
 * instead of waiting, on a CRD the API server has not given a status yet (".status.conditions
 * accessor error: <nil> is of the type <nil>", seen in CI right after an apply): polled instead.
 */
export function waitCrdEstablished(kubeconfig: string, name: string, timeoutMs = 60_000): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const read = spawnSync(
      KUBECTL,
      [
        '--kubeconfig',
        kubeconfig,
        'get',
        `crd/${name}`,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ],
      { encoding: 'utf8' },
    );
    if (read.stdout.trim() === 'True') return;
    if (Date.now() > deadline)
      throw new Error(`CRD ${name} was not Established within ${timeoutMs} ms: ${read.stderr.trim()}`);
    spawnSync('sleep', ['0.1']);
  }
}

/** A two-environment install on the sandbox: its names, its config and its exported manifests. */
export interface TwoEnvironmentInstall {
  /** cairn's own namespace. */
  readonly ns: string;
  /** Environment a: its default namespace, an extra one, its ServiceAccount. */
  readonly a: { readonly ns: string; readonly extra: string; readonly sa: string };
  /** Environment b: its default namespace and ServiceAccount. */
  readonly b: { readonly ns: string; readonly sa: string };
  readonly config: Record<string, unknown>;
  readonly exported: string;
}

/**
 * The config of two environments bound to ServiceAccounts (a with a second namespace), with
 * unique names, and what `cairn install --export --config` prints for it, computed by the
 * command's own `planInstall` (no config file is written).
 */
export function twoEnvironmentInstall(
  suffix: string,
  extra: Record<string, unknown> = {},
  envExtra: (env: 'a' | 'b') => Record<string, unknown> = () => ({}),
): TwoEnvironmentInstall {
  const ns = `cairn-id-${suffix}`;
  const a = { ns: `team-a-${suffix}`, extra: `team-a-jobs-${suffix}`, sa: 'cairn-a' };
  const b = { ns: `team-b-${suffix}`, sa: 'cairn-b' };
  const config = {
    repository: { url: `https://git.example.com/identities-${suffix}.git` },
    environments: [
      {
        name: 'a',
        branch: 'a',
        kubernetes: {
          namespace: a.ns,
          serviceAccount: `${a.ns}/${a.sa}`,
          namespaces: [a.extra, `team-a-${suffix}-*`],
          ...envExtra('a'),
        },
      },
      {
        name: 'b',
        branch: 'b',
        kubernetes: { namespace: b.ns, serviceAccount: `${b.ns}/${b.sa}`, ...envExtra('b') },
      },
    ],
    audit: { dir: '/var/lib/cairn/state/audit', keyFile: '/etc/cairn/secrets/audit-key' },
    server: { host: '0.0.0.0', apiTokens: [{ file: '/etc/cairn/secrets/api-token', scopes: ['read'] }] },
    ...extra,
  };
  const plan = planInstall(
    { namespace: ns, synthRunner: false, replicas: '1' },
    stringify(config),
    'cairn.yaml',
    () => undefined,
  );
  if (plan === 2) throw new Error('planInstall refused the two-environment config');
  return {
    ns,
    a,
    b,
    config,
    exported: plan.notes.map((n) => `# ${n}\n`).join('') + renderYaml(plan.objects),
  };
}

/** `kubectl apply --server-side` of a YAML stream with the sandbox's admin kubeconfig. */
export function kubectlApply(yaml: string): string {
  return execFileSync(
    KUBECTL,
    ['--kubeconfig', sandboxEnv().kubernetes.kubeconfig, 'apply', '--server-side', '-f', '-'],
    { input: yaml, encoding: 'utf8' },
  );
}

/** Deletes what a YAML stream names (namespaces last, without waiting), ignoring what is gone. */
export function kubectlDelete(yaml: string): void {
  spawnSync(
    KUBECTL,
    [
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      'delete',
      '--ignore-not-found',
      '--wait=false',
      '-f',
      '-',
    ],
    { input: yaml, encoding: 'utf8' },
  );
}

/**
 * `kubectl auth can-i VERB RESOURCE [-n NS | --all-namespaces for '*'] --as USER`: true for yes
 * (exit 0), false for no (exit 1).
 */
export function canI(user: string, verb: string, resource: string, namespace?: string): boolean {
  const res = spawnSync(
    KUBECTL,
    [
      '--kubeconfig',
      sandboxEnv().kubernetes.kubeconfig,
      'auth',
      'can-i',
      verb,
      resource,
      ...(namespace === '*' ? ['--all-namespaces'] : namespace ? ['-n', namespace] : []),
      `--as=${user}`,
    ],
    { encoding: 'utf8' },
  );
  if (res.status !== 0 && res.status !== 1) throw new Error(`kubectl auth can-i failed: ${res.stderr}`);
  return res.status === 0;
}

/**
 * A kubeconfig authenticating as a ServiceAccount with a token from `kubectl create token` (the
 * TokenRequest API), written to `file`.
 */
export function serviceAccountKubeconfig(namespace: string, name: string, file: string): string {
  const admin = sandboxEnv().kubernetes.kubeconfig;
  const token = execFileSync(
    KUBECTL,
    ['--kubeconfig', admin, 'create', 'token', name, '-n', namespace, '--duration', '1h'],
    { encoding: 'utf8' },
  ).trim();
  const kc = parse(readFileSync(admin, 'utf8')) as {
    clusters: { name: string; cluster: Record<string, unknown> }[];
  };
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sandbox', cluster: kc.clusters[0]!.cluster }],
      users: [{ name: name, user: { token } }],
      contexts: [{ name: name, context: { cluster: 'sandbox', user: name } }],
      'current-context': name,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** The objects of a YAML stream, as `Kind/namespace/name` keys. */
export function keysOf(yaml: string): string[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } } | null)
    .filter((o) => o !== null)
    .map((o) => `${o!.kind}/${o!.metadata.namespace ?? ''}/${o!.metadata.name}`);
}
