import { CairnError } from '../../controller/model';

/** Where a refused line is, and why (never the line's text: the reason names only the construct). */
export interface RequirementRefusal {
  /** 1-based, the line a (continued) requirement starts on. */
  readonly line: number;
  readonly reason: string;
}

/** The file as errors name it (the repository's path, whatever the checkout folder). */
export const REQUIREMENTS_SUBJECT = 'aws-resources/requirements.txt';

// PEP 508 names: letters and digits, with . _ - inside.
const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
// PEP 440 public versions (epoch, release, pre, post, dev) and a local label; no wildcard.
const VERSION =
  '(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\\.post[0-9]+)?(?:\\.dev[0-9]+)?(?:\\+[a-z0-9]+(?:\\.[a-z0-9]+)*)?';
const REQUIREMENT = new RegExp(
  `^(${NAME})\\s*(?:\\[\\s*(${NAME}(?:\\s*,\\s*${NAME})*)\\s*\\])?\\s*==\\s*(${VERSION})$`,
  'i',
);
const HASH = /^(sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/i;

// PEP 508 marker variables; values are quoted strings of these characters only (no space, so no
// word of the line pip reads starts with `-`; no `$`, `#`, `/`, `@`, quote or backslash).
const MARKER_VARIABLES = new Set([
  'python_version',
  'python_full_version',
  'os_name',
  'sys_platform',
  'platform_release',
  'platform_system',
  'platform_version',
  'platform_machine',
  'platform_python_implementation',
  'implementation_name',
  'implementation_version',
  'extra',
]);
const MARKER_TOKEN =
  /\s*(?:(\(|\))|(===|==|!=|<=|>=|~=|<|>)|("[A-Za-z0-9._*+!-]*"|'[A-Za-z0-9._*+!-]*')|([A-Za-z_]+))/y;

/** The marker's words joined by single spaces, or undefined when any word is not of PEP 508's. */
function canonicalMarker(marker: string): string | undefined {
  const words: string[] = [];
  MARKER_TOKEN.lastIndex = 0;
  let at = 0;
  while (at < marker.length) {
    if (/^\s*$/.test(marker.slice(at))) break;
    MARKER_TOKEN.lastIndex = at;
    const match = MARKER_TOKEN.exec(marker);
    if (!match) return undefined;
    const word = match[4];
    if (word !== undefined && !MARKER_VARIABLES.has(word) && !['and', 'or', 'in', 'not'].includes(word))
      return undefined;
    words.push((match[1] ?? match[2] ?? match[3] ?? word)!);
    at = MARKER_TOKEN.lastIndex;
  }
  return words.length > 0 ? words.join(' ') : undefined;
}

/** Why a logical line (comments removed, continuations joined) is not a pinned requirement. */
function refusalOf(line: string): string | undefined {
  const words = line.split(/\s+/);
  const option = words.find((w) => w.startsWith('-') && !/^--hash(=|$)/.test(w));
  if (option !== undefined) {
    const name = /^(--?[A-Za-z][A-Za-z0-9-]*)/.exec(option)?.[1];
    const what = name === undefined ? 'an option' : `the option ${name}`;
    if (/^(-r|--requirement|-c|--constraint)$/.test(name ?? ''))
      return `${what} (read another file) is not allowed`;
    if (/^(-e|--editable)$/.test(name ?? '')) return `${what} (an editable install) is not allowed`;
    if (/^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-index)$/.test(name ?? ''))
      return `${what} (another package source) is not allowed: the index is the controller's pip configuration`;
    return `${what} is not allowed (only --hash=<algorithm>:<digest> after a requirement)`;
  }
  const [spec] = line.split(';');
  if (/@/.test(spec!)) return 'a direct reference (name @ url or path) is not allowed';
  if (/:\/\/|^[./~]|[/\\]/.test(spec!)) return 'a URL or a path is not allowed';
  return undefined;
}

/**
 * The pinned requirement a logical line is, written the one way cairn hands it to pip
 * (`name[extras]==version ; marker --hash=...`), or why it is refused.
 */
