import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../errors';
import { mapLimit } from './concurrency';
import { healthOf, needsHealthWait, type Health } from './health';
import type { KubeClient } from './kube-client';
import { getObject } from './object-ops';
import { keyOf } from './object-ref';
import type { Target } from './targets';
import type { KubeObject } from './types';

/** An object to watch, with the version of it already in hand (from the apply or the live read). */
export interface Watched {
  readonly target: Target;
  readonly object: KubeObject | undefined;
}

// Start polling fast (a Deployment often rolls out in well under a second), then back off.
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;

/**
 * Waits until every watched object that needs it (workloads, Jobs, CRDs) is healthy, polling its
 * status, until the deadline. Returns the reason each unhealthy object gave, keyed by `keyOf(ref)`;
 * an empty map means all are healthy. A failed object (Job failed, deadline exceeded) stops its wait.
 */
export async function waitHealthy(
  client: KubeClient,
  watched: readonly Watched[],
  timeoutMs: number,
  concurrency: number,
): Promise<ReadonlyMap<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let pending = watched.filter((w) => needsHealthWait(w.target.ref.kind));
  const problems = new Map<string, string>();
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
      if (h.status === 'failed') problems.set(key, h.reason);
      else if (h.status === 'progressing') problems.set(key, h.reason);
      else problems.delete(key);
    }
    pending = pending.filter((w) => current.get(keyOf(w.target.ref))?.status === 'progressing');
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
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
