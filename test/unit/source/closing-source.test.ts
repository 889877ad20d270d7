import { ClosingSource } from '../../../controller/source/closing-source';
import { FakeSource, revision } from '../../helpers/reconcile-fakes';

/** A fake whose fetch finishes only when the test says so. */
class SlowSource extends FakeSource {
  release: () => void = () => undefined;
  innerClosed = false;
  override fetch() {
    return new Promise<never[]>((resolve) => (this.release = () => resolve([])));
  }
  override async close(): Promise<void> {
    this.innerClosed = true;
  }
}

describe('a Git source being closed', () => {
  it('waits for a fetch still running, then closes the backend', async () => {
    const inner = new SlowSource();
    const source = new ClosingSource(inner);
    const fetching = source.fetch([{ env: 'dev', branch: 'dev' }]);
    let closed = false;
    const closing = source.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    inner.release();
    await expect(fetching).resolves.toEqual([]);
    await closing;
    expect(inner.innerClosed).toBe(true);
  });

  it('refuses new work once closed, naming why', async () => {
    const source = new ClosingSource(new FakeSource());
    await source.close();
    await expect(source.fetch([])).rejects.toThrow('the Git source: is closed');
    await expect(source.checkout(revision('a1', { aws: null, k8s: null }))).rejects.toMatchObject({
      code: 'source.closed',
    });
  });
});
