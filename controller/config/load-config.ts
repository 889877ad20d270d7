import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as jsYaml from 'js-yaml';
import { parseDuration } from '../duration';
import { CairnError, isCairnError } from '../model/errors';
import { rememberSecrets } from '../model/secret-mask';
import { DEFAULT_AWS_CAPABILITIES, DEFAULT_SYNTH_SOCKET, type AwsSynthConfig } from '../model';
import type { RawConfig, RawEnvironment } from './raw-config.generated';
import { configSecretValues } from './secret-values';
import { validate as generatedValidate } from './validate-config.generated';
import {
  ALWAYS_REFUSED_NAMESPACES,
  DEFAULT_PROBE_PORT,
  type CairnConfig,
  type EnvironmentConfig,
  type GitHostConfig,
  type ShardingConfig,
  type UnshardedConfig,
} from './types';

/**
 * The schema's validator, prebuilt by `npm run generate:config-types` (Ajv standalone code) so a
 * start pays no schema compile; the generated file is untyped, hence the cast to Ajv's own type.
 */
const validator = generatedValidate as ValidateFunction;

/**
 * The probe listener's port: the one set; else, where a kubelet can probe (a fixed port on an
 * address beyond loopback, as in a pod), 8081, as controller-runtime's health probes; else none.
 * A server on loopback only (a workstation, a test) is probed by no kubelet, and several of them
 * on one machine must not fight over 8081. Port 0 beside port 0 picks a free one.
 */
function probePortOf(server: RawConfig['server']): number | undefined {
  if (server?.probePort !== undefined) return server.probePort;
  if (server?.port === 0) return 0;
  const host = server?.host ?? '127.0.0.1';
  const loopback = host === 'localhost' || host === '::1' || host.startsWith('127.');
  return loopback ? undefined : DEFAULT_PROBE_PORT;
}

function validate(data: unknown): readonly ErrorObject[] {
  return validator(data) ? [] : (validator.errors ?? []);
}

/** `/environments/1/aws/region` → `environments[1].aws.region`. */
function fieldPath(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1);
  if (extra) parts.push(extra);
  return (
    parts.reduce(
      (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part),
      '',
    ) || '(top level)'
  );
}

