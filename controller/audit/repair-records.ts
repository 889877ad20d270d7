import { hostname, userInfo } from 'node:os';
import type { ChainBreak, ChainReport } from './chain-check';
import type { ChainHead, CutResult } from './chain-store';
import type { UnchainedRecord } from './record-codec';
import type { CutRecords } from './types';

/**
 * The `repair` record of a torn tail cut at writer start-up: an incomplete last line the process
 * died in, and what the witness had seen.
 */
export function tornTailRepair(
  env: string,
  torn: NonNullable<ChainReport['tornTail']>,
  head: ChainHead,
  witness: ChainHead | null,
  cut: CutResult,
  at: string,
): UnchainedRecord {
  return {
    type: 'repair',
    env,
    kind: 'torn-tail',
    at,
    by: 'cairn',
    reason: `an incomplete last line (${torn.bytes} bytes, no newline, not a record) at ${torn.at.file}:${torn.at.line}: a write the process died in${witness && witness.seq > head.seq ? `; the witness had seen record ${witness.seq}` : ''}`,
    cut: cutRecords(head.seq + 1, cut),
    witnessed: witness,
  };
}

/** The `repair` record of a break `by` repaired: the lines from the break on went to quarantine (`cut`). */
export function breakRepair(
  env: string,
  broken: ChainBreak,
  cut: CutResult | undefined,
  witness: ChainHead | null,
  at: string,
  by: string,
): UnchainedRecord {
  return {
    type: 'repair',
    env,
    kind: 'break',
    at,
    by,
    reason: `${broken.reason} (at ${broken.file}:${broken.line})`,
    ...(cut ? { cut: cutRecords(broken.seq, cut) } : {}),
    witnessed: witness,
  };
}

/**
 * A repair record's account of what the store cut, from the seq its first line had: the store's
 * answer copied field by field, so the hashed record holds these fields only, in this order.
 */
function cutRecords(fromSeq: number, cut: CutResult): CutRecords {
  return { fromSeq, lines: cut.lines, bytes: cut.bytes, sha256: cut.sha256, quarantine: cut.quarantine };
}

/** `user@host` of whoever runs a repair. */
export function defaultActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (a container's arbitrary uid)
  }
  return `${user}@${hostname()}`;
}
