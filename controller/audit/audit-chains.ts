import { CairnError, errorMessage } from '../model/errors';
import type { Log } from '../log';
import { fenceGate, type WriteFence } from '../model';
import type { AuditBackend } from './audit-backend';
import type { AuditIndex } from './audit-index';
import {
  ChainChecker,
  EMPTY_HEAD,
  type ChainBreak,
  type ChainReport,
  type CheckedRecord,
} from './chain-check';
import { ChainConflict, checkEnvName, type ChainHead } from './chain-store';
import { JsonlStore } from './jsonl-store';
import { encodeRecord, type UnchainedRecord } from './record-codec';
import { tornTailRepair } from './repair-records';
import { scrubRecord } from './secret-guard';
import type { AuditRecord } from './types';

/** How often, and how patiently, a failed append to an atomic store is tried again (AuditLogOptions.appendRetry). */
export interface AppendRetry {
  readonly retries: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_APPEND_RETRY: AppendRetry = { retries: 6, baseMs: 250, maxMs: 5000 };

/** Appends a writer retries after losing a race on a shared chain before it gives up and says so. */
const CONFLICT_RETRIES = 25;

/** One chain as read from the store and checked, before it is indexed. */
export interface CheckedChain {
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

/** What the rest of the trail may read of a chain's state; only this module changes it. */
export type ChainView = Readonly<Pick<ChainState, 'witness' | 'report' | 'broken' | 'failed'>>;

/**
 * Every environment's chain as this process knows it (head, witness, first break, failed write),
 * kept in step with the index: read in and checked at open, caught up with what other writers
 * appended, and appended to one record at a time per chain, in turn (`outOfTurn`), with lost races
 * re-read and a failed write retried or latched.
 */
export class AuditChains {
  private readonly chains = new Map<string, ChainState>();

  constructor(
    private readonly backend: AuditBackend,
    private readonly index: AuditIndex,
    private readonly log: Log | undefined,
    private readonly now: () => Date,
    private readonly appendRetry: AppendRetry = DEFAULT_APPEND_RETRY,
  ) {}

  /** `env`'s chain; undefined when this process has not read or written it. */
  get(env: string): ChainView | undefined {
    return this.chains.get(env);
  }

  /** Every chain read or written, in the order they were. */
  all(): ReadonlyMap<string, ChainView> {
    return this.chains;
  }

  /**
   * Reads and checks one chain from the store (see `adopt`). A writer (`upToWitness`) reads no
   * further than the witnessed head, a reader every stored line.
   */
  async read(env: string, upToWitness: boolean): Promise<CheckedChain> {
    // The witness first: a record is stored no later than its head moves, so every record up to
    // the witnessed head is there when the lines are read. A writer reads no further, so that a
    // record another writer adds meanwhile is not taken for one past the witness; a reader
    // (verify) reads every stored line, so that a record planted past the head is reported.
    const witness = await this.backend.store.witness(env);
    const checker = new ChainChecker(env, this.backend.key);
    const records: CheckedRecord[] = [];
    const upto = upToWitness ? witness?.seq : undefined;
    for await (const line of this.backend.store.lines(env, 0, upto)) {
      const checked = checker.push(line);
      if (checked) records.push(checked);
    }
    return { env, records, report: checker.finish(witness) };
  }

  /** Indexes a checked chain and keeps its state: records past a break are indexed as untrusted. */
  adopt({ env, records, report }: CheckedChain): void {
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
  async settle(): Promise<void> {
    for (const [env, chain] of this.chains) {
      const torn = chain.report.tornTail;
      if (torn && !chain.broken) {
        const cut = await this.backend.store.cut(env, torn.at);
        this.log?.warn(
          { env, subject: torn.at.file, bytes: torn.bytes },
          'cut an incomplete last audit line',
        );
        await this.append(
          checkEnvName(env),
          tornTailRepair(env, torn, chain.head, chain.witness, cut, this.now().toISOString()),
          true,
        );
      } else if (chain.report.witnessBehind && this.backend.store instanceof JsonlStore) {
        // The process died between an append and its witness write: the record is there, so witness it.
        await this.backend.store.catchUp(env, chain.head);
        chain.witness = chain.head;
      }
    }
  }

  /** Reads, checks and indexes what other writers appended to `env`'s chain, in turn with its appends. */
  async refresh(env: string): Promise<void> {
    const chain = this.chains.get(env) ?? this.newChain(env);
    const next = chain.queue.then(() => this.catchUp(env, chain));
    chain.queue = next.catch(() => undefined);
    await next;
  }

  /**
   * Appends one record to `env`'s chain, serialized per chain; a shared store's conflicts are
   * re-read and retried. `repairing`: a `repair` record, the one a broken chain takes.
   */
  append(env: string, record: UnchainedRecord, repairing = false, fence?: WriteFence): Promise<void> {
    const chain = this.chains.get(env) ?? this.newChain(env);
    const next = chain.queue.then(() => this.write(env, chain, scrubRecord(record), repairing, fence));
    chain.queue = next.catch(() => undefined);
    return next;
  }

  /** `env`'s break was recorded as repaired (its repair record appended): it takes appends again. */
  resume(env: string): void {
    const chain = this.chains.get(env);
    if (chain) chain.broken = null;
  }

  /** Waits for every pending append. */
  async drain(): Promise<void> {
    await Promise.all([...this.chains.values()].map((c) => c.queue));
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
