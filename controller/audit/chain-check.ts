import type { ChainKey } from './chain-key';
import type { ChainHead, LinePosition, StoredLine } from './chain-store';
import { decodeRecord, GENESIS_HASH, sameHash } from './record-codec';
import type { AuditRecord } from './types';

/** The empty chain's head. */
export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

/**
 * The first place a chain cannot be trusted: the line, the seq that should be there, and why.
 * Records with a seq at or above `seq` are untrusted until `cairn audit repair`.
 */
export interface ChainBreak {
  readonly env: string;
  readonly file: string;
  readonly line: number;
  readonly seq: number;
  readonly reason: string;
  /** Where repair cuts from: the first stored line at or after the break (absent when nothing is stored past it). */
  readonly cutFrom?: LinePosition;
}

/** A readable record of a chain, where it is, and its hash. */
export interface CheckedRecord {
  readonly record: AuditRecord;
  readonly hash: string;
  readonly at: LinePosition;
}

/** What checking a whole chain found. */
export interface ChainReport {
  readonly env: string;
  /** Records read (trusted or not). */
  readonly records: number;
  /** The last trusted record: where appends (after a repair) resume. */
  readonly head: ChainHead;
  readonly witness: ChainHead | null;
  readonly firstBreak: ChainBreak | null;
  /** An incomplete final line (no newline, not a record): a write the process died in. */
  readonly tornTail: { readonly at: LinePosition; readonly bytes: number } | null;
  /** The chain is one record past its witness: the process died between the append and the witness write. */
  readonly witnessBehind: boolean;
}

/**
 * Checks one environment's chain line by line: each record's own keyed hash, its `seq` (one more
 * than the previous), its `prevHash` and its `env`; then the whole chain against the head its
 * witness saw, which finds what line checks cannot: a cut-off tail and a chain rewritten with
 * recomputed hashes. It goes on past a break so that readers can still show (untrusted) records.
 */
export class ChainChecker {
  private head: ChainHead;
  private last: ChainHead;
  private records = 0;
  private firstBreak: ChainBreak | null = null;
  private tornTail: ChainReport['tornTail'] = null;
  private lastAt: LinePosition | null = null;
  /** The retired key the last record verified under (`audit.retiredKeys`), if not the current one. */
  private lastRetiredKey: string | undefined;
  /** Each trusted record's hash and position by seq, to compare with the witness and to cut from. */
  private readonly trusted = new Map<number, { readonly hash: string; readonly at: LinePosition }>();

  /** The id of the reconcile started and not yet ended at this point of the chain. */
  private open: string | null;

  /** `open`: when checking from `from` on (a catch-up), the reconcile still open at that head. */
  constructor(
    private readonly env: string,
    private readonly key: ChainKey,
    private readonly from: ChainHead = EMPTY_HEAD,
    open: string | null = null,
  ) {
    this.head = from;
    this.last = from;
    this.open = open;
  }

  /** Checks the next stored line; returns its record when readable (trusted or not). */
  push(line: StoredLine): CheckedRecord | null {
    const decoded = decodeRecord(line.bytes, this.key);
    if (!line.complete && !decoded.ok) {
      this.tornTail = { at: line.at, bytes: line.bytes.length };
      return null;
    }
    if (!decoded.ok) {
      this.breakAt(line.at, decoded.reason);
      return null;
    }
    const { record, hash } = decoded;
    if (!line.complete) this.breakAt(line.at, 'the last record has no newline after it');
    else if (record.env !== this.env)
      this.breakAt(line.at, `the record belongs to environment ${record.env} (moved between chains)`);
    else if (record.seq !== this.last.seq + 1)
      this.breakAt(
        line.at,
        `expected record ${this.last.seq + 1} here but found record ${record.seq} (a record was deleted or moved)`,
      );
    else if (!sameHash(record.prevHash, this.last.hash))
      this.breakAt(line.at, 'prevHash does not match the previous record (a record was replaced or moved)');
    else {
      const why = this.outOfTurn(record);
      if (why) this.breakAt(line.at, why);
    }
    this.records += 1;
    this.lastRetiredKey = decoded.retiredKey;
    this.last = { seq: record.seq, hash };
    this.lastAt = line.at;
    if (!this.firstBreak) {
      this.head = this.last;
      this.trusted.set(record.seq, { hash, at: line.at });
    }
    return { record, hash, at: line.at };
  }

