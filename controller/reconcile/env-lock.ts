/**
 * One holder at a time per environment, first come first served: a reconcile and a pull
 * request's plan of the same environment never overlap. A change set created on a stack that is
 * updating fails, and a dry run against a half-applied cluster shows a plan that is not true.
 * Environments never wait for each other.
 */
export class EnvLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once every earlier holder of `env` is done; the lock is released however it ends. */
  async run<T>(env: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(env) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(env, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      // The last holder leaves no entry behind, so the map holds only busy environments.
      if (this.tails.get(env) === tail) this.tails.delete(env);
    }
  }

  /** Whether `env` is held or waited for. */
  busy(env: string): boolean {
    return this.tails.has(env);
  }
}
