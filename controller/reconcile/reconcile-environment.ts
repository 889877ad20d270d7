import { randomUUID } from 'node:crypto';
import type { AwsApplier } from '../../cdk/types';
import type { StartInput } from '../audit/audit-log';
import type { LastApplied } from '../audit/types';
import { scrubRecord } from '../audit/secret-guard';
import type { EnvironmentConfig } from '../config/types';
import type { KubeApplier } from '../kube/types';
import type { Log } from '../log';
import {
  failureFrom,
  type AuditEntry,
  type Change,
  type Failure,
  type Outcome,
  type Phase,
  type PhaseTiming,
  type PlaneResult,
  type Trigger,
  type WriteFence,
} from '../model';
import type { LeaseProof } from '../shard/lease';
import type { GitSource, Revision } from '../source/types';
import { bindOutputs, checkBindings, hideSecretValues, type CheckedManifests } from './bind-outputs';
import { PhaseTimer } from './phase-timer';

/** What earlier reconciles left behind, per half (the audit log's `LastApplied`). */
export type AppliedState = LastApplied;

/** The audit operations one reconcile needs (the AuditLog implements them). */
export interface AuditTrail {
  /** Appends the start record; with `fence`, nothing is written once the fence fails (it throws). */
  start(
    input: StartInput & { readonly id: string; readonly startedAt: string },
    fence?: WriteFence,
  ): Promise<unknown>;
  end(entry: AuditEntry): Promise<void>;
  lastApplied(env: string): Promise<AppliedState | null>;
}

/** The seams one environment's reconcile goes through. */
export interface EnvironmentPorts {
  readonly env: EnvironmentConfig;
  readonly source: GitSource;
  readonly audit: AuditTrail;
  readonly aws?: AwsApplier;
  readonly kube?: KubeApplier;
  readonly log: Log;
  readonly now?: () => Date;
  /**
   * With sharding: proves, by a fresh read of the environment's Lease, that this replica still
   * holds it; called before each apply phase, and throws a retryable `shard.lost` when it does not.
   */
  readonly fence?: (phase: 'apply-aws' | 'apply-kubernetes') => Promise<LeaseProof>;
  /**
   * With sharding (or the unsharded heartbeat): the synchronous fence the appliers call before
   * every write batch (see WriteFence), and the ledger before the start record, so a replica paused
   * past its Lease's deadline stops before its next write; one per phase, so its `shard.lost` names
   * the phase it stopped.
   */
  readonly writeFence?: (phase: FencedPhase) => WriteFence;
}

type ApplyPhase = 'apply-aws' | 'apply-kubernetes';
/** The phases whose writes are fenced: both planes' applies, and the ledger's start record. */
type FencedPhase = ApplyPhase | 'record';

/**
 * What fences the reconciles of a process: a shard's Lease (`fence` proves each apply phase by a
 * fresh read, `writeFence` fences each write batch) or the unsharded heartbeat (`writeFence` only).
 */
export interface FenceHolder {
  fence?(env: string, phase: ApplyPhase): Promise<LeaseProof>;
  writeFence(env: string, phase: FencedPhase): WriteFence;
}

/** One environment's fences from what the process holds (none without a holder): `cairn run` and `cairn sync` alike. */
export function fencesOf(
  holder: FenceHolder | undefined,
  env: string,
): Pick<EnvironmentPorts, 'fence' | 'writeFence'> {
  if (!holder) return {};
  const writeFence = (phase: FencedPhase) => holder.writeFence(env, phase);
  const { fence } = holder;
  return fence ? { fence: (phase) => fence.call(holder, env, phase), writeFence } : { writeFence };
}

/** A half is applied when its folder's tree moved since its last success (or a drift pass asks for Kubernetes). */
function halfToApply(
  current: string | null,
  last: string | null | undefined,
  configured: boolean,
): string | null {
  if (!configured) return 'no target configured for this environment';
  if (current === null && (last === null || last === undefined)) return 'folder absent';
  if (current === last) return 'unchanged since last apply';
  return null;
}

/**
 * What one reconcile came to. The controller drives its retries, status and metrics from this;
 * `entry` is what was recorded (the same changes and failure), for `cairn sync` to print.
 */
export interface ReconcileResult {
  readonly outcome: Outcome;
  /** Every change of both planes, in the order they were applied, exactly as the appliers returned them. */
  readonly changes: readonly Change[];
  /** What stopped the reconcile; `retryable` decides between a backoff and a stall. */
  readonly failure?: Failure;
  readonly phases: readonly PhaseTiming[];
  readonly entry: AuditEntry;
}

