import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { validateConfigFile } from '../../config/load-config';
import { CairnError } from '../../model/errors';
import { applyInstall } from '../../install/apply-install';
import { configFacts } from '../../install/config-facts';
import { DEFAULT_KINDS, parseKinds } from '../../install/kinds';
import { identityFacts } from '../../install/environment-grants';
import { identityNotes } from '../../install/identity-objects';
import { clusterRoleName, installObjects, renderYaml, type ManifestObject } from '../../install/manifests';
import { packageRoot, packageVersion } from '../../package-root';

/** The options of `cairn install`, as commander parses them. */
export interface InstallCommandOptions {
  readonly export?: boolean;
  readonly namespace: string;
  readonly image?: string;
  readonly runnerImage?: string;
  readonly replicas?: string;
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

/** An install read from its config: its objects and the YAML comments the export starts with. */
export interface InstallPlan {
  readonly objects: readonly ManifestObject[];
  readonly notes: readonly string[];
}

/**
 * The objects of an install for a config's text (already validated by the caller), or the exit
 * code 2 of a usage error, written to `err` with the warnings. Refuses more than one replica
 * without `sharding.enabled`: each replica would write every environment (two writers).
 */
export function planInstall(
  o: InstallCommandOptions,
  text: string,
  source: string,
  err: (text: string) => void,
): InstallPlan | 2 {
  // A bad flag value is a wrong command line: exit 2, like every other usage error.
  const replicas = Number(o.replicas ?? '1');
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
  const facts = configFacts(text, source, replicas, o.namespace, o.synthRunner);
  const identities = identityFacts(parse(text), source, o.namespace);
  if (replicas > 1 && !identities.sharding) {
    err(
      `cairn: --replicas ${replicas}: more than one replica needs sharding.enabled: true in ${source} (else every replica writes every environment); use --replicas 1, or enable sharding (docs/high-availability.md)\n`,
    );
    return 2;
  }
  for (const warning of facts.warnings) err(`cairn: warning: ${warning}\n`);
  for (const env of identities.unbound) {
    err(
      `cairn: warning: ${source}: environment ${env} has no kubernetes.serviceAccount, so it applies with cairn's own identity (the cluster-wide ClusterRole ${clusterRoleName(o.namespace, Boolean(o.clusterAdmin))}); give it one (SECURITY.md, threat model)\n`,
    );
  }
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
    probePort: facts.probePort,
    synthRunner: o.synthRunner,
    identities,
  });
  return { objects, notes: identityNotes(identities) };
}

/**
 * `cairn install`: the objects that run cairn in a cluster (Namespace, ServiceAccount,
 * least-privilege RBAC, each environment's identity, ConfigMap, Service, Deployment,
 * PodDisruptionBudget). With `--export` they are printed, for `kubectl apply -f -`; without,
 * applied server-side with cairn's own client.
 */
export async function installCommand(
  o: InstallCommandOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
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
  const plan = planInstall(o, readFileSync(source, 'utf8'), source, err);
  if (plan === 2) return 2;
  if (o.export) {
    out(plan.notes.map((n) => `# ${n}\n`).join('') + renderYaml(plan.objects));
    return 0;
  }
  for (const note of plan.notes) err(`cairn: warning: ${note}\n`);
  await applyInstall(
    plan.objects,
    { ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) },
    (line) => out(`${line}\n`),
  );
  return 0;
}
