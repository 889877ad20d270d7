import { readFileSync, statSync } from 'node:fs';

// A file bigger than this is no npmrc (and one named by mistake must not be read whole).
const MAX_NPMRC_BYTES = 256 * 1024;

// The settings of an npmrc that hold a registry credential, alone or scoped to a registry
// (`//registry.example/:_authToken`): a token, `_auth` (base64 of `user:password`) and `_password`
// (base64 of the password).
const CREDENTIAL_KEY = /(?:^|:)(_authToken|_auth|_password)$/;

/**
 * The registry credentials an npmrc holds, as written and as npm sends them (`_auth` and
 * `_password` decoded from base64, so a quoted Basic header or password masks too). Found in
 * review: a registry, or a proxy in front of it, whose refusal quotes the Authorization header has
 * `npm ci` print it (`403 Forbidden - GET <tarball> - <the registry's message>`), and the failure
 * reached the plan, the ledger and the logs with the token of `~/.npmrc` in full.
 */
export function npmrcSecrets(file: string): string[] {
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_NPMRC_BYTES) return [];
    text = readFileSync(file, 'utf8');
  } catch {
    // npm reads no file it cannot read either; there is nothing to mask then.
    return [];
  }
  return text.split(/\r?\n/).flatMap((line) => {
    const equals = line.indexOf('=');
    if (equals <= 0 || /^\s*[;#]/.test(line)) return [];
    const key = CREDENTIAL_KEY.exec(line.slice(0, equals).trim())?.[1];
    const value = line
      .slice(equals + 1)
      .trim()
      .replace(/^(["'])(.*)\1$/, '$2');
    if (!key || value === '') return [];
    if (key === '_authToken') return [value];
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const password = key === '_auth' ? decoded.slice(decoded.indexOf(':') + 1) : decoded;
    return [value, decoded, password];
  });
}
