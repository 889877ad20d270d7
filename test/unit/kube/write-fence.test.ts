import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import type { Manifest } from '../../../controller/kube/types';
import { silentLog } from '../../../controller/log';
import { shardLost } from '../../../controller/shard/lease';
import { MEMORY_IDENTITY, MEMORY_TARGET, MemoryKubeClient } from '../../helpers/memory-kube-client';

const target = MEMORY_TARGET;
const identity = MEMORY_IDENTITY;

function configMaps(count: number, value: string): Manifest[] {
  return Array.from({ length: count }, (_, i) => ({
    object: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'apps' },
      data: { value },
    },
    file: 'k8s-resources/cms.yaml',
    documentIndex: i,
  }));
}

/** A fence double that holds for `n` calls and then throws `shard.lost`, as ShardManager.writeFence does once its deadline passed. */
function fenceFailingAfter(n: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fence: () => {
      calls += 1;
      if (calls > n) throw shardLost('dev', 'not renewed within the renew deadline', 'apply-kubernetes');
    },
  };
}

describe('the write fence of a Kubernetes apply holds per batch, not per phase', () => {
  it('without a fence failure every object and the inventory are written, each request fenced', async () => {
    const client = new MemoryKubeClient();
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    const fence = fenceFailingAfter(Number.POSITIVE_INFINITY);
    const result = await applier.apply(configMaps(20, 'a'), { fence: fence.fence });
    expect(result.failure).toBeUndefined();
    expect(client.writes.filter((w) => w.includes('/configmaps/cm-'))).toHaveLength(20);
    expect(client.writes.at(-1)).toMatch(/configmaps\/cairn-inventory-/);
    // One per wave, one per object request, one before the inventory write at least.
    expect(fence.calls).toBeGreaterThanOrEqual(22);
  });

  it.each([
    ['before the first wave', 0],
    ['mid-wave, after 5 objects', 7],
    ['after 13 objects', 15],
  ])(
    'a fence that starts throwing %s stops the apply before its next write: nothing after is written, no inventory after the write-ahead one',
    async (_when, holds) => {
      const client = new MemoryKubeClient();
      const fence = fenceFailingAfter(holds);
      let writesWhenLost = -1;
      // The moment the fence first throws, count what was already sent: nothing may follow it.
      const guarded = () => {
        try {
          fence.fence();
        } catch (error) {
          if (writesWhenLost < 0) writesWhenLost = client.writes.length;
          throw error;
        }
      };
      const applier = createKubeApplier(identity, target, silentLog(), { client });
      const result = await applier.apply(configMaps(20, 'a'), { fence: guarded });
      expect(result.failure).toMatchObject({ code: 'shard.lost', retryable: true });
      expect(writesWhenLost).toBeGreaterThanOrEqual(0);
      expect(client.writes).toHaveLength(writesWhenLost);
      // The write-ahead inventory (fenced too) is the first write, before any object; none follows the loss.
      const inventories = client.writes.filter((w) => w.includes('cairn-inventory-'));
      const objects = client.writes.filter((w) => !w.includes('cairn-inventory-'));
      expect(inventories).toHaveLength(holds === 0 ? 0 : 1);
      if (holds > 0) expect(client.writes[0]).toMatch(/configmaps\/cairn-inventory-/);
      expect(objects.length).toBeLessThan(20);
      const skipped = result.changes.filter((c) => c.reason === 'not applied: this replica lost the Lease');
      // Objects of the wave the fence failed in are recorded as skipped; before any wave, none is reached.
      expect(skipped.length + objects.length).toBe(holds === 0 ? 0 : 20);
    },
  );

  it('prune deletes stop too: a fence lost during prune deletes nothing more and leaves the inventory alone', async () => {
    const client = new MemoryKubeClient();
    const applier = createKubeApplier(identity, target, silentLog(), { client });
    await applier.apply(configMaps(10, 'a'));
    const inventory = client.writes.at(-1)!.replace('PATCH ', '');
    const before = JSON.stringify(client.get(inventory));
    client.writes.length = 0;
    // 2 objects stay (unchanged: no request, so no fence call), 8 are pruned: the fence holds for
    // the two waves' checks and 3 deletes, then fails.
    let calls = 0;
    const fence = () => {
      calls += 1;
      if (calls > 5) throw shardLost('dev', 'held by replica-b', 'apply-kubernetes');
    };
    const result = await applier.apply(configMaps(2, 'a'), { fence });
    expect(result.failure).toMatchObject({ code: 'shard.lost' });
    const deletes = client.writes.filter((w) => w.startsWith('DELETE'));
    expect(deletes.length).toBeLessThan(8);
    expect(client.writes.some((w) => w.includes('cairn-inventory-'))).toBe(false);
    expect(JSON.stringify(client.get(inventory))).toBe(before);
  });
});
