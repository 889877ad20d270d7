import type { AuditEntry } from '../../../controller/model';
import { promotionVerdict, type GateInput } from '../../../controller/reconcile/promotion-gate';

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();

/** An entry of the `after` environment (staging) that started and finished at `minute`. */
function entry(
  minute: number,
  trees: { aws?: string | null; k8s?: string | null },
  outcome: AuditEntry['outcome'] = 'succeeded',
): AuditEntry {
  return {
    id: `e${minute}`,
    env: 'staging',
    trigger: 'poll',
    fromSha: null,
    toSha: `sha-${minute}`,
    author: 'Ada <a@x>',
    message: 'm',
    committedAt: at(minute),
    startedAt: at(minute),
    finishedAt: at(minute),
    outcome,
    phases: [],
    ...(outcome === 'succeeded' ? { applied: trees } : {}),
    changes: [],
  };
}

/** prod gated on staging for 10 minutes; the head has k8s tree K2; entries are listed newest first. */
function input(entriesOldestFirst: AuditEntry[], now: number, extra: Partial<GateInput> = {}): GateInput {
  return {
    env: 'prod',
    gate: { after: 'staging', healthyForMs: 10 * MIN },
    head: { sha: 'headsha1234', trees: { aws: null, k8s: 'K2' } },
    planes: { aws: false, k8s: true },
    current: { k8s: 'K1' },
    ownEntries: [],
    afterEntries: [...entriesOldestFirst].reverse(),
    forcedSha: null,
    now: T0 + now * MIN,
    ...extra,
  };
}

describe('promotionVerdict', () => {
  it('waits while the trees were never applied on the after environment', () => {
    const verdict = promotionVerdict(input([entry(0, { k8s: 'K1' })], 30));
    expect(verdict).toEqual({
      open: false,
      reason: 'waiting for staging: the trees (k8s K2) of headsha are not applied there yet',
    });
  });

  it('waits until the same trees have been healthy there for healthyFor, and says when that ends', () => {
    const verdict = promotionVerdict(input([entry(0, { k8s: 'K1' }), entry(5, { k8s: 'K2' })], 9));
    expect(verdict).toMatchObject({ open: false, retryAt: T0 + 15 * MIN });
    expect(verdict.open || verdict.reason).toContain('applied there 4m00s ago, needs 10m00s healthy');
    expect(promotionVerdict(input([entry(0, { k8s: 'K1' }), entry(5, { k8s: 'K2' })], 15)).open).toBe(true);
  });

  it('counts healthy time from the first of a run of entries with the same trees (drift repairs, syncs)', () => {
    const entries = [entry(0, { k8s: 'K2' }), entry(6, { k8s: 'K2' }), entry(9, { k8s: 'K2' })];
    expect(promotionVerdict(input(entries, 10)).open).toBe(true);
  });

  it('restarts the clock after a failed reconcile of the after environment', () => {
    const entries = [entry(0, { k8s: 'K2' }), entry(8, {}, 'failed'), entry(9, { k8s: 'K2' })];
    const verdict = promotionVerdict(input(entries, 12));
    expect(verdict).toMatchObject({ open: false, retryAt: T0 + 19 * MIN });
  });

  it('opens for trees that were healthy long enough before the after environment moved on', () => {
    const entries = [entry(0, { k8s: 'K2' }), entry(20, { k8s: 'K3' })];
    expect(promotionVerdict(input(entries, 21))).toMatchObject({ open: true });
  });

  it('keeps waiting, with no timer, for trees replaced before they were healthy long enough', () => {
    const entries = [entry(0, { k8s: 'K2' }), entry(3, { k8s: 'K3' })];
    const verdict = promotionVerdict(input(entries, 30));
    expect(verdict.open).toBe(false);
    expect(verdict).not.toHaveProperty('retryAt');
    expect(verdict.open || verdict.reason).toContain('were healthy there for only 3m00s (needs 10m00s)');
  });

  it('compares every plane the gated environment applies: the same k8s tree with another aws tree waits', () => {
    const both = { aws: true, k8s: true };
    const head = { sha: 'headsha1234', trees: { aws: 'A2', k8s: 'K2' } };
    const entries = [entry(0, { aws: 'A1', k8s: 'K2' })];
    expect(promotionVerdict(input(entries, 30, { planes: both, head })).open).toBe(false);
    expect(
      promotionVerdict(input([entry(0, { aws: 'A2', k8s: 'K2' })], 30, { planes: both, head })).open,
    ).toBe(true);
  });

  it('lets through a head forced past the gate, and only that head', () => {
    expect(promotionVerdict(input([], 0, { forcedSha: 'headsha1234' }))).toEqual({
      open: true,
      why: 'promoted by force',
    });
    expect(promotionVerdict(input([], 0, { forcedSha: 'another' })).open).toBe(false);
  });

  it('does not gate a rollback: trees this environment ran successfully before, whatever after runs now', () => {
    const own = [
      { ...entry(0, { k8s: 'K2' }), env: 'prod' },
      { ...entry(5, { k8s: 'K1' }), env: 'prod' },
    ];
    expect(promotionVerdict(input([], 30, { ownEntries: [...own].reverse() }))).toEqual({
      open: true,
      why: 'a rollback to trees this environment already ran',
    });
    // a failed attempt with those trees is no proof that they ran
    const failed = [{ ...entry(0, {}, 'failed'), env: 'prod' }];
    expect(promotionVerdict(input([], 30, { ownEntries: failed })).open).toBe(false);
  });

  it('does not gate a head whose trees are the ones already applied here (a README change)', () => {
    expect(promotionVerdict(input([], 0, { current: { k8s: 'K2' } })).open).toBe(true);
  });
});
