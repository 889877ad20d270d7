import type { CairnConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { Controller } from '../../../controller/reconcile/controller';
import type { ShardListener, ShardPort, ShardStatus } from '../../../controller/shard/shard-manager';
import { fakeConfig, FakeKube, FakeSource, MemoryAudit, revision } from '../../helpers/reconcile-fakes';

const config: CairnConfig = fakeConfig();

/** A ShardPort double that holds `dev` from the start, as the Lease holder would. */
class HolderShard implements ShardPort {
  readonly identity = 'replica-a';
  listener!: ShardListener;
  async start(listener: ShardListener): Promise<void> {
    this.listener = listener;
  }
  holds(): boolean {
    return true;
  }
  heldEnvironments(): readonly string[] {
    return ['dev'];
  }
  async fence() {
    return { holder: this.identity, resourceVersion: '1' };
  }
  writeFence() {
    return () => undefined;
  }
  status(): ShardStatus {
    return { holder: this.identity, held: true, resourceVersion: '1', renewTime: null };
  }
  async holderOf() {
    return null;
  }
  async release(): Promise<void> {}
  async stop(): Promise<void> {}
}

function setup(sharded = false) {
  const source = new FakeSource();
  const kube = new FakeKube();
  const audit = new MemoryAudit();
  const shard = new HolderShard();
  const suspendedGauge: boolean[] = [];
  const controller = new Controller({
    config,
    source,
    audit,
    appliers: () => ({ kube }),
    log: silentLog(),
    metrics: {
      observeReconcile: () => undefined,
      observePhase: () => undefined,
      setLastSuccess: () => undefined,
      setQueueDepth: () => undefined,
      observeFetch: () => undefined,
      incDrift: () => undefined,
      setStalled: () => undefined,
      setSuspended: (_env, on) => suspendedGauge.push(on),
    },
    ...(sharded ? { shard } : {}),
  });
  const head = (sha: string) => {
    source.heads = [{ kind: 'revision', revision: revision(sha, { aws: null, k8s: `tree-${sha}` }) }];
  };
  const applies = () => kube.calls.filter((c) => c === 'apply').length;
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 5));
    await controller.idle();
  };
  const status = () => controller.environments()[0]!;
  return { controller, audit, shard, head, applies, settle, status, suspendedGauge };
}

describe('suspend and resume', () => {
  it('a suspended environment reconciles nothing (new head, drift, manual sync) until resumed, then its head', async () => {
    // given dev applied at a1
    const { controller, head, applies, settle, status, suspendedGauge } = setup();
    head('a1');
    await controller.start();
    await settle();
    expect(applies()).toBe(1);

    // when it is suspended and then its branch moves, a drift pass is due and someone asks for a sync
    const suspension = await controller.suspend('dev', 'ada@laptop', 'incident 42');
    expect(suspension).toMatchObject({ by: 'ada@laptop', reason: 'incident 42' });
    head('b2');
    await controller.fetch('poll');
    controller.drift('dev');
    controller.trigger('dev', 'manual');
    await settle();

    // then nothing ran, and the status shows the suspension and the head it waits on
    expect(applies()).toBe(1);
    expect(status()).toMatchObject({
      status: 'suspended',
      headSha: 'b2'.padEnd(40, '0'),
      lastAppliedSha: 'a1'.padEnd(40, '0'),
      suspended: { by: 'ada@laptop', reason: 'incident 42' },
    });
    expect(suspendedGauge.at(-1)).toBe(true);

    // when it is resumed, the head is applied
    await controller.resume('dev', 'ada@laptop');
    await settle();
    expect(applies()).toBe(2);
    expect(status()).toMatchObject({ status: 'synced', lastAppliedSha: 'b2'.padEnd(40, '0') });
    expect(status().suspended).toBeUndefined();
    expect(suspendedGauge.at(-1)).toBe(false);
  });

  it('a resume reconciles even when the head did not move, so a hand edit made meanwhile is looked for', async () => {
    const { controller, audit, head, settle } = setup();
    head('a1');
    await controller.start();
    await settle();
    await controller.suspend('dev', 'ada', '');
    const before = audit.starts.length;
    await controller.resume('dev', 'ada');
    await settle();
    // The reconcile ran; with the tree unchanged it asks the cluster whether anything drifted.
    expect(audit.starts.length).toBe(before + 1);
  });

  it('sharded, the holder obeys a suspend and a resume that another replica recorded in the shared ledger', async () => {
    // given the holder applied a1
    const { controller, audit, head, applies, settle, status } = setup(true);
    head('a1');
    await controller.start();
    controller.trigger('dev', 'webhook');
    await settle();
    expect(applies()).toBe(1);

    // when another replica records a suspend, and the holder's poll sees a new head
    audit.elsewhere.push({ env: 'dev', action: 'suspend', by: 'bob', reason: 'freeze' });
    head('b2');
    await controller.fetch('poll');
    await settle();

    // then the holder read the ledger before reconciling and did not apply
    expect(applies()).toBe(1);
    expect(status()).toMatchObject({ status: 'suspended', suspended: { by: 'bob' } });

    // when the other replica records the resume and hands a manual trigger over
    audit.elsewhere.push({ env: 'dev', action: 'resume', by: 'bob', reason: '' });
    controller.trigger('dev', 'manual');
    await settle();
    expect(applies()).toBe(2);
    expect(status().lastAppliedSha).toBe('b2'.padEnd(40, '0'));
  });
});
