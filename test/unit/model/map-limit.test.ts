import { createLimit, mapLimit } from '../../../controller/model/map-limit';

describe('createLimit', () => {
  it("starts a call with a free slot in the caller's turn, and holds the rest until a slot frees", async () => {
    const limit = createLimit(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const calls = [0, 1, 2, 3].map((i) =>
      limit(() => {
        started.push(i);
        return new Promise<number>((resolve) => finish.push(() => resolve(i)));
      }),
    );
    // The first two ran synchronously, before any microtask.
    expect(started).toEqual([0, 1]);
    finish[1]!();
    await calls[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    finish[0]!();
    finish[2]!();
    await Promise.all([calls[0], calls[2]]);
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2, 3]);
    finish[3]!();
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2, 3]);
  });

  it('frees the slot of a call that throws or rejects, and hands the caller its error', async () => {
    const limit = createLimit(1);
    await expect(
      limit(() => {
        throw new Error('at once');
      }),
    ).rejects.toThrow('at once');
    await expect(limit(() => Promise.reject(new Error('later')))).rejects.toThrow('later');
    await expect(limit(async () => 'next')).resolves.toBe('next');
  });

  it('never has more than its concurrency in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapLimit(
      Array.from({ length: 40 }, (_, i) => i),
      3,
      async (i) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, i % 4));
        inFlight--;
        return i * 2;
      },
    );
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
  });
});
