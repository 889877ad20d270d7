import { posix } from 'node:path';
import { parse } from 'yaml';
import { CairnError } from '../model/errors';
import { DEFAULT_PROBE_PORT } from '../config/types';
import { CONFIG_PATH, RUNNER_WORKSPACES_DIR } from './manifests';

/** What an install needs to know from cairn.yaml, read from its text without loading its files. */
export interface ConfigFacts {
  /** Every environment variable the config names for a secret, sorted: `tokenEnv`, `webhookSecretEnv`, `apiTokens[].env`, … */
  readonly secretEnv: readonly string[];
  /** `server.port` (default 8080). */
  readonly port: number;
  /** `server.probePort` (default 8081): the port of the probe listener, which the installed probes use. */
  readonly probePort: number;
  /** Things that would keep the pod from working, each one sentence. */
  readonly warnings: readonly string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the facts an install derives from a config. Any key ending in `Env` (and an `apiTokens`
 * entry's `env`) names a variable holding a secret, so keys added later are covered too.
 * `synthRunner`: the install runs the synth-runner container (`--no-synth-runner` turns it off).
 */
export function configFacts(
  text: string,
  source: string,
  replicas: number,
  namespace = 'cairn',
  synthRunner = true,
): ConfigFacts {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new CairnError(`not valid YAML: ${(error as Error).message}`, {
      code: 'install.config',
      subject: source,
      hint: 'check it with cairn validate --config',
    });
  }
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      if ((key.endsWith('Env') || key === 'env') && typeof v === 'string' && ENV_NAME.test(v)) names.add(v);
      else walk(v);
    }
  };
  walk(doc);
  const config = (doc ?? {}) as {
    server?: {
      port?: unknown;
      probePort?: unknown;
      host?: unknown;
      apiTokenEnv?: unknown;
      apiTokens?: unknown[];
    };
    audit?: { backend?: unknown; dir?: unknown };
    kubernetes?: { controllerNamespace?: unknown };
    sharding?: { enabled?: unknown; namespace?: unknown };
    environments?: {
      name?: unknown;
      aws?: { synth?: { isolation?: unknown } };
      kubernetes?: { render?: { isolation?: unknown } };
    }[];
    workspaces?: { dir?: unknown };
  };
  const port = typeof config.server?.port === 'number' && config.server.port > 0 ? config.server.port : 8080;
  // A probe needs a fixed port: a probe port left to the default (or 0, in a pod) is 8081.
  const probePort =
    typeof config.server?.probePort === 'number' && config.server.probePort > 0
      ? config.server.probePort
      : DEFAULT_PROBE_PORT;
  const warnings: string[] = [];
  const host = config.server?.host;
  if (host !== '0.0.0.0' && host !== '::') {
    warnings.push(
      `${source}: server.host is not 0.0.0.0, so the probes and the Service cannot reach cairn; set server.host: 0.0.0.0`,
    );
  }
  if (!config.server?.apiTokenEnv && (config.server?.apiTokens ?? []).length === 0) {
    warnings.push(
      `${source}: no API token is configured, so cairn listens on 127.0.0.1 only and the probes fail; add server.apiTokens with a file under /etc/cairn/secrets`,
    );
  }
  if (replicas > 1 && config.audit?.backend !== 'dynamodb') {
    warnings.push(
      `${source}: ${replicas} replicas need the shared audit trail (audit.backend: dynamodb); with jsonl use --replicas 1`,
    );
  }
  // The install grants cairn its Leases in its own namespace only, and the runtime refuses that one.
  for (const [key, value] of [
    ['kubernetes.controllerNamespace', config.kubernetes?.controllerNamespace],
    ['sharding.namespace', config.sharding?.enabled === true ? config.sharding.namespace : undefined],
  ] as const) {
    if (typeof value === 'string' && value !== namespace) {
      warnings.push(
        `${source}: ${key} is ${value}, but cairn is installed in ${namespace}; use --namespace ${value} or the same name in the config`,
      );
    }
  }
  for (const env of config.environments ?? []) {
    if (env.aws && env.aws.synth?.isolation !== 'sidecar') {
      warnings.push(
        `${source}: environment ${String(env.name)} has an AWS half; in a pod its CDK app runs in the synth-runner container only with aws.synth.isolation: sidecar`,
      );
    }
  }
  const runnerUsed = (config.environments ?? []).some(
    (env) => env.aws || env.kubernetes?.render?.isolation === 'sidecar',
  );
  const workspaces = synthRunner && runnerUsed ? workspacesInPod(config) : undefined;
  if (workspaces && !inside(workspaces.path, RUNNER_WORKSPACES_DIR)) {
    // The controller prepares each job under workspaces.dir; the runner refuses a job folder
    // outside the folder it mounts, so every synth and render would fail at run time, not here.
    warnings.push(
      `${source}: workspaces.dir is ${workspaces.shown}, but the synth-runner container mounts only ${RUNNER_WORKSPACES_DIR} of the pod's volume, so every job it runs (CDK synths, sidecar renders) fails; set workspaces.dir: ${RUNNER_WORKSPACES_DIR}`,
    );
  }
  if (config.server?.port === 0 || config.server?.probePort === 0) {
    warnings.push(
      `${source}: server.port and server.probePort must be fixed ports in a pod (the Service and the probes name them); the install assumes ${port} and ${probePort}`,
    );
  }
  return { secretEnv: [...names].sort(), port, probePort, warnings };
}

/**
 * Where `workspaces.dir` is in the pod, as load-config resolves it there: relative to the mounted
 * config's folder, `~` being the container's HOME (/tmp), and when unset `workspaces/` beside
 * `audit.dir`. Undefined when neither is a string (the config's validation says so).
 */
function workspacesInPod(config: {
  readonly workspaces?: { readonly dir?: unknown };
  readonly audit?: { readonly dir?: unknown };
}): { readonly path: string; readonly shown: string } | undefined {
  const inPod = (p: string) => posix.resolve(posix.dirname(CONFIG_PATH), p.replace(/^~(?=\/)/, '/tmp'));
  const dir = config.workspaces?.dir;
  if (typeof dir === 'string' && dir !== '') {
    const path = inPod(dir);
    return { path, shown: path === dir ? dir : `${dir} (${path} in the pod)` };
  }
  const audit = config.audit?.dir;
  if (typeof audit !== 'string' || audit === '') return undefined;
  const path = posix.join(posix.dirname(inPod(audit)), 'workspaces');
  return { path, shown: `unset, so ${path} (workspaces/ beside audit.dir)` };
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}
