import { readFileSync } from 'node:fs';
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
    config.server.apiTokenEnv,
    // Hand-made configs (tests) may leave out the audit section.
    (config.audit as CairnConfig['audit'] | undefined)?.keyEnv,
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
  // The audit key as loadChainKey reads it (trimmed), and as written, in case it is printed raw.
  const keyFile = (config.audit as CairnConfig['audit'] | undefined)?.keyFile;
  const auditKey = keyFile ? readToken(keyFile) : '';
  return unique([
    ...names.flatMap((name) => (name && env[name] ? [env[name], env[name].trim()] : [])),
    ...fromFiles.filter((v) => v !== ''),
    ...(auditKey ? [auditKey, auditKey.trim()] : []),
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
