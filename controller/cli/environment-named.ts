import type { CairnConfig, EnvironmentConfig } from '../config/types';
import { CairnError } from '../model/errors';

/** The environment named `name`, or a CairnError listing the ones that exist. */
export function environmentNamed(config: CairnConfig, name: string): EnvironmentConfig {
  const env = config.environments.find((e) => e.name === name);
  if (!env) {
    throw new CairnError(`no environment named "${name}"`, {
      code: 'config.unknown-env',
      phase: 'config',
      subject: config.file,
      hint: `use one of: ${config.environments.map((e) => e.name).join(', ')}`,
    });
  }
  return env;
}
