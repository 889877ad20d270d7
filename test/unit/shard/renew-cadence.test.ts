import { silentLog } from '../../../controller/log';
import type { Lease } from '../../../controller/shard/lease';
import { replicaLeaseName, shardLeaseName } from '../../../controller/shard/names';
import { ShardLeases } from '../../../controller/shard/shard-leases';
import { writeDeadlineMs } from '../../../controller/shard/lease';
import { FakeLeaseApi } from '../../helpers/fake-lease-api';

/** A Lease API whose heartbeat writes and listings take `slowMs`, as a loaded API server's do. */
class SlowApi extends FakeLeaseApi {
  readonly renewedAt: number[] = [];
  constructor(
    private readonly slowMs: number,
    private readonly clock: { ms: number },
    private readonly shard: string,
  ) {
    super();
  }
  override async list(): Promise<readonly Lease[]> {
    await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    return super.list();
  }
  override async replace(lease: Lease): Promise<Lease> {
    if (lease.metadata.name === this.shard) this.renewedAt.push(this.clock.ms);
    else await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    return super.replace(lease);
  }
}

/**
 * Issue 24, bench finding: on a loaded API server, a pass (heartbeat, renewals, listing, balance)
 * takes seconds. Renewals must still be sent every renewInterval, or the write fence (12 s of a
 * 15 s lease) stops the replica's own reconciles with shard.lost.
 */
describe('ShardLeases renewal cadence under a slow API server', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // A pass is now the slowest of the heartbeat and the renewals, then the listing: 3 + 3 s here, so
  // a renewal every ~6 s; it used to be renewInterval plus the whole pass (about 14 s here).
  it('renews a held shard well within the write deadline even when heartbeat writes and listings take 3 s each', async () => {
    const clock = { ms: 0 };
    const shard = shardLeaseName('g', 0);
    const api = new SlowApi(3_000, clock, shard);
    const leases = new ShardLeases({
      api,
      identity: 'a',
      group: 'g',
      shards: [{ lease: shard, label: '0/1' }],
      replicaLease: replicaLeaseName('g', 'a'),
      leaseDurationMs: 15_000,
      renewIntervalMs: 5_000,
      advertiseUrl: 'http://a',
      log: silentLog(),
      clock: () => clock.ms,
      now: () => new Date(clock.ms),
      random: () => 0.5,
    });
    const tick = async (ms: number) => {
      for (let i = 0; i < ms / 100; i++) {
        clock.ms += 100;
        await jest.advanceTimersByTimeAsync(100);
      }
    };
    const started = leases.start({ gained: () => undefined, lost: () => undefined, busy: () => false });
    await tick(10_000);
    await started;
    expect(leases.heldShards()).toEqual([shard]);
    await tick(60_000);
    const gaps = api.renewedAt.slice(1).map((at, i) => at - api.renewedAt[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(9);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6_500);
    expect(Math.max(...gaps)).toBeLessThan(writeDeadlineMs(15_000) / 1.5);
    expect(leases.holds(shard)).toBe(true);
    await leases.stop();
  });
});
