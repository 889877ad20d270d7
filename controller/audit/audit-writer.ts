import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, errorMessage } from '../errors';
import type { Log } from '../log';
import { auditFileName, listAuditFiles } from './audit-files';
import type { RecordLocation } from './audit-index';
import { encodeRecord, type UnchainedRecord } from './record-codec';

/** Where the chain stands when the writer takes over: the last seq and hash, the last file. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Appends records one at a time (appends from many environments are serialized, so the chain
 * never forks), fsyncs each before it resolves, and starts a new file once the current one has
 * reached `rotateBytes`; the first record of a new file chains to the last of the previous one.
 */
export class AuditWriter {
  private queue: Promise<unknown> = Promise.resolve();
  private handle: FileHandle | null = null;
  private failure: string | null = null;

  private constructor(
    private readonly dir: string,
    private fileIndex: number,
    private size: number,
    private head: ChainHead,
    private readonly rotateBytes: number,
  ) {}

  /** A writer continuing the chain at `head`, appending to the newest file of `dir`. */
  static async resume(dir: string, head: ChainHead, rotateBytes: number): Promise<AuditWriter> {
    const files = await listAuditFiles(dir);
    const last = files.at(-1);
    const size = last ? (await stat(last.path)).size : 0;
    return new AuditWriter(dir, last?.index ?? 1, size, head, rotateBytes);
  }

  /** Appends one record; resolves once it is on disk, with its seq and location. */
  append(record: UnchainedRecord): Promise<{ seq: number; at: RecordLocation }> {
    const next = this.queue.then(() => this.write(record));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits for pending appends and closes the current file. */
  async close(): Promise<void> {
    await this.queue;
    await this.handle?.close();
    this.handle = null;
  }

  private async write(record: UnchainedRecord): Promise<{ seq: number; at: RecordLocation }> {
    if (this.failure) {
      throw new CairnError(
        `the audit log cannot be written since an earlier write failed (${this.failure})`,
        {
          code: 'audit.write-failed',
          phase: 'record',
          subject: this.dir,
          hint: 'fix the disk problem and restart cairn (it repairs a cut-off last line)',
        },
      );
    }
    const seq = this.head.seq + 1;
    const { line, hash } = encodeRecord(record, seq, this.head.hash);
    const bytes = Buffer.concat([line, Buffer.from('\n')]);
    try {
      if (this.size > 0 && this.size >= this.rotateBytes) await this.rotate();
      const handle = await this.current();
      const offset = this.size;
      for (let done = 0; done < bytes.length;) {
        done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
      }
      // The step a record describes counts as done only once the record survives a power cut.
      await handle.datasync();
      this.size += bytes.length;
      this.head = { seq, hash };
      return { seq, at: { path: this.path(), offset, length: line.length } };
    } catch (error) {
      // A half-written line would break every later record; stop appending until a restart repairs it.
      this.failure = errorMessage(error);
      throw new CairnError(`could not append to the audit log: ${this.failure}`, {
        code: 'audit.write-failed',
        phase: 'record',
        subject: this.path(),
        retryable: false,
        hint: 'check free space and permissions of audit.dir',
        cause: error,
      });
    }
  }

  private path(): string {
    return join(this.dir, auditFileName(this.fileIndex));
  }

  private async current(): Promise<FileHandle> {
    if (!this.handle) {
      const created = this.size === 0;
      this.handle = await open(this.path(), 'a', 0o640);
      if (created) await syncDirectory(this.dir); // so that the new file's name survives a crash too
    }
    return this.handle;
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
    this.fileIndex += 1;
    this.size = 0;
  }
}

/** Cuts a last line that has no newline (a write the process died in): it was never acknowledged. */
export async function repairTornTail(dir: string, log?: Log): Promise<void> {
  const last = (await listAuditFiles(dir)).at(-1);
  if (!last) return;
  const handle = await open(last.path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const window = Buffer.alloc(Math.min(size, 1 << 20));
    await handle.read(window, 0, window.length, size - window.length);
    if (window[window.length - 1] === 0x0a) return;
    const newline = window.lastIndexOf(0x0a);
    if (newline === -1 && window.length < size) return; // a line over 1 MiB: leave it to verify
    const keep = size - window.length + newline + 1;
    log?.warn({ subject: last.path, bytes: size - keep }, 'cutting an unfinished last audit line');
    await truncate(last.path, keep);
  } finally {
    await handle.close();
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
