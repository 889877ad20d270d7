import { rotatingCredentials } from '../../../controller/model/rotating-credentials';

/** A fetcher that records each call and answers with a settlement the test decides. */
function fetcher() {
  const calls: { afterRefusal: boolean; settle: (v: string) => void; fail: (e: Error) => void }[] = [];
  const fetch = (afterRefusal: boolean) =>
    new Promise<string>((settle, fail) => calls.push({ afterRefusal, settle, fail }));
  return { calls, fetch };
}

describe('rotating credentials', () => {
  it('runs one fetch for every request that waits on it, and keeps its answer for the TTL', async () => {
    let clock = 0;
    const { calls, fetch } = fetcher();
    const creds = rotatingCredentials(fetch, 1_000, () => clock);
    const waiting = Array.from({ length: 50 }, () => creds.get());
    expect(calls).toHaveLength(1);
    calls[0]!.settle('token-1');
    expect(await Promise.all(waiting)).toEqual(Array(50).fill('token-1'));
    clock = 1_000;
    expect(await creds.get()).toBe('token-1');
    expect(calls).toHaveLength(1);
    clock = 1_001;
    const later = creds.get();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.afterRefusal).toBe(false);
    calls[1]!.settle('token-2');
    expect(await later).toBe('token-2');
  });

  it('does not keep a failed fetch: the next request fetches again', async () => {
    const { calls, fetch } = fetcher();
    const creds = rotatingCredentials(fetch, 60_000, () => 0);
    const first = creds.get();
    calls[0]!.fail(new Error('plugin exited 1'));
    await expect(first).rejects.toThrow('plugin exited 1');
    const second = creds.get();
    expect(calls).toHaveLength(2);
    calls[1]!.settle('token');
    expect(await second).toBe('token');
  });

  it('after a 401 fetches anew once, however many requests were refused, and says why', async () => {
    const { calls, fetch } = fetcher();
    const creds = rotatingCredentials(fetch, 60_000, () => 0);
    const used = creds.get();
    calls[0]!.settle('stale');
    await used;
    // Thirty requests in flight with the stale token are all refused.
    for (let i = 0; i < 30; i++) creds.refused(used);
    const renewed = Array.from({ length: 30 }, () => creds.get());
    expect(calls).toHaveLength(2);
    expect(calls[1]!.afterRefusal).toBe(true);
    calls[1]!.settle('fresh');
    expect(new Set(await Promise.all(renewed))).toEqual(new Set(['fresh']));
    // A refusal reported late, for credentials already replaced, does not throw the fresh ones away.
    creds.refused(used);
    expect(await creds.get()).toBe('fresh');
    expect(calls).toHaveLength(2);
    // Only the fetch right after a refusal is told of it.
    const fresh = creds.get();
    creds.refused(fresh);
    void creds.get();
    void creds.get();
    expect(calls.map((c) => c.afterRefusal)).toEqual([false, true, true]);
  });
});
