import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { WELL_KNOWN_SECRET_VARIABLES } from '../model';

// A config names each secret it needs by the environment variable (`…Env`, `env`) or the file
// (`…File`, `file`, and `repository.auth.sshKeyPath`) that holds it, never by value (the schema's
// rule, which test/unit/config/secret-fields.test.ts holds every field of the schema to).
const NAMES_A_VARIABLE = /^(?:env|[a-z][A-Za-z]*Env)$/;
const NAMES_A_FILE = /^(?:file|[a-z][A-Za-z]*(?:File|KeyPath))$/;
// A file bigger than this is no key or token (and reading one named by mistake must not hang).
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * The secret values a config document points at, read before it is validated (so a config that is
 * not valid, and the error that says so, mask them too): the values of the environment variables
 * every `…Env` and `env` field names, the contents of the files every `…File` and `file` field
 * names (relative to `dir`, the config file's folder), the well-known AWS secret variables, and the
 * credentials written inline in a URL of the config or of those values (`urlCredentials`).
 * The one list of a config's secrets: `validateConfigFile`, which every command's config read goes
 * through, remembers it, so a new field named by the rule is masked without anyone listing it.
 * Found in review: a second, hand-kept list (for the controller's wiring) had to be extended with
 * every new secret, and `repository.auth.sshKeyPath` was in neither.
 */
export function configSecretValues(
  document: unknown,
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const variables: string[] = [...WELL_KNOWN_SECRET_VARIABLES];
  const files: string[] = [];
  const inline: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'string') inline.push(...urlCredentials(value));
    else if (typeof value === 'object' && value !== null)
      for (const [key, field] of Object.entries(value)) {
        if (typeof field === 'string' && NAMES_A_VARIABLE.test(key)) variables.push(field);
        else if (typeof field === 'string' && NAMES_A_FILE.test(key)) files.push(field);
        else walk(field);
      }
  };
  walk(document);
  const fromFiles = files.flatMap((file) => {
    const path = isAbsolute(file) ? file : resolve(dir, file.replace(/^~(?=\/)/, env.HOME ?? '~'));
    try {
      const stat = statSync(path);
      if (!stat.isFile() || stat.size > MAX_SECRET_FILE_BYTES) return [];
    } catch {
      return [];
    }
    const value = readToken(path);
    return value === '' ? [] : [value, value.trim()];
  });
  const fromVariables = variables.flatMap((name) => (env[name] ? [env[name], env[name].trim()] : []));
  return unique([
    ...fromVariables,
    ...fromFiles,
    ...inline,
    // A URL a variable or file holds (a notification URL) sends its credentials decoded, too.
    ...[...fromVariables, ...fromFiles].flatMap(urlCredentials),
  ]);
}

// The user information of a URL, up to the last `@` before the host (as redactUrl and URL parsers read it).
const URL_USER_INFO = /([a-z][a-z0-9+.-]*):\/\/([^/\s]*)@/gi;

/**
 * The credentials written inline in the URLs of `text` (`https://user:password@host/…`, or a token
 * as the user), in every form a client sends or a server quotes them: as written, percent-decoded,
 * and `user:password` decoded (a Basic header is its base64, which `encodedForms` covers). Found by
 * the secret canary test: `redactUrl` hid `repository.url`'s password where cairn printed the URL,
 * but git sends it as a Basic header, and a host (or a proxy) whose refusal quoted the header, or
 * the password, had it printed by `git fetch` (`fatal: remote error: …`) and isomorphic-git, in
 * `cairn plan`'s output, the ledger and the logs.
 */
export function urlCredentials(text: string): string[] {
  return [...text.matchAll(URL_USER_INFO)].flatMap(([, scheme = '', userInfo = '']) => {
    const colon = userInfo.indexOf(':');
    const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
    const password = colon < 0 ? '' : userInfo.slice(colon + 1);
    // Without a password an HTTP URL's user is the secret (a token written as
    // `https://<token>@host`); an SSH URL's (`ssh://deploy@host/…`) is a login name.
    const tokenAsUser = password === '' && /^https?$/i.test(scheme);
    const secrets = tokenAsUser
      ? [user]
      : password === ''
        ? []
        : [password, `${decoded(user)}:${decoded(password)}`];
    return secrets.flatMap((s) => [s, decoded(s)]).filter((s) => s !== '');
  });
}

/** `text` percent-decoded as a URL parser decodes user information; itself when malformed. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A token file's value as the server reads it (a trailing newline dropped); empty when unreadable. */
function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    // The server refuses to start on an unreadable token file; there is nothing to mask then.
    return '';
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
