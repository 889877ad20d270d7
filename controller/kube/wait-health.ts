import { setTimeout as sleep } from 'node:timers/promises';
import { CairnError, errorMessage } from '../model/errors';
import { mapLimit } from '../model/map-limit';
import { healthOf, needsHealthWait, type Health } from './health';
import type { KubeClient } from './kube-client';
import { getObject } from './object-ops';
import { keyOf, subjectOf } from './object-ref';
import type { Target } from './targets';
import type { KubeObject } from './types';

/** An object to watch, with the version of it already in hand (from the apply or the live read). */
export interface Watched {
  readonly target: Target;
  readonly object: KubeObject | undefined;
}

/** An object that was not healthy when its wait ended. */
export interface Unhealthy {
  /** `Kind/namespace/name`. */
  readonly subject: string;
  /** What its status says, e.g. `ProgressDeadlineExceeded: ReplicaSet "web-6d4" has timed out progressing.` */
  readonly reason: string;
  /**
   * True when its controller gave up (deadline exceeded, Job failed): the same spec fails the same
   * way, so the failure is terminal. False when it was still progressing at the deadline.
   */
  readonly terminal: boolean;
}

// Start polling fast (a Deployment often rolls out in well under a second), then back off.
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;

/**
 * Waits until every watched object that needs it (workloads, Jobs, CRDs) is healthy, polling its
 * status, until the deadline. Returns each unhealthy object, keyed by `keyOf(ref)`; an empty map
 * means all are healthy. A failed object (Job failed, deadline exceeded) stops its wait at once.
 */
export async function waitHealthy(
  client: KubeClient,
  watched: readonly Watched[],
  timeoutMs: number,
  concurrency: number,
  /** Ends the wait early (the objects still waited for are reported as they stand). */
  signal?: AbortSignal,
): Promise<ReadonlyMap<string, Unhealthy>> {
  const deadline = Date.now() + timeoutMs;
  let pending = watched.filter((w) => needsHealthWait(w.target.ref.kind));
  const problems = new Map<string, Unhealthy>();
  let current = new Map<string, Health>(
    pending.map((w) => [
      keyOf(w.target.ref),
      w.object ? healthOf(w.object) : { status: 'progressing', reason: 'not found' },
    ]),
  );
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    for (const w of pending) {
      const key = keyOf(w.target.ref);
      const h = current.get(key)!;
      if (h.status === 'healthy') problems.delete(key);
      else
        problems.set(key, {
          subject: subjectOf(w.target.ref),
          reason: h.reason,
          terminal: h.status === 'failed',
        });
    }
    pending = pending.filter((w) => current.get(keyOf(w.target.ref))?.status === 'progressing');
    if (pending.length === 0 || Date.now() >= deadline || signal?.aborted) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    if (signal?.aborted) break;
    pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
    const next = await mapLimit(pending, concurrency, async (w): Promise<[string, Health]> => {
      try {
        const object = await getObject(client, w.target);
        return [
          keyOf(w.target.ref),
          object ? healthOf(object) : { status: 'progressing', reason: 'not found' },
        ];
      } catch (error) {
        return [keyOf(w.target.ref), { status: 'progressing', reason: errorMessage(error) }];
      }
    });
    current = new Map([...current, ...next]);
  }
  return problems;
}

/** One line for an unhealthy object's outcome: why, and whether it failed or ran out of time. */
export function describeUnhealthy(problem: Unhealthy, timeoutMs: number): string {
  return problem.terminal
    ? `failed: ${problem.reason}`
    : `not healthy after ${timeoutMs / 1000}s: ${problem.reason}`;
}

/**
 * The verify-phase error for the objects a health wait left unhealthy, or undefined when there
 * are none. It names a terminal one first; it is retryable only when every object merely ran out
 * of time, since a controller that gave up (a Deployment past its progress deadline, a failed
 * Job) gives up again on the same spec, and retrying would only hide that.
 */
export function unhealthyError(
  problems: ReadonlyMap<string, Unhealthy>,
  timeoutMs: number,
): CairnError | undefined {
  const entries = [...problems.values()];
  const first = entries.find((p) => p.terminal) ?? entries[0];
  if (first === undefined) return undefined;
  const terminal = first.terminal;
  const others = entries.length > 1 ? ` (and ${entries.length - 1} more object(s) not healthy)` : '';
  return new CairnError(`${describeUnhealthy(first, timeoutMs)}${others}`, {
    code: terminal ? 'kube.rollout-failed' : 'kube.unhealthy',
    phase: 'verify',
    retryable: !terminal,
    subject: first.subject,
    hint: terminal
      ? 'fix the spec in Git (see the object status and events); the same commit fails again'
      : 'look at the object status and events, or raise kubernetes.healthTimeout',
  });
}
