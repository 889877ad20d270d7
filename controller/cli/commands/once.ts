import type * as Bootstrap from '../../../cdk/deploy/bootstrap';
import { AuditLog } from '../../audit/audit-log';
import { loadConfig as loadConfigFile } from '../../config/load-config';
import { configuredSecretValues } from '../../config/secret-values';
import { DRIFT_REPAIRED, errorMessage, rememberSecrets } from '../../model';
import type { CairnConfig, EnvironmentConfig } from '../../config/types';
import { CairnError } from '../../model/errors';
import { createLog, type Log } from '../../log';
import type { PlaneResult } from '../../model';
import { reconcileEnvironment } from '../../reconcile/reconcile-environment';
import { createGitSource } from '../../source/create-git-source';
import type { BranchHead, GitSource, Revision } from '../../source/types';
import { renderAuditEntry } from '../render-audit';
import { renderPlan } from '../render-plan';
import { appliersFor, commitStatuses, environmentNamed, type AppliersCache } from '../wire';

interface EnvOptions {
  readonly config: string;
  readonly env: string;
  readonly json?: boolean;
}

/** Logs of one-shot commands go to stderr, so stdout carries only the result. */
/** Loads the config and remembers the secrets it points at, so this command's output masks them. */
function loadConfig(file: string): CairnConfig {
  const config = loadConfigFile(file);
  rememberSecrets(configuredSecretValues(config));
  return config;
}

export function stderrLog(): Log {
  return createLog({ destination: process.stderr });
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** The revision of a fetched head, or the reason there is none as a CairnError. */
export function revisionOf(head: BranchHead | undefined, env: EnvironmentConfig): Revision {
  if (head?.kind === 'revision') return head.revision;
  const why =
    head?.kind === 'error' ? head.error.message : `branch "${env.branch}" does not exist in the repository`;
  throw new CairnError(why, {
    code: 'source.no-revision',
    phase: 'fetch',
    subject: `environment ${env.name}`,
  });
}

/** Runs `work` with the Git source and the appliers, and closes both afterwards, so the command exits by itself. */
export async function withSource<T>(
  config: CairnConfig,
  log: Log,
  work: (source: GitSource, appliers: AppliersCache) => Promise<T>,
): Promise<T> {
  const source = createGitSource(config.repository, config.workspaces, log);
  const appliers = appliersFor(log, config.repository.url, config.workspaces.dir);
  try {
    return await work(source, appliers);
  } finally {
    await appliers.close();
    await source.close();
  }
}

/** `cairn sync`: one reconcile of one environment, recorded in the audit trail like `run` does. */
export async function syncCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  if (config.sharding) {
    // A reconcile from here would hold no Lease: it could apply beside the holder's, unfenced.
    process.stderr.write(
      `cairn: ${o.config} shares its environments between replicas (sharding.enabled), so a sync from this process would apply without the Lease holder's fence. Ask a replica instead: POST <its URL>/api/environments/${env.name}/sync with a sync-scope token; the replica that receives it hands it to the holder.\n`,
    );
    return 2;
  }
  const log = stderrLog();
  // The commit gets its `cairn/<env>` status from a manual sync as from `cairn run`.
  const statuses = commitStatuses(config, log);
  const audit = await AuditLog.open(config.audit, log);
  try {
    // Only this environment's attempt is this process's to close.
    await audit.interrupted(env.name);
    const result = await withSource(config, log, async (source, appliers) => {
      const [head] = await source.fetch([{ env: env.name, branch: env.branch }]);
      const revision = revisionOf(head, env);
      const started = Date.now();
      statuses?.observer.started(env.name, revision.sha, 'manual');
      try {
        const done = await reconcileEnvironment(
          { env, source, audit, log, ...appliers(env) },
          revision,
          'manual',
        );
        statuses?.observer.finished(env.name, revision.sha, 'manual', {
          outcome: done.outcome,
          durationMs: Date.now() - started,
          entryId: done.entry.id,
          ...(done.failure ? { failure: done.failure } : {}),
          drifted: done.changes.filter((c) => c.reason === DRIFT_REPAIRED).length,
        });
        return done;
      } catch (error) {
        statuses?.observer.finished(env.name, revision.sha, 'manual', {
          outcome: 'failed',
          durationMs: Date.now() - started,
          failure: { code: 'audit.append', phase: 'record', retryable: true, message: errorMessage(error) },
        });
        throw error;
      }
    });
    out(o.json ? JSON.stringify(result.entry, null, 2) : renderAuditEntry(result.entry));
    return result.outcome === 'failed' ? 1 : 0;
  } finally {
    await statuses?.close();
    await audit.close();
  }
}

/** `cairn plan`: what would change per stack (described change sets) and per object (server dry run). */
export async function planCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  const log = stderrLog();
  const plan = await withSource(config, log, async (source, appliers) => {
    const [head] = await source.fetch([{ env: env.name, branch: env.branch }]);
    const revision = revisionOf(head, env);
    const workspace = await source.checkout(revision);
    const { aws, kube } = appliers(env);
    let awsPlan: PlaneResult | undefined;
    let kubePlan: PlaneResult | undefined;
    if (aws && revision.trees.aws)
      awsPlan = await aws.plan(await aws.synthesize(workspace.dir, revision.sha), revision.sha);
    if (kube) {
      kubePlan = await kube.plan(await kube.load(workspace.dir));
      await kube.close();
    }
    return { env: env.name, sha: revision.sha, aws: awsPlan ?? null, kubernetes: kubePlan ?? null };
  });
  out(o.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
  // A stack whose change set failed is in the AWS plan's failure now, no longer a throw.
  return plan.kubernetes?.failure || plan.aws?.failure ? 1 : 0;
}

/** `cairn bootstrap`: the version parameter and assets bucket deploys need. */
export async function bootstrapCommand(o: EnvOptions): Promise<number> {
  const config = loadConfig(o.config);
  const env = environmentNamed(config, o.env);
  if (!env.aws) {
    throw new CairnError('has no aws section to bootstrap', {
      code: 'config.no-aws',
      subject: `environment ${env.name}`,
    });
  }
  // The AWS SDK loads only for the command that deploys with it.
  const { bootstrapEnvironment } = require('../../../cdk/deploy/bootstrap') as typeof Bootstrap;
  const result = await bootstrapEnvironment(env.aws, stderrLog(), { env: env.name });
  out(
    `bootstrapped ${env.name}: ${env.aws.account}/${env.aws.region}, assets bucket ${result.bucketName}, version ${result.version}`,
  );
  return 0;
}
