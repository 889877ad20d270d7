import type { CairnConfig } from '../config/types';
import type { Log } from '../log';
import { watchLocalRepository } from '../source/local-watcher';
import { realTimers, type Timers } from './backoff';
import type { Controller } from './controller';

/** Timers that keep a running controller going: polls (with jitter), drift passes, a local repo watcher. */
export interface Schedules {
  stop(): Promise<void>;
}

/** The clock of the schedules: timers (unref'd by default) and the random source of the jitter. */
export interface ScheduleClock {
  readonly timers: Timers;
  readonly random: () => number;
}

/** Repeats `work` every `intervalMs` ± 10% jitter, so many controllers do not poll in step. */
function every(intervalMs: number, work: () => void, clock: ScheduleClock): () => void {
  let timer: unknown;
  const next = () => {
    const jitter = intervalMs * 0.1 * (clock.random() * 2 - 1);
    timer = clock.timers.setTimeout(() => {
      work();
      next();
    }, intervalMs + jitter);
  };
  next();
  return () => clock.timers.clearTimeout(timer);
}

/** Starts polling, drift passes per environment, and the watcher for a local repository. */
export function startSchedules(
  config: CairnConfig,
  controller: Pick<Controller, 'fetch' | 'drift'>,
  log: Log,
  clock: ScheduleClock = { timers: realTimers, random: Math.random },
): Schedules {
  const stops: (() => void | Promise<void>)[] = [];
  stops.push(every(config.repository.pollIntervalMs, () => void controller.fetch('poll'), clock));
  for (const env of config.environments) {
    if (env.driftIntervalMs > 0 && env.kubernetes)
      stops.push(every(env.driftIntervalMs, () => controller.drift(env.name), clock));
  }
  if (config.repository.watch) {
    const watcher = watchLocalRepository(config.repository.url, () => void controller.fetch('watch'), log);
    stops.push(() => watcher.close());
  }
  return {
    async stop() {
      for (const stop of stops) await stop();
    },
  };
}
