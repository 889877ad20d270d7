import { failureFrom } from './failure';
import type { Failure } from './failure';
import type { Phase } from './errors';
import type { WriteFence } from './pipeline';

/**
 * A write fence that latches: once it has thrown, every later check throws the same error without
 * asking the fence again, so that a renewal arriving meanwhile cannot reopen an apply that already
 * stopped halfway (its later batches would run against a plan made before the pause).
 */
export interface FenceGate {
  /** Calls the fence (unless it already failed); throws its error when it fails. */
  check(): void;
  /** The failure the fence stopped the apply with, or null while it holds. */
  readonly lost: Failure | null;
}

/** The gate of one apply; without a fence (no sharding) every check passes. */
export function fenceGate(fence: WriteFence | undefined, phase: Phase): FenceGate {
  let error: unknown;
  let lost: Failure | null = null;
  return {
    check() {
      if (lost) throw error;
      if (!fence) return;
      try {
        fence();
      } catch (thrown) {
        error = thrown;
        // The fence does not know which plane asks: the gate's phase is the one it failed in.
        lost = { ...failureFrom(thrown, phase), phase };
        throw thrown;
      }
    },
    get lost() {
      return lost;
    },
  };
}
