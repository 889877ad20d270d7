import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import type { AuditConfig } from '../config/types';
import { CairnError, errorMessage, isCairnError } from '../model/errors';
import type { Log } from '../log';
import { fenceGate, type AuditReader, type WriteFence } from '../model';
import { mapLimit } from '../model/map-limit';
import { AuditIndex, type ControlSummary, type IndexedEntry, type RepairSummary } from './audit-index';
import { acquireAuditLock, type AuditLock } from './audit-lock';
import {
  ChainChecker,
  EMPTY_HEAD,
  type ChainBreak,
  type ChainReport,
  type CheckedRecord,
} from './chain-check';
import { loadChainKey, type ChainKey } from './chain-key';
import { ChainConflict, checkEnvName, type ChainHead, type ChainStore, type CutResult } from './chain-store';
import type * as DynamoDb from './dynamodb-store';
import { FileWitness } from './file-witness';
import { JsonlStore } from './jsonl-store';
import { isQuietPass } from './quiet-pass';
import { decodeRecord, encodeRecord, type UnchainedRecord } from './record-codec';
import { scrubRecord } from './secret-guard';
import type {
  AuditEntry,
  AuditRecord,
  ControlAction,
  ControlDetails,
  CutRecords,
  LastApplied,
  ListedEntry,
  Suspension,
  Trigger,
} from './types';

/**
 * A repair record's account of what the store cut, from the seq its first line had: the store's
 * answer copied field by field, so the hashed record holds these fields only, in this order.
 */
function cutRecords(fromSeq: number, cut: CutResult): CutRecords {
  return { fromSeq, lines: cut.lines, bytes: cut.bytes, sha256: cut.sha256, quarantine: cut.quarantine };
}

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

/** An opened store, its key, and the lock that makes this process its only writer (JSONL). */
export interface AuditBackend {
  readonly store: ChainStore;
  readonly key: ChainKey;
  readonly lock?: AuditLock;
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
  readonly appendRetry?: { readonly retries: number; readonly baseMs: number; readonly maxMs: number };
  /**
   * Only these environments' chains are read and checked (a one-shot command's own environment):
   * opening then costs what those chains hold, not the whole history of every environment in the
   * ledger. Naming another environment throws; what takes no environment (`list` of all,
   * `get`, `reports`, `health`, `interrupted()`) sees these chains only. Default: every chain.
   */
  readonly envs?: readonly string[];
}

const DEFAULT_APPEND_RETRY = { retries: 6, baseMs: 250, maxMs: 5000 };
/** Chains read at once when a log opens: a round trip each on DynamoDB, a few files each on disk. */
const CHAINS_READ_AT_ONCE = 8;

/** One chain as read from the store and checked, before it is indexed. */
interface CheckedChain {
  readonly env: string;
  readonly records: readonly CheckedRecord[];
  readonly report: ChainReport;
}

interface ChainState {
  head: ChainHead;
  witness: ChainHead | null;
  report: ChainReport;
  broken: ChainBreak | null;
  failed: string | null;
  /**
   * The last append failed even after its retries (an atomic store): why, and since when; cleared
   * by the next append that lands. Not a readiness problem of the trail: the controller releases
   * the environment and reports that (a sharded replica gives the environment up, and must not
   * stay unready for a chain it no longer writes).
   */
  unwritable: { readonly reason: string; readonly since: string } | null;
  queue: Promise<unknown>;
}

/** Appends a writer retries after losing a race on a shared chain before it gives up and says so. */
const CONFLICT_RETRIES = 25;

/** The store and key `config` describes; `write` also takes the JSONL writer lock. */
export async function openAuditBackend(
  config: AuditConfig,
  write: boolean,
  log?: Log,
  options: AuditLogOptions = {},
): Promise<AuditBackend> {
  const key = loadChainKey(config);
  if (config.backend === 'dynamodb') {
    if (!config.dynamodb)
      throw new CairnError('audit.dynamodb is missing', {
        code: 'config.invalid',
        subject: 'audit.dynamodb',
      });
    // Required here: the AWS SDK's DynamoDB client costs every file-ledger command its load time.
    const { DynamoDbStore } = require('./dynamodb-store') as typeof DynamoDb;
    return { store: new DynamoDbStore(config.dynamodb), key };
  }
  if (write) await mkdir(config.dir, { recursive: true, mode: 0o750 });
  const lock = write ? await acquireAuditLock(config.dir, log) : undefined;
  return {
    store: new JsonlStore(config.dir, new FileWitness(config.witnessDir), options.rotateBytes),
    key,
    ...(lock ? { lock } : {}),
  };
}

