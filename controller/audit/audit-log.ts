import { randomUUID } from 'node:crypto';
import type { AuditConfig } from '../config/types';
import { CairnError, isCairnError } from '../model/errors';
import type { Log } from '../log';
import type { AuditReader, WriteFence } from '../model';
import { mapLimit } from '../model/map-limit';
import { openAuditBackend, type AuditBackend } from './audit-backend';
import { AuditChains, type AppendRetry, type CheckedChain } from './audit-chains';
import { AuditIndex, type ControlSummary, type IndexedEntry, type RepairSummary } from './audit-index';
import type { ChainReport } from './chain-check';
import { checkEnvName } from './chain-store';
import { isQuietPass } from './quiet-pass';
import { decodeRecord, type UnchainedRecord } from './record-codec';
import { breakRepair, defaultActor } from './repair-records';
import type {
  AuditEntry,
  ControlAction,
  ControlDetails,
  LastApplied,
  ListedEntry,
  Suspension,
  Trigger,
} from './types';

/** What a `start` record holds: written before anything of the reconcile is applied. */
export interface StartInput {
  /** Defaults to a random UUID. */
  readonly id?: string;
  readonly env: string;
  readonly trigger: Trigger;
  readonly fromSha: string | null;
  readonly toSha: string;
  /** ISO 8601; defaults to now. */
  readonly startedAt?: string;
  readonly author?: string;
  readonly message?: string;
  readonly committedAt?: string;
}

/** Whether the trail can take appends; when not, why (the controller is then not ready). */
export type AuditHealth = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/** Tuning and injections; defaults suit a production controller. */
export interface AuditLogOptions {
  readonly now?: () => Date;
  /** JSONL: a new file is started once the current one reaches this size. Default 64 MiB. */
  readonly rotateBytes?: number;
  /**
   * A store whose appends are atomic (DynamoDB): how often a failed append is tried again, with
   * backoff from `baseMs` doubling up to `maxMs`, before the chain is reported unwritable.
   * Default 6 retries, 250 ms to 5 s (about 14 s in all).
   */
  readonly appendRetry?: AppendRetry;
  /**
   * Only these environments' chains are read and checked (a one-shot command's own environment):
   * opening then costs what those chains hold, not the whole history of every environment in the
   * ledger. Naming another environment throws; what takes no environment (`list` of all,
   * `get`, `reports`, `health`, `interrupted()`) sees these chains only. Default: every chain.
   */
  readonly envs?: readonly string[];
}

/** Chains read at once when a log opens: a round trip each on DynamoDB, a few files each on disk. */
const CHAINS_READ_AT_ONCE = 8;

/**
 * The audit trail: one hash chain per environment over a `ChainStore` (JSONL files or DynamoDB),
 * each record keyed with HMAC and each head witnessed outside the store. Open checks every chain;
 * a broken chain stays readable (records past the break are marked untrusted and never decide
 * what is applied) but takes no appends until `repair` records the break and resumes it.
 */
export class AuditLog implements AuditReader {
  private readonly index = new AuditIndex();
  private readonly chains: AuditChains;

  private constructor(
    private readonly backend: AuditBackend,
    private readonly writable: boolean,
    log: Log | undefined,
    private readonly now: () => Date,
    appendRetry: AppendRetry | undefined,
    /** AuditLogOptions.envs; undefined: every chain. */
    private readonly scope: ReadonlySet<string> | undefined = undefined,
  ) {
    this.chains = new AuditChains(backend, this.index, log, now, appendRetry);
  }

  /** Opens the trail for writing: takes the lock (JSONL), checks and indexes every chain (or those of `options.envs`), repairs torn tails. */
  static async open(config: AuditConfig, log?: Log, options: AuditLogOptions = {}): Promise<AuditLog> {
    return AuditLog.over(await openAuditBackend(config, true, log, options), true, log, options);
  }

  /** A read-only view as it is now, for `cairn audit list|show|verify`; it takes no lock. */
  static async reader(config: AuditConfig, options: AuditLogOptions = {}): Promise<AuditLog> {
    return AuditLog.over(
      await openAuditBackend(config, false, undefined, options),
      false,
      undefined,
      options,
    );
  }

