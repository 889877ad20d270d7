import { encodedForms } from '../../controller/model/secret-forms';

/** A secret value planted for a test, with the name a failure message calls it by. */
export interface Canary {
  readonly name: string;
  readonly value: string;
}

/** One place a canary showed up: which channel, which canary, in which spelling, and where (masked). */
export interface CanaryHit {
  readonly channel: string;
  readonly canary: string;
  readonly form: string;
  readonly context: string;
}

/** What `encodedForms` spelling `form` of `value` is, in words a failure message can use. */
function formName(value: string, form: string): string {
  if (form === value) return 'raw';
  if (form === JSON.stringify(value).slice(1, -1)) return 'JSON-escaped';
  if (/%[0-9a-f]{2}|\+/i.test(form) && decodeURIComponent(form.replace(/\+/g, ' ')) === value)
    return 'URL-encoded';
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  const b64url = Buffer.from(value, 'utf8').toString('base64url');
  if ([b64, b64.replace(/=+$/, ''), b64url, b64url.replace(/=+$/, '')].includes(form)) return 'base64';
  return 'base64 inside a longer base64 text';
}

/**
 * Every occurrence of every canary, in each of its `encodedForms` spellings, in every channel's
 * text. Each hit's context is the text around it on one line, with every canary form in it
 * replaced by `«name»`, so the failure message that quotes it leaks nothing itself.
 */
export function findCanaries(
  channels: ReadonlyMap<string, string>,
  canaries: readonly Canary[],
): CanaryHit[] {
  const forms = canaries
    .flatMap((c) =>
      encodedForms(c.value).map((form) => ({ canary: c.name, form, kind: formName(c.value, form) })),
    )
    .sort((a, b) => b.form.length - a.form.length);
  const hide = (text: string) => forms.reduce((t, f) => t.split(f.form).join(`«${f.canary}»`), text);
  const hits: CanaryHit[] = [];
  for (const [channel, text] of channels) {
    const seen = new Set<string>();
    for (const f of forms) {
      const at = text.indexOf(f.form);
      if (at < 0 || seen.has(f.canary)) continue;
      // One hit per canary and channel: the longest form found names it.
      seen.add(f.canary);
      const around = text.slice(Math.max(0, at - 60), at + f.form.length + 60);
      hits.push({ channel, canary: f.canary, form: f.kind, context: JSON.stringify(hide(around)) });
    }
  }
  return hits;
}

/** A failure message listing `hits`, one line each: channel, canary, spelling, masked context. */
export function describeHits(hits: readonly CanaryHit[]): string {
  return hits.map((h) => `${h.channel}: ${h.canary} (${h.form}) in …${h.context}…`).join('\n');
}
