import type { GitHostConfig } from '../config/types';
import { CairnError } from '../model';
import { createGiteaHost, createGitHubHost, type ForgeHostOptions } from './gitea-github';
import { createGitLabHost } from './gitlab';
import type { GitHost } from './types';

/**
 * The client of the configured Git host, with its token read from `config.tokenEnv` now (a missing
 * token is a start-up error, not a warning on every status).
 */
export function createGitHost(
  config: GitHostConfig,
  env: NodeJS.ProcessEnv = process.env,
  tuning: Pick<ForgeHostOptions, 'timeoutMs' | 'http'> = {},
): GitHost {
  const token = env[config.tokenEnv];
  if (!token) {
    throw new CairnError(`environment variable ${config.tokenEnv} is empty or not set`, {
      code: 'host.no-token',
      phase: 'config',
      subject: 'repository.host.tokenEnv',
      hint: `set ${config.tokenEnv} to a ${config.type} API token with write access to ${config.repo}`,
    });
  }
  const options: ForgeHostOptions = {
    repo: config.repo,
    apiUrl: config.apiUrl,
    token,
    tokenEnv: config.tokenEnv,
    ...tuning,
  };
  switch (config.type) {
    case 'gitea':
      return createGiteaHost(options);
    case 'github':
      return createGitHubHost(options);
    case 'gitlab':
      return createGitLabHost(options);
  }
}