  /** A trail over an opened backend (tests and `migrate` pass their own). */
  static async over(
    backend: AuditBackend,
    writable: boolean,
    log?: Log,
    options: AuditLogOptions = {},
  ): Promise<AuditLog> {
    const audit = new AuditLog(
      backend,
      writable,
      log,
      options.now ?? (() => new Date()),
      options.appendRetry,
      options.envs && new Set(options.envs),
    );
    try {
      const envs = (await backend.store.envs()).filter((env) => audit.scope?.has(env) ?? true);
      // Chains are read and checked a few at a time (a DynamoDB ledger answers each over the
      // network) but indexed in the store's order, each as soon as those before it are: the index
      // is the one a read in turn builds, and no checked chain waits long in memory.
      const waiting = new Map<number, CheckedChain>();
      let next = 0;
      await mapLimit([...envs.keys()], CHAINS_READ_AT_ONCE, async (i) => {
        waiting.set(i, await audit.chains.read(envs[i]!, writable));
        for (let ready = waiting.get(next); ready; ready = waiting.get(next)) {
          waiting.delete(next++);
          audit.chains.adopt(ready);
        }
      });
      if (writable) await audit.chains.settle();
      return audit;
    } catch (error) {
      await backend.store.close().catch(() => undefined);
      await backend.lock?.release();
      throw error;
    }
  }

  /**
   * Appends (and makes durable) the `start` record; returns the entry id. With `fence` (the
   * reconcile's write fence), the store checks it right before the record is written (on DynamoDB,
   * before each attempt of the request): a replica that lost its Lease writes no start, so it leaves
   * no open entry and its reconcile, begun on what the ledger said before its pause, never records
   * anything after its successor's entries.
   */
  async start(input: StartInput, fence?: WriteFence): Promise<string> {
    const id = input.id ?? randomUUID();
    const { id: _id, startedAt, ...rest } = input;
    await this.append(
      input.env,
      { type: 'start', id, ...rest, startedAt: startedAt ?? this.now().toISOString() },
      false,
      fence,
    );
    return id;
  }

  /** Appends the `end` record, or a small `check` record for a pass that changed nothing (see `isQuietPass`). */
  async end(entry: AuditEntry): Promise<void> {
    if (isQuietPass(entry)) {
      await this.append(entry.env, {
        type: 'check',
        env: entry.env,
        id: entry.id,
        trigger: entry.trigger,
        sha: entry.toSha,
        at: entry.finishedAt,
      });
      return;
    }
    await this.append(entry.env, { type: 'end', env: entry.env, entry });
  }

  /**
   * On start-up: every trusted `start` without an `end` is a reconcile the previous process died
   * in. Each gets an `end` with outcome `interrupted` (no `applied`, so nothing counts as applied);
   * the caller reconciles those environments again. Broken chains are left for `repair`. With
   * `env`, only that chain: a replica sharing the ledger closes only what it holds the Lease of.
   */
  async interrupted(env?: string): Promise<readonly AuditEntry[]> {
    this.requireWritable();
    if (env !== undefined) this.requireRead(env);
    const closed: AuditEntry[] = [];
    for (const start of this.index.unfinished()) {
      if (env !== undefined && start.env !== env) continue;
      if (this.chains.get(start.env)?.broken) continue;
      const entry: AuditEntry = {
        id: start.id,
        env: start.env,
        trigger: start.trigger,
        fromSha: start.fromSha,
        toSha: start.toSha,
        author: start.author ?? '',
        message: start.message ?? '',
        committedAt: start.committedAt ?? '',
        startedAt: start.startedAt,
        finishedAt: this.now().toISOString(),
        outcome: 'interrupted',
        phases: [],
        changes: [],
        // The end record was never written; which phase the process died in is not known.
        failure: {
          code: 'reconcile.interrupted',
          phase: 'record',
          retryable: true,
          message: 'the controller stopped before this reconcile finished; it is reconciled again',
        },
      };
      try {
        await this.end(entry);
      } catch (error) {
        // Its own writer ended it meanwhile (a shared ledger): nothing was interrupted.
        if (isCairnError(error) && error.code === 'audit.not-open') continue;
        throw error;
      }
      closed.push(entry);
    }
    return closed;
  }

