import type { AuditEntry } from '../audit/types';

/** `1.2s`, `850ms`, `2m05s`, `1h02m`: short and exact enough for a terminal. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

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

/** The `cairn audit list` table, newest first as given: one aligned line per entry. */
export function renderAuditList(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  const header = ['ID', 'ENV', 'OUTCOME', 'CHANGE', 'TRIGGER', 'STARTED', 'DURATION', 'MESSAGE'];
  const rows = entries.map((e) => [
    e.id.slice(0, 8),
    e.env,
    e.outcome,
    `${shortSha(e.fromSha)}→${shortSha(e.toSha)}`,
    e.trigger,
    formatTime(e.startedAt),
    durationOf(e),
    firstLine(e.message, 60),
  ]);
  return columns([header, ...rows]).join('\n');
}

function commitLines(e: AuditEntry): string[] {
  const [subject = '', ...body] = e.message.trimEnd().split('\n');
  return columns([
    ['entry', e.id],
    ['env', e.env],
    ['outcome', e.error ? `${e.outcome} (${e.error.phase})` : e.outcome],
    ['trigger', e.trigger],
    ['commit', `${e.toSha}${e.forcePushed ? '  (force-pushed)' : ''}`],
    ['from', e.fromSha ?? 'none (first apply)'],
    ['author', e.author || '-'],
    ['committed', formatTime(e.committedAt)],
    ['message', subject],
    ...body.map((line) => ['', line]),
  ]);
}

function awsLines(e: AuditEntry): string[] {
  const lines = ['AWS'];
  if (e.aws.skipped) lines.push(`  skipped: ${e.aws.skipped}`);
  // Stacks are aligned with each other and changes with each other, across stacks.
  const stackLines = columns(
    e.aws.stacks.map((s) => {
      const count = `${s.changes.length} change${s.changes.length === 1 ? '' : 's'}`;
      return [s.name, s.action, count, s.durationMs === undefined ? '' : formatDuration(s.durationMs)];
    }),
    '  ',
  );
  const changeLines = columns(
    e.aws.stacks.flatMap((s) =>
      s.changes.map((c) => [
        c.action,
        c.type,
        c.logicalId,
        c.replacement && c.replacement !== 'False' ? `replacement: ${c.replacement}` : '',
      ]),
    ),
    '    ',
  );
  let next = 0;
  e.aws.stacks.forEach((stack, i) => {
    lines.push(stackLines[i]!, ...changeLines.slice(next, next + stack.changes.length));
    next += stack.changes.length;
    if (stack.error) lines.push(`    error: ${stack.error}`);
  });
  if (!e.aws.skipped && e.aws.stacks.length === 0) lines.push('  no stacks');
  return lines;
}

function kubernetesLines(e: AuditEntry): string[] {
  const lines = ['Kubernetes'];
  if (e.kubernetes.skipped) lines.push(`  skipped: ${e.kubernetes.skipped}`);
  const rows = e.kubernetes.objects.map((o) => [
    o.action,
    [o.kind, o.namespace, o.name].filter(Boolean).join('/'),
    o.apiVersion,
    o.error ? `error: ${o.error}` : '',
  ]);
  lines.push(...columns(rows, '  '));
  if (!e.kubernetes.skipped && e.kubernetes.objects.length === 0) lines.push('  no objects');
  return lines;
}

function timingLines(e: AuditEntry): string[] {
  const rows = e.phases.map((p) => [p.name, formatDuration(p.durationMs).padStart(7)]);
  return ['Timings', ...columns([...rows, ['total', durationOf(e).padStart(7)]], '  ')];
}

/** The `cairn audit show` page: the commit, the delta per stack and per object, the timings, the error. */
export function renderAuditEntry(entry: AuditEntry): string {
  const sections = [commitLines(entry), awsLines(entry), kubernetesLines(entry), timingLines(entry)];
  if (entry.error) {
    const { phase, message, subject } = entry.error;
    sections.push(['Error', `  ${phase}: ${message}`, ...(subject ? [`  subject: ${subject}`] : [])]);
  }
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}
