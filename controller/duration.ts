import { CairnError } from './model/errors';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `30s`, `5m`, `1h` (or a number of milliseconds) into milliseconds. */
export function parseDuration(value: string | number, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
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
