import { silentLog } from '../../../controller/log';
import { ShardManager } from '../../../controller/shard/shard-manager';
import type { FakeLeaseApi } from '../../helpers/fake-lease-api';

/**
 * A ShardManager over the fake Lease API as the shard unit tests drive it: time is the manual
 * `clock`, randomness is 0, and the renew timer never fires, so every pass is a test's tick().
 */
export function managerOnFakeApi(options: {
  readonly api: FakeLeaseApi;
  readonly identity: string;
  readonly group: string;
  readonly environments: readonly string[];
  readonly shards: number;
  readonly leaseDurationMs: number;
  readonly advertiseUrl: string;
  readonly peerUrls?: readonly string[];
  readonly clock: { ms: number };
}): ShardManager {
  const { clock, peerUrls, ...rest } = options;
  return new ShardManager({
    ...rest,
    renewIntervalMs: 3_600_000,
    ...(peerUrls ? { peerUrls } : {}),
    log: silentLog(),
    clock: () => clock.ms,
    random: () => 0,
  });
}
