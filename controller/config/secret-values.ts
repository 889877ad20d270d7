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
 * names (relative to `dir`, the config file's folder), and the well-known AWS secret variables.
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
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
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
  return unique([
    ...variables.flatMap((name) => (env[name] ? [env[name], env[name].trim()] : [])),
    ...fromFiles,
  ]);
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
