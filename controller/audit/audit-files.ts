import { readdir, readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeRecord, GENESIS_HASH } from './record-codec';
import type { AuditRecord } from './types';

const FILE_NAME = /^audit-(\d{6})\.jsonl$/;
const NEWLINE = 0x0a;

/** The name of the `index`th file of a log: `audit-000001.jsonl`, ... */
export function auditFileName(index: number): string {
  return `audit-${String(index).padStart(6, '0')}.jsonl`;
}

/** One file of the log, in chain order. */
export interface AuditFile {
  readonly name: string;
  readonly index: number;
  readonly path: string;
}

/** The log's files, oldest first (other files in the directory are ignored). */
export async function listAuditFiles(dir: string): Promise<readonly AuditFile[]> {
  const names = await readdir(dir);
  return names
    .flatMap((name) => {
      const match = FILE_NAME.exec(name);
      return match ? [{ name, index: Number(match[1]), path: join(dir, name) }] : [];
    })
    .sort((a, b) => a.index - b.index);
}

/** A record and where its bytes are, so that it can be read again without a scan. */
export interface RecordAt {
  readonly file: AuditFile;
  /** 1-based line number in its file. */
  readonly line: number;
  readonly offset: number;
  readonly length: number;
  readonly record: AuditRecord;
  readonly hash: string;
}

/** The first record that breaks the chain: its file, line, the seq it should have, and why. */
export interface ChainBreak {
  readonly file: string;
  readonly line: number;
  readonly seq: number;
  readonly reason: string;
}

/** What a scan found: how many records, where the chain stands, and the first break if any. */
export interface ScanResult {
  readonly records: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly firstBreak: ChainBreak | null;
}

/**
 * Reads every line of the log in order, checks each record's own hash, its `seq` (one more than
 * the previous) and its `prevHash` (the previous record's hash), and hands each readable record to
 * `visit`. It goes on past a break so that a writer can still index what is readable; the first
 * break is reported. A deleted line shows as a seq gap, a reordering as a seq or prevHash mismatch.
 */
export async function scanAuditLog(dir: string, visit?: (at: RecordAt) => void): Promise<ScanResult> {
  let records = 0;
  let lastSeq = 0;
  let lastHash = GENESIS_HASH;
  let firstBreak: ChainBreak | null = null;
  const broken = (file: AuditFile, line: number, reason: string) => {
    firstBreak ??= { file: file.name, line, seq: lastSeq + 1, reason };
  };
  for (const file of await listAuditFiles(dir)) {
    const bytes = await readFile(file.path);
    let offset = 0;
    let line = 0;
    while (offset < bytes.length) {
      line += 1;
      const end = bytes.indexOf(NEWLINE, offset);
      if (end === -1) {
        broken(file, line, 'incomplete last line: a write was cut off before its newline');
        break;
      }
      const decoded = decodeRecord(bytes.subarray(offset, end));
      if (!decoded.ok) {
        broken(file, line, decoded.reason);
      } else {
        const { record, hash } = decoded;
        if (record.seq !== lastSeq + 1) {
          broken(
            file,
            line,
            `expected record ${lastSeq + 1} here but found record ${record.seq} (a record was deleted or moved)`,
          );
        } else if (record.prevHash !== lastHash) {
          broken(file, line, 'prevHash does not match the previous record (a record was replaced or moved)');
        }
        records += 1;
        lastSeq = record.seq;
        lastHash = hash;
        visit?.({ file, line, offset, length: end - offset, record, hash });
      }
      offset = end + 1;
    }
  }
  return { records, lastSeq, lastHash, firstBreak };
}

/** Reads the bytes of one record again, by the position a scan found it at. */
export async function readRecordBytes(path: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}
