// The config's cross-field rules, checked after the schema passed and before any default is filled in.
import type { RawConfig } from './raw-config.generated';
import { isLocal, localPathOf, probePortOf, remoteParts } from './section-defaults';

/** The branch an environment follows: its own, else the repository's prefix and its name. */
export function branchOf(raw: RawConfig, env: RawConfig['environments'][number]): string {
  return env.branch ?? `${raw.repository.branchPrefix ?? ''}${env.name}`;
}

// User information in an http(s) URL: an `@` before the authority ends (at `/`, `?`, `#`, or `\`,
// which URL parsers read as `/` in an http URL).
const HAS_USER_INFO = /^https?:\/\/[^/?#\\]*@/i;

/**
 * Why a `kubernetes.sharedCredentials` entry names a Crossplane ClusterProviderConfig without its
 * provider's API group, if it does. cairn counts one as `ClusterProviderConfig/<group>/<name>`
 * (kube/crossplane.ts): an entry of the name alone, which once counted for every provider's
 * ClusterProviderConfig of that name, would now match none. Refused at load rather than left to
 * match nothing, so that the admin learns what to write before an environment is refused; `*`
 * (every provider's, every name) is as plain as it reads and stays.
 */
function unqualifiedProviderConfig(entry: string): string | undefined {
  const prefix = 'ClusterProviderConfig/';
  if (!entry.startsWith(prefix)) return undefined;
  const name = entry.slice(prefix.length);
  if (name.includes('/') || name === '*') return undefined;
  return `"${entry}" names no provider: a Crossplane ClusterProviderConfig is listed with its provider's API group, ClusterProviderConfig/<group>/<name>, so that a name listed for one provider does not count for another's; write ClusterProviderConfig/aws.m.upbound.io/${name} for Upbound's AWS provider family (the group of its ProviderConfigs), or ClusterProviderConfig/*/${name} for every provider's`;
}

/**
 * The cross-field rules the schema cannot state (unique names and branches, a section per
 * environment, URLs a setting needs, gates and receivers naming real environments): one message
 * per problem, each naming its field; empty for a config that keeps them all.
 */
export function checkEnvironments(raw: RawConfig): string[] {
  const errors: string[] = [];
  const names = new Map<string, number>();
  const branches = new Map<string, number>();
  raw.environments.forEach((env, i) => {
    if (names.has(env.name))
      errors.push(
        `environments[${i}].name: "${env.name}" is already used by environments[${names.get(env.name)}]`,
      );
    names.set(env.name, i);
    const branch = branchOf(raw, env);
    if (branches.has(branch))
      errors.push(
        `environments[${i}].branch: "${branch}" is already the branch of environments[${branches.get(branch)}]`,
      );
    branches.set(branch, i);
    if (!env.aws && !env.kubernetes)
      errors.push(`environments[${i}]: needs an aws or a kubernetes section (or both)`);
    if (raw.kubernetes?.requireServiceAccount && env.kubernetes && !env.kubernetes.serviceAccount)
      errors.push(
        `environments[${i}].kubernetes.serviceAccount: environment "${env.name}" names no ServiceAccount, and kubernetes.requireServiceAccount is true; set serviceAccount: <namespace>/<name>`,
      );
    env.kubernetes?.sharedCredentials?.forEach((entry, j) => {
      const why = unqualifiedProviderConfig(entry);
      if (why) errors.push(`environments[${i}].kubernetes.sharedCredentials[${j}]: ${why}`);
    });
    for (const [field, isolation] of [
      ['aws.synth', env.aws?.synth],
      ['kubernetes.render', env.kubernetes?.render],
    ] as const)
      if (isolation?.socket && isolation.isolation !== 'sidecar')
        errors.push(
          `environments[${i}].${field}.socket: is set but ${field}.isolation is ${isolation.isolation ?? 'bubblewrap (the default)'}, not sidecar`,
        );
  });
  if (raw.repository.auth?.sshKeyPath && raw.repository.backend !== 'native') {
    errors.push('repository.auth.sshKeyPath: SSH needs backend: native');
  }
  const url = localPathOf(raw.repository.url);
  if (url.startsWith('file://'))
    errors.push(`repository.url: "${url}" names a remote host; a file:// URL must name a local path`);
  else if (raw.repository.watch && !isLocal(url))
    errors.push('repository.watch: watching needs a local repository (a path or a file:// URL)');
  const host = raw.repository.host;
  if (host && (!host.apiUrl || !host.repo) && !remoteParts(url)) {
    const missing = [!host.apiUrl ? 'apiUrl' : '', !host.repo ? 'repo' : ''].filter(Boolean).join(' and ');
    errors.push(
      `repository.host: ${missing} cannot be derived from repository.url "${url}" (not an http(s) or ssh URL); set repository.host.${missing.split(' and ')[0]}`,
    );
  }
  // The URL is posted as written: a commit status's link (which everyone who reads the repository
  // sees, unmasked) and every notification's. Found in review. The message does not quote it.
  if (raw.server?.publicUrl && HAS_USER_INFO.test(raw.server.publicUrl))
    errors.push(
      'server.publicUrl: holds credentials (user information before the host), which commit statuses and notifications would publish; write the URL without them',
    );
  const port = raw.server?.port ?? 8080;
  const probePort = probePortOf(raw.server);
  if (probePort !== undefined && probePort !== 0 && probePort === port)
    errors.push(
      `server.probePort: ${probePort} is server.port too; the probe listener needs a port of its own`,
    );
  return [...errors, ...checkSidecarServer(raw), ...checkPromotions(raw), ...checkNotifications(raw)];
}

/**
 * Where the config runs repository code in a sidecar runner (`aws.synth` or `kubernetes.render`
 * isolation `sidecar`), one line each; none: no code of a repository shares the controller's
 * network namespace. load-config counts the server's loopback peers as one client then.
 */
export function sidecarUses(raw: RawConfig): string[] {
  return raw.environments.flatMap((env, i) =>
    (
      [
        ['aws.synth', env.aws?.synth],
        ['kubernetes.render', env.kubernetes?.render],
      ] as const
    )
      .filter(([, isolation]) => isolation?.isolation === 'sidecar')
      .map(([field]) => `environments[${i}] (${env.name}) has ${field}.isolation: sidecar`),
  );
}

/**
 * An environment run through a sidecar runner (`aws.synth` or `kubernetes.render` isolation
 * `sidecar`) runs its repository's code in another container of cairn's pod, which shares the
 * controller's network namespace: that code is on 127.0.0.1 beside cairn's HTTP server. So the
 * server must answer nothing it keeps without a token: an API token (without one cairn trusts
 * loopback and answers every environment's ledger, plans and status) and `/metrics` behind it
 * (it names every environment and its failures). Found in review
 * (test/integration/server/sidecar-loopback.test.ts): a committer to one environment read
 * another's ledger from its renderer. The one place this rule is decided.
 */
function checkSidecarServer(raw: RawConfig): string[] {
  const sidecars = sidecarUses(raw);
  if (sidecars.length === 0) return [];
  const why = `${sidecars[0]}${sidecars.length > 1 ? ` (and ${sidecars.length - 1} more)` : ''}, and the code the synth-runner container runs shares the controller's network namespace`;
  const errors: string[] = [];
  if (!raw.server?.apiTokenEnv && (raw.server?.apiTokens ?? []).length === 0)
    errors.push(
      `server.apiTokens: none is configured, but ${why}: without a token cairn answers its API (every environment's ledger, plans and status) to anyone on loopback; add server.apiTokens (or server.apiTokenEnv)`,
    );
  if (raw.server?.metricsAuth !== true)
    errors.push(
      `server.metricsAuth: is not true, but ${why}: /metrics names every environment and its failures to anyone who reaches the port; set server.metricsAuth: true (Prometheus scrapes with a read token)`,
    );
  return errors;
}

/**
 * A gate names another environment of this config that applies every plane the gated one does
 * (else the same trees could never be seen healthy there), and gates never form a cycle.
 */
function checkPromotions(raw: RawConfig): string[] {
  const byName = new Map(raw.environments.map((e) => [e.name, e]));
  const errors: string[] = [];
  raw.environments.forEach((env, i) => {
    const gate = env.promotion;
    if (!gate) return;
    const field = `environments[${i}].promotion.after`;
    const after = byName.get(gate.after);
    if (gate.after === env.name) errors.push(`${field}: environment "${env.name}" cannot wait for itself`);
    else if (!after) errors.push(`${field}: "${gate.after}" is not an environment of this config`);
    else {
      const missing = [
        env.aws && !after.aws ? 'aws' : '',
        env.kubernetes && !after.kubernetes ? 'kubernetes' : '',
      ]
        .filter(Boolean)
        .join(' and ');
      if (missing)
        errors.push(
          `${field}: "${gate.after}" has no ${missing} section, so the ${missing} half of "${env.name}" could never be seen healthy there`,
        );
      // Follow the chain of gates from here: coming back to this environment is a cycle.
      const path = [env.name];
      for (let next: typeof after | undefined = after; next; next = byName.get(next.promotion?.after ?? '')) {
        if (path.includes(next.name)) break; // a cycle that does not pass here: reported at its members
        path.push(next.name);
        if (next.promotion?.after === env.name) {
          errors.push(`${field}: the promotion gates form a cycle (${[...path, env.name].join(' → ')})`);
          break;
        }
      }
    }
  });
  return errors;
}

/** day-two: a signed webhook needs its secret, and a receiver names only configured environments. */
function checkNotifications(raw: RawConfig): string[] {
  const names = new Set(raw.environments.map((e) => e.name));
  const seen = new Set<string>();
  return (raw.notifications ?? []).flatMap((n, i) => [
    ...(seen.has(n.name)
      ? [`notifications[${i}].name: "${n.name}" is already used by another receiver`]
      : []),
    ...(seen.add(n.name) && n.type === 'webhook' && !n.secretEnv
      ? [
          `notifications[${i}].secretEnv: a webhook receiver is signed; set secretEnv to the variable holding its HMAC secret`,
        ]
      : []),
    ...(n.environments ?? [])
      .filter((e) => !names.has(e))
      .map((e) => `notifications[${i}].environments: "${e}" is not an environment of this config`),
  ]);
}
