// Reads a config file: YAML, then the schema (each error worded with its field), then the
// cross-field checks, then the defaults; the one entrance for every command that needs a config.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { jsYaml } from '../model/js-yaml';
import { parseDuration } from '../duration';
import { CairnError, isCairnError } from '../model/errors';
import { maskSecrets, rememberSecrets } from '../model/secret-mask';
import { DEFAULT_AWS_CAPABILITIES, DEFAULT_MAX_ASSEMBLY_BYTES } from '../model';
import { branchOf, checkEnvironments, sidecarUses } from './config-checks';
import type { RawConfig } from './raw-config.generated';
import { configSecretValues } from './secret-values';
import {
  auditConfig,
  hostConfig,
  isLocal,
  isolationOf,
  localPathOf,
  onFailureOf,
  probePortOf,
  serverLimits,
} from './section-defaults';
import { podNamespace, shardingConfig, unshardedConfig } from './sharding-config';
import { validate as generatedValidate } from './validate-config.generated';
import {
  ALWAYS_REFUSED_NAMESPACES,
  type CairnConfig,
  type ConfigClaims,
  type EnvironmentConfig,
} from './types';

/**
 * The schema's validator, prebuilt by `npm run generate:config-types` (Ajv standalone code) so a
 * start pays no schema compile; the generated file is untyped, hence the cast to Ajv's own type.
 */
const validator = generatedValidate as ValidateFunction;

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

/** Levenshtein distance between `a` and `b`, given up (Infinity) once past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return Infinity;
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(next[j - 1]! + 1, row[j]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]! <= max ? row[b.length]! : Infinity;
}

/** The known key an unknown one is most likely a slip of: another case, or two edits away at most. */
function likelyKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase(), key.length > 4 ? 2 : 1);
    if (d < (best?.d ?? Infinity)) best = { key: k, d };
  }
  return best?.key;
}

/** One line per schema error: the field's path, then what was expected. */
function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      const likely = likelyKey(key, known);
      const hint =
        /token|secret|password/i.test(key) || /apiTokens/.test(error.instancePath)
          ? ' (secrets are never inline: name an environment variable with tokenEnv, webhookSecretEnv or apiTokenEnv, or an apiTokens entry with env or file)'
          : likely
            ? ` (did you mean ${likely}?)`
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
  // The problems quote the values they are about (repository.url as written, a value that does not
  // match its pattern), and `cairn validate` prints them as they are: masked here, for every
  // command. Found in review: a `file://user:password@host/…` URL was printed with its password.
  const refused = (errors: readonly string[]) => ({ ok: false as const, errors: errors.map(maskSecrets) });
  const errors = validate(data).map(describe);
  if (errors.length > 0) return refused([...new Set(errors)]);
  const raw = data as RawConfig;
  const semantic = checkEnvironments(raw);
  if (semantic.length > 0) return refused(semantic);
  let config: CairnConfig;
  try {
    config = withDefaults(raw, path);
  } catch (error) {
    // A value the schema lets through but cairn cannot use (a duration of 0): listed like the others.
    if (!isCairnError(error) || error.code !== 'config.duration') throw error;
    // Its message names the field, and says what to write instead.
    return refused([error.message]);
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
  const claims = configClaims(raw);
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
              ...(aws.resourceTypes?.length ? { resourceTypes: aws.resourceTypes } : {}),
              ...(aws.serviceTokens?.length ? { serviceTokens: aws.serviceTokens } : {}),
              ...(aws.externalTargets?.length ? { externalTargets: aws.externalTargets } : {}),
              ...(aws.accountWideReads ? { accountWideReads: true } : {}),
              ...(aws.cloudFormationExecutionRoleArn
                ? { cloudFormationExecutionRoleArn: aws.cloudFormationExecutionRoleArn }
                : {}),
              ...(aws.bootstrapQualifier ? { bootstrapQualifier: aws.bootstrapQualifier } : {}),
              synthTimeoutMs: parseDuration(aws.synthTimeout ?? '5m', `${at}.aws.synthTimeout`),
              maxAssemblyBytes: aws.maxAssemblyBytes ?? DEFAULT_MAX_ASSEMBLY_BYTES,
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
              ...(kube.sharedCredentials ? { sharedCredentials: kube.sharedCredentials } : {}),
              ...(kube.clusterDomain ? { clusterDomain: kube.clusterDomain } : {}),
              ...(kube.hosts ? { hosts: kube.hosts } : {}),
              ...(claims && raw.environments.some((o) => o !== env && o.kubernetes)
                ? { claims: { env: env.name, config: claims } }
                : {}),
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
      ...(raw.repository.auth
        ? {
            auth: {
              ...raw.repository.auth,
              // Like every path of the config, relative to its file (as the secret walk reads it),
              // not to whatever folder git runs ssh from.
              ...(raw.repository.auth.sshKeyPath ? { sshKeyPath: abs(raw.repository.auth.sshKeyPath) } : {}),
            },
          }
        : {}),
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
      ...(sidecarUses(raw).length > 0 ? { loopbackIsOneClient: true } : {}),
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

/** What the config gives each environment with a kubernetes section (see ConfigClaims); undefined when none has one. */
function configClaims(raw: RawConfig): ConfigClaims | undefined {
  const namespaces = new Map<string, string[]>();
  const namespaceGlobs: { env: string; glob: string }[] = [];
  const hosts: { env: string; host: string }[] = [];
  for (const { name: env, kubernetes: kube } of raw.environments) {
    if (!kube) continue;
    for (const ns of [kube.namespace ?? 'default', ...(kube.namespaces ?? [])]) {
      if (ns.includes('*')) namespaceGlobs.push({ env, glob: ns });
      else namespaces.set(ns, [...(namespaces.get(ns) ?? []), env]);
    }
    for (const host of kube.hosts ?? []) hosts.push({ env, host });
  }
  return namespaces.size > 0 ? { namespaces, namespaceGlobs, hosts } : undefined;
}
