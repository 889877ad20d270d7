import type { LinePosition } from './chain-store';
import type { AuditRecord, ControlSummary, CutRecords, FoldedChecks, LastApplied, Suspension } from './types';

export type { ControlSummary } from './types';

type StartRecord = Extract<AuditRecord, { type: 'start' }>;
type EndRecord = Extract<AuditRecord, { type: 'end' }>;
type RepairRecord = Extract<AuditRecord, { type: 'repair' }>;

/** An `end` record in the index: enough to filter, to decide what is applied, and to read it back. */
export interface IndexedEntry {
  readonly id: string;
  readonly env: string;
  readonly seq: number;
  readonly at: LinePosition;
  readonly finishedAt: string;
  readonly outcome: EndRecord['entry']['outcome'];
  readonly toSha: string;
  readonly applied?: EndRecord['entry']['applied'];
  /**
   * A failed entry's halves that it changed anyway (a rollout that failed after its Deployment was
   * written), and both halves of an interrupted one: their last recorded tree no longer says what
   * stands, so lastApplied leaves it out.
   */
  readonly touched?: { readonly aws?: true; readonly k8s?: true };
  /** Order of indexing: breaks ties between equal finish times. */
  readonly order: number;
  /** Quiet passes folded into this entry since it was written. */
  checks?: FoldedChecks;
}

/** A `repair` record as the readers show it. */
export interface RepairSummary {
  readonly env: string;
  readonly seq: number;
  readonly kind: RepairRecord['kind'];
  readonly at: string;
  readonly by: string;
  readonly reason: string;
  readonly cut?: CutRecords;
}

interface EnvIndex {
  /** Records at or above this seq are past a break: shown, never trusted. */
  breakSeq: number;
  breakReason: string;
  readonly entries: IndexedEntry[];
  readonly repairs: RepairSummary[];
  lastCheckedAt: string | null;
  /** Set by a trusted `suspend` record, cleared by a trusted `resume`. */
  suspended: Suspension | null;
  readonly controls: ControlSummary[];
}

/**
 * The in-memory index of the chains, built by one read at open and kept up to date by each append:
 * per environment the entries in order (locations only, so memory stays small with many
 * thousands), starts that have no end yet, folded quiet passes, repairs, and where its chain broke.
 * Nothing past a break decides what is applied or which starts were interrupted.
 */
export class AuditIndex {
  private readonly byId = new Map<string, IndexedEntry>();
  private readonly open = new Map<string, { readonly seq: number; readonly record: StartRecord }>();
  private readonly envs = new Map<string, EnvIndex>();
  private added = 0;

  /** Takes one record of `env`'s chain (in chain order) into the index. */
  add(record: AuditRecord, at: LinePosition): void {
    const env = this.env(record.env);
    switch (record.type) {
      case 'start':
        this.open.set(record.id, { seq: record.seq, record });
        return;
      case 'check': {
        this.open.delete(record.id);
        if (record.seq >= env.breakSeq) return;
        env.lastCheckedAt = record.at;
        const last = env.entries.findLast((e) => e.seq < env.breakSeq);
        if (last) {
          const count = (last.checks?.count ?? 0) + 1;
          last.checks = { count, firstAt: last.checks?.firstAt ?? record.at, lastAt: record.at };
        }
        return;
      }
      case 'repair':
        // As the chain checker: a repair ends the turn of whatever entry was open (its end was cut).
        for (const [id, start] of this.open) if (start.record.env === record.env) this.open.delete(id);
        env.repairs.push({
          env: record.env,
          seq: record.seq,
          kind: record.kind,
          at: record.at,
          by: record.by,
          reason: record.reason,
          ...(record.cut ? { cut: record.cut } : {}),
        });
        return;
      case 'control': {
        const { seq, action, at, by, reason, entry, sha, url } = record;
        const untrusted = seq >= env.breakSeq;
        env.controls.push({
          env: record.env,
          seq,
          action,
          at,
          by,
          reason,
          ...(entry !== undefined ? { entry } : {}),
          ...(sha !== undefined ? { sha } : {}),
          ...(url !== undefined ? { url } : {}),
          ...(untrusted ? { untrusted } : {}),
        });
        // Past a break nothing decides anything: a forged `resume` must not lift a suspension.
        if (untrusted) return;
        // Only a suspend or a resume changes a suspension (a promotion, a wait or a revert does not).
        if (action === 'suspend') env.suspended = { by, reason, since: at };
        else if (action === 'resume') env.suspended = null;
        return;
      }
      case 'end': {
        const { entry } = record;
        this.open.delete(entry.id);
        const indexed: IndexedEntry = {
          id: entry.id,
          env: record.env,
          seq: record.seq,
          at,
          finishedAt: entry.finishedAt,
          outcome: entry.outcome,
          toSha: entry.toSha,
          ...(entry.applied ? { applied: entry.applied } : {}),
          ...touchedBy(entry),
          order: (this.added += 1),
        };
        env.entries.push(indexed);
        // A forged record may reuse a real id: the trusted one keeps it.
        if (!this.byId.has(entry.id)) this.byId.set(entry.id, indexed);
        if (record.seq < env.breakSeq) env.lastCheckedAt = entry.finishedAt;
      }
    }
  }

