import type { CairnConfig } from '../config/types';
import type { Log } from '../log';
import { watchLocalRepository } from '../source/local-watcher';
import type { Controller } from './controller';

/** Timers that keep a running controller going: polls (with jitter), drift passes, a local repo watcher. */
export interface Schedules {
  stop(): Promise<void>;
}

/** Repeats `work` every `intervalMs` ± 10% jitter, so many controllers do not poll in step. */
function every(intervalMs: number, work: () => void): () => void {
  let timer: NodeJS.Timeout;
  const next = () => {
    const jitter = intervalMs * 0.1 * (Math.random() * 2 - 1);
    timer = setTimeout(() => {
      work();
      next();
    }, intervalMs + jitter);
    timer.unref();
  };
  next();
  return () => clearTimeout(timer);
}

/** Starts polling, drift passes per environment, and the watcher for a local repository. */
export function startSchedules(config: CairnConfig, controller: Controller, log: Log): Schedules {
  const stops: (() => void | Promise<void>)[] = [];
  stops.push(every(config.repository.pollIntervalMs, () => void controller.fetch('poll')));
  for (const env of config.environments) {
    if (env.driftIntervalMs > 0 && env.kubernetes)
      stops.push(every(env.driftIntervalMs, () => controller.drift(env.name)));
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
