import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

// A file bigger than this is no token (and one named by mistake must not be read whole).
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * The bearer tokens the AWS SDK's default credential chain sends on cairn's behalf before it has
 * any credentials, read where the SDK reads them: the container credentials endpoint's token of
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (EKS Pod Identity's, which the SDK sends as the
 * Authorization header as the file holds it), the web-identity token of
 * `AWS_WEB_IDENTITY_TOKEN_FILE` and of every profile's `web_identity_token_file` (in the shared
 * config and credentials files, `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`), and the SSO
 * tokens cached for every profile's `sso_session` or `sso_start_url` (`~/.aws/sso/cache/<sha1>.json`:
 * its access token, and the refresh token and client secret the SDK refreshes it with). Every
 * profile's, not only `AWS_PROFILE`'s: a profile may take its identity from another
 * (`source_profile`), and the files are cairn's own. Read at each call, as the SDK does: the
 * platform rotates a web-identity file. What the chain hands back (keys, session tokens, the output
 * of a `credential_process`) is remembered from its answer instead (`rememberingCredentials`).
 */
export function awsChainTokens(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const settings = [
    ...iniSettings(pathOf(env.AWS_CONFIG_FILE, home) ?? join(home, '.aws', 'config')),
    ...iniSettings(pathOf(env.AWS_SHARED_CREDENTIALS_FILE, home) ?? join(home, '.aws', 'credentials')),
  ];
  const tokenFiles = [
    env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
    env.AWS_WEB_IDENTITY_TOKEN_FILE,
    ...settings.filter(([key]) => key === 'web_identity_token_file').map(([, value]) => value),
  ];
  const ssoCaches = settings
    .filter(([key]) => key === 'sso_session' || key === 'sso_start_url')
    .map(([, id]) =>
      join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(id).digest('hex')}.json`),
    );
  return [
    ...tokenFiles.flatMap((file) => {
      const token = file ? smallFile(file) : undefined;
      return token ? [token, token.trim()] : [];
    }),
    ...ssoCaches.flatMap(ssoCacheSecrets),
  ];
}

/** A path as the SDK resolves `AWS_CONFIG_FILE` and its sibling: `~/` is the home folder. */
function pathOf(file: string | undefined, home: string): string | undefined {
  if (!file) return undefined;
  return file.startsWith('~/') ? join(home, file.slice(2)) : file;
}

/** Every `key = value` of an ini file, in any section, as the SDK reads them (comments dropped). */
function iniSettings(file: string): [string, string][] {
  const text = smallFile(file);
  if (text === undefined) return [];
  return text.split(/\r?\n/).flatMap((raw): [string, string][] => {
    const line = raw.split(/(^|\s)[;#]/)[0]!.trim();
    const equals = line.indexOf('=');
    if (equals <= 0) return [];
    const value = line.slice(equals + 1).trim();
    return value === '' ? [] : [[line.slice(0, equals).trim(), value]];
  });
}

/** The secrets of one SSO token cache file. */
function ssoCacheSecrets(file: string): string[] {
  const text = smallFile(file);
  if (text === undefined) return [];
  try {
    const cached = JSON.parse(text) as Record<string, unknown>;
    return [cached.accessToken, cached.refreshToken, cached.clientSecret].filter(
      (v): v is string => typeof v === 'string',
    );
  } catch {
    // The SDK refuses a cache file that is not JSON itself, quoting none of it.
    return [];
  }
}

/** A regular file's text, or undefined when it is missing, unreadable or too big for a token. */
function smallFile(file: string): string | undefined {
  try {
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_TOKEN_FILE_BYTES) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    // The SDK reports a file it needs and cannot read itself; there is nothing to mask then.
    return undefined;
  }
}
