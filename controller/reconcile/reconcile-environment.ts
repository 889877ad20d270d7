import { randomUUID } from 'node:crypto';
import type { AwsApplier, AwsApplyResult } from '../../cdk/types';
import type { StartInput } from '../audit/audit-log';
import type { AuditEntry, LastApplied, Outcome, Trigger } from '../audit/types';
import type { EnvironmentConfig } from '../config/types';
import { CairnError, errorMessage, isCairnError, type Phase } from '../errors';
import type { AppliedObjectAction, KubeApplier, Manifest } from '../kube/types';
import type { Change, PlaneResult } from '../model';
import type { Log } from '../log';
import type { GitSource, Revision } from '../source/types';
import { PhaseTimer } from './phase-timer';

/** What earlier reconciles left behind, per half (the audit log's `LastApplied`). */
export type AppliedState = LastApplied;

/** The audit operations one reconcile needs (the AuditLog implements them). */
export interface AuditTrail {
  start(input: StartInput & { readonly id: string; readonly startedAt: string }): Promise<unknown>;
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
 * One reconcile of one environment to `revision`, top to bottom:
 * fetch (checkout) → synthesize → plan (validate manifests) → apply AWS / Kubernetes (in the
 * environment's order) → record. Writes a `start` audit record before anything is applied and an
 * `end` record after; never throws for a failure of the environment itself, which is in the entry.
 */
export async function reconcileEnvironment(
  ports: EnvironmentPorts,
  revision: Revision,
  trigger: Trigger,
): Promise<AuditEntry> {
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
  await ports.audit.start({
    id,
    env: ports.env.name,
    trigger,
    fromSha: last?.sha ?? null,
    toSha: revision.sha,
    startedAt,
    author: authorOf(revision),
    message: revision.message,
    committedAt: revision.committedAt,
  });
  log.info({ phase: 'start', aws: awsSkip ?? 'apply', kubernetes: k8sSkip ?? 'apply' }, 'reconcile started');

  let aws: AwsApplyResult | undefined;
  let kube: KubeApplied | undefined;
  let failure: { phase: Phase; error: unknown } | undefined;
  let phase: Phase = 'fetch';
  try {
    if (awsSkip === null || k8sSkip === null) {
      const workspace = await timer.run('fetch', () => ports.source.checkout(revision));
      phase = 'synthesize';
      const assembly =
        awsSkip === null && ports.aws
          ? await timer.run('synthesize', () => ports.aws!.synthesize(workspace.dir, revision.sha))
          : undefined;
      phase = 'plan';
      // Manifests are read and validated before anything is applied, so a broken file leaves both halves untouched.
      const manifests: readonly Manifest[] | undefined =
        k8sSkip === null && ports.kube
          ? await timer.run('plan', () => ports.kube!.load(workspace.dir))
          : undefined;

      const applyAws = async (): Promise<boolean> => {
        if (!assembly || !ports.aws) return true;
        phase = 'apply-aws';
        aws = await timer.run('apply-aws', () => ports.aws!.apply(assembly, revision.sha));
        if (!aws.ok) failure = { phase, error: aws.error ?? new Error(firstFailure(aws)) };
        return aws.ok;
      };
      const applyKube = async (): Promise<boolean> => {
        if (!manifests || !ports.kube) return true;
        phase = 'apply-kubernetes';
        kube = legacyKube(await timer.run('apply-kubernetes', () => ports.kube!.apply(manifests, { drift })));
        if (!kube.ok) failure = { phase, error: kube.error ?? new Error(firstFailure(kube)) };
        return kube.ok;
      };
      const steps = ports.env.order === 'kubernetes-first' ? [applyKube, applyAws] : [applyAws, applyKube];
      for (const step of steps) if (!(await step())) break;
    }
  } catch (error) {
    failure = { phase: isCairnError(error) && error.phase ? error.phase : phase, error };
  }

  const entry = await timer.run('record', async () => {
    const outcome: Outcome = failure
      ? 'failed'
      : awsSkip !== null && k8sSkip !== null
        ? 'no-op'
        : 'succeeded';
    const result = buildEntry({
      id,
      revision,
      trigger,
      last,
      startedAt,
      outcome,
      aws,
      kube,
      awsSkip,
      k8sSkip,
      failure,
      now,
    });
    return result;
  });
  const finished: AuditEntry = { ...entry, phases: timer.phases() };
  await ports.audit.end(finished);
  const durationMs = Date.parse(finished.finishedAt) - Date.parse(startedAt);
  if (failure) {
    log.error({ phase: failure.phase, durationMs, err: finished.error?.message }, 'reconcile failed');
  } else {
    log.info({ phase: 'done', outcome: finished.outcome, durationMs }, 'reconcile finished');
  }
  return finished;
}

function authorOf(revision: Revision): string {
  return `${revision.author.name} <${revision.author.email}>`;
}

/** The Kubernetes plane's result in the shape the audit entry records today. */
interface KubeApplied {
  readonly ok: boolean;
  readonly error?: Error;
  readonly objects: readonly {
    readonly ref: { apiVersion: string; kind: string; namespace?: string; name: string };
    readonly action: AppliedObjectAction;
    readonly durationMs: number;
    readonly error?: string;
  }[];
}

function legacyAction(c: Change): AppliedObjectAction {
  if (c.action === 'configured') return c.reason === 'drift repaired' ? 'drift-repaired' : 'updated';
  if (c.action === 'deleted') return 'pruned';
  if (c.action === 'skipped' && (c.reason === 'failed' || c.reason === 'prune failed')) return 'failed';
  return c.action;
}

function legacyKube(result: PlaneResult): KubeApplied {
  const objects = result.changes.map((c) => {
    const [kind = '', a = '', b] = c.subject.split('/');
    const ref =
      b === undefined
        ? { apiVersion: c.type ?? '', kind, name: a }
        : { apiVersion: c.type ?? '', kind, namespace: a, name: b };
    const action = legacyAction(c);
    const error = result.failure?.subject === c.subject ? result.failure.message : c.reason;
    return {
      ref,
      action,
      durationMs: c.durationMs ?? 0,
      ...(action === 'failed' || action === 'skipped' ? { error: error ?? '' } : {}),
    };
  });
  if (!result.failure) return { ok: true, objects };
  const { failure } = result;
  const error = new CairnError(failure.message, {
    code: failure.code,
    phase: failure.phase,
    retryable: failure.retryable,
    ...(failure.subject ? { subject: failure.subject } : {}),
  });
  return { ok: false, error, objects };
}

function firstFailure(result: AwsApplyResult | KubeApplied): string {
  if ('stacks' in result) {
    const failed = result.stacks.find((s) => s.action === 'failed');
    return failed ? `stack ${failed.stackName}: ${failed.error ?? 'failed'}` : 'AWS apply failed';
  }
  const failed = result.objects.find((o) => o.action === 'failed');
  return failed ? (failed.error ?? 'object failed') : 'Kubernetes apply failed';
}

interface EntryParts {
  readonly id: string;
  readonly revision: Revision;
  readonly trigger: Trigger;
  readonly last: AppliedState | null;
  readonly startedAt: string;
  readonly outcome: Outcome;
  readonly aws: AwsApplyResult | undefined;
  readonly kube: KubeApplied | undefined;
  readonly awsSkip: string | null;
  readonly k8sSkip: string | null;
  readonly failure: { phase: Phase; error: unknown } | undefined;
  readonly now: () => Date;
}

/** The audit entry of one reconcile; `applied` carries the trees each half now stands at. */
function buildEntry(p: EntryParts): AuditEntry {
  const { revision } = p;
  // A skipped half stands where it stood; a half that was never reached (an earlier failure) is not recorded.
  const awsAt = p.aws ? p.aws.ok : p.awsSkip !== null;
  const k8sAt = p.kube ? p.kube.ok : p.k8sSkip !== null;
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
      ...(awsAt ? { aws: revision.trees.aws } : {}),
      ...(k8sAt ? { k8s: revision.trees.k8s } : {}),
    },
    aws: {
      ...(p.awsSkip !== null ? { skipped: p.awsSkip } : {}),
      stacks: (p.aws?.stacks ?? []).map((s) => ({
        name: s.stackName,
        action: s.action,
        changes: s.changes,
        durationMs: s.durationMs,
        ...(s.error ? { error: s.error } : {}),
      })),
    },
    kubernetes: {
      ...(p.k8sSkip !== null ? { skipped: p.k8sSkip } : {}),
      objects: (p.kube?.objects ?? []).map((o) => ({
        apiVersion: o.ref.apiVersion,
        kind: o.ref.kind,
        ...(o.ref.namespace ? { namespace: o.ref.namespace } : {}),
        name: o.ref.name,
        action: o.action,
        durationMs: o.durationMs,
        ...(o.error ? { error: o.error } : {}),
      })),
    },
    ...(p.failure
      ? {
          error: {
            phase: p.failure.phase,
            message: errorMessage(p.failure.error),
            ...(isCairnError(p.failure.error) && p.failure.error.subject
              ? { subject: p.failure.error.subject }
              : {}),
          },
        }
      : {}),
  };
}
