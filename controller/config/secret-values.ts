import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { WELL_KNOWN_SECRET_VARIABLES } from '../model';
import type { CairnConfig } from './types';

/**
 * The secret values a config points at in `env` or in files (the git token, the webhook secret,
 * every API token, the Git host's API token, the audit key, the sharding handoff key) and the AWS
 * secret key and session token of the controller's own environment.
 */
export function configuredSecretValues(config: CairnConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = [
    config.repository.auth?.tokenEnv,
    config.repository.host?.tokenEnv,
    config.server.webhookSecretEnv,
    config.server.previousWebhookSecretEnv,
    config.server.apiTokenEnv,
    // Hand-made configs (tests) may leave out the audit section.
    (config.audit as CairnConfig['audit'] | undefined)?.keyEnv,
    ...((config.audit as CairnConfig['audit'] | undefined)?.retiredKeys ?? []).map((k) =>
      'env' in k ? k.env : undefined,
    ),
    config.sharding?.handoffKeyEnv,
    // day-two: a Slack webhook URL is itself a credential, and a receiver's signing secret is one.
    ...(config.notifications ?? []).flatMap((n) => [n.urlEnv, n.secretEnv]),
    ...(config.server.apiTokens ?? []).map((token) => token.env),
    ...WELL_KNOWN_SECRET_VARIABLES,
  ];
  const fromFiles = [
    ...(config.server.apiTokens ?? []).flatMap((token) => (token.file ? [readToken(token.file)] : [])),
    ...(config.sharding?.handoffKeyFile ? [readToken(config.sharding.handoffKeyFile).trim()] : []),
  ];
  // The audit keys (current and retired) as loadChainKey reads them (trimmed), and as written, in
  // case one is printed raw.
  const audit = config.audit as CairnConfig['audit'] | undefined;
  const keyFiles = [
    audit?.keyFile,
    ...(audit?.retiredKeys ?? []).map((k) => ('file' in k ? k.file : undefined)),
  ];
  const auditKeys = keyFiles.flatMap((file) => (file ? [readToken(file)] : [])).filter((v) => v !== '');
  return unique([
    ...names.flatMap((name) => (name && env[name] ? [env[name], env[name].trim()] : [])),
    ...fromFiles.filter((v) => v !== ''),
    ...auditKeys.flatMap((key) => [key, key.trim()]),
  ]);
}

// A config names each secret it needs by the environment variable (`…Env`, `env`) or the file
// (`…File`, `file`) that holds it, never by value (the schema's rule).
const NAMES_A_VARIABLE = /^(?:env|[a-z][A-Za-z]*Env)$/;
const NAMES_A_FILE = /^(?:file|[a-z][A-Za-z]*File)$/;
// A file bigger than this is no key or token (and reading one named by mistake must not hang).
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * The secret values a config document points at, read before it is validated (so a config that is
 * not valid, and the error that says so, mask them too): the values of the environment variables
 * every `…Env` and `env` field names, the contents of the files every `…File` and `file` field
 * names (relative to `dir`, the config file's folder), and the well-known AWS secret variables.
 */
export function documentSecretValues(
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
