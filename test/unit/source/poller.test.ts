import { silentLog } from '../../../controller/log';
import { jitteredDelay, startPoller, type PollReason } from '../../../controller/source/poller';
import type { BranchHead, BranchSpec } from '../../../controller/source/types';
import { FakeTimers } from '../../helpers/fake-timers';

const branches: readonly BranchSpec[] = [{ env: 'dev', branch: 'dev' }];
const missing: BranchHead = { kind: 'missing-branch', env: 'dev', branch: 'dev' };
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A source whose fetches finish only when the test says so, counting those in flight. */
function gatedSource(): {
  fetch: () => Promise<readonly BranchHead[]>;
  inFlight: () => number;
  finish: (outcome?: Error) => void;
} {
  const pending: ((outcome?: Error) => void)[] = [];
  return {
    fetch: () =>
      new Promise((resolve, reject) =>
        pending.push((outcome) => (outcome ? reject(outcome) : resolve([missing]))),
      ),
    inFlight: () => pending.length,
    finish: (outcome) => pending.shift()?.(outcome),
  };
}

function setup(random = () => 0.5) {
  const timers = new FakeTimers();
  const source = gatedSource();
  const calls: PollReason[] = [];
  const errors: string[] = [];
  const poller = startPoller({
    source,
    branches,
    intervalMs: 1000,
    onHeads: (heads, reason) => {
      expect(heads).toEqual([missing]);
      calls.push(reason);
    },
    onError: (error) => errors.push(error.message),
    log: silentLog(),
    random,
    timers,
  });
  return { timers, source, calls, errors, poller };
}

describe('jitteredDelay', () => {
  it.each([
    [0, 900],
    [0.5, 1000],
    [1, 1100],
  ])('with random() = %s waits %s ms of a 1000 ms interval at ±10%', (r, expected) => {
    expect(jitteredDelay(1000, 0.1, () => r)).toBe(expected);
  });
});

describe('startPoller', () => {
  it('fetches once per interval and hands the heads on', async () => {
    const { timers, source, calls, poller } = setup();
    timers.advance(999);
    expect(source.inFlight()).toBe(0);
    timers.advance(1);
    source.finish();
    await settle();
    timers.advance(1000);
    source.finish();
    await settle();
    expect(calls).toEqual(['interval', 'interval']);
    await poller.stop();
  });

  it('fetches at once when poked, and then waits a full interval again', async () => {
    const { timers, source, calls, poller } = setup();
    timers.advance(600);
    poller.poke();
    source.finish();
    await settle();
    timers.advance(999);
    expect(source.inFlight()).toBe(0);
    timers.advance(1);
    source.finish();
    await settle();
    expect(calls).toEqual(['poke', 'interval']);
    await poller.stop();
  });

  it('never overlaps fetches: pokes during a fetch become one more fetch after it', async () => {
    const { source, calls, poller } = setup();
    poller.poke();
    poller.poke();
    poller.poke();
    expect(source.inFlight()).toBe(1);
    source.finish();
    await settle();
    expect(source.inFlight()).toBe(1);
    source.finish();
    await settle();
    expect(calls).toEqual(['poke', 'poke']);
    await poller.stop();
  });

  it('reports a failed fetch and keeps polling', async () => {
    const { timers, source, calls, errors, poller } = setup();
    poller.poke();
    source.finish(new Error('remote unreachable'));
    await settle();
    timers.advance(1000);
    source.finish();
    await settle();
    expect(errors).toEqual(['remote unreachable']);
    expect(calls).toEqual(['interval']);
    await poller.stop();
  });

  it('after stop, runs no callback and schedules nothing', async () => {
    const { timers, source, calls, poller } = setup();
    poller.poke();
    const stopped = poller.stop();
    source.finish();
    await stopped;
    poller.poke();
    timers.advance(10_000);
    expect(calls).toEqual([]);
    expect(source.inFlight()).toBe(0);
    expect(timers.pending()).toBe(0);
  });
});