/** One line per schema error: the field's path, then what was expected. */
function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const hint =
        /token|secret|password/i.test(key) || /apiTokens/.test(error.instancePath)
          ? ' (secrets are never inline: name an environment variable with tokenEnv, webhookSecretEnv or apiTokenEnv, or an apiTokens entry with env or file)'
          : '';
      return `${fieldPath(error.instancePath, key)}: unknown key${hint}`;
    }
    case 'required':
      return `${fieldPath(error.instancePath, String(p.missingProperty))}: is required`;
    case 'enum':
      return `${fieldPath(error.instancePath)}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      // The value first: the description alone read as if the field were fine (a template's
      // '${awsRegion}' got "aws.region: AWS region, e.g. eu-west-1.").
      // Never a URL's value: one may carry a credential (an OTLP endpoint's, a peer's), and no
      // secret is printed, even in an error.
      const what = error.parentSchema?.description ?? `It must match ${String(p.pattern)}`;
      if (String(p.pattern).startsWith('^https?://'))
        return `${fieldPath(error.instancePath)}: is not valid. ${what}`;
      const value = JSON.stringify(error.data);
      const shown = value.length > 60 ? `${value.slice(0, 57)}…` : value;
      return `${fieldPath(error.instancePath)}: ${shown} is not valid. ${what}`;
    }
    default:
      return `${fieldPath(error.instancePath)}: ${error.message ?? 'is not valid'}`;
  }
}

/** Reads, parses and validates a config file; every problem found, each naming its field. */
export function validateConfigFile(
  file: string,
): { ok: true; config: CairnConfig } | { ok: false; errors: readonly string[] } {
  const path = resolve(file);
  if (!existsSync(path)) return { ok: false, errors: [`${path}: no such file`] };
  let data: unknown;
  try {
    // YAML 1.2's core schema (a date stays a string); js-yaml, which the manifests' parser loads
    // anyway: a second YAML library was a fifth of a one-shot command's module loading.
    data = jsYaml.load(readFileSync(path, 'utf8'), { schema: jsYaml.CORE_SCHEMA, filename: path }) ?? null;
  } catch (error) {
    if (!(error instanceof jsYaml.YAMLException)) throw error;
    const { line, column } = error.mark;
    return {
      ok: false,
      errors: [`${path}: invalid YAML at line ${line + 1}, column ${column + 1}: ${error.reason}`],
    };
  }
  // From here on every log line, error and record of this process masks the secrets the config
  // points at, whichever command reads it and whether or not it is valid.
  rememberSecrets(configSecretValues(data, dirname(path)));
  const errors = validate(data).map(describe);
  if (errors.length > 0) return { ok: false, errors: [...new Set(errors)] };
  const raw = data as RawConfig;
  const semantic = checkEnvironments(raw);
  if (semantic.length > 0) return { ok: false, errors: semantic };
  let config: CairnConfig;
  try {
    config = withDefaults(raw, path);
  } catch (error) {
    // A value the schema lets through but cairn cannot use (a duration of 0): listed like the others.
    if (!isCairnError(error) || error.code !== 'config.duration') throw error;
    // Its message names the field, and says what to write instead.
    return { ok: false, errors: [error.message] };
  }
  return { ok: true, config };
}

/** Loads a config file or throws one CairnError listing every problem (code `config.invalid`). */
export function loadConfig(file: string): CairnConfig {
  const result = validateConfigFile(file);
  if (!result.ok) {
    throw new CairnError(`is not a valid cairn config:\n  - ${result.errors.join('\n  - ')}`, {
      code: 'config.invalid',
      phase: 'config',
      subject: resolve(file),
    });
  }
  return result.config;
}

function branchOf(raw: RawConfig, env: RawConfig['environments'][number]): string {
  return env.branch ?? `${raw.repository.branchPrefix ?? ''}${env.name}`;
}

function checkEnvironments(raw: RawConfig): string[] {
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
  const port = raw.server?.port ?? 8080;
  const probePort = probePortOf(raw.server);
  if (probePort !== undefined && probePort !== 0 && probePort === port)
    errors.push(
      `server.probePort: ${probePort} is server.port too; the probe listener needs a port of its own`,
    );
  return [...errors, ...checkPromotions(raw), ...checkNotifications(raw)];
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

function isLocal(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

/** A file:// URL as the path it names (percent-decoded); any other URL as written. */
function localPathOf(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return fileURLToPath(url);
  } catch {
    return url; // a file URL with a remote host; checkEnvironments reports it
  }
}

/** The connection and timeout limits, where the file sets them (createServer has the defaults). */
function serverLimits(server: NonNullable<RawConfig['server']>): Partial<CairnConfig['server']> {
  return {
    ...(server.maxConnections !== undefined ? { maxConnections: server.maxConnections } : {}),
    ...(server.maxConnectionsPerClient !== undefined
      ? { maxConnectionsPerClient: server.maxConnectionsPerClient }
      : {}),
    ...(server.headersTimeout !== undefined
      ? { headersTimeoutMs: parseDuration(server.headersTimeout, 'server.headersTimeout') }
      : {}),
    ...(server.bodyTimeout !== undefined
      ? { bodyTimeoutMs: parseDuration(server.bodyTimeout, 'server.bodyTimeout') }
      : {}),
    ...(server.maxBufferedBodySize !== undefined ? { maxBufferedBodyBytes: server.maxBufferedBodySize } : {}),
  };
}

function withDefaults(raw: RawConfig, file: string): CairnConfig {
  const base = dirname(file);
  const abs = (p: string) =>
    isAbsolute(p) ? p : resolve(base, p.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
  const url = localPathOf(raw.repository.url);
  const local = isLocal(url);
  const auditDir = abs(raw.audit.dir);
  const sharding = raw.sharding?.enabled ? shardingConfig(raw, abs) : undefined;
  const kubernetes = {
    requireServiceAccount: raw.kubernetes?.requireServiceAccount ?? false,
    controllerNamespace: raw.kubernetes?.controllerNamespace ?? podNamespace() ?? 'cairn',
    // renderers: the binaries of k8s-resources/ folders rendered by kustomize or helm.
    ...(raw.kubernetes?.kustomize?.path ? { kustomizePath: abs(raw.kubernetes.kustomize.path) } : {}),
    ...(raw.kubernetes?.helm?.path ? { helmPath: abs(raw.kubernetes.helm.path) } : {}),
  };
  const refusedNamespaces = [
    ...ALWAYS_REFUSED_NAMESPACES,
    kubernetes.controllerNamespace,
    ...(sharding ? [sharding.namespace] : []),
  ];
  const environments: EnvironmentConfig[] = raw.environments.map((env, i) => {
    const at = `environments[${i}]`;
    const aws = env.aws;
    const kube = env.kubernetes;
    return {
      name: env.name,
      ...(env.instance ? { instance: env.instance } : {}),
      branch: branchOf(raw, env),
      order: env.order ?? 'aws-first',
      driftIntervalMs: parseDuration(env.driftInterval ?? '5m', `${at}.driftInterval`, {
        allowZero: true, // no drift passes
      }),
      ...(env.promotion
        ? {
            promotion: {
              after: env.promotion.after,
              healthyForMs: parseDuration(env.promotion.healthyFor, `${at}.promotion.healthyFor`, {
                allowZero: true, // applied as soon as the environment before applied it healthy
              }),
            },
          }
        : {}),
      ...onFailureOf(raw, env, at),
      ...(env.pullRequests
        ? {
            pullRequests: {
              ...(env.pullRequests.planForks !== undefined ? { planForks: env.pullRequests.planForks } : {}),
              ...(env.pullRequests.planTimeout !== undefined
                ? {
                    planTimeoutMs: parseDuration(
                      env.pullRequests.planTimeout,
                      `${at}.pullRequests.planTimeout`,
                    ),
                  }
                : {}),
            },
          }
        : {}),
      ...(aws
        ? {
            aws: {
              region: aws.region,
              account: aws.account,
              ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
              ...(aws.roleArn ? { roleArn: aws.roleArn } : {}),
              prune: aws.prune ?? false,
              adopt: aws.adopt ?? false,
              capabilities: aws.capabilities ?? DEFAULT_AWS_CAPABILITIES,
              ...(aws.imports?.length ? { imports: aws.imports } : {}),
              ...(aws.cloudFormationExecutionRoleArn
                ? { cloudFormationExecutionRoleArn: aws.cloudFormationExecutionRoleArn }
                : {}),
              ...(aws.bootstrapQualifier ? { bootstrapQualifier: aws.bootstrapQualifier } : {}),
              synthTimeoutMs: parseDuration(aws.synthTimeout ?? '5m', `${at}.aws.synthTimeout`),
              deployTimeoutMs: parseDuration(aws.deployTimeout ?? '30m', `${at}.aws.deployTimeout`),
              synth: isolationOf(aws.synth),
            },
          }
        : {}),
      ...(kube
        ? {
            kubernetes: {
              ...(kube.kubeconfig ? { kubeconfig: abs(kube.kubeconfig) } : {}),
              ...(kube.context ? { context: kube.context } : {}),
              namespace: kube.namespace ?? 'default',
              forceConflicts: kube.forceConflicts ?? false,
              pruneMaxShare: kube.pruneMaxShare ?? 0.5,
              allowMassPrune: kube.allowMassPrune ?? false,
              healthTimeoutMs: parseDuration(kube.healthTimeout ?? '2m', `${at}.kubernetes.healthTimeout`),
              concurrency: kube.concurrency ?? 8,
              adopt: kube.adopt ?? false,
              maxManifestBytes: kube.maxManifestBytes ?? 64 * 1024 * 1024,
              adoptUnowned: kube.adoptUnowned ?? false,
              ...(kube.namespaces ? { namespaces: kube.namespaces } : {}),
              clusterResources: kube.clusterResources ?? ['Namespace'],
              ...(kube.allowClusterPolicy ? { allowClusterPolicy: true } : {}),
              ...(kube.serviceAccount ? { serviceAccount: kube.serviceAccount } : {}),
              ...(kube.render ? { render: isolationOf(kube.render) } : {}),
              refusedNamespaces: [...new Set(refusedNamespaces)],
            },
          }
        : {}),
    };
  });
  const probePort = probePortOf(raw.server);
  return {
    file,
    repository: {
      url: local ? abs(url) : url,
      backend: raw.repository.backend ?? 'isomorphic',
      pollIntervalMs: parseDuration(raw.repository.pollInterval ?? '30s', 'repository.pollInterval'),
      ...(raw.repository.branchPrefix ? { branchPrefix: raw.repository.branchPrefix } : {}),
      ...(raw.repository.auth ? { auth: raw.repository.auth } : {}),
      watch: raw.repository.watch ?? local,
      ...(raw.repository.host ? { host: hostConfig(raw.repository.host, url) } : {}),
      ...(raw.repository.verify
        ? {
            verify: {
              mode: raw.repository.verify.mode ?? 'head',
              allowedSigners: abs(raw.repository.verify.allowedSigners),
            },
          }
        : {}),
    },
    environments,
    audit: auditConfig(raw.audit, auditDir, abs),
    server: {
      port: raw.server?.port ?? 8080,
      ...(probePort !== undefined ? { probePort } : {}),
      host: raw.server?.host ?? '127.0.0.1',
      ...(raw.server?.webhookSecretEnv ? { webhookSecretEnv: raw.server.webhookSecretEnv } : {}),
      ...(raw.server?.previousWebhookSecretEnv
        ? { previousWebhookSecretEnv: raw.server.previousWebhookSecretEnv }
        : {}),
      ...(raw.server?.apiTokenEnv ? { apiTokenEnv: raw.server.apiTokenEnv } : {}),
      ...(raw.server?.apiTokens
        ? {
            apiTokens: raw.server.apiTokens.map((t) => ({
              ...(t.env ? { env: t.env } : {}),
              ...(t.file ? { file: abs(t.file) } : {}),
              scopes: t.scopes,
            })),
          }
        : {}),
      maxBodyBytes: raw.server?.maxBodySize ?? 1024 * 1024,
      ...serverLimits(raw.server ?? {}),
      ...(raw.server?.publicUrl ? { publicUrl: raw.server.publicUrl.replace(/\/+$/, '') } : {}),
      ...(raw.server?.metricsAuth ? { metricsAuth: true } : {}),
      // web-ui: the UI is on unless the config turns it off.
      ...(raw.server?.ui === false ? { ui: false } : {}),
    },
    ...(sharding ? { sharding } : {}),
    // Issue 24: without sharding, the one replica's heartbeat (see UnshardedConfig).
    ...(sharding ? {} : { unsharded: unshardedConfig(raw, abs, kubernetes.controllerNamespace) }),
    kubernetes,
    // day-two: notifications (validated in checkNotifications).
    ...(raw.notifications?.length ? { notifications: raw.notifications } : {}),
    // day-two: traces, only when an endpoint is set.
    ...(raw.telemetry?.otlpEndpoint
      ? { telemetry: { otlpEndpoint: raw.telemetry.otlpEndpoint.replace(/\/+$/, '') } }
      : {}),
    workspaces: {
      dir: raw.workspaces?.dir ? abs(raw.workspaces.dir) : join(dirname(auditDir), 'workspaces'),
      keep: raw.workspaces?.keep ?? 3,
      maxFileBytes: raw.workspaces?.maxFileSize ?? 50 * 1024 * 1024,
    },
    reconcile: { maxConcurrent: raw.reconcile?.maxConcurrent ?? 16 },
  };
}

/**
 * The origin (no credentials) and the repository path of an http(s) or ssh remote:
 * `https://tok@gitea.example:3000/team/app.git` → `https://gitea.example:3000`, `team/app`;
 * `git@github.com:team/app.git` → `https://github.com`, `team/app`. Undefined for a local path.
 */
