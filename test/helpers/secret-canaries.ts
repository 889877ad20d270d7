import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodedForms } from '../../controller/model/secret-forms';
import type { CliResult } from './cli';

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

/**
 * The failure message naming every canary found in `channels` in any spelling (empty when none is):
 * the test throws it, so a leak fails with where each canary stood, masked.
 */
export function canaryLeaks(channels: ReadonlyMap<string, string>, canaries: readonly Canary[]): string {
  const hits = findCanaries(channels, canaries);
  return hits.length > 0 ? `secret canaries leaked:\n${describeHits(hits)}` : '';
}

/** Twelve random hex digits: a canary's unguessable part, or a name no other run uses. */
export function canaryTag(): string {
  return randomBytes(6).toString('hex');
}

/** Every regular file under `dir`, by path relative to it (an absent folder has none). */
function filesUnder(dir: string, prefix = ''): [string, string][] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const file = join(dir, name);
    return statSync(file).isDirectory()
      ? filesUnder(file, `${prefix}${name}/`)
      : [[`${prefix}${name}`, readFileSync(file, 'utf8')] as [string, string]];
  });
}

/**
 * What cairn printed, served, posted or stored in a canary test, one text per channel, to hand to
 * `findCanaries`. Every canary test collects its channels the same way, so a channel's name reads
 * the same in every failure message: `<command> (stdout)`, `<command> (stderr)`, `<label> <file>`.
 */
export interface CanaryChannels {
  /** Each channel's text; one recorded again keeps both texts, a line apart. */
  readonly channels: Map<string, string>;
  record(channel: string, text: string): void;
  /** Records a command's stdout and stderr as two channels, and returns its result. */
  recordCli(channel: string, result: CliResult): CliResult;
  /** Records each file under `dir` whose relative path matches `only` as the channel `<label> <path>`. */
  recordFiles(label: string, dir: string, only?: RegExp): void;
  /**
   * The channels that said nothing (an empty channel proves nothing); a command's stdout and stderr
   * count as one channel, empty only when both are.
   */
  silentChannels(): string[];
}

export function canaryChannels(): CanaryChannels {
  const channels = new Map<string, string>();
  const record = (channel: string, text: string) =>
    void channels.set(channel, `${channels.get(channel) ?? ''}${text}\n`);
  const said = (name: string) =>
    /\((stdout|stderr)\)$/.test(name)
      ? `${channels.get(name.replace(/\(std\w+\)$/, '(stdout)'))}${channels.get(name.replace(/\(std\w+\)$/, '(stderr)'))}`
      : channels.get(name)!;
  return {
    channels,
    record,
    recordCli(channel, result) {
      record(`${channel} (stdout)`, result.stdout);
      record(`${channel} (stderr)`, result.stderr);
      return result;
    },
    recordFiles(label, dir, only = /(?:)/) {
      for (const [name, text] of filesUnder(dir)) if (only.test(name)) record(`${label} ${name}`, text);
    },
    silentChannels: () => [...channels.keys()].filter((name) => !said(name).trim()),
  };
}
