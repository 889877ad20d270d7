import { formatDuration } from '../duration';
import type { ControlSummary } from '../audit/types';
import { warningLines, type AuditEntry, type Change, type Failure, type Target } from '../model';

export { formatDuration };

/** An ISO time as `2025-06-01 10:00:00Z` (UTC, no milliseconds); `-` when absent or invalid. */
export function formatTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!iso || Number.isNaN(ms)) return '-';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 7) : 'none';
}

function firstLine(text: string, max: number): string {
  const line = text.split('\n', 1)[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Rows as aligned columns (the last column is not padded), each line starting with `indent`. */
function columns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    (
      indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')
    ).trimEnd(),
  );
}

function durationOf(entry: AuditEntry): string {
  return formatDuration(Date.parse(entry.finishedAt) - Date.parse(entry.startedAt));
}

/**
 * How an entry ended, for a person: a failure retrying cannot fix is marked `stalled` (the
 * environment waited for a new commit or a manual sync after it).
 */
export function outcomeOf(entry: AuditEntry): string {
  return entry.outcome === 'failed' && entry.failure && !entry.failure.retryable
    ? 'failed (stalled)'
    : entry.outcome;
}

/** The `cairn audit list` table, newest first as given: one aligned line per entry. */
export function renderAuditList(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  const header = ['ID', 'ENV', 'OUTCOME', 'CHANGE', 'TRIGGER', 'STARTED', 'DURATION', 'MESSAGE'];
  const rows = entries.map((e) => [
    e.id.slice(0, 8),
    e.env,
    outcomeOf(e),
    `${shortSha(e.fromSha)}→${shortSha(e.toSha)}`,
    e.trigger,
    formatTime(e.startedAt),
    durationOf(e),
    firstLine(e.message, 60),
  ]);
  return columns([header, ...rows]).join('\n');
}

/**
 * The control records (suspend, resume, promote, wait, revert-proposed) under `cairn audit list`, newest first as
 * given: who did what to which environment and why, with the commit, entry or pull request it names. A record
 * past a break of its chain is marked, as entries are: it is shown, never obeyed.
 */
export function renderControlList(records: readonly ControlSummary[]): string[] {
  if (records.length === 0) return [];
  const rows = records.map((c) => {
    const names = [
      c.sha ? `commit ${c.sha.slice(0, 7)}` : '',
      c.entry ? `entry ${c.entry.slice(0, 8)}` : '',
      c.url ?? '',
    ].filter(Boolean);
    return [
      formatTime(c.at),
      c.env,
      c.untrusted ? `${c.action} (UNTRUSTED)` : c.action,
      c.by,
      `${firstLine(c.reason, 80)}${names.length ? ` (${names.join(', ')})` : ''}`,
    ];
  });
  return ['', 'Control records', ...columns([['AT', 'ENV', 'ACTION', 'BY', 'WHY'], ...rows], '  ')];
}

function commitLines(e: AuditEntry): string[] {
  const [subject = '', ...body] = e.message.trimEnd().split('\n');
  return columns([
    ['entry', e.id],
    ['env', e.env],
    ['outcome', e.failure ? `${e.outcome} (${e.failure.phase})` : e.outcome],
    ['trigger', e.trigger],
    ['commit', `${e.toSha}${e.forcePushed ? '  (force-pushed)' : ''}`],
    ['from', e.fromSha ?? 'none (first apply)'],
    ['author', e.author || '-'],
    ['committed', formatTime(e.committedAt)],
    ['message', subject],
    ...body.map((line) => ['', line]),
  ]);
}

/** `replacement`, `may replace`, or why: the last column of a change. */
function noteOf(c: Change): string {
  const replace =
    c.replacement === true ? 'replacement' : c.replacement === 'conditional' ? 'may replace' : '';
  return [replace, c.reason ?? ''].filter(Boolean).join('; ');
}

/**
 * One plane's changes, aligned. A stack's resources (`stack/LogicalId`) sit under their stack;
 * Kubernetes subjects (`Kind/namespace/name`) are flat.
 */
export function changeLines(changes: readonly Change[], target: Target, indent = '  '): string[] {
  const mine = changes.filter((c) => c.target === target);
  const nested = (c: Change) => target === 'aws' && c.subject.includes('/');
  const rows = mine.map((c) => [
    `${nested(c) ? '  ' : ''}${c.action}`,
    c.subject,
    c.type ?? '',
    c.durationMs === undefined || nested(c) ? '' : formatDuration(c.durationMs),
    noteOf(c),
  ]);
  // A column nothing fills (no durations in a plan, no types for stacks) takes no room.
  const used = rows[0]?.map((_, i) => rows.some((row) => row[i] !== '')) ?? [];
  return columns(
    rows.map((row) => row.filter((_, i) => used[i])),
    indent,
  );
}

function planeLines(e: AuditEntry, target: Target): string[] {
  const title = target === 'aws' ? 'AWS' : 'Kubernetes';
  const skipped = target === 'aws' ? e.skipped?.aws : e.skipped?.kubernetes;
  const lines = [title, ...(skipped ? [`  skipped: ${skipped}`] : []), ...changeLines(e.changes, target)];
  if (lines.length === 1) lines.push(`  no ${target === 'aws' ? 'stacks' : 'objects'}`);
  return lines;
}

function timingLines(e: AuditEntry): string[] {
  const rows = e.phases.map((p) => [p.name, formatDuration(p.durationMs).padStart(7)]);
  return ['Timings', ...columns([...rows, ['total', durationOf(e).padStart(7)]], '  ')];
}

/**
 * The API server's warnings, one line each naming file and object, under a title; no section when
 * there were none. The server went ahead with each object: a warning is neither a change nor a failure.
 */
export function warningSection(changes: readonly Change[]): string[][] {
  const lines = warningLines(changes);
  return lines.length > 0 ? [['Warnings from the API server', ...lines.map((l) => `  ${l}`)]] : [];
}

/** What a failure means for what comes next. */
function retryLine(failure: Failure): string {
  return failure.retryable
    ? 'retryable: yes (retried with backoff)'
    : 'retryable: no (the environment stalls until a new commit or a manual sync)';
}

/** The `cairn audit show` page: the commit, the delta per stack and per object, the timings, the failure. */
export function renderAuditEntry(entry: AuditEntry): string {
  const sections = [
    commitLines(entry),
    planeLines(entry, 'aws'),
    planeLines(entry, 'kubernetes'),
    ...warningSection(entry.changes),
    timingLines(entry),
  ];
  if (entry.failure) {
    const { phase, message, subject, code } = entry.failure;
    sections.push([
      'Failure',
      `  ${phase}: ${message}`,
      ...(subject ? [`  subject: ${subject}`] : []),
      `  code: ${code}`,
      `  ${retryLine(entry.failure)}`,
    ]);
  }
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}