  /**
   * Reads and checks what other writers appended to `env`'s chain (a shared ledger) since this
   * process last looked, so that what is applied, and any open start, is current: a replica calls
   * it when it takes over an environment.
   */
  async refresh(env: string): Promise<void> {
    checkEnvName(env);
    this.requireRead(env);
    await this.chains.refresh(env);
  }

  /**
   * Finished entries, newest first, with folded quiet passes and, past a break, why they are
   * untrusted. `offset` newest entries are skipped in the index, before any record is read: a page
   * costs its own records only. With `maxBytes`, the page ends before the record that would take
   * it past that many bytes (sizes are the index's, known before a read; the first record is always
   * read), so what one page holds is bounded however large a commit made its entries.
   */
  async list(
    filter: {
      readonly env?: string;
      readonly limit?: number;
      readonly offset?: number;
      readonly maxBytes?: number;
    } = {},
  ): Promise<readonly ListedEntry[]> {
    if (filter.env !== undefined) this.requireRead(filter.env);
    const found: ListedEntry[] = [];
    let bytes = 0;
    for (const indexed of this.index.newest(filter)) {
      bytes += indexed.at.length;
      if (found.length > 0 && filter.maxBytes !== undefined && bytes > filter.maxBytes) break;
      found.push(await this.read(indexed));
    }
    return found;
  }

  /** How many finished entries `env` has, from the index (no record is read): see AuditReader. */
  count(env: string): number {
    this.requireRead(env);
    return this.index.count(env);
  }

  /** The entry with this id (or unique id prefix); undefined when there is none. */
  async get(id: string): Promise<ListedEntry | undefined> {
    const found = this.index.find(id);
    if (found === 'ambiguous') {
      throw new CairnError(`more than one audit entry id starts with "${id}"`, {
        code: 'audit.ambiguous-id',
        subject: id,
        hint: 'give more characters of the id',
      });
    }
    return found ? this.read(found) : undefined;
  }

  /** What is applied in `env` according to its trusted records: see `LastApplied`. */
  async lastApplied(env: string): Promise<LastApplied | null> {
    this.requireRead(env);
    return this.index.lastApplied(env);
  }

  /** When `env` was last reconciled or checked by a quiet pass (ISO 8601); null when never. */
  lastChecked(env: string): string | null {
    this.requireRead(env);
    return this.index.lastChecked(env);
  }

  /**
   * Records that `by` suspended, resumed or promoted `env` (and why), or that a promotion gate holds
   * its head `sha` back: a `control` record in its chain, so that every replica reading the ledger obeys it. Returns the suspension now in force (null once resumed).
   * With `fence`, what a replica records about its own work (a held head, a revert it pushed) is
   * checked against its Lease right before it is written, as the `start` record is: a replica
   * thawed past its Lease appends nothing after its successor's records. A person's suspend,
   * resume or promote carries none: any replica may record it.
   */
  async control(
    env: string,
    action: ControlAction,
    by: string,
    reason: string,
    details?: ControlDetails,
    fence?: WriteFence,
  ): Promise<Suspension | null> {
    const at = this.now().toISOString();
    await this.append(env, { type: 'control', env, action, at, by, reason, ...details }, false, fence);
    return this.index.suspension(env);
  }

  /** The suspension of `env` its trusted records show; null when it is not suspended. */
  suspension(env: string): Suspension | null {
    this.requireRead(env);
    return this.index.suspension(env);
  }

  /** The head the newest trusted `promote` record of `env` let through its promotion gate; null when none. */
  promoted(env: string): string | null {
    this.requireRead(env);
    return this.index.promoted(env);
  }

  /** The control records (suspends, resumes, promotions, waits) of `env`'s chain, oldest first. */
  controls(env: string): readonly ControlSummary[] {
    this.requireRead(env);
    return this.index.controls(env);
  }

  /** Repairs recorded in the chains (cut torn tails and repaired breaks), oldest first. */
  repairs(env?: string): readonly RepairSummary[] {
    if (env !== undefined) this.requireRead(env);
    return this.index.repairs(env);
  }

  /** Each chain as checked at open (and since): records, head, witness, first break, torn tail. */
  reports(): readonly ChainReport[] {
    return [...this.chains.all().values()].map((c) => ({ ...c.report, firstBreak: c.broken }));
  }