/**
 * The audit trail: one hash chain per environment over a `ChainStore` (JSONL files or DynamoDB),
 * each record keyed with HMAC and each head witnessed outside the store. Open checks every chain;
 * a broken chain stays readable (records past the break are marked untrusted and never decide
 * what is applied) but takes no appends until `repair` records the break and resumes it.
 */
export class AuditLog implements AuditReader {
  private readonly chains = new Map<string, ChainState>();
  private readonly index = new AuditIndex();

  private constructor(
    private readonly backend: AuditBackend,
    private readonly writable: boolean,
    private readonly log: Log | undefined,
    private readonly now: () => Date,
    private readonly appendRetry: NonNullable<AuditLogOptions['appendRetry']> = DEFAULT_APPEND_RETRY,
    /** AuditLogOptions.envs; undefined: every chain. */
    private readonly scope: ReadonlySet<string> | undefined = undefined,
  ) {}

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
        waiting.set(i, await audit.check(envs[i]!));
        for (let ready = waiting.get(next); ready; ready = waiting.get(next)) {
          waiting.delete(next++);
          audit.adopt(ready);
        }
      });
      if (writable) await audit.settle();
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
    const chain = this.chains.get(env) ?? this.newChain(env);
    const next = chain.queue.then(() => this.catchUp(env, chain));
    chain.queue = next.catch(() => undefined);
    await next;
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
   */
  async control(
    env: string,
    action: ControlAction,
    by: string,
    reason: string,
    details?: ControlDetails,
  ): Promise<Suspension | null> {
    const at = this.now().toISOString();
    await this.append(env, { type: 'control', env, action, at, by, reason, ...details });
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
    return [...this.chains.values()].map((c) => ({ ...c.report, firstBreak: c.broken }));
  }

  /**
   * Ready unless a chain is broken or a write failed: then appends are refused and the reason says
   * why. With `envs` (the config's environments), only their chains count: a chain of an environment
   * no longer configured takes no appends anyway, so its break is reported (`cairn audit verify`,
   * the start-up warning of `removedEnvironments`), not a reason to take the replica out of service.
   */
  health(envs?: readonly string[]): AuditHealth {
    const counted = [...this.chains.entries()].filter(([env]) => !envs || envs.includes(env));
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
    await this.append(
      env,
      {
        type: 'repair',
        env,
        kind: 'break',
        at: this.now().toISOString(),
        by,
        reason: `${broken.reason} (at ${broken.file}:${broken.line})`,
        ...(cut ? { cut: cutRecords(broken.seq, cut) } : {}),
        witnessed: chain.witness,
      },
      true,
    );
    chain.broken = null;
    return this.index.repairs(env).at(-1) ?? null;
  }

  /** Waits for pending appends, closes the store and releases the lock. */
  async close(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.queue));
    await this.backend.store.close();
    await this.backend.lock?.release();
  }

  /** Reads and checks one chain from the store (see `adopt`). */
  private async check(env: string): Promise<CheckedChain> {
    // The witness first: a record is stored no later than its head moves, so every record up to
    // the witnessed head is there when the lines are read. A writer reads no further, so that a
    // record another writer adds meanwhile is not taken for one past the witness; a reader
    // (verify) reads every stored line, so that a record planted past the head is reported.
    const witness = await this.backend.store.witness(env);
    const checker = new ChainChecker(env, this.backend.key);
    const records: CheckedRecord[] = [];
    const upto = this.writable ? witness?.seq : undefined;
    for await (const line of this.backend.store.lines(env, 0, upto)) {
      const checked = checker.push(line);
      if (checked) records.push(checked);
    }
    return { env, records, report: checker.finish(witness) };
  }

  /** Indexes a checked chain and keeps its state: records past a break are indexed as untrusted. */
  private adopt({ env, records, report }: CheckedChain): void {
    if (report.firstBreak) this.index.distrust(env, report.firstBreak.seq, report.firstBreak.reason);
    for (const { record, at } of records) this.index.add(record, at);
    this.chains.set(env, {
      head: report.head,
      witness: report.witness,
      report,
      broken: report.firstBreak,
      failed: null,
      unwritable: null,
      queue: Promise.resolve(),
    });
    if (report.firstBreak) {
      const { file, line, seq, reason } = report.firstBreak;
      this.log?.error(
        { env, subject: `${file}:${line}`, seq, err: reason },
        'audit chain is broken; it is read-only until `cairn audit repair`',
      );
    }
  }

  /** Writer start-up: cuts and records torn tails, and brings a witness one append behind up to date. */
  private async settle(): Promise<void> {
    for (const [env, chain] of this.chains) {
      const torn = chain.report.tornTail;
      if (torn && !chain.broken) {
        const cut = await this.backend.store.cut(env, torn.at);
        this.log?.warn(
          { env, subject: torn.at.file, bytes: torn.bytes },
          'cut an incomplete last audit line',
        );
        await this.append(
          env,
          {
            type: 'repair',
            env,
            kind: 'torn-tail',
            at: this.now().toISOString(),
            by: 'cairn',
            reason: `an incomplete last line (${torn.bytes} bytes, no newline, not a record) at ${torn.at.file}:${torn.at.line}: a write the process died in${chain.witness && chain.witness.seq > chain.head.seq ? `; the witness had seen record ${chain.witness.seq}` : ''}`,
            cut: cutRecords(chain.head.seq + 1, cut),
            witnessed: chain.witness,
          },
          true,
        );
      } else if (chain.report.witnessBehind && this.backend.store instanceof JsonlStore) {
        // The process died between an append and its witness write: the record is there, so witness it.
        await this.backend.store.catchUp(env, chain.head);
        chain.witness = chain.head;
      }
    }
  }

  /** Appends one record to `env`'s chain, serialized per chain; a shared store's conflicts are re-read and retried. */
  private append(env: string, record: UnchainedRecord, repairing = false, fence?: WriteFence): Promise<void> {
    this.requireWritable();
    checkEnvName(env);
    this.requireRead(env);
    const chain = this.chains.get(env) ?? this.newChain(env);
    const next = chain.queue.then(() => this.write(env, chain, scrubRecord(record), repairing, fence));
    chain.queue = next.catch(() => undefined);
    return next;
  }

  private async write(
    env: string,
    chain: ChainState,
    record: UnchainedRecord,
    repairing: boolean,
    fence: WriteFence | undefined,
  ): Promise<void> {
    if (chain.broken && !repairing) {
      throw new CairnError(
        `the ${env} audit chain is broken at record ${chain.broken.seq} and takes no appends: ${chain.broken.reason}`,
        {
          code: 'audit.broken',
          phase: 'record',
          subject: `audit chain ${env}`,
          hint: `inspect it with \`cairn audit verify\`, then run \`cairn audit repair --env ${env}\``,
        },
      );
    }
    if (chain.failed) {
      throw new CairnError(
        `the ${env} audit chain cannot be written since an earlier write failed (${chain.failed})`,
        {
          code: 'audit.write-failed',
          phase: 'record',
          subject: `audit chain ${env}`,
          hint: 'fix the storage problem and restart cairn (it repairs a cut-off last line)',
        },
      );
    }
    let failures = 0;
    // Latched: once the fence failed, no retry below writes (and its error is not a storage failure).
    const gate = fence ? fenceGate(fence, 'record') : undefined;
    for (let attempt = 0; ; attempt += 1) {
      // Checked again after every lost race: what another writer appended may have closed it.
      const refused = outOfTurn(env, record, this.index.openIn(env));
      if (refused) throw refused;
      const seq = chain.head.seq + 1;
      const { line, hash } = encodeRecord(record, seq, chain.head.hash, this.backend.key);
      try {
        const at = await this.backend.store.append(
          env,
          line,
          { seq, hash },
          chain.witness,
          gate && (() => gate.check()),
        );
        const prevHash = chain.head.hash;
        chain.head = { seq, hash };
        chain.witness = chain.head;
        chain.unwritable = null;
        this.index.add({ ...record, seq, prevHash, kid: this.backend.key.id } as AuditRecord, at);
        return;
      } catch (error) {
        // The fence stopped it before anything was written: not a storage failure, nothing to retry.
        if (gate?.lost) throw error;
        if (error instanceof ChainConflict && attempt < CONFLICT_RETRIES) {
          this.log?.debug({ env, attempt }, 'lost an append race on a shared audit chain; re-reading it');
          // A retried append whose first try landed (its answer lost) conflicts with itself: done.
          if (await this.landed(env, chain, seq, hash)) return;
          // Jitter, so that two writers in lockstep stop colliding, growing with each loss (to 1 s): a
          // writer that keeps losing to a busy one would otherwise spend its retries in a few
          // hundred milliseconds while the other appends on (seen with moto under load).
          const ceilingMs = Math.min(1000, 20 * 2 ** Math.min(attempt, 6));
          await new Promise((resolve) => setTimeout(resolve, Math.random() * ceilingMs));
          continue;
        }
        if (error instanceof ChainConflict) throw error;
        if (this.backend.store.appendsAreAtomic) {
          // Nothing half-written stays behind: try again with backoff, then report the chain
          // unwritable (retryable) instead of refusing every later append until a restart.
          if (failures < this.appendRetry.retries) {
            const delayMs = Math.min(this.appendRetry.maxMs, this.appendRetry.baseMs * 2 ** failures);
            failures += 1;
            this.log?.warn(
              { env, phase: 'record', attempt: failures, delayMs, err: errorMessage(error) },
              'audit append failed; retrying',
            );
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            if (await this.landed(env, chain, seq, hash).catch(() => false)) return;
            continue;
          }
          chain.unwritable ??= { reason: errorMessage(error), since: this.now().toISOString() };
          throw new CairnError(
            `could not append to the audit log after ${failures + 1} tries: ${errorMessage(error)}`,
            {
              code: 'audit.unwritable',
              phase: 'record',
              subject: `${this.backend.store.location} ${env}`,
              retryable: true,
              hint: 'check that the DynamoDB table is reachable and writable; cairn retries on its own',
              cause: error,
            },
          );
        }
        // A half-written line would break every later record; stop appending until a restart repairs it.
        chain.failed = errorMessage(error);
        throw new CairnError(`could not append to the audit log: ${chain.failed}`, {
          code: 'audit.write-failed',
          phase: 'record',
          subject: `${this.backend.store.location} ${env}`,
          hint: 'check free space and permissions of audit.dir, or the DynamoDB table',
          cause: error,
        });
      }
    }
  }

  /**
   * Re-reads the chain and says whether the record this writer tried to put at `seq` is there
   * (same seq, same hash: the hash covers every byte): an append whose answer was lost landed.
   */
  private async landed(env: string, chain: ChainState, seq: number, hash: string): Promise<boolean> {
    const seen = await this.catchUp(env, chain);
    return seen.get(seq) === hash;
  }

  /** Another writer moved a shared chain: read what it appended, check it, and index it. */
  private async catchUp(env: string, chain: ChainState): Promise<Map<number, string>> {
    const witness = await this.backend.store.witness(env);
    const checker = new ChainChecker(env, this.backend.key, chain.head, this.index.openIn(env));
    const seen = new Map<number, string>();
    for await (const line of this.backend.store.lines(env, chain.head.seq, witness?.seq)) {
      const checked = checker.push(line);
      if (checked) {
        this.index.add(checked.record, checked.at);
        seen.set(checked.record.seq, checked.hash);
      }
    }
    const report = checker.finish(witness);
    chain.report = report;
    chain.head = report.head;
    chain.witness = report.witness;
    if (report.firstBreak) {
      chain.broken = report.firstBreak;
      this.index.distrust(env, report.firstBreak.seq, report.firstBreak.reason);
    }
    return seen;
  }

  private newChain(env: string): ChainState {
    const report: ChainReport = {
      env,
      records: 0,
      head: EMPTY_HEAD,
      witness: null,
      firstBreak: null,
      tornTail: null,
      witnessBehind: false,
    };
    const chain: ChainState = {
      head: EMPTY_HEAD,
      witness: null,
      report,
      broken: null,
      failed: null,
      unwritable: null,
      queue: Promise.resolve(),
    };
    this.chains.set(env, chain);
    return chain;
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

/**
 * One writer per entry (the rule `ChainChecker` checks): an end or check must close the entry
 * that is open in the chain as this writer last read it, and a start needs none open. A replica
 * paused mid-reconcile whose entry another closed as `interrupted` is refused here
 * (`audit.not-open`) and stops, rather than recording a second end for it.
 */
function outOfTurn(env: string, record: UnchainedRecord, open: string | null): CairnError | null {
  if (record.type === 'start' && open !== null && open !== record.id) {
    return new CairnError(`reconcile ${open} of ${env} is still open; a second one cannot start beside it`, {
      code: 'audit.overlap',
      phase: 'record',
      subject: `audit chain ${env}`,
      retryable: true,
      hint: 'another cairn process is reconciling this environment: run one replica, or enable sharding',
    });
  }
  if (record.type !== 'end' && record.type !== 'check') return null;
  const id = record.type === 'end' ? record.entry.id : record.id;
  if (id === open) return null;
  return new CairnError(
    `reconcile ${id} of ${env} is no longer open (another replica closed it); its end is not recorded`,
    {
      code: 'audit.not-open',
      phase: 'record',
      subject: `audit chain ${env}`,
      retryable: false,
      hint: 'nothing to do: the replica holding the environment now reconciles it; this one stops',
    },
  );
}

/** `user@host` of whoever runs a repair. */
function defaultActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`;
}
