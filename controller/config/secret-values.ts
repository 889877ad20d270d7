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
