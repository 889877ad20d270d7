import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment holds `marker` (what a test's child left behind). */
export function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/environ`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Pids of live processes with `marker` among their arguments (a sandboxed app, whose environment is its own). */
export function processesWithArgument(marker: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}
