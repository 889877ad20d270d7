import { CairnError } from '../model/errors';
import type { WriteFence } from '../model/pipeline';

/** Where a chain stands: the seq and hash of its last record (seq 0 and the genesis hash when empty). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Where one stored line is: a file and a 1-based line number (JSONL), or a table partition and the
 * seq it is stored under (DynamoDB, where `line` is the sort key). Enough to read it back.
 */
export interface LinePosition {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
  readonly length: number;
}

/** One stored line of a chain, as the store holds it; `complete` is false for a final line without its newline. */
export interface StoredLine {
  readonly bytes: Buffer;
  readonly complete: boolean;
  readonly at: LinePosition;
}

/** What `cut` moved out of a chain, kept for evidence. */
export interface CutResult {
  readonly lines: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly quarantine: string;
}

/**
 * The storage of per-environment chains: JSON-lines files or a DynamoDB table. The store knows
 * nothing of hashes; the ledger (`audit-chains.ts`) checks and chains records the same way over both,
 * so `verify`, `list` and `show` behave alike on each.
 */
export interface ChainStore {
  /** A description for messages: the folder or `dynamodb:table`. */
  readonly location: string;
  /**
   * True when a failed append leaves nothing half-written (a DynamoDB transaction), so the writer
   * may retry it; absent or false when it may leave a torn line that only a restart repairs (JSONL).
   */
  readonly appendsAreAtomic?: boolean;
  /** The environments that have a chain (or a witnessed head). */
  envs(): Promise<readonly string[]>;
  /**
   * The lines of `env`'s chain in order. A store shared by several writers returns only seqs above
   * `afterSeq` and up to `uptoSeq` (the head its witness showed, so that a record another writer
   * adds meanwhile is not mistaken for one past the witness); a single-writer store returns all.
   */
  lines(env: string, afterSeq?: number, uptoSeq?: number): AsyncIterable<StoredLine>;
  /** The head the witness last saw for `env`, or null when it has none. */
  witness(env: string): Promise<ChainHead | null>;
  /**
   * Appends one line whose record moves the head to `head`, and witnesses that head. `expected`
   * is the witness this writer last saw: a store shared by several writers refuses the append with
   * a `ChainConflict` when another writer moved it since. With `fence`, it is called right before
   * the line is put on disk or on the wire (each attempt of a DynamoDB request), and its error is
   * thrown with nothing written.
   */
  append(
    env: string,
    line: Buffer,
    head: ChainHead,
    expected: ChainHead | null,
    fence?: WriteFence,
  ): Promise<LinePosition>;
  /** The bytes of one line, by the position a read returned. */
  readAt(env: string, at: LinePosition): Promise<Buffer>;
  /** Moves `at` and every later line of `env` out of the chain into a quarantine kept for evidence. */
  cut(env: string, at: LinePosition): Promise<CutResult>;
  close(): Promise<void>;
}

/** Another writer appended to the chain first; re-read it and try again. */
export class ChainConflict extends CairnError {
  constructor(env: string) {
    super('another writer appended to this chain first', {
      code: 'audit.chain-conflict',
      phase: 'record',
      subject: `audit chain ${env}`,
      retryable: true,
      hint: 'the writer re-reads the chain and retries',
    });
  }
}

/** Env names become file names and partition keys: keep them to a safe alphabet. */
export function checkEnvName(env: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(env)) return env;
  throw new CairnError(`"${env}" cannot name an audit chain`, {
    code: 'audit.bad-env-name',
    phase: 'record',
    subject: env,
    hint: 'environment names use letters, digits, dot, dash and underscore',
  });
}
