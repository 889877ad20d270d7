import { randomUUID } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { CairnError } from '../errors';
import type { Log } from '../log';
import type { AuditReader } from '../model';
import { readRecordBytes, scanAuditLog, type ChainBreak } from './audit-files';
import { AuditIndex } from './audit-index';
import { acquireAuditLock, type AuditLock } from './audit-lock';
import { AuditWriter, repairTornTail } from './audit-writer';
import { decodeRecord } from './record-codec';
import { scrubRecord } from './secret-guard';
import type { AuditEntry, LastApplied, Trigger } from './types';

/** Tuning of a writer; defaults suit a production controller. */
export interface AuditLogOptions {
  /** A new file is started once the current one reaches this size. Default 64 MiB. */
  readonly rotateBytes?: number;
  readonly now?: () => Date;
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

/** The result of `verifyAuditLog`: the record count, or the first record that breaks the chain. */
export type VerifyResult =
  { readonly ok: true; readonly records: number } | ({ readonly ok: false } & ChainBreak);

const DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024;

/**
 * The append-only, hash-chained audit trail of one controller (see `audit-files.ts` for the
 * chain). `open` makes the one writer (it holds a lock file in the directory); `reader` makes a
 * read-only view for the CLI that never takes the lock. Reads go through an index built at open.
 */
export class AuditLog implements AuditReader {
  private constructor(
    private readonly dir: string,
    private readonly index: AuditIndex,
    private readonly writer: { readonly append: AuditWriter; readonly lock: AuditLock } | null,
    private readonly log: Log | undefined,
    private readonly now: () => Date,
  ) {}

  /** Opens `dir` (created if missing) for writing: takes the lock, repairs a cut-off last line, indexes the chain. */
  static async open(dir: string, log?: Log, options: AuditLogOptions = {}): Promise<AuditLog> {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const lock = await acquireAuditLock(dir, log);
    try {
      await repairTornTail(dir, log);
      const index = new AuditIndex();
      const scan = await scanAuditLog(dir, (at) =>
        index.add(at.record, { path: at.file.path, offset: at.offset, length: at.length }),
      );
      if (scan.firstBreak) {
        const { file, line, seq, reason } = scan.firstBreak;
        log?.error(
          { subject: `${file}:${line}`, seq, err: reason },
          'audit chain is broken; appending after it',
        );
      }
      const head = { seq: scan.lastSeq, hash: scan.lastHash };
      const writer = await AuditWriter.resume(dir, head, options.rotateBytes ?? DEFAULT_ROTATE_BYTES);
      return new AuditLog(dir, index, { append: writer, lock }, log, options.now ?? (() => new Date()));
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** A read-only view of `dir` as it is now, for `cairn audit list|show`; it takes no lock. */
  static async reader(dir: string): Promise<AuditLog> {
    await requireDir(dir);
    const index = new AuditIndex();
    await scanAuditLog(dir, (at) =>
      index.add(at.record, { path: at.file.path, offset: at.offset, length: at.length }),
    );
    return new AuditLog(dir, index, null, undefined, () => new Date());
  }

  /** Checks the whole chain of `dir`; see `verifyAuditLog`. */
  static verify(dir: string): Promise<VerifyResult> {
    return verifyAuditLog(dir);
  }

  /** Appends (and fsyncs) a `start` record; returns the entry id its `end` must carry. */
  async start(input: StartInput): Promise<string> {
    const writer = this.writable();
    const id = input.id ?? randomUUID();
    const { id: _id, startedAt, ...rest } = input;
    const record = scrubRecord({
      type: 'start' as const,
      id,
      ...rest,
      startedAt: startedAt ?? this.now().toISOString(),
    });
    const { seq, at } = await writer.append.append(record);
    this.index.add({ ...record, seq, prevHash: '' }, at);
    return id;
  }

  /** Appends (and fsyncs) the `end` record: the finished entry. */
  async end(entry: AuditEntry): Promise<void> {
    const writer = this.writable();
    if (!this.index.isOpen(entry.id))
      this.log?.warn({ env: entry.env, id: entry.id }, 'audit end without a start');
    const record = scrubRecord({ type: 'end' as const, entry });
    const { seq, at } = await writer.append.append(record);
    this.index.add({ ...record, seq, prevHash: '' }, at);
  }

  /**
   * On start-up: every `start` without an `end` is a reconcile the previous process died in. Each
   * gets an `end` with outcome `interrupted` (no `applied`, so nothing counts as applied); the
   * caller reconciles those environments again.
   */
  async interrupted(): Promise<readonly AuditEntry[]> {
    this.writable(); // a reader must not decide that the live writer's reconciles were interrupted
    const closed: AuditEntry[] = [];
    for (const start of this.index.unfinished()) {
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
      await this.end(entry);
      closed.push(entry);
    }
    return closed;
  }

  /** Finished entries, newest first. */
  async list(
    filter: { readonly env?: string; readonly limit?: number } = {},
  ): Promise<readonly AuditEntry[]> {
    const found: AuditEntry[] = [];
    for (const indexed of this.index.newest(filter)) found.push(await this.read(indexed.at));
    return found;
  }

  /** The entry with this id (or unique id prefix); undefined when there is none. */
  async get(id: string): Promise<AuditEntry | undefined> {
    const found = this.index.find(id);
    if (found === 'ambiguous') {
      throw new CairnError(`more than one audit entry id starts with "${id}"`, {
        code: 'audit.ambiguous-id',
        subject: id,
        hint: 'give more characters of the id',
      });
    }
    return found ? this.read(found.at) : undefined;
  }

  /** What is applied in `env` according to the trail: see `LastApplied`. */
  async lastApplied(env: string): Promise<LastApplied | null> {
    return this.index.lastApplied(env);
  }

  /** Waits for pending appends, closes the file and releases the lock. */
  async close(): Promise<void> {
    if (!this.writer) return;
    await this.writer.append.close();
    await this.writer.lock.release();
  }

  private writable(): { readonly append: AuditWriter } {
    if (this.writer) return this.writer;
    throw new CairnError('this audit log was opened read-only', {
      code: 'audit.read-only',
      phase: 'record',
      subject: this.dir,
      hint: 'open it with AuditLog.open to write',
    });
  }

  private async read(at: {
    readonly path: string;
    readonly offset: number;
    readonly length: number;
  }): Promise<AuditEntry> {
    const decoded = decodeRecord(await readRecordBytes(at.path, at.offset, at.length));
    if (decoded.ok && decoded.record.type === 'end') return decoded.record.entry;
    throw new CairnError(`the audit record at byte ${at.offset} changed since it was indexed`, {
      code: 'audit.corrupt',
      subject: at.path,
      hint: 'run `cairn audit verify` to find the first bad record',
    });
  }
}

/** Checks every record's hash, seq and prevHash in `dir`; names the first bad record. */
export async function verifyAuditLog(dir: string): Promise<VerifyResult> {
  await requireDir(dir);
  const scan = await scanAuditLog(dir);
  return scan.firstBreak ? { ok: false, ...scan.firstBreak } : { ok: true, records: scan.records };
}

async function requireDir(dir: string): Promise<void> {
  const found = await stat(dir).catch(() => null);
  if (found?.isDirectory()) return;
  throw new CairnError('the audit directory does not exist', {
    code: 'audit.no-dir',
    subject: dir,
    hint: 'check audit.dir in the config file (the controller creates it on its first run)',
  });
}
