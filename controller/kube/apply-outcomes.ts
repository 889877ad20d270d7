import type { Phase } from '../model/errors';
import { failureFrom, type Change, type Failure, type FenceGate, type PlaneResult } from '../model';
import { objectDiff } from './diff';
import { withOwner, type Owner } from './identity';
import type { InventoryEntry } from './inventory';
import { refOf, subjectOf } from './object-ref';
import type { Settled } from './settle-object';
import type { Resources, Target } from './targets';
import type { Manifest } from './types';
import { describeUnhealthy, unhealthyError, type Unhealthy } from './wait-health';

/**
 * Checks the fence between batches; when it failed (now or during the batch) its `shard.lost`
 * failure leads the result, and the caller returns without another write.
 */
export function stopped(gate: FenceGate, failures: Failure[]): boolean {
  try {
    gate.check();
    return false;
  } catch {
    failures.unshift(gate.lost!);
    return true;
  }
}

/**
 * Settles one object only while the fence holds; otherwise it is skipped unsent. A dry run's gate
 * is its plan's caller giving up (a pull request's plan past its deadline), never a Lease: found in
 * review, such a skipped dry run was worded as a lost Lease.
 */
export async function fenced(
  gate: FenceGate,
  t: Target,
  settle: () => Promise<Settled>,
  dryRun: boolean,
): Promise<Settled> {
  try {
    gate.check();
  } catch {
    return {
      change: {
        target: 'kubernetes',
        subject: subjectOf(t.ref),
        action: 'skipped',
        reason: dryRun ? 'not planned: the plan was abandoned' : 'not applied: this replica lost the Lease',
        type: t.ref.apiVersion,
        file: t.manifest.file,
      },
    };
  }
  return settle();
}

/** The plane's result: the first failure leads, and says how many there were. */
export function planeResult(changes: readonly Change[], failures: readonly Failure[]): PlaneResult {
  const first = failures[0];
  if (!first) return { changes };
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failure(s))` : '';
  return { changes, failure: { ...first, message: `${first.message}${more}` } };
}

/** The Failure of an object of Git whose live version could not be read; it names the object. */
export function unreadable(t: Target, error: unknown, phase: Phase): Failure {
  const failure = failureFrom(error, phase);
  const subject = subjectOf(t.ref);
  const message = failure.message.includes(subject)
    ? failure.message
    : `${subject} (${t.manifest.file}): could not be read: ${failure.message}`;
  return { ...failure, subject, message };
}

export function changeOf(manifest: Manifest, action: Change['action']): Change {
  return {
    target: 'kubernetes',
    subject: subjectOf(refOf(manifest.object)),
    action,
    type: manifest.object.apiVersion,
    file: manifest.file,
  };
}

export function skippedChange(ref: InventoryEntry, reason: string): Change {
  return { target: 'kubernetes', subject: subjectOf(ref), action: 'skipped', reason, type: ref.apiVersion };
}

/**
 * The verify-phase failure for what a health wait left unhealthy (terminal when a controller
 * gave up, retryable when time ran out); each such object's change carries the reason.
 */
export function unhealthy(
  problems: ReadonlyMap<string, Unhealthy>,
  changes: Change[],
  timeoutMs: number,
): Failure[] {
  const bySubject = new Map([...problems.values()].map((p) => [p.subject, p]));
  changes.forEach((c, i) => {
    const problem = bySubject.get(c.subject);
    if (problem) changes[i] = { ...c, reason: describeUnhealthy(problem, timeoutMs) };
  });
  const error = unhealthyError(problems, timeoutMs);
  return error ? [failureFrom(error, 'verify')] : [];
}

/**
 * What a wave's objects that the server does not place as the tree does come to: a scope it
 * contradicts (the bounds were checked on another) fails in a plan as in an apply; a kind it does
 * not serve is, in a plan, one a CRD of the same tree defines (shown as created), and in an apply a
 * failure, retryable for the kinds of `retryableKinds` (`apiVersion|kind`): those this environment
 * applied before (their CRD deleted meanwhile) and those a CRD of the same tree serves (the server's
 * discovery not listing them yet).
 */
export function unplaced(
  { unserved, misscoped }: Pick<Resources, 'unserved' | 'misscoped'>,
  owner: Owner,
  dryRun: boolean,
  phase: Phase,
  retryableKinds: ReadonlySet<string>,
): { readonly changes: readonly Change[]; readonly failures: readonly Failure[] } {
  const changes: Change[] = [];
  const failures: Failure[] = [];
  // In a plan as in an apply: the bounds were checked on a scope the server contradicts.
  for (const m of misscoped) {
    changes.push({ ...changeOf(m.manifest, 'skipped'), reason: 'failed' });
    failures.push({
      code: 'kube.scope-mismatch',
      phase,
      retryable: false,
      subject: subjectOf(refOf(m.manifest.object)),
      message: m.message,
    });
  }
  for (const u of unserved) {
    if (dryRun) {
      // Not served yet: only a CRD in this same set can define it (load refused the others).
      const diff = objectDiff(undefined, withOwner(u.manifest.object, owner));
      changes.push({ ...changeOf(u.manifest, 'created'), ...(diff ? { diff } : {}) });
    } else {
      changes.push({ ...changeOf(u.manifest, 'skipped'), reason: 'failed' });
      const { apiVersion, kind } = u.manifest.object;
      failures.push({
        code: 'kube.unknown-kind',
        phase,
        retryable: retryableKinds.has(`${apiVersion}|${kind}`),
        subject: subjectOf(refOf(u.manifest.object)),
        message: u.message,
      });
    }
  }
  return { changes, failures };
}
