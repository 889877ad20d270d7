import { stringify } from 'yaml';
import type { KubeObject } from './types';
import { normalize, redactPair } from './normalize';

const CONTEXT = 2;
// Past this many line pairs the table would cost too much memory; show a full replacement instead.
const MAX_CELLS = 2_000_000;

/**
 * A readable diff of live → desired, both normalized and with Secret values redacted: lines prefixed
 * `-`, `+` or two spaces, with two lines of context and `...` between hunks. Empty when equal.
 */
export function objectDiff(live: KubeObject | undefined, desired: KubeObject | undefined): string {
  const pair = redactPair(live && normalize(live), desired && normalize(desired));
  const a = toLines(pair.before);
  const b = toLines(pair.after);
  return renderHunks(lineDiff(a, b));
}

function toLines(object: KubeObject | undefined): readonly string[] {
  if (!object) return [];
  return stringify(object, { sortMapEntries: true, lineWidth: 0 }).trimEnd().split('\n');
}

/** One line of a diff. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/** A longest-common-subsequence line diff of two texts. */
export function lineDiff(a: readonly string[], b: readonly string[]): readonly DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text) => ({ op: ' ' as const, text }));
  const tail = a.slice(endA).map((text) => ({ op: ' ' as const, text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...lcs(midA, midB), ...tail];
}

function lcs(a: readonly string[], b: readonly string[]): readonly DiffLine[] {
  if ((a.length + 1) * (b.length + 1) > MAX_CELLS) {
    return [
      ...a.map((text) => ({ op: '-' as const, text })),
      ...b.map((text) => ({ op: '+' as const, text })),
    ];
  }
  const w = b.length + 1;
  const table = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * w + j] =
        a[i] === b[j]
          ? table[(i + 1) * w + j + 1]! + 1
          : Math.max(table[(i + 1) * w + j]!, table[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i++]! });
      j++;
    } else if (table[(i + 1) * w + j]! >= table[i * w + j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < a.length) out.push({ op: '-', text: a[i++]! });
  while (j < b.length) out.push({ op: '+', text: b[j++]! });
  return out;
}

/** Renders changed lines with a little context; returns '' when nothing changed. */
export function renderHunks(lines: readonly DiffLine[]): string {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(lines.length - 1, i + CONTEXT); k++) keep[k] = true;
  });
  const out: string[] = [];
  let gap = false;
  lines.forEach((l, i) => {
    if (!keep[i]) {
      gap = true;
      return;
    }
    if (gap && out.length > 0) out.push('...');
    gap = false;
    out.push(`${l.op} ${l.text}`);
  });
  return out.join('\n');
}