  /** The report, once every line was pushed, compared with the witness's head. */
  finish(witness: ChainHead | null): ChainReport {
    let firstBreak = this.firstBreak;
    let witnessBehind = false;
    let head = this.head;
    if (!firstBreak) {
      const hashAt = (seq: number) => (seq === this.from.seq ? this.from.hash : this.trusted.get(seq)?.hash);
      const verdict = compareWithWitness(head, witness, hashAt, this.tornTail !== null);
      if (verdict === 'behind-by-one' && this.lastRetiredKey !== undefined) {
        // Every witnessed record is proven by the records and witness after it; the one past the
        // witness is not, and a retired key (perhaps retired because it leaked) may not write it.
        firstBreak = {
          env: this.env,
          file: this.lastAt?.file ?? '-',
          line: this.lastAt?.line ?? 0,
          seq: head.seq,
          reason: `record ${head.seq}, past the witnessed head, is hashed with the retired key ${this.lastRetiredKey}: a retired key verifies old records, never a new one`,
          ...(this.lastAt ? { cutFrom: this.lastAt } : {}),
        };
        head = witness!;
      } else if (verdict === 'behind-by-one') witnessBehind = true;
      else if (verdict) {
        const cutFrom = this.trusted.get(verdict.seq)?.at;
        const shown = cutFrom ?? this.lastAt;
        firstBreak = {
          env: this.env,
          file: shown?.file ?? '-',
          line: shown?.line ?? 0,
          seq: verdict.seq,
          reason: verdict.reason,
          ...(cutFrom ? { cutFrom } : {}),
        };
        if (verdict.seq <= head.seq) {
          const before = verdict.seq - 1;
          head = before === 0 ? EMPTY_HEAD : { seq: before, hash: hashAt(before) ?? EMPTY_HEAD.hash };
        }
      }
    }
    return {
      env: this.env,
      records: this.records,
      head,
      witness,
      firstBreak,
      tornTail: this.tornTail,
      witnessBehind,
    };
  }

  /**
   * One writer per entry: a chain holds one reconcile at a time, each start closed by exactly one
   * end (or quiet-pass check) before the next start. A second start while one is open is two
   * replicas reconciling the environment at once; an end of an entry that is not the open one is
   * an entry closed twice (a paused replica ending what another closed as interrupted).
   */
  private outOfTurn(record: AuditRecord): string | null {
    if (record.type === 'start') {
      const open = this.open;
      this.open = record.id;
      return open === null
        ? null
        : `record ${record.seq} starts reconcile ${record.id} while reconcile ${open} is still open: two overlapping reconciles of one environment`;
    }
    // A repair cut what followed the break: an entry left open by it is closed by the next interrupted pass or abandoned.
    if (record.type === 'repair') this.open = null;
    if (record.type !== 'end' && record.type !== 'check') return null;
    const id = record.type === 'end' ? record.entry.id : record.id;
    const open = this.open;
    if (id !== open) {
      return `record ${record.seq} ends reconcile ${id}, which is not the open one (${open ?? 'none is'}): an entry closed twice, or never started`;
    }
    this.open = null;
    return null;
  }

  private breakAt(at: LinePosition, reason: string): void {
    if (this.firstBreak) return;
    this.firstBreak = {
      env: this.env,
      file: at.file,
      line: at.line,
      seq: this.last.seq + 1,
      reason,
      cutFrom: at,
    };
  }
}

type WitnessVerdict = null | 'behind-by-one' | { readonly seq: number; readonly reason: string };

/**
 * The chain's head against what the witness saw. The chain may be one record ahead (the process
 * died between the append and the witness write); any other difference is a break.
 */
function compareWithWitness(
  head: ChainHead,
  witness: ChainHead | null,
  hashAt: (seq: number) => string | undefined,
  tornTail: boolean,
): WitnessVerdict {
  if (!witness) {
    return head.seq === 0
      ? null
      : { seq: 1, reason: 'the witness has no head for this chain: it cannot be told apart from a forgery' };
  }
  if (head.seq < witness.seq) {
    // A torn last line is the one record the witness saw but the chain lost mid-write: the
    // torn-tail repair records it.
    if (tornTail && head.seq + 1 === witness.seq) return null;
    return {
      seq: head.seq + 1,
      reason: `records ${head.seq + 1}..${witness.seq} are missing: the witness saw the chain reach record ${witness.seq}`,
    };
  }
  const atWitness = head.seq === witness.seq ? head.hash : hashAt(witness.seq);
  if (witness.seq > 0 && (atWitness === undefined || !sameHash(atWitness, witness.hash))) {
    return {
      seq: 1,
      reason: `record ${witness.seq} is not the one the witness saw: the chain was rewritten`,
    };
  }
  if (head.seq === witness.seq) return null;
  if (head.seq === witness.seq + 1) return 'behind-by-one';
  return {
    seq: witness.seq + 2,
    reason: `records ${witness.seq + 2}..${head.seq} were appended past the witnessed head ${witness.seq}`,
  };
}