/**
 * One reconcile of one environment to `revision`, top to bottom:
 * fetch (checkout) → synthesize → plan (validate manifests) → apply AWS / Kubernetes (in the
 * environment's order) → record. Writes a `start` audit record before anything is applied and an
 * `end` record after; never throws for a failure of the environment itself, which is in the result.
 */
export async function reconcileEnvironment(
  ports: EnvironmentPorts,
  revision: Revision,
  trigger: Trigger,
): Promise<ReconcileResult> {
  const now = ports.now ?? (() => new Date());
  const log = ports.log.child({ env: ports.env.name, sha: revision.sha.slice(0, 12), trigger });
  const timer = new PhaseTimer(log, now);
  const last = await ports.audit.lastApplied(ports.env.name);
  const drift = trigger === 'drift';
  const awsSkip = halfToApply(revision.trees.aws, last?.awsTree, ports.aws !== undefined);
  let k8sSkip =
    drift && ports.kube ? null : halfToApply(revision.trees.k8s, last?.k8sTree, ports.kube !== undefined);
  // An unchanged tree is skipped only while nothing cairn applied changed on the server since.
  if (k8sSkip !== null && ports.kube && revision.trees.k8s !== null && revision.trees.k8s === last?.k8sTree) {
    const drifted = await ports.kube.drifted().catch(() => ['(drift check failed)']);
    if (drifted.length > 0) k8sSkip = null;
  }

  const id = randomUUID();
  const startedAt = now().toISOString();
  // Fenced like an apply: a replica paused since it read what is applied (above) past its Lease's
  // deadline records nothing. Its start would land after its successor's entries, and its end would
  // claim a skipped half at the tree it read before the pause (a revert of the successor's release
  // would then look unchanged and be skipped). The fence's shard.lost is thrown, with no entry.
  // The record is written while the commit is fetched, synthesized and checked (its append and
  // fsync were 30 to 60 ms of a fresh `cairn sync`'s path to its first write); nothing is applied
  // before it is in the ledger, and one that could not be written is thrown below, no end recorded.
  const started = ports.audit.start(
    {
      id,
      env: ports.env.name,
      trigger,
      fromSha: last?.sha ?? null,
      toSha: revision.sha,
      startedAt,
      author: authorOf(revision),
      message: revision.message,
      committedAt: revision.committedAt,
    },
    ports.writeFence?.('record'),
  );
  const startRecorded = started.then(
    () => true,
    () => false,
  );
  log.info({ phase: 'start', aws: awsSkip ?? 'apply', kubernetes: k8sSkip ?? 'apply' }, 'reconcile started');

  let aws: PlaneResult | undefined;
  let kube: PlaneResult | undefined;
  const changes: Change[] = [];
  let failure: Failure | undefined;
  let phase: Phase = 'fetch';
  let lease: LeaseProof | undefined;
  const fenceFor = (phase: 'apply-aws' | 'apply-kubernetes') =>
    ports.writeFence ? { fence: ports.writeFence(phase) } : {};
  // Fencing: nothing is applied by a replica that lost the environment's Lease since it started.
  const fenced = async (next: 'apply-aws' | 'apply-kubernetes'): Promise<void> => {
    phase = next;
    if (ports.fence) lease = await ports.fence(next);
  };
  try {
    // Signed commits: the checkout verifies the head; a head with nothing to apply is verified
    // too, so no unverified commit is ever recorded as applied.
    if (awsSkip !== null && k8sSkip !== null) await ports.source.verify?.(revision);
    if (awsSkip === null || k8sSkip === null) {
      const workspace = await timer.run('fetch', () => ports.source.checkout(revision));
      phase = 'synthesize';
      // A synth takes seconds, the start record milliseconds: it waits for the record, so that a
      // replica whose start was refused (its Lease lost) runs no CDK app for nothing.
      if (awsSkip === null && ports.aws) await started;
      const assembly =
        awsSkip === null && ports.aws
          ? await timer.run('synthesize', () => ports.aws!.synthesize(workspace.dir, revision.sha))
          : undefined;
      phase = 'plan';
      // Manifests are read and validated before anything is applied, so a broken file leaves both
      // halves untouched; so are their AWS bindings (a missing output fails here).
      const checked: CheckedManifests | undefined =
        k8sSkip === null && ports.kube
          ? await timer.run('plan', () =>
              checkBindings(ports.env, ports.kube!, workspace.dir, ports.aws, assembly),
            )
          : undefined;

      const applyAws = async (): Promise<PlaneResult | undefined> => {
        if (!assembly || !ports.aws) return undefined;
        await fenced('apply-aws');
        aws = await timer.run('apply-aws', () =>
          ports.aws!.apply(assembly, revision.sha, fenceFor('apply-aws')),
        );
        return aws;
      };
      const applyKube = async (): Promise<PlaneResult | undefined> => {
        if (!checked || !ports.kube) return undefined;
        await fenced('apply-kubernetes');
        // Bound outputs are read once the AWS half stands: this reconcile's values, not the last one's.
        const { manifests, secretValues } =
          checked.refs.length === 0
            ? { manifests: checked.manifests, secretValues: [] }
            : await bindOutputs(ports.kube, workspace.dir, ports.aws, checked.refs);
        // A value bound into a Secret stays out of the ledger entry, as it stays out of the plan.
        kube = hideSecretValues(
          await timer.run('apply-kubernetes', () =>
            ports.kube!.apply(manifests, { drift, ...fenceFor('apply-kubernetes') }),
          ),
          secretValues,
        );
        return kube;
      };
      const steps = ports.env.order === 'kubernetes-first' ? [applyKube, applyAws] : [applyAws, applyKube];
      for (const step of (await startRecorded) ? steps : []) {
        const result = await step();
        changes.push(...(result?.changes ?? []));
        failure = result?.failure;
        if (failure) break;
      }
    }
  } catch (error) {
    failure = failureFrom(error, phase);
  }
  await started;

  const entry = await timer.run('record', async () =>
    buildEntry({
      id,
      revision,
      trigger,
      last,
      startedAt,
      outcome: failure ? 'failed' : awsSkip !== null && k8sSkip !== null ? 'no-op' : 'succeeded',
      // A skipped half stands where it stood; a half never reached (an earlier failure) is not recorded.
      awsAt: aws ? !aws.failure : awsSkip !== null,
      k8sAt: kube ? !kube.failure : k8sSkip !== null,
      awsSkip,
      k8sSkip,
      changes,
      failure,
      lease,
      now,
    }),
  );
  // What the ledger keeps is what everyone else is told: the status API, notifications, the log
  // line and `cairn sync`'s output get the same scrubbed copy (secrets masked, a PEM private key an
  // error quoted redacted), not the appliers' raw text.
  const finished: AuditEntry = scrubRecord({ ...entry, phases: timer.phases() });
  await ports.audit.end(finished);
  const durationMs = Date.parse(finished.finishedAt) - Date.parse(startedAt);
  if (finished.failure) {
    const { phase: failedPhase, code, retryable, subject, message } = finished.failure;
    log.error({ phase: failedPhase, code, retryable, subject, durationMs, err: message }, 'reconcile failed');
  } else {
    log.info({ phase: 'done', outcome: finished.outcome, durationMs }, 'reconcile finished');
  }
  return {
    outcome: finished.outcome,
    changes: finished.changes,
    ...(finished.failure ? { failure: finished.failure } : {}),
    phases: finished.phases,
    entry: finished,
  };
}

