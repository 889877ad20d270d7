/** The first 8 characters of a sha, or an em dash for none. */
export function short(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 8) : '—';
}

/** A duration in ms as `850 ms`, `4.2 s` or `3 min 5 s`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An ISO time as local `YYYY-MM-DD HH:MM:SS`, or an em dash. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The first line of a commit message. */
export function subject(message: string | undefined): string {
  return (message ?? '').split('\n', 1)[0] ?? '';
}

/**
 * The Git host's link of a commit from the session's template, only for a plain hex sha and an
 * http(s) template (the template comes from cairn's config, the sha from Git: neither may make a
 * `javascript:` link).
 */
export function commitLink(template: string | undefined, sha: string | null | undefined): string | undefined {
  if (!template || !sha || !/^[0-9a-f]{7,64}$/.test(sha) || !/^https?:\/\//.test(template)) return undefined;
  return template.replace('{sha}', sha);
}

/** The hash route of a page: `#/`, `#/env/<name>`, `#/entry/<id>`. */
export const href = {
  environments: () => '#/',
  environment: (env: string) => `#/env/${encodeURIComponent(env)}`,
  entry: (id: string) => `#/entry/${encodeURIComponent(id)}`,
};
