import type { AuditRecord, LastApplied } from './types';

/** Where one record's bytes are. */
export interface RecordLocation {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** An `end` record in the index: enough to filter and to read it back. */
export interface IndexedEntry {
  readonly id: string;
  readonly env: string;
  readonly seq: number;
  readonly at: RecordLocation;
}

type StartRecord = Extract<AuditRecord, { type: 'start' }>;

interface EnvState {
  sha: string | null;
  awsTree?: string | null;
  k8sTree?: string | null;
}

/**
 * The in-memory index of a log, built by one scan at open and kept up to date by each append: the
 * entries in order (locations only, so memory stays small with many thousands), starts that have no
 * end yet, and per environment what was last applied.
 */
export class AuditIndex {
  private readonly entries: IndexedEntry[] = [];
  private readonly byId = new Map<string, IndexedEntry>();
  private readonly open = new Map<string, StartRecord>();
  private readonly envs = new Map<string, EnvState>();

  /** Takes one record (in chain order) into the index. */
  add(record: AuditRecord, at: RecordLocation): void {
    if (record.type === 'start') {
      this.open.set(record.id, record);
      return;
    }
    const { entry } = record;
    this.open.delete(entry.id);
    const indexed: IndexedEntry = { id: entry.id, env: entry.env, seq: record.seq, at };
    this.entries.push(indexed);
    this.byId.set(entry.id, indexed);
    const state = this.envs.get(entry.env) ?? { sha: null };
    if (entry.outcome === 'succeeded' || entry.outcome === 'no-op') state.sha = entry.toSha;
    if (entry.applied && 'aws' in entry.applied) state.awsTree = entry.applied.aws ?? null;
    if (entry.applied && 'k8s' in entry.applied) state.k8sTree = entry.applied.k8s ?? null;
    this.envs.set(entry.env, state);
  }

  /** Starts with no end, oldest first: reconciles a dead process left unfinished. */
  unfinished(): readonly StartRecord[] {
    return [...this.open.values()];
  }

  /** Whether a start with this id is waiting for its end. */
  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  /** Entries newest first, optionally of one environment, at most `limit`. */
  newest(filter: { readonly env?: string; readonly limit?: number }): readonly IndexedEntry[] {
    const limit = filter.limit ?? Number.POSITIVE_INFINITY;
    const found: IndexedEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && found.length < limit; i -= 1) {
      const entry = this.entries[i]!;
      if (filter.env === undefined || entry.env === filter.env) found.push(entry);
    }
    return found;
  }

  /** The entry with this id, or the only one whose id starts with it; `ambiguous` when several do. */
  find(idOrPrefix: string): IndexedEntry | 'ambiguous' | undefined {
    const exact = this.byId.get(idOrPrefix);
    if (exact || idOrPrefix.length === 0) return exact;
    let match: IndexedEntry | undefined;
    for (const entry of this.entries) {
      if (!entry.id.startsWith(idOrPrefix)) continue;
      if (match) return 'ambiguous';
      match = entry;
    }
    return match;
  }

  /** What the newest entries of `env` say is applied; null when `env` has no entry. */
  lastApplied(env: string): LastApplied | null {
    const state = this.envs.get(env);
    return state ? { ...state } : null;
  }
}
