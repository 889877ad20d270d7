#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { runDemo } from './demo';

/**
 * `npm run demo`: the whole story on one machine (sandbox, platform repository, `cairn run`, then
 * merge, promote and revert). Development tooling, not a command of the shipped `cairn` binary.
 */
export function demoProgram(): Command {
  return new Command('demo')
    .description(
      'start the sandbox and a controller, then merge, promote and revert a change, showing each step',
    )
    .option('--no-wait', 'stop everything at the end instead of waiting for Ctrl-C')
    .option(
      '--prefix <name>',
      'prefix of every stack, namespace and name (default shop-<4 random hex digits>, new each run)',
    )
    .option(
      '--workdir <dir>',
      'where to put the demo repository, config and audit trail (default: a new temp dir)',
    )
    .exitOverride()
    .action(async (o: { wait: boolean; workdir?: string; prefix?: string }) => {
      process.exitCode = await runDemo({
        wait: o.wait,
        ...(o.workdir ? { workdir: o.workdir } : {}),
        ...(o.prefix ? { prefix: o.prefix } : {}),
      });
    });
}

if (require.main === module) {
  demoProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (!(error instanceof CommanderError)) process.stderr.write(`demo: ${(error as Error).stack}\n`);
      process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
    });
}
