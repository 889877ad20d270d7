// Each command's module is required when that command runs, not when the CLI starts: `cairn
// --version` paid about 3 s loading the Kubernetes client, the AWS SDK and the server for
// commands it never ran.
import type * as Audit from './commands/audit';
import type * as Install from './commands/install';
import type * as Once from './commands/once';
import type * as Revert from './commands/revert';
import type * as Run from './commands/run';
import type * as Suspend from './commands/suspend';
import type * as SynthRunner from './commands/synth-runner';
import type * as Validate from './commands/validate';

/** Each command's module, loaded on first use (typed as the module itself). */
export const commands = {
  audit: () => require('./commands/audit') as typeof Audit,
  install: () => require('./commands/install') as typeof Install,
  once: () => require('./commands/once') as typeof Once,
  revert: () => require('./commands/revert') as typeof Revert,
  run: () => require('./commands/run') as typeof Run,
  suspend: () => require('./commands/suspend') as typeof Suspend,
  synthRunner: () => require('./commands/synth-runner') as typeof SynthRunner,
  validate: () => require('./commands/validate') as typeof Validate,
};