function remoteParts(url: string): { readonly origin: string; readonly path: string } | undefined {
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { origin: `https://${scp[1]}`, path: scp[2]!.replace(/\.git$/, '').replace(/^\/+|\/+$/g, '') };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'ssh:'].includes(parsed.protocol)) return undefined;
  const path = decodeURIComponent(parsed.pathname)
    .replace(/\.git$/, '')
    .replace(/^\/+|\/+$/g, '');
  if (!path.includes('/')) return undefined;
  const origin =
    parsed.protocol === 'ssh:' ? `https://${parsed.hostname}` : `${parsed.protocol}//${parsed.host}`;
  return { origin, path };
}

/** `repository.host` with apiUrl and repo derived from the repository URL where the file leaves them out. */
function hostConfig(raw: NonNullable<RawConfig['repository']['host']>, url: string): GitHostConfig {
  const parts = remoteParts(url);
  const derivedApi = (): string => {
    const origin = parts!.origin;
    if (raw.type === 'github')
      return /^https?:\/\/(www\.)?github\.com$/i.test(origin) ? 'https://api.github.com' : `${origin}/api/v3`;
    return `${origin}/api/${raw.type === 'gitea' ? 'v1' : 'v4'}`;
  };
  return {
    type: raw.type,
    // checkEnvironments refused a config whose missing values cannot be derived.
    apiUrl: (raw.apiUrl ?? derivedApi()).replace(/\/+$/, ''),
    tokenEnv: raw.tokenEnv,
    repo: raw.repo ?? parts!.path,
    planForks: raw.planForks ?? false,
    planTimeoutMs: parseDuration(raw.planTimeout ?? '15m', 'repository.host.planTimeout'),
  };
}