  /**
   * Marks `env`'s records from `seq` on as past a break (they stay listed, never trusted). Called
   * before that chain's records are added, so that nothing past the break is folded or applied.
   */
  distrust(env: string, seq: number, reason: string): void {
    const index = this.env(env);
    if (seq >= index.breakSeq) return;
    index.breakSeq = seq;
    index.breakReason = reason;
  }

  /** Forgets a break once a repair cut everything past it. */
  forget(env: string, fromSeq: number): void {
    const index = this.env(env);
    const kept = index.entries.filter((e) => e.seq < fromSeq);
    for (const gone of index.entries.filter((e) => e.seq >= fromSeq)) {
      if (this.byId.get(gone.id) === gone) this.byId.delete(gone.id);
    }
    index.entries.splice(0, index.entries.length, ...kept);
    for (const [id, start] of this.open)
      if (start.record.env === env && start.seq >= fromSeq) this.open.delete(id);
    index.breakSeq = Number.POSITIVE_INFINITY;
    index.breakReason = '';
  }

  /** Why this record is not trusted, or undefined when it is. */
  untrusted(env: string, seq: number): string | undefined {
    const index = this.envs.get(env);
    return index && seq >= index.breakSeq
      ? `past a break in the ${env} chain at record ${index.breakSeq}: ${index.breakReason}`
      : undefined;
  }

  /** Trusted starts with no end, oldest first: reconciles a dead process left unfinished. */
  unfinished(): readonly StartRecord[] {
    return [...this.open.values()]
      .filter((s) => s.seq < this.env(s.record.env).breakSeq)
      .map((s) => s.record);
  }

  /** The id of `env`'s newest start without an end; null when none is open. */
  openIn(env: string): string | null {
    let found: { readonly seq: number; readonly record: StartRecord } | undefined;
    for (const start of this.open.values())
      if (start.record.env === env && (!found || start.seq > found.seq)) found = start;
    return found?.record.id ?? null;
  }

  /** Whether a start with this id is waiting for its end. */
  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  /** Entries newest first (by finish time across environments), optionally of one environment, at most `limit`. */
  newest(filter: {
    readonly env?: string;
    readonly limit?: number;
    readonly offset?: number;
  }): readonly IndexedEntry[] {
    const offset = filter.offset ?? 0;
    const end = offset + (filter.limit ?? Number.POSITIVE_INFINITY);
    if (filter.env !== undefined) {
      // Newest first without copying the whole chain: only the page is taken.
      const entries = this.envs.get(filter.env)?.entries ?? [];
      const from = Math.max(0, entries.length - end);
      const to = Math.max(0, entries.length - offset);
      return entries.slice(from, to).reverse();
    }
    const all = [...this.envs.values()].flatMap((e) => e.entries);
    const time = (e: IndexedEntry) => String(e.finishedAt ?? '');
    return all.sort((a, b) => time(b).localeCompare(time(a)) || b.order - a.order).slice(offset, end);
  }

  /** How many entries `env` has: what `newest({ env })` pages through. */
  count(env: string): number {
    return this.envs.get(env)?.entries.length ?? 0;
  }

  /** The entry with this id, or the only one whose id starts with it; `ambiguous` when several do. */
  find(idOrPrefix: string): IndexedEntry | 'ambiguous' | undefined {
    const exact = this.byId.get(idOrPrefix);
    if (exact || idOrPrefix.length === 0) return exact;
    let match: IndexedEntry | undefined;
    for (const entry of this.byId.values()) {
      if (!entry.id.startsWith(idOrPrefix)) continue;
      if (match) return 'ambiguous';
      match = entry;
    }
    return match;
  }

