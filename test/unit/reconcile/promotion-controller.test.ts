import type { CairnConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import type { Timers } from '../../../controller/reconcile/backoff';
import { Controller } from '../../../controller/reconcile/controller';
import type { ControllerDeps } from '../../../controller/reconcile/controller-deps';
import { heldLease } from '../../helpers/lost-lease';
import {
  fakeConfig,
  fakeEnvironment,
  FakeKube,
  FakeSource,
  MemoryAudit,
  revision,
} from '../../helpers/reconcile-fakes';

const config: CairnConfig = fakeConfig([
  fakeEnvironment('staging'),
  fakeEnvironment('prod', { promotion: { after: 'staging', healthyForMs: 60_000 } }),
]);

/** Timers a test fires by hand: the gate's re-check must be a timer, never a poll. */
class HandTimers implements Timers {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 0;
  setTimeout(callback: () => void, ms: number): unknown {
    this.pending.set(++this.next, { callback, ms });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.callback();
  }
}

function setup(extra: Partial<ControllerDeps> = {}) {
  const source = new FakeSource();
  const audit = new MemoryAudit();
  const kubes = { staging: new FakeKube(), prod: new FakeKube() };
  const timers = new HandTimers();
  let clock = Date.parse('2026-12-05T00:00:00.000Z');
  const controller = new Controller({
    config,
    source,
    audit,
    appliers: (e) => ({ kube: kubes[e.name as 'staging' | 'prod'] }),
    log: silentLog(),
    timers,
    now: () => new Date(clock),
    ...extra,
  });
  const heads = (staging: [string, string], prod: [string, string]) => {
    source.heads = [
      { kind: 'revision', revision: revision(staging[0], { aws: null, k8s: staging[1] }, 'staging') },
      { kind: 'revision', revision: revision(prod[0], { aws: null, k8s: prod[1] }, 'prod') },
    ];
  };
  const applies = (name: 'staging' | 'prod') => kubes[name].calls.filter((c) => c === 'apply').length;
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await controller.idle();
    }
  };
  const prod = () => controller.environments()[1]!;
  const waits = () => audit.controlRecords.filter((c) => c.action === 'wait');
  return {
    controller,
    audit,
    timers,
    heads,
    applies,
    settle,
    prod,
    waits,
    tick: (ms: number) => (clock += ms),
  };
}

describe('promotion gates in the controller', () => {
  it('prod waits until the same tree has been healthy on staging for healthyFor, re-checked by a timer', async () => {
    const { controller, audit, timers, heads, applies, settle, prod, waits, tick } = setup();
    // given the same k8s tree on both branches (different shas: a cherry-pick)
    heads(['s1', 'tree-1'], ['p1', 'tree-1']);
    await controller.start();
    await settle();

    // then staging applied it, prod waits for staging with the reason, and one wait is recorded
    expect(applies('staging')).toBe(1);
    expect(applies('prod')).toBe(0);
    expect(prod()).toMatchObject({
      status: 'waiting',
      waiting: {
        after: 'staging',
        reason:
          'waiting for staging: the trees (k8s tree-1) of p100000 applied there 0ms ago, needs 1m00s healthy',
      },
    });
    expect(waits()).toHaveLength(1);
    expect(waits()[0]).toMatchObject({ env: 'prod', by: 'cairn', sha: 'p1'.padEnd(40, '0') });
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([60_050]);

    // when polls come before the duration: still waiting, no second wait record
    tick(30_000);
    await controller.fetch('poll');
    await settle();
    expect(applies('prod')).toBe(0);
    expect(waits()).toHaveLength(1);

    // when the duration has elapsed and the timer fires: prod applies
    tick(30_000);
    timers.fireAll();
    await settle();
    expect(applies('prod')).toBe(1);
    expect(prod().status).toBe('synced');
    expect(prod()).not.toHaveProperty('waiting');
    // and the ledger says why it ran: the gate, not a poll
    expect((await audit.list({ env: 'prod' }))[0]).toMatchObject({
      trigger: 'promotion',
      outcome: 'succeeded',
    });
  });

  it("a replica that lost prod's Lease holds its head but records no wait", async () => {
    // given a replica whose fence of prod reports the Lease lost (staging's holds)
    const lease = heldLease('prod');
    lease.lose();
    const { controller, heads, settle, prod, waits } = setup({
      heartbeat: { writeFence: (env) => (env === 'prod' ? lease.fence : () => undefined) },
    });

    // when the gate holds prod's head
    heads(['s1', 'tree-1'], ['p1', 'tree-1']);
    await controller.start();
    await settle();

    // then prod waits, and the ledger got no record of it from this replica
    expect(prod().status).toBe('waiting');
    expect(waits()).toEqual([]);
  });

  it('a tree staging never ran waits with no timer; promote --force lets that head through, recorded', async () => {
    const { controller, audit, timers, heads, applies, settle, prod, waits } = setup();
    heads(['s1', 'tree-1'], ['p1', 'tree-2']);
    await controller.start();
    await settle();
    expect(applies('prod')).toBe(0);
    expect(prod()).toMatchObject({
      status: 'waiting',
      waiting: {
        after: 'staging',
        reason: 'waiting for staging: the trees (k8s tree-2) of p100000 are not applied there yet',
      },
    });
    expect(timers.pending.size).toBe(0);
    expect(waits()).toHaveLength(1);

    const forced = await controller.promote('prod', 'ada@laptop', 'hotfix 7');
    await settle();
    expect(forced.sha).toBe('p1'.padEnd(40, '0'));
    expect(applies('prod')).toBe(1);
    expect(audit.controlRecords.find((c) => c.action === 'promote')).toEqual({
      env: 'prod',
      action: 'promote',
      by: 'ada@laptop',
      reason: 'hotfix 7',
      sha: 'p1'.padEnd(40, '0'),
    });

    // a later head with a tree staging never ran waits again: a forced promotion is for one head
    heads(['s1', 'tree-1'], ['p2', 'tree-3']);
    await controller.fetch('poll');
    await settle();
    expect(applies('prod')).toBe(1);
    expect(prod().status).toBe('waiting');
  });

  it('a prod head whose tree prod already runs is not gated (a commit outside the applied folders)', async () => {
    const { controller, heads, applies, settle, prod } = setup();
    heads(['s1', 'tree-1'], ['p1', 'tree-2']);
    await controller.start();
    await controller.promote('prod', 'ada@laptop', 'first');
    await settle();
    expect(applies('prod')).toBe(1);
    // a new prod commit with the same tree (e.g. a README change): applied as a no-op, not held
    heads(['s1', 'tree-1'], ['p3', 'tree-2']);
    await controller.fetch('poll');
    await settle();
    expect(prod()).toMatchObject({ status: 'synced', lastAppliedSha: 'p3'.padEnd(40, '0') });
  });
});
