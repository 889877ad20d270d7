import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';

/** The sizes one environment runs with, from `config/<env>.json`. */
export interface EnvironmentSettings {
  readonly table:
    | { readonly billing: 'on-demand' }
    | { readonly billing: 'provisioned'; readonly readCapacity: number; readonly writeCapacity: number };
  readonly queue: { readonly retentionDays: number; readonly visibilityTimeoutSeconds: number };
  readonly api: { readonly memoryMb: number; readonly timeoutSeconds: number; readonly logLevel: string };
  /** The cluster's OIDC issuer (host and path) for IRSA; a placeholder issuer when absent. */
  readonly oidcIssuer?: string;
}

/** Everything the stacks need to know about the environment they are synthesized for. */
export interface ShopTarget {
  /** `gitops:environment`, e.g. `dev`. */
  readonly env: string;
  /** `gitops:commit`, the sha cairn synthesizes; `local` when run by hand. */
  readonly commit: string;
  /** Prefix of every name (`shop` unless cdk.json's `shop:prefix` says otherwise), so apps can share an account. */
  readonly prefix: string;
  readonly settings: EnvironmentSettings;
  /** `<prefix>-<env>-<suffix>`: the one naming rule for stacks, queues and tables. */
  name(suffix: string): string;
}

const CONFIG_DIR = join(__dirname, '..', 'config');
const NAME = /^[a-z][a-z0-9-]{0,20}$/;

function knownEnvironments(): string[] {
  return readdirSync(CONFIG_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

// The CDK CLI merges cdk.json's context into CDK_CONTEXT_JSON; a runner that starts the app itself
// may not, so cdk.json is read here too and the passed context wins.
function cdkJsonContext(): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
      context?: unknown;
    };
    return typeof parsed.context === 'object' && parsed.context !== null
      ? (parsed.context as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key) ?? cdkJsonContext()[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads the target from the app's context. Fails before any construct exists when the environment
 * is missing or unknown, because a stack synthesized with the wrong sizes would deploy quietly.
 */
export function readTarget(app: App): ShopTarget {
  const known = knownEnvironments();
  const env = contextString(app, 'gitops:environment');
  if (!env) {
    throw new Error(
      `aws-resources: context gitops:environment is not set; cairn passes it, by hand run \`cdk synth -c gitops:environment=${known[0]}\``,
    );
  }
  if (!known.includes(env)) {
    throw new Error(
      `aws-resources: environment "${env}" has no config/${env}.json; add one or use one of ${known.join(', ')}`,
    );
  }
  const prefix = contextString(app, 'shop:prefix') ?? 'shop';
  if (!NAME.test(prefix)) {
    throw new Error(`aws-resources: shop:prefix "${prefix}" must be lowercase letters, digits and dashes`);
  }
  const settings = JSON.parse(readFileSync(join(CONFIG_DIR, `${env}.json`), 'utf8')) as EnvironmentSettings;
  return {
    env,
    commit: contextString(app, 'gitops:commit') ?? 'local',
    prefix,
    settings,
    name: (suffix) => `${prefix}-${env}-${suffix}`,
  };
}
