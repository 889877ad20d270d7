import { backoffDelay, RetryScheduler } from '../../../controller/reconcile/backoff';
import { FakeTimers } from '../../helpers/fake-timers';

describe('backoffDelay', () => {
  const base = { baseMs: 1000, maxMs: 60_000 };
  it.each([
    // attempt, random, expected: ceiling = min(max, base·2^(attempt-1)), delay in [ceiling/2, ceiling]
    [1, 0, 500],
    [1, 0.999999, 1000],
    [2, 0.5, 1500],
    [3, 0, 2000],
    [6, 1, 32_000],
    [7, 1, 60_000], // 64 s capped at 60 s
    [7, 0, 30_000],
    [1000, 0.5, 45_000], // huge attempt numbers stay finite and capped
    [0, 1, 1000], // attempts below 1 count as the first
  ])('attempt %d with random %d waits %d ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, { ...base, random: () => random })).toBe(expected);
  });

  it('never exceeds the cap, whatever the random source returns', () => {
    for (const random of [-1, 0, 0.3, 1, 5]) {
      const delay = backoffDelay(40, { ...base, random: () => random });
      expect(delay).toBeGreaterThanOrEqual(30_000);
      expect(delay).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('RetryScheduler', () => {
  function setup() {
    const timers = new FakeTimers();
    const due: string[] = [];
    const scheduler = new RetryScheduler({
      baseMs: 1000,
      maxMs: 8000,
      random: () => 1,
      timers,
      onDue: (env, sha) => due.push(`${env}@${sha}`),
    });
    return { timers, due, scheduler };
  }

  it('retries the same sha with growing delays', () => {
    const { timers, due, scheduler } = setup();
    // given three failures of the same sha, each retried when due
    expect(scheduler.failed('dev', 'a1')).toEqual({ sha: 'a1', attempt: 1, delayMs: 1000 });
    timers.advance(999);
    expect(due).toEqual([]);
    timers.advance(1);
    expect(due).toEqual(['dev@a1']);
    expect(scheduler.failed('dev', 'a1')).toEqual({ sha: 'a1', attempt: 2, delayMs: 2000 });
    timers.advance(2000);
    // then the third waits longer still, and the fourth hits the cap
    expect(scheduler.failed('dev', 'a1').delayMs).toBe(4000);
    timers.advance(4000);
    expect(scheduler.failed('dev', 'a1').delayMs).toBe(8000);
    expect(scheduler.failed('dev', 'a1').delayMs).toBe(8000);
    expect(due).toEqual(['dev@a1', 'dev@a1', 'dev@a1']);
  });

  it('starts afresh when a different sha fails, and drops a waiting retry when the head moves', () => {
    const { timers, due, scheduler } = setup();
    scheduler.failed('dev', 'a1');
    scheduler.failed('dev', 'a1');
    // when a new sha fails, its backoff starts at the first attempt
    expect(scheduler.failed('dev', 'b2')).toMatchObject({ sha: 'b2', attempt: 1 });
    // when the head moves on to c3, the retry of b2 is cancelled
    scheduler.headMoved('dev', 'c3');
    expect(scheduler.waiting('dev')).toBeUndefined();
    timers.advance(60_000);
    expect(due).toEqual([]);
  });

  it('keeps a waiting retry when the head is seen again at the same sha', () => {
    const { timers, due, scheduler } = setup();
    scheduler.failed('dev', 'a1');
    scheduler.headMoved('dev', 'a1');
    expect(scheduler.waiting('dev')).toEqual({ sha: 'a1', attempt: 1 });
    timers.advance(1000);
    expect(due).toEqual(['dev@a1']);
  });

  it('keeps environments apart and cancels everything on stop', () => {
    const { timers, due, scheduler } = setup();
    scheduler.failed('dev', 'a1');
    scheduler.failed('prod', 'p1');
    scheduler.reset('dev');
    timers.advance(1000);
    expect(due).toEqual(['prod@p1']);
    scheduler.failed('prod', 'p1');
    scheduler.stop();
    timers.advance(60_000);
    expect(due).toEqual(['prod@p1']);
    expect(timers.pending()).toBe(0);
  });
});
