import { holderOf, isFree, observe, type Lease } from '../../../controller/shard/lease';
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