function auditConfig(raw: RawConfig['audit'], dir: string, abs: (p: string) => string): CairnConfig['audit'] {
  const backend = raw.backend ?? 'jsonl';
  if (backend === 'dynamodb' && !raw.dynamodb) {
    throw new CairnError('audit.backend is dynamodb but audit.dynamodb (table, region) is missing', {
      code: 'config.invalid',
      phase: 'config',
      subject: 'audit.dynamodb',
      hint: 'add audit.dynamodb: { table: cairn-audit, region: eu-west-1 }',
    });
  }
  const witnessDir = raw.witnessDir ? abs(raw.witnessDir) : `${dir}.witness`;
  if (witnessDir === dir || witnessDir.startsWith(`${dir}/`)) {
    throw new CairnError(
      'audit.witnessDir must be outside audit.dir: a witness beside the log is rewritten with it',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'audit.witnessDir',
      },
    );
  }
  return {
    backend,
    dir,
    witnessDir,
    ...(raw.keyFile ? { keyFile: abs(raw.keyFile) } : {}),
    ...(raw.keyEnv ? { keyEnv: raw.keyEnv } : {}),
    ...(raw.retiredKeys?.length
      ? { retiredKeys: raw.retiredKeys.map((k) => (k.file ? { file: abs(k.file) } : { env: k.env! })) }
      : {}),
    unkeyed: raw.unkeyed ?? false,
    ...(raw.dynamodb ? { dynamodb: raw.dynamodb } : {}),
  };
}

