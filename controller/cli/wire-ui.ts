import type { AuditLog } from '../audit/audit-log';
import type { CairnConfig } from '../config/types';
import type { PullRequestPlanner } from '../reconcile/pull-request-planner';
import { commitUrlTemplate } from '../server/ui-api-routes';
import type { ChainState, RevertPort, UiSources } from '../server/types';

/** What the web UI reads beside the controller: built from what `wire` opened. */
export function uiSources(
  config: CairnConfig,
  wired: { readonly audit: AuditLog; readonly pullRequests?: PullRequestPlanner },
  revert?: RevertPort,
): UiSources & { readonly commitUrl?: string } {
  const planner = wired.pullRequests;
  return {
    chainState: (env) => chainStateOf(wired.audit, env),
    controls: (env) => wired.audit.controls(env),
    ...(planner ? { pullRequestPlans: (env: string) => planner.plans(env) } : {}),
    ...(revert ? { revert } : {}),
    ...(config.repository.host ? { commitUrl: commitUrlTemplate(config.repository.host) } : {}),
  };
}

/** The chain report of `env` in the API's words: no file paths, no hashes. */
export function chainStateOf(audit: Pick<AuditLog, 'reports'>, env: string): ChainState | undefined {
  const report = audit.reports().find((r) => r.env === env);
  if (!report) return undefined;
  return {
    env,
    records: report.records,
    state: report.firstBreak ? 'broken' : 'verified',
    headSeq: report.head.seq,
    witnessBehind: report.witnessBehind,
    ...(report.firstBreak ? { brokenAt: report.firstBreak.seq, reason: report.firstBreak.reason } : {}),
  };
}
