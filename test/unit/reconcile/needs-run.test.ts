import { needsRun, type RunState } from '../../../controller/reconcile/needs-run';

const base: RunState = {
  headSha: 'b',
  lastAppliedSha: 'a',
  stalledSha: null,
  force: false,
  running: false,
  retryWaitingSha: null,
};

describe('needsRun: the one answer to "does this environment need a run?"', () => {
  it.each([
    ['a new head is queued', {}, 'poll', 'queue', true],
    ['an applied head is not', { lastAppliedSha: 'b' }, 'poll', 'queue', false],
    ['no head yet is not', { headSha: null }, 'poll', 'queue', false],
    ['a stalled sha waits for a new commit', { stalledSha: 'b' }, 'poll', 'queue', false],
    [
      'a forced run (manual sync, interrupted start) runs even a stalled sha',
      { stalledSha: 'b', force: true },
      'manual',
      'run',
      true,
    ],
    ['a sha whose retry waits is left to its backoff', { retryWaitingSha: 'b' }, 'poll', 'queue', false],
    ['the retry itself runs when its turn comes', { retryWaitingSha: 'b' }, 'retry', 'run', true],
    ['a drift pass looks at an applied head', { lastAppliedSha: 'b' }, 'drift', 'queue', true],
    ['but not while a reconcile runs', { lastAppliedSha: 'b', running: true }, 'drift', 'queue', false],
    ['a queued drift request survives a newer head', {}, 'drift', 'run', true],
    [
      'a request behind a run that applied the head has nothing left to do',
      { lastAppliedSha: 'b' },
      'webhook',
      'run',
      false,
    ],
  ] as const)('%s', (_what, state, trigger, when, expected) => {
    expect(needsRun({ ...base, ...state }, trigger, when)).toBe(expected);
  });
});
