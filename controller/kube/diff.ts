import type * as JsDiff from 'diff';
import type * as Yaml from 'yaml';
import type { KubeObject } from './types';
import { normalize, redactPair } from './normalize';

const CONTEXT = 2;

/** One line of a diff. */
export interface DiffLine {
  readonly op: ' ' | '-' | '+';
  readonly text: string;
}

/**
 * A readable diff of live → desired, both normalized and with Secret values redacted: lines prefixed
 * `-`, `+` or two spaces, with two lines of context and `...` between hunks. Empty when equal.
 */
export function objectDiff(live: KubeObject | undefined, desired: KubeObject | undefined): string {
  const pair = redactPair(live && normalize(live), desired && normalize(desired));
  return renderHunks(lineDiff(toText(pair.before), toText(pair.after)));
}

function toText(object: KubeObject | undefined): string {
  if (!object) return '';
  // Loaded on the first diff, like jsdiff below: a fresh apply shows none.
  const { stringify } = require('yaml') as typeof Yaml;
  return `${stringify(object, { sortMapEntries: true, lineWidth: 0 }).trimEnd()}\n`;
}

/** A line diff of two texts (jsdiff's Myers diff), one entry per line. */
export function lineDiff(before: string, after: string): readonly DiffLine[] {
  const out: DiffLine[] = [];
  // Loaded on the first diff: a fresh apply shows none, and its one-shot process never loads it.
  const { diffLines } = require('diff') as typeof JsDiff;
  for (const part of diffLines(before, after)) {
    const op = part.added ? '+' : part.removed ? '-' : ' ';
    for (const text of part.value.replace(/\n$/, '').split('\n')) out.push({ op, text });
  }
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
