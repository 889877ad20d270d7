import { randomBytes } from 'node:crypto';
import { silentLog } from '../../../controller/log';
import type { LeaseApi } from '../../../controller/shard/lease';
import { createKubeLeaseApi } from '../../../controller/shard/kube-lease-api';
import { unshardedLeaseName, UnshardedGuard } from '../../../controller/shard/unsharded-guard';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(60_000);

/**
 * A `cairn sync` (or a stopping `cairn run`) deletes the unsharded heartbeat when it ends, so that
 * a replica started right after it is not refused for a lease duration. Found in review (a CI-like
 * run of test/e2e/unsharded-fencing.e2e.test.ts): a `cairn run` started after a sync that exited 0
 * was refused as a peer "holding the heartbeat", because the sync's release raced a renewal in
 * flight: the delete's precondition named the version before the renewal, and failed.
 */
describe('the unsharded heartbeat, released while a renewal is in flight (sandbox kube-apiserver)', () => {
  const { kubernetes } = sandboxEnv();
  const group = `hbrel${randomBytes(4).toString('hex')}`;
  const api = createKubeLeaseApi(
    { kubeconfig: kubernetes.kubeconfig, namespace: 'default' },
    group,
    silentLog(),
  );
  afterAll(() => api.close());

  it.each([
    ['lands after the delete', 'before'],
    ['landed before the delete, its answer still on its way', 'after'],
  ])('is deleted when the renewal %s, and the holder is not told it was taken', async (_case, held) => {
    // given a holder whose renewals are slow (each replace held 300 ms before it is sent, or before
    // its answer is read)
    let renewals = 0;
    let inFlight: Promise<unknown> | undefined;
    const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 300));
    const slow: LeaseApi = {
      list: () => api.list(),
      get: (name) => api.get(name),
      create: (lease) => api.create(lease),
      delete: (name, version) => api.delete(name, version),
      replace: (lease) => {
        renewals += 1;
        const renewed =
          held === 'before'
            ? pause().then(() => api.replace(lease))
            : api.replace(lease).then(async (answer) => (await pause(), answer));
        inFlight = renewed.catch(() => undefined);
        return renewed;
      },
    };
    const lost: string[] = [];
    const guard = new UnshardedGuard({
      api: slow,
      group,
      identity: 'pod-b_sync-1',
      acting: 'sync',
      host: 'pod-b',
      pid: process.pid,
      namespace: 'default',
      leaseDurationMs: 6_000,
      renewIntervalMs: 100,
      log: silentLog(),
    });
    await guard.claim((why) => lost.push(why));
    // when it is released while a renewal is on its way
    for (const deadline = Date.now() + 5_000; renewals === 0 && Date.now() < deadline;)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(renewals).toBe(1);
    await guard.release();
    await inFlight;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // then the heartbeat is gone (a replica may start at once), and nothing said it was taken
    expect(await api.get(unshardedLeaseName(group))).toBeNull();
    expect(lost).toEqual([]);
  });
});
