import { bootstrapEnvironment } from '../../cdk/deploy/bootstrap';
import { appliersFor, type AppliersCache } from '../../controller/cli/wire-environments';
import { loadConfig } from '../../controller/config/load-config';
import { silentLog } from '../../controller/log';
import type { ReconcileResult } from '../../controller/reconcile/reconcile-environment';
import { EnvLock } from '../../controller/reconcile/env-lock';
import { PullRequestPlanner } from '../../controller/reconcile/pull-request-planner';
import { reconcileEnvironment } from '../../controller/reconcile/reconcile-environment';
import { createGitSource } from '../../controller/source/create-git-source';
import type { GitSource } from '../../controller/source/types';
import type { E2ePlatform } from './e2e-platform';
import { RecordingGitHost } from './recording-git-host';
import { MemoryAudit } from './reconcile-fakes';

/** The e2e platform's dev, applied, and a pull request planner over it with the environment's own appliers. */
export interface AppliedDevPlanner {
  readonly source: GitSource;
  readonly appliers: AppliersCache;
  readonly host: RecordingGitHost;
  readonly planner: PullRequestPlanner;
  /** dev's apply of its branch head, before any plan. */
  readonly applied: ReconcileResult;
  /** Stops the planner and closes the appliers and the source (not the platform). */
  close(): Promise<void>;
}

/**
 * Bootstraps CDK for `platform`'s dev in moto, applies dev's branch head (its stacks and objects
 * exist, as in a running environment; its entry goes to `audit`) and builds a planner for
 * `platform/infra` recording its comments and statuses.
 */
export async function appliedDevPlanner(
  platform: E2ePlatform,
  options: { readonly planForks: boolean; readonly audit?: MemoryAudit },
): Promise<AppliedDevPlanner> {
  const config = loadConfig(platform.configFile);
  const dev = config.environments[0]!;
  await bootstrapEnvironment(dev.aws!, silentLog(), { env: 'dev' });
  const source = createGitSource(config.repository, config.workspaces, silentLog());
  const appliers = appliersFor(silentLog(), config.repository.url);
  let applied: ReconcileResult;
  try {
    const [head] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
    if (head?.kind !== 'revision') throw new Error('no dev head');
    applied = await reconcileEnvironment(
      { env: dev, source, audit: options.audit ?? new MemoryAudit(), log: silentLog(), ...appliers(dev) },
      head.revision,
      'manual',
    );
  } catch (error) {
    await appliers.close();
    await source.close();
    throw error;
  }
  const host = new RecordingGitHost();
  const planner = new PullRequestPlanner({
    environments: config.environments,
    source,
    appliers,
    host,
    lock: new EnvLock(),
    log: silentLog(),
    repo: 'platform/infra',
    planForks: options.planForks,
    planTimeoutMs: config.repository.host?.planTimeoutMs ?? 900_000,
  });
  const close = async () => {
    await planner.stop();
    await appliers.close();
    await source.close();
  };
  return { source, appliers, host, planner, applied, close };
}
