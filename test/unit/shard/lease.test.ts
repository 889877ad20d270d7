import { expiresAtMs, holderOf, isFree, observe, type Lease } from '../../../controller/shard/lease';
import { shardLeaseName, shardOf } from '../../../controller/shard/names';
import { fairShare, planBalance } from '../../../controller/shard/balance';

const lease = (rv: string, holder: string | null, renewTime: string, seconds = 15): Lease => ({
  metadata: { name: 'cairn-env-dev-abc', resourceVersion: rv },
  spec: { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime },
});

describe('Lease expiry, measured by the observer as client-go does', () => {
  it('counts from when this replica saw the record change, not from the holder renewTime', () => {
    // Given a holder whose clock runs an hour ahead (its renewTime lies in our future)
    const skewed = lease('7', 'replica-a', '2099-01-01T00:00:00.000000Z');
    // When we first see it at t=1000 ms, and it never changes again
    const seen = observe(undefined, skewed, 1_000);
    // Then it is held for exactly its duration from our observation, whatever renewTime says
    expect(isFree(seen, 1_000 + 15_000, 15_000)).toBe(false);
    expect(isFree(seen, 1_000 + 15_001, 15_000)).toBe(true);
  });

  it('keeps the observation time while the record is unchanged, and restarts it when it moves', () => {
    const first = observe(undefined, lease('7', 'a', '2026-01-01T00:00:00.000000Z'), 0);
    const same = observe(first, lease('7', 'a', '2026-01-01T00:00:00.000000Z'), 10_000);
    expect(same.observedAtMs).toBe(0);
    const renewed = observe(same, lease('8', 'a', '2026-01-01T00:00:05.000000Z'), 10_000);
    expect(renewed.observedAtMs).toBe(10_000);
    expect(isFree(renewed, 20_000, 15_000)).toBe(false);
  });

  it('treats a Lease without a holder (released) as free at once', () => {
    const released = observe(undefined, lease('9', null, '2026-01-01T00:00:00.000000Z', 1), 0);
    expect(holderOf(released.lease)).toBeNull();
    expect(isFree(released, 0, 15_000)).toBe(true);
    expect(holderOf(lease('9', '', 'x'))).toBeNull();
  });

  it('uses the default duration when the Lease names none', () => {
    const bare: Lease = { metadata: { name: 'x', resourceVersion: '1' }, spec: { holderIdentity: 'a' } };
    const seen = observe(undefined, bare, 0);
    expect(isFree(seen, 14_999, 15_000)).toBe(false);
    expect(isFree(seen, 15_001, 15_000)).toBe(true);
  });
});

describe('the expiry a replica computes is capped at the configured lease duration', () => {
  it.each([
    ['a forged 2000000000 s', 2_000_000_000, 15_000],
    ['a longer 60 s', 60, 15_000],
    ['the configured 15 s', 15, 15_000],
    ['a shorter 5 s (the object may only shorten it)', 5, 5_000],
    ['none (0)', 0, 15_000],
  ])('%s: expires %i ms after it was seen to change', (_, seconds, after) => {
    const seen = observe(undefined, lease('7', 'ghost', '2026-01-01T00:00:00.000000Z', seconds), 1_000);
    expect(expiresAtMs(seen, 15_000)).toBe(1_000 + after);
    expect(isFree(seen, 1_000 + after, 15_000)).toBe(false);
    expect(isFree(seen, 1_000 + after + 1, 15_000)).toBe(true);
  });

  it('counts the renewals it saw: a record written once has none', () => {
    const first = observe(undefined, lease('7', 'a', 't1'), 0);
    expect(first.renewals).toBe(0);
    expect(observe(first, lease('7', 'a', 't1'), 5_000).renewals).toBe(0);
    expect(observe(first, lease('8', 'a', 't2'), 5_000).renewals).toBe(1);
  });
});

describe('environments hashed into shards', () => {
  it('is the first 8 bytes of sha256(name), big-endian, modulo the shard count (stable forever)', () => {
    // sha256("dev") starts with ef260e9a a3c673af ...
    expect(shardOf('dev', 16)).toBe(Number(0xef260e9aa3c673afn % 16n));
    expect(shardOf('dev', 1)).toBe(0);
    expect(shardLeaseName('abc123', 7)).toBe('cairn-shard-abc123-7');
  });

  it('spreads 1,500 environments over 16 shards within 25% of even', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 1500; i += 1) counts[shardOf(`env-${i}`, 16)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan((1500 / 16) * 0.75);
    expect(Math.max(...counts)).toBeLessThan((1500 / 16) * 1.25);
  });
});

describe('planBalance', () => {
  const envs = (n: number, prefix = 'e') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it.each([
    [12, 1, 12],
    [12, 3, 4],
    [13, 3, 5],
    [1500, 3, 500],
    [5, 0, 5],
  ])('the fair share of %i environments among %i live replicas is %i', (total, live, fair) => {
    expect(fairShare(total, live)).toBe(fair);
  });

  it('releases idle extras down to the fair share and never a busy environment', () => {
    const plan = planBalance({
      total: 12,
      live: 3,
      held: envs(12),
      free: [],
      busy: (env) => env === 'e0' || env === 'e1',
    });
    expect(plan.acquire).toEqual([]);
    expect(plan.release).toHaveLength(8);
    expect(plan.release).not.toContain('e0');
    expect(plan.release).not.toContain('e1');
  });

  it('releases what it can when most held environments are busy', () => {
    const plan = planBalance({ total: 12, live: 3, held: envs(6), free: [], busy: (e) => e !== 'e5' });
    expect(plan.release).toEqual(['e5']);
  });

  it('takes free environments up to the fair share, in a random order', () => {
    const free = envs(8, 'f');
    const a = planBalance({ total: 12, live: 3, held: envs(1), free, busy: () => false, random: () => 0 });
    const b = planBalance({ total: 12, live: 3, held: envs(1), free, busy: () => false, random: () => 0.99 });
    expect(a.acquire).toHaveLength(3);
    expect(b.acquire).toHaveLength(3);
    expect(a.acquire).not.toEqual(b.acquire);
    expect(a.release).toEqual([]);
  });

  it('does nothing at the fair share', () => {
    expect(planBalance({ total: 12, live: 3, held: envs(4), free: envs(2, 'f'), busy: () => false })).toEqual(
      {
        release: [],
        acquire: [],
      },
    );
  });
});
