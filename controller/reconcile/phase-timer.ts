import type { PhaseName, PhaseTiming } from '../audit/types';
import type { Log } from '../log';

/** Times the phases of one reconcile and logs each end with its duration. */
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
      return await work();
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
