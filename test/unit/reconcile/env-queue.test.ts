import type { Trigger } from '../../../controller/audit/types';
import {
  coalesceRequests,
  coalesceTriggers,
  EnvQueue,
  type ReconcileRequest,
} from '../../../controller/reconcile/env-queue';

/** A runner whose runs finish only when the test says so, and which records what ran. */
class GatedRunner<R> {
  readonly started: string[] = [];
  private readonly gates = new Map<string, () => void>();
  private readonly failing = new Set<string>();
  constructor(private readonly show: (r: R) => string) {}

  run = (env: string, request: R): Promise<void> => {
    this.started.push(`${env}:${this.show(request)}`);
    return new Promise((resolve, reject) => {
      this.gates.set(env, () => (this.failing.has(env) ? reject(new Error(`${env} broke`)) : resolve()));
    });
  };

  /** Finishes the run of `env` (with a failure if `fail`), then lets the queue move on. */
  async finish(env: string, fail = false): Promise<void> {
    if (fail) this.failing.add(env);
    else this.failing.delete(env);
    const gate = this.gates.get(env);
    if (!gate) throw new Error(`nothing running in ${env}`);
    this.gates.delete(env);
    gate();
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('EnvQueue', () => {
  it('runs at most one request per environment and coalesces the rest, newest winning', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run);
    // given a running request and three more arriving meanwhile
    queue.enqueue('dev', 'sha1');
    await flush();
    queue.enqueue('dev', 'sha2');
    queue.enqueue('dev', 'sha3');
    queue.enqueue('dev', 'sha4');
    expect(runner.started).toEqual(['dev:sha1']);
    expect(queue.depth('dev')).toBe(2);
    // when the running one finishes, only the newest runs next
    await runner.finish('dev');
    expect(runner.started).toEqual(['dev:sha1', 'dev:sha4']);
    expect(queue.depth('dev')).toBe(1);
    await runner.finish('dev');
    await queue.idle();
    expect(queue.depth('dev')).toBe(0);
  });

  it('lets environments run side by side: a slow one holds up no other', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run);
    queue.enqueue('slow', 'a');
    queue.enqueue('fast', 'b');
    await flush();
    expect(runner.started).toEqual(['slow:a', 'fast:b']);
    await runner.finish('fast');
    queue.enqueue('fast', 'c');
    await flush();
    expect(runner.started).toEqual(['slow:a', 'fast:b', 'fast:c']);
    expect(queue.busy('slow')).toBe(true);
    await runner.finish('fast');
    await runner.finish('slow');
    await queue.idle();
  });

  it('goes on after a failing run, with the request that waited', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run);
    queue.enqueue('dev', 'bad');
    await flush();
    queue.enqueue('dev', 'fix');
    await runner.finish('dev', true);
    expect(runner.started).toEqual(['dev:bad', 'dev:fix']);
    await runner.finish('dev');
    await queue.idle();
    queue.enqueue('dev', 'later');
    await flush();
    expect(runner.started.at(-1)).toBe('dev:later');
    await runner.finish('dev');
  });

  it('does not run the runner inside enqueue', () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run);
    queue.enqueue('dev', 'a');
    expect(runner.started).toEqual([]);
    expect(queue.depth('dev')).toBe(1);
  });

  it('on stop drops waiting requests, refuses new ones and waits for the running one', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run);
    queue.enqueue('dev', 'a');
    await flush();
    queue.enqueue('dev', 'b');
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    expect(queue.enqueue('dev', 'c')).toBe(false);
    await flush();
    expect(stopped).toBe(false);
    await runner.finish('dev');
    await stopping;
    expect(runner.started).toEqual(['dev:a']);
  });

  it('runs at most maxRunning requests across environments, the others in arrival order', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run, { maxRunning: 2 });
    // given four environments asking at once under a limit of two
    for (const env of ['a', 'b', 'c', 'd']) queue.enqueue(env, 'sha1');
    await flush();
    expect(runner.started).toEqual(['a:sha1', 'b:sha1']);
    // the waiting ones count as queued, not as lost
    expect(queue.depth('c')).toBe(1);
    // when one finishes (even failing), the oldest waiting one takes its turn
    await runner.finish('b', true);
    expect(runner.started).toEqual(['a:sha1', 'b:sha1', 'c:sha1']);
    // a request queued behind a running one of the same environment waits for a turn as well
    queue.enqueue('a', 'sha2');
    await runner.finish('a');
    expect(runner.started).toEqual(['a:sha1', 'b:sha1', 'c:sha1', 'd:sha1']);
    await runner.finish('c');
    expect(runner.started.at(-1)).toBe('a:sha2');
    await runner.finish('d');
    await runner.finish('a');
    await queue.idle();
  });

  it('on stop drops requests still waiting for a turn', async () => {
    const runner = new GatedRunner<string>((r) => r);
    const queue = new EnvQueue<string>(runner.run, { maxRunning: 1 });
    queue.enqueue('a', 'sha1');
    queue.enqueue('b', 'sha1');
    await flush();
    const stopped = queue.stop();
    await runner.finish('a');
    await stopped;
    expect(runner.started).toEqual(['a:sha1']);
    expect(queue.depth('b')).toBe(0);
  });

  it('coalesces with the merge it is given', async () => {
    const runner = new GatedRunner<ReconcileRequest>((r) => `${r.trigger}@${r.sha ?? 'head'}`);
    const queue = new EnvQueue<ReconcileRequest>(runner.run, { merge: coalesceRequests });
    queue.enqueue('dev', { trigger: 'poll', sha: 's1' });
    await flush();
    queue.enqueue('dev', { trigger: 'drift' });
    queue.enqueue('dev', { trigger: 'webhook', sha: 's2' });
    await runner.finish('dev');
    expect(runner.started).toEqual(['dev:poll@s1', 'dev:drift@s2']);
    await runner.finish('dev');
  });
});

describe('coalesceTriggers', () => {
  it.each<[Trigger, Trigger, Trigger]>([
    ['poll', 'webhook', 'webhook'],
    ['webhook', 'poll', 'poll'],
    ['retry', 'poll', 'poll'],
    ['startup', 'retry', 'retry'],
    ['drift', 'poll', 'drift'],
    ['drift', 'manual', 'drift'],
    ['manual', 'webhook', 'manual'],
    ['manual', 'drift', 'drift'],
    ['poll', 'manual', 'manual'],
  ])('waiting %s, then %s: runs as %s', (pending, next, expected) => {
    expect(coalesceTriggers(pending, next)).toBe(expected);
  });

  it('keeps the newest sha and the sha already waiting when the new request has none', () => {
    expect(coalesceRequests({ trigger: 'poll', sha: 'a' }, { trigger: 'poll', sha: 'b' })).toEqual({
      trigger: 'poll',
      sha: 'b',
    });
    expect(coalesceRequests({ trigger: 'poll', sha: 'a' }, { trigger: 'manual' })).toEqual({
      trigger: 'manual',
      sha: 'a',
    });
  });
});
