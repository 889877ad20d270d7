import { failedStack } from '../../../cdk/deploy/stack-changes';
import { inDependencyOrder } from '../../../cdk/deploy/stack-order';
import type { StackArtifact, StackOutcome } from '../../../cdk/types';

const stack = (id: string, dependencies: string[] = []): StackArtifact => ({
  stackName: `s-${id}`,
  id,
  templateFile: `${id}.template.json`,
  dependencies,
  tags: {},
  terminationProtection: false,
  assetManifests: [],
});

/** Runs the stacks with `work` that records start and end order, failing the ids in `failing`. */
async function runAll(stacks: StackArtifact[], failing: string[] = []) {
  const events: string[] = [];
  const outcomes = await inDependencyOrder(stacks, async (s): Promise<StackOutcome> => {
    events.push(`start ${s.id}`);
    await new Promise((r) => setTimeout(r, 5));
    events.push(`end ${s.id}`);
    if (failing.includes(s.id)) {
      const failure = {
        code: 'aws.stack-failed',
        phase: 'apply-aws',
        retryable: false,
        message: 'no',
      } as const;
      return failedStack(s.stackName, 5, failure);
    }
    return { stackName: s.stackName, action: 'created', changes: [], durationMs: 5 };
  });
  // A failed stack is `skipped` with its Failure beside it; shown here as `failed`.
  const actionOf = (o: StackOutcome) => (o.failure ? 'failed' : o.action);
  return { events, actions: Object.fromEntries(outcomes.map((o) => [o.stackName.slice(2), actionOf(o)])) };
}

describe('running stacks in dependency order', () => {
  it.each([
    [
      'a chain',
      [stack('a'), stack('b', ['a']), stack('c', ['b'])],
      ['start a', 'end a', 'start b', 'end b', 'start c', 'end c'],
    ],
    [
      'a chain listed backwards',
      [stack('c', ['b']), stack('b', ['a']), stack('a')],
      ['start a', 'end a', 'start b', 'end b', 'start c', 'end c'],
    ],
    [
      'independent stacks, at the same time',
      [stack('a'), stack('b')],
      ['start a', 'start b', 'end a', 'end b'],
    ],
    [
      'a diamond',
      [stack('a'), stack('b', ['a']), stack('c', ['a']), stack('d', ['b', 'c'])],
      ['start a', 'end a', 'start b', 'start c', 'end b', 'end c', 'start d', 'end d'],
    ],
    ['a dependency outside the list (ignored)', [stack('b', ['elsewhere'])], ['start b', 'end b']],
  ])('runs %s', async (_name, stacks, expected) => {
    // given the stacks, when they run, then they start and end in this order
    expect((await runAll(stacks)).events).toEqual(expected);
  });

  it.each([
    ['a failed dependency', ['a'], { a: 'failed', b: 'skipped', c: 'skipped', x: 'created' }],
    ['a failed leaf', ['c'], { a: 'created', b: 'created', c: 'failed', x: 'created' }],
  ])('skips what depends on %s and still runs the rest', async (_name, failing, expected) => {
    // given a chain a <- b <- c and an independent x, when `failing` fails
    const { actions } = await runAll([stack('a'), stack('b', ['a']), stack('c', ['b']), stack('x')], failing);
    // then its dependants are skipped and x is untouched
    expect(actions).toEqual(expected);
  });

  it('fails stacks in a dependency cycle instead of waiting forever', async () => {
    // given a hand-edited assembly with a cycle, when it runs, then the stack closing the cycle
    // fails (terminal), the other is skipped behind it, and nothing ran
    const { actions, events } = await runAll([stack('a', ['b']), stack('b', ['a'])]);
    expect(actions).toEqual({ a: 'skipped', b: 'failed' });
    expect(events).toEqual([]);
  });
});