// The service-account namespace file of a pod: the default namespace of the Leases in a cluster.
const POD_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function shardingConfig(raw: RawConfig, abs: (p: string) => string): ShardingConfig {
  const s = raw.sharding ?? {};
  if ((raw.audit.backend ?? 'jsonl') !== 'dynamodb') {
    throw new CairnError(
      'sharding.enabled needs audit.backend: dynamodb: replicas share one audit ledger, and JSONL files are local to one process (their lock admits one writer)',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.enabled',
        hint: 'set audit.backend: dynamodb with audit.dynamodb { table, region }, or run one replica without sharding',
      },
    );
  }
  const { leaseDurationMs, renewIntervalMs } = leaseTimes(s);
  if (!s.handoffKeyFile === !s.handoffKeyEnv) {
    throw new CairnError(
      'sharding needs exactly one of sharding.handoffKeyFile and sharding.handoffKeyEnv: the key (32+ random bytes) that signs webhooks handed between replicas',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.handoffKeyFile',
        hint: 'make one with `head -c 32 /dev/urandom | base64`, keep it in a Secret, and name it with handoffKeyEnv or handoffKeyFile (never the webhook secret)',
      },
    );
  }
  const port = raw.server?.port ?? 8080;
  const podIp = process.env.POD_IP;
  const advertise = s.advertiseUrl ?? `http://${podIp ? podIpHost(podIp) : '127.0.0.1'}:${port}`;
  return {
    namespace: s.namespace ?? podNamespace() ?? 'default',
    leaseDurationMs,
    renewIntervalMs,
    identity: s.identity ?? `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`,
    ...(s.kubeconfig ? { kubeconfig: abs(s.kubeconfig) } : {}),
    ...(s.context ? { context: s.context } : {}),
    advertiseUrl: advertise.replace(/\/+$/, ''),
    shards: s.shards ?? 16,
    ...(s.handoffKeyFile ? { handoffKeyFile: abs(s.handoffKeyFile) } : {}),
    ...(s.handoffKeyEnv ? { handoffKeyEnv: s.handoffKeyEnv } : {}),
    ...(s.peerUrls ? { peerUrls: s.peerUrls.map((url) => url.replace(/\/+$/, '')) } : {}),
  };
}

