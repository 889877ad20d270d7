import { CairnError } from './model/errors';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest duration cairn can wait for: a Node.js timer set longer fires after 1 ms instead
 * (TimeoutOverflowWarning), so a deadline of `1000h` would end every plan at once and an interval
 * of `1000h` would poll without pause. About 24.8 days.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * Parses `500ms`, `30s`, `5m`, `1h` (or a number of milliseconds) into milliseconds. A duration
 * must be above 0 (a zero deadline ends everything at once, a zero interval loops) unless
 * `allowZero` (a field where 0 has a meaning of its own), and at most MAX_DURATION_MS.
 */
export function parseDuration(
  value: string | number,
  field: string,
  options: { readonly allowZero?: boolean } = {},
): number {
  const ms = parse(value, field);
  if (ms === 0 && !options.allowZero)
    throw new CairnError(`"${String(value)}" is no time at all: it must be above 0`, {
      code: 'config.duration',
      phase: 'config',
      subject: field,
      hint: 'a duration here is a wait or a deadline; write one that can pass, for example 30s',
    });
  if (ms > MAX_DURATION_MS)
    throw new CairnError(`"${String(value)}" is longer than cairn can wait (about 24 days)`, {
      code: 'config.duration',
      phase: 'config',
      subject: field,
      hint: `write at most ${formatDuration(MAX_DURATION_MS)}`,
    });
  return ms;
}

function parse(value: string | number, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(String(value).trim());
  if (!match) {
    throw new CairnError(`"${String(value)}" is not a duration`, {
      code: 'config.duration',
      phase: 'config',
      subject: field,
      hint: 'write a number followed by ms, s, m or h, for example 30s',
    });
  }
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** `1.2s`, `850ms`, `2m05s`, `1h02m`: short and exact enough for a terminal or a status line. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}
