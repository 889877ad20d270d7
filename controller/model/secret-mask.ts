import { awsChainTokens } from './aws-chain-tokens';
import { encodedForms } from './secret-forms';

/** What a masked secret is replaced with. */
export const MASK = '[masked]';

/** How much of a child's output reaches logs, errors and the audit trail: its last few KiB. */
export const OUTPUT_TAIL_BYTES = 4 * 1024;

// Access key ids: long-term (AKIA) and temporary (ASIA) ones, plus the rarer prefixes of the same
// shape. Matched anywhere, not only between word boundaries: `X0AKIA…` glued to another word (a
// resource name, a base64 run) once reached a plan comment unmasked.
const ACCESS_KEY_ID = /(?:AKIA|ASIA|AROA|AIDA|ANPA|ANVA|AGPA)[A-Z0-9]{16}/g;
// A secret access key is 40 characters of base64. A bare 40-character run is masked only when it
// mixes upper case, lower case and a digit or `/`/`+`, so commit shas and hex digests stay readable.
const SECRET_KEY_CANDIDATE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
// After a label naming it, any 40-character base64 value is a secret key whatever its letters.
const LABELLED_SECRET_KEY = /(secret_?access_?key\W{0,6})[A-Za-z0-9/+]{40}/gi;
// The shortest text any of the three can match: an access key id.
const SHORTEST_MATCH = 20;

/**
 * The environment variables whose values are secrets whether or not the config names them: the AWS
 * SDK's static credentials, and the token its chain sends a container credentials endpoint (ECS, EKS
 * Pod Identity; the file `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` names is read with the chain's
 * other token files, `awsChainTokens`). Found in review: that token was remembered by no one.
 */
export const WELL_KNOWN_SECRET_VARIABLES = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
] as const;

// Values shorter than this would mask ordinary words; no real token is this short.
const MIN_SECRET_LENGTH = 6;

const remembered = new Set<string>();
// Every form of every remembered secret, longest first (rebuilt on change), each looked for with
// `includes`. Not one alternation: V8 compiles a regular expression when it first runs, and the
// alternation of a kubeconfig's client key (fifteen forms, some 35 KB) took 6 ms to compile and
// 1.3 ms more at its second run, in the first log line after the kubeconfig was read: inside a
// fresh `cairn sync`'s parse, before its first write. A form longer than the text (a log line
// beside a key) is passed over at once.
let forms: readonly string[] = [];
// The length of the shortest of those forms: a shorter text holds none of them.
let shortestForm = Infinity;

function rebuild(): void {
  const all = new Set<string>();
  for (const secret of remembered) for (const form of encodedForms(secret)) all.add(form);
  forms = [...all].sort((a, b) => b.length - a.length);
  shortestForm = forms.at(-1)?.length ?? Infinity;
}

/**
 * Adds values that must never appear in a log line, an error message or an audit entry (tokens,
 * secrets, credentials obtained at run time). Every call of `maskSecrets` masks them from then on,
 * raw and in their JSON-escaped, URL-encoded and base64 forms (see `encodedForms`).
 */
export function rememberSecrets(values: Iterable<string | undefined>): void {
  let added = false;
  for (const value of values)
    if (value && value.length >= MIN_SECRET_LENGTH && !remembered.has(value)) {
      remembered.add(value);
      added = true;
    }
  if (added) rebuild();
}

/**
 * A credentials provider (the AWS SDK's shape) whose secret key and session token are remembered,
 * as `rememberSecrets` does, each time it answers. For credentials cairn is not given but finds at
 * run time (the AWS SDK's default chain: a web-identity token file, a container or instance role, a
 * profile): found by the secret canary test, AWS's SignatureDoesNotMatch quotes the canonical
 * request, its `x-amz-security-token` header included, and the session token a web-identity file
 * had bought went unmasked into `cairn plan`'s output. The tokens the chain is about to send
 * (a web-identity token, an SSO token: `awsChainTokens`) are remembered first, read as the SDK reads
 * them (each call: the platform rotates the file), so a refusal that quotes one
 * (InvalidIdentityToken through a proxy that echoes it) masks it too. Found in review: only
 * `AWS_WEB_IDENTITY_TOKEN_FILE` was read, so a profile's `web_identity_token_file` (`AWS_PROFILE`)
 * reached `cairn plan`'s and `cairn sync`'s output in full. Read again once the chain has answered:
 * found in review, an SSO token the chain renewed (`sso_session`, within five minutes of expiry) was
 * sent, and quoted by the portal's refusal, before any read had seen it (a renewal the SDK cannot
 * write to its cache is not seen at all).
 * Arguments pass through (the SDK hands the calling client's config to the chain).
 */
export function rememberingCredentials<
  A extends unknown[],
  C extends { readonly secretAccessKey: string; readonly sessionToken?: string },
>(provider: (...args: A) => Promise<C>): (...args: A) => Promise<C> {
  return async (...args) => {
    rememberSecrets(awsChainTokens());
    try {
      const credentials = await provider(...args);
      rememberSecrets([credentials.secretAccessKey, credentials.sessionToken]);
      return credentials;
    } finally {
      // Read again before the answer or the refusal goes anywhere: an SSO token within minutes of
      // expiring is renewed by the chain (its cache file rewritten) and the new one sent at once.
      rememberSecrets(awsChainTokens());
    }
  };
}

/** Forgets every remembered value (tests use it to start clean). */
export function forgetSecrets(): void {
  remembered.clear();
  forms = [];
  shortestForm = Infinity;
}

function looksLikeSecretKey(candidate: string): boolean {
  return /[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /[0-9/+]/.test(candidate);
}

/**
 * Text with every remembered secret (raw, JSON-escaped, URL-encoded, base64), every AWS access key
 * id and every value shaped like an AWS secret key replaced by `[masked]`. The one masking
 * function: use it wherever text that a repository or a child process produced reaches a log, an
 * error or a record.
 */
export function maskSecrets(text: string): string {
  // Most texts a record holds (kinds, names, actions) are shorter than anything masked: an audit
  // entry of a thousand objects has some six thousand of them, each worth four regex passes.
  if (text.length < Math.min(shortestForm, SHORTEST_MATCH)) return text;
  let out = text;
  // Longest first: a secret holding another is masked whole, not around the shorter one's mask.
  for (const form of forms)
    if (form.length <= out.length && out.includes(form)) out = out.split(form).join(MASK);
  return out
    .replace(ACCESS_KEY_ID, MASK)
    .replace(LABELLED_SECRET_KEY, (_m, label: string) => `${label}${MASK}`)
    .replace(SECRET_KEY_CANDIDATE, (m) => (looksLikeSecretKey(m) ? MASK : m));
}

/**
 * The last `maxBytes` of a text (cut at a character boundary), with a note of how much was cut.
 * Mask before capping, on more text than is kept, so a secret cut in half is never left behind.
 */
export function capTail(text: string, maxBytes = OUTPUT_TAIL_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Step past UTF-8 continuation bytes so the tail starts on a whole character.
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return `[… ${start} bytes cut]\n${bytes.subarray(start).toString('utf8')}`;
}

/** What a child process printed, safe to log or record: masked first, then capped to its tail. */
export function safeOutput(text: string, maxBytes = OUTPUT_TAIL_BYTES): string {
  return capTail(maskSecrets(text), maxBytes).trim();
}
