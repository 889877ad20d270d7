import { WELL_KNOWN_SECRET_VARIABLES } from '../model';
import type { CairnConfig } from './types';

/**
 * The secret values a config points at in `env` (the git token, the webhook secret, the API
 * token) and the AWS secret key and session token of the controller's own environment.
 */
export function configuredSecretValues(config: CairnConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = [
    config.repository.auth?.tokenEnv,
    config.server.webhookSecretEnv,
    config.server.apiTokenEnv,
    ...WELL_KNOWN_SECRET_VARIABLES,
  ];
  return names.flatMap((name) => (name && env[name] ? [env[name]] : []));
}
