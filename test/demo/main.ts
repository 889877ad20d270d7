#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { preflight, renderMissing } from './preflight';
import type * as Demo from './demo';
import { DemoProcesses } from './demo-processes';

/** The options of `npm run demo`. */
interface DemoOptions {
  wait: boolean;
  workdir?: string;
  prefix?: string;
  preflightOnly?: boolean;
  breakApp?: boolean;
}

/**
 * `npm run demo`: the whole story on one machine (sandbox, platform repository, `cairn run`, then
 * merge, promote and revert). Development tooling, not a command of the shipped `cairn` binary.
 * It checks the machine first (nothing is built or started when something is missing), and
 * Ctrl-C at any moment stops every process it started.
 */
export function demoProgram(): Command {
  return new Command('demo')
    .description(
      'start the sandbox and a controller, then merge, promote and revert a change, showing each step',
    )
    .option(
      '--no-wait',
      'stop the controller at the end instead of waiting for Ctrl-C (a sandbox it started stays up: npm run sandbox:down)',
    )
    .option(
      '--prefix <name>',
      'prefix of every stack, namespace and name (default shop-<4 random hex digits>, new each run)',
    )
    .option(
      '--workdir <dir>',
      'where to put the demo repository, config and audit trail (default: a new temp dir)',
    )
    .option('--preflight-only', 'check that this machine has what the demo needs, then exit')
    .addOption(new Option('--break-app', 'commit a CDK app that throws on dev (shows a stall)').hideHelp())
    .exitOverride()
    .action(async (o: DemoOptions) => {
      process.exitCode = await demo(o);
    });
}

async function demo(o: DemoOptions): Promise<number> {
  const processes = new DemoProcesses();
  processes.handleSignals();
  const missing = await preflight({ gitea: false });
  if (missing.length > 0) {
    process.stderr.write(renderMissing(missing));
    return 3;
  }
  if (o.preflightOnly) return 0;
  // Loaded only now: the Kubernetes client and the AWS SDK take seconds, and a machine that lacks
  // something hears so before paying for them.
  const { runDemo } = require('./demo') as typeof Demo;
  return runDemo(
    {
      wait: o.wait,
      ...(o.workdir ? { workdir: o.workdir } : {}),
      ...(o.prefix ? { prefix: o.prefix } : {}),
      ...(o.breakApp ? { breakApp: true } : {}),
    },
    processes,
  );
}

if (require.main === module) {
  demoProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (!(error instanceof CommanderError)) process.stderr.write(`demo: ${(error as Error).stack}\n`);
      process.exitCode = error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
    });
}