/**
 * The Lease timings of `sharding` (shard Leases, and the unsharded heartbeat alike). The write
 * fence closes at 4/5 of the lease duration after the last renewal (see writeDeadlineMs):
 * renewals (with their ±10% jitter) must come well before that.
 */
function leaseTimes(s: NonNullable<RawConfig['sharding']>): {
  leaseDurationMs: number;
  renewIntervalMs: number;
} {
  const leaseDurationMs = parseDuration(s.leaseDuration ?? '15s', 'sharding.leaseDuration');
  const renewIntervalMs = parseDuration(s.renewInterval ?? '5s', 'sharding.renewInterval');
  if (renewIntervalMs <= 0 || renewIntervalMs * 2 > leaseDurationMs) {
    throw new CairnError(
      'sharding.renewInterval must be above 0 and at most half of sharding.leaseDuration',
      {
        code: 'config.invalid',
        phase: 'config',
        subject: 'sharding.renewInterval',
        hint: 'renew about three times per lease duration, e.g. leaseDuration: 15s, renewInterval: 5s',
      },
    );
  }
  return { leaseDurationMs, renewIntervalMs };
}

/** Issue 24: where an unsharded replica keeps its heartbeat Lease (see UnshardedConfig). */
function unshardedConfig(
  raw: RawConfig,
  abs: (p: string) => string,
  controllerNamespace: string,
): UnshardedConfig {
  const s = raw.sharding ?? {};
  const { leaseDurationMs, renewIntervalMs } = leaseTimes(s);
  return {
    namespace: s.namespace ?? controllerNamespace,
    leaseDurationMs,
    renewIntervalMs,
    ...(s.kubeconfig ? { kubeconfig: abs(s.kubeconfig) } : {}),
    ...(s.context ? { context: s.context } : {}),
  };
}

function podIpHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

function podNamespace(): string | undefined {
  try {
    return readFileSync(POD_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `environments[].onFailure` (failure-revert): absent for `none`; `pr` needs a Git host to open
 * the pull request on, and `commit` an unsigned head to be acceptable, so each is refused at load
 * rather than at the first failed release.
 */
function onFailureOf(
  raw: RawConfig,
  env: RawEnvironment,
  at: string,
): { onFailure?: { readonly revert: 'pr' | 'commit' } } {
  const revert = env.onFailure?.revert ?? 'none';
  if (revert === 'none') return {};
  if (revert === 'pr' && !raw.repository.host) {
    throw new CairnError(`${at}.onFailure.revert is pr but repository.host is not configured`, {
      code: 'config.invalid',
      phase: 'config',
      subject: `${at}.onFailure.revert`,
      hint: 'add repository.host (type and tokenEnv at least) so cairn can open the pull request, or use revert: commit',
    });
  }
  if (revert === 'commit' && raw.repository.verify) {
    // cairn's revert commit is unsigned: pushed onto a branch whose head must be signed, it would
    // be refused as source.unverified, and the failed release would stay applied.
    throw new CairnError(
      `${at}.onFailure.revert is commit but repository.verify is set: cairn's revert commit is not signed, so the environment would refuse it`,
      {
        code: 'config.invalid',
        phase: 'config',
        subject: `${at}.onFailure.revert`,
        hint: 'use revert: pr (merged on the Git host with a signature verify allows), or none',
      },
    );
  }
  return { onFailure: { revert } };
}

/** `aws.synth` or `kubernetes.render` with its defaults: bubblewrap as uid/gid 65534; a sidecar's default socket. */
function isolationOf(
  raw: {
    readonly isolation?: AwsSynthConfig['isolation'];
    readonly socket?: string;
    readonly uid?: number;
    readonly gid?: number;
  } = {},
): AwsSynthConfig {
  return {
    isolation: raw.isolation ?? 'bubblewrap',
    uid: raw.uid ?? 65534,
    gid: raw.gid ?? 65534,
    ...(raw.isolation === 'sidecar' ? { socket: raw.socket ?? DEFAULT_SYNTH_SOCKET } : {}),
  };
}
