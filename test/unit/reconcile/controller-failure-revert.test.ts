import type { CairnConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import type { AuditEntry, Phase, ReconcileObserver, WriteFence } from '../../../controller/model';
import { Controller } from '../../../controller/reconcile/controller';
import type { RevertResult } from '../../../controller/reconcile/failure-revert';
import { fakeConfig, FakeKube, FakeSource, MemoryAudit, revision } from '../../helpers/reconcile-fakes';

const config: CairnConfig = fakeConfig();

const failure = {
  code: 'kube.rollout-failed',
  phase: 'verify' as const,
  retryable: false,
  subject: 'Deployment/apps/web',
  message: 'web: ProgressDeadlineExceeded',
};

function setup(
  revert: (entry: AuditEntry, fence?: WriteFence) => Promise<RevertResult>,
  heartbeat?: { writeFence(env: string, phase: Phase): WriteFence },
) {
  const source = new FakeSource();
  const kube = new FakeKube();
  kube.result = {
    changes: [{ target: 'kubernetes', subject: 'Deployment/apps/web', action: 'configured' }],
    failure,
  };
  const told: unknown[][] = [];
  const observer: ReconcileObserver = {
    started: () => undefined,
    finished: () => undefined,
    revertProposed: (...args) => told.push(args),
  };
  const asked: AuditEntry[] = [];
  const controller = new Controller({
    config,
    source,
    audit: new MemoryAudit(),
    appliers: () => ({ kube }),
    log: silentLog(),
    observers: [observer],
    failureRevert: (entry, fence) => {
      asked.push(entry);
      return revert(entry, fence);
    },
    ...(heartbeat ? { heartbeat } : {}),
  });
  source.heads = [{ kind: 'revision', revision: revision('b2', { aws: null, k8s: 'tree-b2' }) }];
  const settle = async () => {
    await new Promise((r) => setTimeout(r, 5));
    await controller.idle();
    await new Promise((r) => setTimeout(r, 5));
  };
  return { controller, kube, source, told, asked, settle, status: () => controller.environments()[0]! };
}

describe('the controller and the revert of a failed release', () => {
  it('asks for it after a terminal failure, shows it in the status and tells the observers', async () => {
    const { controller, kube, source, told, asked, settle, status } = setup(() =>
      Promise.resolve({ kind: 'proposed', sha: 'c'.repeat(40), url: 'http://git/pulls/7', branch: 'x' }),
    );
    await controller.start();
    await settle();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ outcome: 'failed', failure: { code: 'kube.rollout-failed' } });
    expect(status()).toMatchObject({
      status: 'stalled',
      revert: { entry: asked[0]!.id, sha: 'c'.repeat(40), url: 'http://git/pulls/7' },
    });
    expect(told).toEqual([
      ['dev', asked[0]!.toSha, asked[0]!.id, { revert: 'c'.repeat(40), url: 'http://git/pulls/7' }],
    ]);

    // when the next commit (the merged revert) is applied, the status no longer shows it
    kube.result = { changes: [] };
    source.heads = [{ kind: 'revision', revision: revision('c3', { aws: null, k8s: 'tree-c3' }) }];
    await controller.fetch('poll');
    await settle();
    expect(status()).toMatchObject({ status: 'synced' });
    expect(status().revert).toBeUndefined();
    await controller.stop();
  });

  it('a revert that could not be made is revert.failed in the status and told, and the stall is as before', async () => {
    const failed = { code: 'revert.failed', phase: 'record' as const, retryable: false, message: 'conflict' };
    const { controller, told, settle, status } = setup(() =>
      Promise.resolve({ kind: 'failed', failure: failed }),
    );
    await controller.start();
    await settle();
    expect(status()).toMatchObject({ status: 'stalled', failure: failure, revert: { failure: failed } });
    expect(told).toEqual([['dev', expect.any(String), expect.any(String), { failure: failed }]]);
    await controller.stop();
  });

  it("tells the observers of the revert under the fence its push had: the environment's Lease", async () => {
    // given a controller fenced on the heartbeat, whose fences for the revert are recorded
    const fences: WriteFence[] = [];
    const heartbeat = {
      writeFence: (_env: string, phase: Phase): WriteFence => {
        const fence = () => undefined;
        if (phase === 'record') fences.push(fence);
        return fence;
      },
    };
    let pushedUnder: WriteFence | undefined;
    const { controller, told, settle } = setup((_entry, fence) => {
      pushedUnder = fence;
      return Promise.resolve({ kind: 'proposed', sha: 'c'.repeat(40), branch: 'x' });
    }, heartbeat);

    // when a release fails terminally and its revert is proposed
    await controller.start();
    await settle();

    // then the observers get the very fence the revert was made under (the notifier checks it)
    expect(pushedUnder).toBeDefined();
    expect(fences).toContain(pushedUnder);
    expect(told).toHaveLength(1);
    expect(told[0]![4]).toBe(pushedUnder);
    await controller.stop();
  });

  it('a revert that hangs never holds the reconcile back', async () => {
    const { controller, asked, settle, status } = setup(() => new Promise<RevertResult>(() => undefined));
    await controller.start();
    await settle();
    expect(asked).toHaveLength(1);
    expect(status()).toMatchObject({ status: 'stalled', lastOutcome: 'failed' });
    expect(status().revert).toBeUndefined();
    await controller.stop();
  });

  it('is not asked after a retryable failure', async () => {
    const { controller, kube, asked, settle } = setup(() => Promise.resolve({ kind: 'skipped', why: '' }));
    kube.result = { ...kube.result, failure: { ...failure, code: 'kube.unhealthy', retryable: true } };
    await controller.start();
    await settle();
    expect(asked).toEqual([]);
    await controller.stop();
  });
});
