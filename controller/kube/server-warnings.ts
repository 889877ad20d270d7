/** The most warnings kept of one answer: a broken or hostile server cannot flood a plan or the ledger. */
export const MAX_WARNINGS = 20;
/** The most characters kept of one warning. */
export const MAX_WARNING_LENGTH = 1_000;

// One warning-value of RFC 7234: `299 - "text"`, optionally followed by a quoted date. The text is
// an HTTP quoted-string (`\"` and `\\` escaped). A header may hold several, comma-separated.
const WARNING_VALUE = /^\s*\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"(?:\s+"(?:[^"\\]|\\.)*")?\s*(?:,|$)/;
// Control characters (an escape sequence, a carriage return) never reach a terminal or a log line.
const CONTROL = /\p{Cc}+/gu;

/**
 * The warnings of one answer, from its raw headers (name, value, name, value, ... as Node keeps
 * them: a header sent several times stays several entries, where `headers.warning` would join them
 * with commas that the texts themselves contain). Each `299 - "text"` gives its text, unquoted;
 * a value not in that form is kept as it is. Duplicates are dropped, each text is cut at
 * MAX_WARNING_LENGTH, and past MAX_WARNINGS the last one kept says how many more there were.
 * Undefined when the server warned about nothing (almost every answer): no array is made for those.
 */
export function warningsOf(rawHeaders: readonly string[]): readonly string[] | undefined {
  let found: Set<string> | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length !== 7 || name.toLowerCase() !== 'warning') continue;
    found ??= new Set();
    for (const text of textsOf(rawHeaders[i + 1]!)) {
      const clean = text.replace(CONTROL, ' ').trim();
      if (clean) found.add(cut(clean));
    }
  }
  if (!found || found.size === 0) return undefined;
  const all = [...found];
  if (all.length <= MAX_WARNINGS) return all;
  const more = all.length - (MAX_WARNINGS - 1);
  return [...all.slice(0, MAX_WARNINGS - 1), `(and ${more} more warnings from the API server)`];
}

/** The texts of one Warning header's value: each warning-value's, or the whole value when it is not in that form. */
function textsOf(value: string): string[] {
  const texts: string[] = [];
  let rest = value;
  while (rest.trim() !== '' && texts.length <= MAX_WARNINGS) {
    const match = WARNING_VALUE.exec(rest);
    if (!match) return texts.length === 0 ? [value] : [...texts, rest];
    texts.push(match[1]!.replace(/\\(.)/g, '$1'));
    rest = rest.slice(match[0].length);
  }
  return texts;
}

function cut(text: string): string {
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 1)}…`;
}
