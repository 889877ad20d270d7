import { CairnError } from './errors';

/**
 * The one check of a commit id or ref name before it reaches Git. Shas and refs come from places
 * cairn does not control (a ledger anyone with write access to an unkeyed log can edit, a webhook
 * body, a pull request's head ref): a value starting with `-` would be read by git as an option
 * (`--upload-pack=<command>` runs a command), and a ref with `..`, `@{` or a control character
 * names something else than it seems. Every caller also passes these values after
 * `--end-of-options`, so one missed check is not enough to smuggle an option in.
 */

// SHA-1 (40) or SHA-256 (64) object ids, lower-case as git prints them.
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** True for a full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. */
export function isSha(value: unknown): value is string {
  return typeof value === 'string' && SHA.test(value);
}

/**
 * Why `name` is not a ref name git would accept (the rules of `git check-ref-format`, plus no
 * leading `-`), or undefined when it is one. `name` is a full ref (`refs/heads/dev`) or a branch
 * name (`dev`, `team/dev`); one-level names are allowed, as `--allow-onelevel` does.
 */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.length > 1024) return 'it is longer than 1024 characters';
  if (name.startsWith('-')) return 'it starts with "-" (git would read it as an option)';
  if (name === '@') return 'it is "@"';
  // Control characters (and DEL), space, and the characters git gives a meaning in revisions.
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name))
    return 'it holds a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it holds ".."';
  if (name.includes('@{')) return 'it holds "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//'))
    return 'it starts or ends with "/" or holds "//"';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return 'a component starts with "."';
    if (part.endsWith('.lock')) return 'a component ends with ".lock"';
  }
  return undefined;
}

/** True when `name` is a ref name or branch name git accepts and that cannot be read as an option. */
export function isRefName(name: unknown): name is string {
  return typeof name === 'string' && refNameProblem(name) === undefined;
}

/**
 * Returns `sha` when it is a full commit id; otherwise throws a CairnError (`git.bad-sha`) naming
 * where it came from (`from`, e.g. "audit entry 0123abcd, fromSha") and what was wrong, without
 * running anything.
 */
export function checkedSha(sha: unknown, from: string): string {
  if (isSha(sha)) return sha;
  const shown = typeof sha === 'string' ? JSON.stringify(sha.slice(0, 80)) : String(sha);
  throw new CairnError(`${from} is not a commit id: ${shown} (want 40 or 64 lower-case hex digits)`, {
    code: 'git.bad-sha',
    subject: from,
    hint: 'the value was not passed to git; if it comes from the audit log, the log was edited: run `cairn audit verify`',
  });
}

/**
 * Returns `name` when it is a valid ref or branch name (see `refNameProblem`); otherwise throws a
 * CairnError (`git.bad-ref`) naming where it came from and why, without running anything.
 */
export function checkedRef(name: string, from: string): string {
  const problem = refNameProblem(name);
  if (problem === undefined) return name;
  throw new CairnError(`${from} is not a valid Git ref name: ${problem}`, {
    code: 'git.bad-ref',
    subject: from,
    hint: 'use a name `git check-ref-format --allow-onelevel` accepts',
  });
}