  /**
   * Ready unless a chain is broken or a write failed: then appends are refused and the reason says
   * why. With `envs` (the config's environments), only their chains count: a chain of an environment
   * no longer configured takes no appends anyway, so its break is reported (`cairn audit verify`,
   * the start-up warning of `removedEnvironments`), not a reason to take the replica out of service.
   */
  health(envs?: readonly string[]): AuditHealth {
    const counted = [...this.chains.all()].filter(([env]) => !envs || envs.includes(env));
    const problems = counted.flatMap(([env, chain]) => [
      ...(chain.broken
        ? [
            `audit chain ${env} is broken at record ${chain.broken.seq} (${chain.broken.reason}); run \`cairn audit repair --env ${env}\``,
          ]
        : []),
      // The storage error itself (paths, a DynamoDB ARN naming the account and role) went to the
      // caller and its log; /readyz, open to anyone, only says which chain and what to do.
      ...(chain.failed
        ? [
            `audit chain ${env} cannot be written since an append failed (the controller log has the error); fix the storage and restart cairn`,
          ]
        : []),
    ]);
    return problems.length === 0 ? { ready: true } : { ready: false, reason: problems.join('; ') };
  }

  /**
   * Repairs `env`'s broken chain: moves every line from the break on into a quarantine (kept for
   * evidence), then appends a `repair` record saying who, when, why and what was cut, chained onto
   * the last trusted record; the chain takes appends again. Null when the chain is not broken.
   */
  async repair(env: string, by: string = defaultActor()): Promise<RepairSummary | null> {
    this.requireWritable();
    this.requireRead(env);
    const chain = this.chains.get(env);
    if (!chain?.broken) return null;
    const broken = chain.broken;
    const cut = broken.cutFrom ? await this.backend.store.cut(env, broken.cutFrom) : undefined;
    this.index.forget(env, broken.seq);
    await this.append(env, breakRepair(env, broken, cut, chain.witness, this.now().toISOString(), by), true);
    this.chains.resume(env);
    return this.index.repairs(env).at(-1) ?? null;
  }

  /** Waits for pending appends, closes the store and releases the lock. */
  async close(): Promise<void> {
    await this.chains.drain();
    await this.backend.store.close();
    await this.backend.lock?.release();
  }

  /** Appends one record to `env`'s chain (see AuditChains.append), once this log may write it. */
  private append(env: string, record: UnchainedRecord, repairing = false, fence?: WriteFence): Promise<void> {
    this.requireWritable();
    checkEnvName(env);
    this.requireRead(env);
    return this.chains.append(env, record, repairing, fence);
  }

  private requireWritable(): void {
    if (this.writable) return;
    throw new CairnError('this audit log was opened read-only', {
      code: 'audit.read-only',
      phase: 'record',
      subject: this.backend.store.location,
      hint: 'open it with AuditLog.open to write',
    });
  }

  /**
   * Refuses an environment whose chain this log did not read (AuditLogOptions.envs): answered from
   * an unread chain, "never applied" or "not suspended" would be a guess, and an append would
   * start a chain over one that exists.
   */
  private requireRead(env: string): void {
    if (!this.scope || this.scope.has(env)) return;
    throw new CairnError(
      `the audit log was opened for ${[...this.scope].join(', ')} only; ${env}'s chain was not read`,
      { code: 'audit.not-read', phase: 'record', subject: `audit chain ${env}` },
    );
  }

  private async read(indexed: IndexedEntry): Promise<ListedEntry> {
    const decoded = decodeRecord(await this.backend.store.readAt(indexed.env, indexed.at), this.backend.key);
    if (!decoded.ok || decoded.record.type !== 'end') {
      throw new CairnError(`the audit record ${indexed.env}#${indexed.seq} changed since it was indexed`, {
        code: 'audit.corrupt',
        subject: indexed.at.file,
        hint: 'run `cairn audit verify` to find the first bad record',
      });
    }
    const untrusted = this.index.untrusted(indexed.env, indexed.seq);
    return {
      ...decoded.record.entry,
      ...(indexed.checks ? { checks: indexed.checks } : {}),
      ...(untrusted ? { untrusted } : {}),
    };
  }
}
