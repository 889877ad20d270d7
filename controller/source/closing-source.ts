import { CairnError } from '../model/errors';
import type { BranchHead, BranchSpec, GitSource, PullRequestHead, Revision, Workspace } from './types';

/**
 * A Git source whose `close()` waits for the fetches and checkouts still running (a native git
 * child, a half-written checkout) and refuses new ones, so that whoever closes the source next
 * (the audit log, the process) never races work still in flight.
 */
export class ClosingSource implements GitSource {
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly inner: GitSource) {}

  fetch(branches: readonly BranchSpec[]): Promise<readonly BranchHead[]> {
    return this.track(() => this.inner.fetch(branches));
  }

  fetchPullRequest(head: PullRequestHead, options?: { readonly signal?: AbortSignal }): Promise<Revision> {
    const inner = this.inner.fetchPullRequest?.bind(this.inner);
    if (!inner) return Promise.reject(new Error('this Git source cannot fetch pull requests'));
    return this.track(() => inner(head, options));
  }

  verify(revision: Revision): Promise<void> {
    const inner = this.inner.verify?.bind(this.inner);
    return inner ? this.track(() => inner(revision)) : Promise.resolve();
  }

  checkout(revision: Revision, options?: { readonly signal?: AbortSignal }): Promise<Workspace> {
    return this.track(() => this.inner.checkout(revision, options));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.running]);
    await this.inner.close();
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new CairnError('is closed', {
          code: 'source.closed',
          phase: 'fetch',
          subject: 'the Git source',
          hint: 'the controller is stopping; nothing new is fetched',
        }),
      );
    }
    const running = work();
    this.running.add(running);
    const forget = () => this.running.delete(running);
    running.then(forget, forget);
    return running;
  }
}