function authorOf(revision: Revision): string {
  return `${revision.author.name} <${revision.author.email}>`;
}

interface EntryParts {
  readonly id: string;
  readonly revision: Revision;
  readonly trigger: Trigger;
  readonly last: AppliedState | null;
  readonly startedAt: string;
  readonly outcome: Outcome;
  readonly awsAt: boolean;
  readonly k8sAt: boolean;
  readonly awsSkip: string | null;
  readonly k8sSkip: string | null;
  readonly changes: readonly Change[];
  readonly failure: Failure | undefined;
  readonly lease: LeaseProof | undefined;
  readonly now: () => Date;
}

/** The audit entry of one reconcile: the appliers' changes and failure as they are, and the trees each half stands at. */
function buildEntry(p: EntryParts): AuditEntry {
  const { revision } = p;
  const skipped = {
    ...(p.awsSkip !== null ? { aws: p.awsSkip } : {}),
    ...(p.k8sSkip !== null ? { kubernetes: p.k8sSkip } : {}),
  };
  return {
    id: p.id,
    env: revision.env,
    trigger: p.trigger,
    fromSha: p.last?.sha ?? null,
    toSha: revision.sha,
    author: authorOf(revision),
    message: revision.message,
    committedAt: revision.committedAt,
    ...(revision.forcePushed ? { forcePushed: true } : {}),
    startedAt: p.startedAt,
    finishedAt: p.now().toISOString(),
    outcome: p.outcome,
    phases: [],
    applied: {
      ...(p.awsAt ? { aws: revision.trees.aws } : {}),
      ...(p.k8sAt ? { k8s: revision.trees.k8s } : {}),
    },
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
    changes: p.changes,
    ...(p.failure ? { failure: p.failure } : {}),
    ...(p.lease
      ? {
          lease: {
            holder: p.lease.holder,
            resourceVersion: p.lease.resourceVersion,
            ...(p.lease.name ? { name: p.lease.name } : {}),
          },
        }
      : {}),
  };
}
