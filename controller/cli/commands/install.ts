import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateConfigFile } from '../../config/load-config';
import { CairnError } from '../../errors';
import { applyInstall } from '../../install/apply-install';
import { configFacts } from '../../install/config-facts';
import { DEFAULT_KINDS, parseKinds } from '../../install/kinds';
import { installObjects, renderYaml } from '../../install/manifests';
import { packageRoot, packageVersion } from '../../package-root';

/** The options of `cairn install`, as commander parses them. */
export interface InstallCommandOptions {
  readonly export?: boolean;
  readonly namespace: string;
  readonly image?: string;
  readonly runnerImage?: string;
  readonly replicas: string;
  readonly kinds?: string[];
  readonly clusterAdmin?: boolean;
  readonly config?: string;
  readonly synthRunner: boolean;
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** The example config the export embeds when no `--config` is given (also the chart's default). */
export function exampleConfigPath(): string {
  return join(packageRoot(), 'controller', 'install', 'chart', 'files', 'cairn.yaml');
}

/** The images an install runs by default: the Dockerfile's two targets, tagged with cairn's version. */
export function defaultImages(): { readonly image: string; readonly runnerImage: string } {
  const version = packageVersion();
  return { image: `cairn/controller:${version}`, runnerImage: `cairn/synth-runner:${version}` };
}

/**
 * `cairn install`: the objects that run cairn in a cluster (Namespace, ServiceAccount,
 * least-privilege RBAC, ConfigMap, Service, Deployment, PodDisruptionBudget). With `--export` they
 * are printed, for `kubectl apply -f -`; without, applied server-side with cairn's own client.
 */
export async function installCommand(
  o: InstallCommandOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  // A bad flag value is a wrong command line: exit 2, like every other usage error.
  const replicas = Number(o.replicas);
  if (!Number.isInteger(replicas) || replicas < 1) {
    err(`cairn: --replicas: "${o.replicas}" is not a whole number of at least 1\n`);
    return 2;
  }
  let kinds;
  try {
    kinds = parseKinds(o.kinds && o.kinds.length > 0 ? o.kinds : DEFAULT_KINDS);
  } catch (error) {
    err(`cairn: ${(error as Error).message}\n`);
    return 2;
  }
  const source = o.config ? resolve(o.config) : exampleConfigPath();
  if (o.config) {
    const checked = validateConfigFile(source);
    if (!checked.ok) {
      throw new CairnError(checked.errors.join('; '), {
        code: 'config.invalid',
        subject: source,
        hint: 'fix the config (cairn validate --config) before exporting it',
      });
    }
  }
  const text = readFileSync(source, 'utf8');
  const facts = configFacts(text, source, replicas);
  for (const warning of facts.warnings) err(`cairn: warning: ${warning}\n`);
  const images = defaultImages();
  const objects = installObjects({
    namespace: o.namespace,
    image: o.image ?? images.image,
    runnerImage: o.runnerImage ?? images.runnerImage,
    replicas,
    kinds,
    clusterAdmin: Boolean(o.clusterAdmin),
    config: text,
    secretEnv: facts.secretEnv,
    port: facts.port,
    synthRunner: o.synthRunner,
  });
  if (o.export) {
    out(renderYaml(objects));
    return 0;
  }
  await applyInstall(
    objects,
    { ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) },
    (line) => out(`${line}\n`),
  );
  return 0;
}
