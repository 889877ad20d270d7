import { chainStateOf } from '../../../controller/cli/wire-ui';
import { formatEvent } from '../../../controller/server/live-route';
import { LiveEvents, type LiveEvent } from '../../../controller/server/live-events';
import { commitUrlTemplate } from '../../../controller/server/ui-api-routes';

describe('commitUrlTemplate', () => {
  it.each([
    ['github', 'https://api.github.com', 'o/r', 'https://github.com/o/r/commit/{sha}'],
    ['github', 'https://ghe.example.com/api/v3', 'o/r', 'https://ghe.example.com/o/r/commit/{sha}'],
    ['gitea', 'https://git.example.com/api/v1', 'o/r', 'https://git.example.com/o/r/commit/{sha}'],
    [
      'gitlab',
      'https://gitlab.example.com/api/v4',
      'g/sub/r',
      'https://gitlab.example.com/g/sub/r/-/commit/{sha}',
    ],
  ] as const)('%s at %s links a commit of %s to %s', (type, apiUrl, repo, expected) => {
    expect(
      commitUrlTemplate({ type, apiUrl, repo, tokenEnv: 'T', planForks: false, planTimeoutMs: 900_000 }),
    ).toBe(expected);
  });
});

describe('LiveEvents', () => {
  it('numbers starts and ends and hands them to every listener until it unsubscribes', () => {
    const live = new LiveEvents(2, () => new Date('2026-01-01T00:00:00Z'));
    const a: LiveEvent[] = [];
    const b: LiveEvent[] = [];
    const subscribed = live.subscribe((e) => a.push(e), 'token a');
    live.subscribe((e) => b.push(e), 'token b');
    // a third listener past the cap is refused, not added
    expect(live.subscribe(() => undefined, 'token c')).toEqual({ refused: 'server', cap: 2 });
    live.started('dev', 'abc', 'webhook');
    if (!('unsubscribe' in subscribed)) throw new Error('the first listener was refused');
    subscribed.unsubscribe();
    live.finished('dev', 'abc', 'webhook', { outcome: 'failed', durationMs: 5, entryId: 'e1' });
    expect(a.map((e) => `${e.id} ${e.type}`)).toEqual(['1 started']);
    expect(b.map((e) => `${e.id} ${e.type}`)).toEqual(['1 started', '2 finished']);
    expect(live.size).toBe(1);
  });

  it('gives one holder at most its own cap, and its slots back when its listeners go', () => {
    const live = new LiveEvents(10, () => new Date(), 3);
    const held = [1, 2, 3].map(() => live.subscribe(() => undefined, 'token a'));
    // a fourth of the same holder is refused by the holder's cap, another holder is not
    expect(live.subscribe(() => undefined, 'token a')).toEqual({ refused: 'holder', cap: 3 });
    expect('unsubscribe' in live.subscribe(() => undefined, 'token b')).toBe(true);
    // unsubscribing twice gives back one slot, not two
    const first = held[0]!;
    if (!('unsubscribe' in first)) throw new Error('refused');
    first.unsubscribe();
    first.unsubscribe();
    expect('unsubscribe' in live.subscribe(() => undefined, 'token a')).toBe(true);
    expect(live.subscribe(() => undefined, 'token a')).toEqual({ refused: 'holder', cap: 3 });
    // a listener that throws is dropped, and its holder gets its slot back
    const throwing = new LiveEvents(10, () => new Date(), 1);
    throwing.subscribe(() => {
      throw new Error('socket gone');
    }, 'token a');
    throwing.started('dev', 'abc', 'poll');
    expect('unsubscribe' in throwing.subscribe(() => undefined, 'token a')).toBe(true);
  });

  it('drops a listener that throws instead of failing the reconcile that told it', () => {
    const live = new LiveEvents();
    live.subscribe(() => {
      throw new Error('socket gone');
    }, 'token a');
    expect(() => live.started('dev', 'abc', 'poll')).not.toThrow();
    expect(live.size).toBe(0);
  });

  it('carries no failure text, only names and shas', () => {
    const live = new LiveEvents();
    const seen: LiveEvent[] = [];
    live.subscribe((e) => seen.push(e), 'token a');
    live.finished('dev', 'abc', 'poll', {
      outcome: 'failed',
      durationMs: 1,
      failure: {
        code: 'kube.apply',
        phase: 'apply-kubernetes',
        retryable: false,
        message: 'password=hunter2',
      },
    });
    expect(formatEvent(seen[0]!)).not.toContain('hunter2');
    expect(formatEvent(seen[0]!)).toMatch(/^id: 1\nevent: finished\ndata: \{.*\}\n\n$/);
  });
});

describe('chainStateOf', () => {
  const report = (firstBreak: { seq: number; reason: string } | null) => ({
    env: 'dev',
    records: 7,
    head: { seq: 5, hash: 'h' },
    witness: null,
    firstBreak: firstBreak && { env: 'dev', file: '/var/lib/cairn/audit/dev.jsonl', line: 6, ...firstBreak },
    tornTail: null,
    witnessBehind: false,
  });
  it('says verified, or broken with where and why, and never the file path', () => {
    expect(chainStateOf({ reports: () => [report(null)] }, 'dev')).toEqual({
      env: 'dev',
      records: 7,
      state: 'verified',
      headSeq: 5,
      witnessBehind: false,
    });
    const broken = chainStateOf({ reports: () => [report({ seq: 6, reason: 'hash mismatch' })] }, 'dev');
    expect(broken).toMatchObject({ state: 'broken', brokenAt: 6, reason: 'hash mismatch' });
    expect(JSON.stringify(broken)).not.toContain('/var/lib');
    expect(chainStateOf({ reports: () => [] }, 'dev')).toBeUndefined();
  });
});