  /**
   * What the newest trusted entries of `env` say is applied: the sha of the newest succeeded (or
   * no-op) entry and, per half, the tree of the newest entry that recorded it; null without any.
   */
  lastApplied(env: string): LastApplied | null {
    const index = this.envs.get(env);
    const trusted = index?.entries.filter((e) => e.seq < index.breakSeq) ?? [];
    if (trusted.length === 0) return null;
    let sha: string | null | undefined;
    let awsTree: string | null | undefined;
    let k8sTree: string | null | undefined;
    for (let i = trusted.length - 1; i >= 0; i -= 1) {
      const e = trusted[i]!;
      if (sha === undefined && (e.outcome === 'succeeded' || e.outcome === 'no-op')) sha = e.toSha;
      // A half a newer failed entry changed stands at no recorded tree: the next reconcile applies it
      // even when its tree is the last good one (a revert of the failed commit).
      if (awsTree === undefined && e.applied && 'aws' in e.applied) awsTree = e.applied.aws ?? null;
      else if (awsTree === undefined && e.touched?.aws) awsTree = DIRTY;
      if (k8sTree === undefined && e.applied && 'k8s' in e.applied) k8sTree = e.applied.k8s ?? null;
      else if (k8sTree === undefined && e.touched?.k8s) k8sTree = DIRTY;
      if (sha !== undefined && awsTree !== undefined && k8sTree !== undefined) break;
    }
    return {
      sha: sha ?? null,
      ...(awsTree === undefined || awsTree === DIRTY ? {} : { awsTree }),
      ...(k8sTree === undefined || k8sTree === DIRTY ? {} : { k8sTree }),
    };
  }

  /** When `env` was last looked at by a trusted reconcile or quiet pass; null when never. */
  lastChecked(env: string): string | null {
    return this.envs.get(env)?.lastCheckedAt ?? null;
  }

  /** Whether `env` is suspended by its trusted records, and by whom, why and since when. */
  suspension(env: string): Suspension | null {
    return this.envs.get(env)?.suspended ?? null;
  }

  /** The head the newest trusted `promote` record of `env` let through its gate; null when none. */
  promoted(env: string): string | null {
    const controls = this.envs.get(env)?.controls ?? [];
    for (let i = controls.length - 1; i >= 0; i--) {
      const c = controls[i]!;
      if (c.action === 'promote' && !c.untrusted) return c.sha ?? null;
    }
    return null;
  }

  /** Suspends and resumes of `env`, oldest first. */
  controls(env: string): readonly ControlSummary[] {
    return this.envs.get(env)?.controls ?? [];
  }

  /** Repairs of `env` (or every environment), oldest first. */
  repairs(env?: string): readonly RepairSummary[] {
    const of =
      env === undefined ? [...this.envs.values()] : [this.envs.get(env)].filter((e) => e !== undefined);
    return of.flatMap((e) => e.repairs);
  }

  private env(name: string): EnvIndex {
    let index = this.envs.get(name);
    if (!index) {
      index = {
        breakSeq: Number.POSITIVE_INFINITY,
        breakReason: '',
        entries: [],
        repairs: [],
        lastCheckedAt: null,
        suspended: null,
        controls: [],
      };
      this.envs.set(name, index);
    }
    return index;
  }
}

/** Marks, in lastApplied's walk, a half a failed entry changed (never a tree hash). */
const DIRTY = '(changed by a failed reconcile)';

/**
 * The halves a failed entry changed something of (created, configured or deleted), or may have
 * (its AWS half failed), for `IndexedEntry.touched`; both of an interrupted one.
 */
function touchedBy(entry: EndRecord['entry']): { touched?: { aws?: true; k8s?: true } } {
  // An interrupted entry lists no changes, but its process may have sent any before it died: found
  // in review (`test/e2e/aws-kill-points.e2e.test.ts`), a sync killed once its ExecuteChangeSet was
  // answered left that release standing, and a revert to the release before was then skipped as
  // "unchanged since last apply" (recorded as a no-op that applied it) while the other stood.
  if (entry.outcome === 'interrupted') return { touched: { aws: true, k8s: true } };
  if (entry.outcome !== 'failed') return {};
  const changed = (entry.changes ?? []).filter((c) => c.action !== 'unchanged' && c.action !== 'skipped');
  // A stack that failed is recorded `skipped` whatever CloudFormation was sent: found in review (the
  // same test), a release whose wait gave up (aws.wait-timeout) after its ExecuteChangeSet went on
  // to UPDATE_COMPLETE, and its revert was skipped the same way. A failure of the AWS half touches it.
  const aws = changed.some((c) => c.target === 'aws') || entry.failure?.phase === 'apply-aws';
  const k8s = changed.some((c) => c.target === 'kubernetes');
  if (!aws && !k8s) return {};
  return { touched: { ...(aws ? { aws: true as const } : {}), ...(k8s ? { k8s: true as const } : {}) } };
}
