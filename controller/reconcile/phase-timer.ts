import type { PhaseName, PhaseTiming } from '../audit/types';
import { withLogFields, type Log } from '../log';

/** Times the phases of one reconcile, logs each end with its duration, and tags every line inside a phase with it. */
export class PhaseTimer {
  private readonly timings: PhaseTiming[] = [];

  constructor(
    private readonly log: Log,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `work` as phase `name`; the phase is recorded even when `work` throws. */
  async run<T>(name: PhaseName, work: () => Promise<T>): Promise<T> {
    const started = this.now();
    this.log.debug({ phase: name }, 'phase started');
    try {
      // Every line written during the phase, the appliers' too, carries env, sha, trigger and phase.
      return await withLogFields({ ...this.log.bindings(), phase: name }, work);
    } finally {
      const durationMs = this.now().getTime() - started.getTime();
      this.timings.push({ name, startedAt: started.toISOString(), durationMs });
      this.log.info({ phase: name, durationMs }, 'phase finished');
    }
  }

  /** The phases recorded so far, in order. */
  phases(): readonly PhaseTiming[] {
    return [...this.timings];
  }
}
