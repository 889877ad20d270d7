/** One install under way and how many callers still wait for it. */
interface Running<T> {
  readonly done: Promise<T>;
  waiters: number;
  readonly stop: AbortController;
}

/**
 * Installs shared by their callers (environments with the same lockfile wait for one `npm ci`, the
 * same requirements for one `pip`), each stopped only once every caller waiting for it gave up: a
 * pull request's plan past its deadline leaves the install, which runs on for the environments
 * still waiting, and is killed when the last of them leaves too. A caller without a signal never
 * leaves. Found in review: an abandoned plan's install ran to its own end, up to the synth timeout.
 */
export class SharedInstalls<T> {
  private readonly running = new Map<string, Running<T>>();

  /**
   * The result of the install of `key` under way, or of one `start` starts now; rejects with
   * `signal`'s reason as soon as it is aborted. `start`'s signal is aborted once every caller left.
   */
  join(key: string, start: (stop: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    let entry = this.running.get(key);
    if (!entry) {
      const stop = new AbortController();
      const created: Running<T> = {
        done: start(stop.signal).finally(() => this.forget(key, created)),
        waiters: 0,
        stop,
      };
      created.done.catch(() => undefined);
      this.running.set(key, created);
      entry = created;
    }
    const joined = entry;
    joined.waiters += 1;
    if (!signal) return joined.done;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        joined.waiters -= 1;
        if (joined.waiters === 0) {
          // A caller arriving now starts an install of its own rather than join one being killed.
          this.forget(key, joined);
          joined.stop.abort(signal.reason);
        }
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', leave, { once: true });
      joined.done.then(
        (value) => {
          signal.removeEventListener('abort', leave);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', leave);
          reject(error as Error);
        },
      );
    });
  }

  private forget(key: string, entry: Running<T>): void {
    if (this.running.get(key) === entry) this.running.delete(key);
  }
}