function canonicalRequirement(line: string): { readonly text: string } | { readonly reason: string } {
  const refused = refusalOf(line);
  if (refused) return { reason: refused };
  const hashes: string[] = [];
  const words = line.split(/\s+/);
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith('--hash')) {
      if (hashes.length > 0) return { reason: 'only --hash options may follow the requirement' };
      rest.push(word);
      continue;
    }
    const value = word === '--hash' ? words[++i] : word.slice('--hash='.length);
    if (value === undefined || !HASH.test(value))
      return { reason: 'a --hash must be sha256:, sha384: or sha512: and its hex digest' };
    hashes.push(value.toLowerCase());
  }
  const body = rest.join(' ');
  const semicolon = body.indexOf(';');
  const spec = (semicolon < 0 ? body : body.slice(0, semicolon)).trim();
  const match = REQUIREMENT.exec(spec);
  if (!match)
    return {
      reason: 'is not a pinned requirement name[extras]==version (no other version operator, no wildcard)',
    };
  let text = `${match[1]}${match[2] ? `[${match[2].split(/\s*,\s*/).join(',')}]` : ''}==${match[3]}`;
  if (semicolon >= 0) {
    const marker = canonicalMarker(body.slice(semicolon + 1));
    if (marker === undefined)
      return { reason: 'the environment marker after ; is not a PEP 508 marker of quoted plain values' };
    text += ` ; ${marker}`;
  }
  for (const hash of hashes) text += ` --hash=${hash}`;
  return { text };
}

/**
 * Checks a requirements.txt from the repository line by line and returns the requirements as cairn
 * writes them for pip: only blank lines, `#` comments and pinned requirements
 * (`name[extras]==version`, optionally `; marker` and `--hash=` options, continued with a trailing
 * backslash) are accepted. Everything else is refused, so pip reads nothing but this text: no
 * other file (`-r`, `-c`, a path, a wheel file), no URL (`name @ url`, `-e`, `--find-links`), no
 * other index (`--index-url`) and no other option. The refusal names the file, the line numbers
 * and the construct, never anything pip would have read from elsewhere.
 */
export function pinnedRequirements(text: string): string[] {
  const refusals: RequirementRefusal[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  const accepted: string[] = [];
  let pending: { line: number; text: string } | undefined;
  const finish = (entry: { line: number; text: string }) => {
    const logical = entry.text.trim();
    if (logical === '') return;
    const result = canonicalRequirement(logical);
    if ('reason' in result) refusals.push({ line: entry.line, reason: result.reason });
    else accepted.push(result.text);
  };
  lines.forEach((raw, index) => {
    const number = index + 1;
    // Printable ASCII and tabs only: pip splits lines on more characters than \n (\v, \f, U+2028)
    // and decodes by a BOM or a `# coding:` line; none of that may make it read another text.
    if (/[^\t\x20-\x7e]/.test(raw)) {
      refusals.push({
        line: pending?.line ?? number,
        reason: 'a character outside printable ASCII is not allowed',
      });
      pending = undefined;
      return;
    }
    // A comment runs from a # at the start or after a space to the end of the line.
    const code = raw.replace(/(^|\s)#.*$/, '');
    const continued = code.endsWith('\\') && code.length === raw.length;
    const part = continued ? code.slice(0, -1) : code;
    pending = pending
      ? { line: pending.line, text: `${pending.text} ${part}` }
      : { line: number, text: part };
    if (!continued) {
      finish(pending);
      pending = undefined;
    }
  });
  if (pending) finish(pending);
  if (refusals.length > 0) throw requirementsRefused(refusals);
  return accepted;
}

function requirementsRefused(refusals: readonly RequirementRefusal[]): CairnError {
  const shown = refusals.slice(0, 5).map((r) => `line ${r.line}: ${r.reason}`);
  if (refusals.length > shown.length) shown.push(`and ${refusals.length - shown.length} more`);
  return new CairnError(`holds more than pinned requirements (${shown.join('; ')})`, {
    code: 'synth.python-requirements',
    phase: 'synthesize',
    subject: `${REQUIREMENTS_SUBJECT}:${refusals[0]!.line}`,
    hint: 'list each dependency as name==version from the package index (comments, ; markers and --hash=sha256:... allowed); cairn installs nothing else, and pip reads no other file, URL or index',
  });
}
