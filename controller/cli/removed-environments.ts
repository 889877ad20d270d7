import type { AuditLog } from '../audit/audit-log';
import type { CairnConfig } from '../config/types';
import { OWNER_LABEL, ownerOf } from '../kube/identity';
import type { Log } from '../log';
import { stackOwnerOf } from './wire-environments';

/** What an environment that left the config left behind, as far as the ledger and its name tell. */
export interface RemovedEnvironment {
  readonly env: string;
  /** The newest commit its ledger says was applied (null: none succeeded). */
  readonly lastAppliedSha: string | null;
  /** When it was last reconciled or checked (ISO 8601), or null. */
  readonly lastChecked: string | null;
  /** The label selector of its Kubernetes objects and inventory, had it no explicit `instance`. */
  readonly kubernetesSelector: string;
  /** The tag of its CloudFormation stacks, had it no explicit `instance`. */
  readonly stackTag: string;
  /** `broken at record N (reason)` when its chain is broken (it no longer makes `/readyz` fail); else absent. */
  readonly auditChain?: string;
}

/**
 * The environments the ledger holds a chain for that the config no longer lists. Removing an
 * environment from the config is not a delete (as an Argo CD Application deleted without its
 * finalizer, unlike a Flux Kustomization with `prune: true`): cairn stops reconciling it and prunes
 * nothing, so its objects, stacks, inventory and chain stay. This says which, so that it is a
 * choice the operator sees rather than something found months later.
 */
export async function removedEnvironments(
  config: CairnConfig,
  audit: AuditLog,
): Promise<RemovedEnvironment[]> {
  const configured = new Set(config.environments.map((e) => e.name));
  const removed: RemovedEnvironment[] = [];
  for (const { env, firstBreak } of audit.reports()) {
    if (configured.has(env)) continue;
    removed.push({
      ...(firstBreak ? { auditChain: `broken at record ${firstBreak.seq} (${firstBreak.reason})` } : {}),
      env,
      lastAppliedSha: (await audit.lastApplied(env))?.sha ?? null,
      lastChecked: audit.lastChecked(env),
      kubernetesSelector: `${OWNER_LABEL}=${ownerOf({ env, repository: config.repository.url }).id}`,
      stackTag: `cairn:environment=${env}@${stackOwnerOf(config.repository.url)}`,
    });
  }
  return removed;
}

/** Logs one warning per environment in the ledger but not in the config (see `removedEnvironments`). */
export async function reportRemovedEnvironments(
  config: CairnConfig,
  audit: AuditLog,
  log: Log,
): Promise<void> {
  for (const removed of await removedEnvironments(config, audit)) {
    log.warn(
      {
        ...removed,
        hint: 'to remove what it applied, put it back with an empty k8s-resources/ and kubernetes.allowMassPrune: true (and aws.prune: true with no stacks in its app), let it reconcile, then remove it; or delete by this label selector and stack tag (for an environment that had an explicit instance, its instance name instead)',
      },
      `environment ${removed.env} has an audit chain but is not in the config: cairn no longer reconciles, prunes or repairs it, and what it applied stays in place`,
    );
  }
}
