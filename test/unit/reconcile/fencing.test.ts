import type { EnvironmentConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { Controller } from '../../../controller/reconcile/controller';
import { reconcileEnvironment } from '../../../controller/reconcile/reconcile-environment';
import { shardLost } from '../../../controller/shard/lease';
import {
  FakeAws,
  FakeKube,
  fakeConfig,
  fakeEnvironment,
  fakeKubeTarget,
  FakeSource,
  MemoryAudit,
  revision,
} from '../../helpers/reconcile-fakes';

const env: EnvironmentConfig = { name: 'dev', branch: 'dev', order: 'aws-first', driftIntervalMs: 0 };

function setup(
  fence: (phase: 'apply-aws' | 'apply-kubernetes') => Promise<{ holder: string; resourceVersion: string }>,
) {
  const audit = new MemoryAudit();
  const aws = new FakeAws();
  const kube = new FakeKube();
  const fenced: string[] = [];
  const ports = {
    env,
    source: new FakeSource(),
    audit,
    aws,
    kube,
    log: silentLog(),
    fence: async (phase: 'apply-aws' | 'apply-kubernetes') => {
      fenced.push(phase);
      return fence(phase);
    },
  };
  return { ports, aws, kube, fenced };
}

describe('fencing each apply phase with the Lease', () => {
  it('checks the Lease before each apply phase and records the holder and resourceVersion of the last check', async () => {
    let rv = 41;
    const { ports, fenced } = setup(async () => ({
      holder: 'replica-a',
      resourceVersion: String((rv += 1)),
    }));
    const { entry } = await reconcileEnvironment(ports, revision('a1', { aws: 't1', k8s: 't2' }), 'poll');
    expect(fenced).toEqual(['apply-aws', 'apply-kubernetes']);
    expect(entry.outcome).toBe('succeeded');
    expect(entry.lease).toEqual({ holder: 'replica-a', resourceVersion: '43' });
  });

  it('applies nothing more once the Lease is lost: a retryable shard.lost failure in that phase', async () => {
    const { ports, aws, kube } = setup(async (phase) => {
      if (phase === 'apply-kubernetes') throw shardLost('dev', 'held by replica-b', phase);
      return { holder: 'replica-a', resourceVersion: '7' };
    });
    const { entry, failure } = await reconcileEnvironment(
      ports,
      revision('a1', { aws: 't1', k8s: 't2' }),
      'poll',
    );
    expect(aws.calls).toEqual(['synthesize a10', 'apply a10']);
    expect(kube.calls.filter((c) => c === 'apply')).toEqual([]);
    expect(failure).toMatchObject({ code: 'shard.lost', phase: 'apply-kubernetes', retryable: true });
    expect(failure?.message).toContain('held by replica-b');
    expect(entry.outcome).toBe('failed');
    // The AWS half was applied under the Lease checked before it; Kubernetes counts as not applied.
    expect(entry.applied).toEqual({ aws: 't1' });
    expect(entry.lease).toEqual({ holder: 'replica-a', resourceVersion: '7' });
  });

  it('applies nothing at all when the Lease is already lost before the first apply phase', async () => {
    const { ports, aws, kube } = setup(async (phase) => {
      throw shardLost('dev', 'the Lease is gone', phase);
    });
    const { entry } = await reconcileEnvironment(ports, revision('a1', { aws: 't1', k8s: 't2' }), 'poll');
    expect(aws.calls).toEqual(['synthesize a10']);
    expect(kube.calls.filter((c) => c === 'apply')).toEqual([]);
    expect(entry.failure).toMatchObject({ code: 'shard.lost', phase: 'apply-aws' });
    expect(entry.lease).toBeUndefined();
  });
});

describe('the write fence reaches the appliers', () => {
  it('a fence that fails mid-apply (a pause past the renew deadline) records shard.lost, never succeeded', async () => {
    const { ports, kube } = setup(async () => ({ holder: 'replica-a', resourceVersion: '7' }));
    let writes = 0;
    const writeFence = () => {
      writes += 1;
      throw shardLost('dev', 'not renewed for 16000 ms, past the renew deadline', 'apply-kubernetes');
    };
    const { entry, failure } = await reconcileEnvironment(
      { ...ports, aws: undefined, writeFence: () => writeFence },
      revision('a1', { aws: null, k8s: 't2' }),
      'poll',
    );
    expect(kube.calls).toContain('apply');
    expect(writes).toBe(1);
    expect(failure).toMatchObject({ code: 'shard.lost', phase: 'apply-kubernetes', retryable: true });
    expect(entry.outcome).toBe('failed');
    expect(entry.applied).not.toHaveProperty('k8s');
  });
});

describe('without sharding, the heartbeat fences a replica', () => {
  it("passes the heartbeat's write fence to each reconcile: paused past it, the replica records shard.lost", async () => {
    // given an unsharded controller whose heartbeat was not renewed in time (a pause, a cut-off)
    const source = new FakeSource();
    const kube = new FakeKube();
    const audit = new MemoryAudit();
    const fenced: string[] = [];
    const controller = new Controller({
      config: fakeConfig([fakeEnvironment('dev', { kubernetes: fakeKubeTarget() })]),
      source,
      audit,
      appliers: () => ({ kube }),
      log: silentLog(),
      heartbeat: {
        writeFence: (name, phase) => () => {
          fenced.push(`${name} ${phase}`);
          throw shardLost(name, 'no successful renewal for 13000 ms (the bound is 12000 ms)', phase);
        },
      },
    });
    source.heads = [{ kind: 'revision', revision: revision('a1', { aws: null, k8s: 't2' }) }];

    // when it reconciles
    await controller.start();
    await controller.idle();
    await controller.stop();

    // then the apply asked the fence before writing, and the entry is a failure, never succeeded
    expect(fenced).toEqual(['dev apply-kubernetes']);
    expect(audit.entries.map((e) => [e.outcome, e.failure?.code])).toEqual([['failed', 'shard.lost']]);
    expect(audit.entries[0]!.applied).not.toHaveProperty('k8s');
  });
});
