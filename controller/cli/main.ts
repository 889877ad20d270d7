#!/usr/bin/env node
import { enableCompileCache } from './compile-cache';
// First of all, when run as the `cairn` command: every module loaded after this one is compiled
// from V8's code cache (Node's own from 22.1, cairn's on Node 20; see compile-cache.ts).
if (require.main === module) enableCompileCache();
import { Command, CommanderError, Option } from 'commander';
import { errorMessage, isCairnError } from '../model/errors';
import { maskSecrets } from '../model/secret-mask';
import { packageVersion } from '../package-root';
import { COMMAND_TREES, TreeHelp, treeStub, type TreeName } from './command-trees';
import { commands } from './lazy-commands';

// The AWS SDK warns every process on Node 20 that its releases after January 2027 need Node 22.
// cairn supports Node 20 until then (package.json engines); the notice is for cairn's maintainers,
// not its users, so it is silenced the documented way (set the variable to false to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Exit codes scripts can trust: 0 success, 1 the operation failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const configOption = () => new Option('-c, --config <file>', 'the cairn config file').makeOptionMandatory();

/**
 * Builds the `cairn` command line. Each action returns its exit code. Given the arguments, only
 * the command they name is loaded: a command's module (and the libraries behind it) costs
 * nothing to a command that does not use it.
 */
export function program(argv?: readonly string[], trees: 'named' | 'all' = 'named'): Command {
  const cli = new Command('cairn')
    .description(
      'GitOps for AWS (CDK through CloudFormation) and Kubernetes (server-side apply), one branch per environment',
    )
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError();
  cli.createHelp = () => Object.assign(new TreeHelp(), cli.configureHelp());

  cli
    .command('run')
    .description('run the controller: poll and receive webhooks, reconcile every environment, serve the API')
    .addOption(configOption())
    .addOption(
      new Option('--log-format <format>', 'log lines as JSON or for a person')
        .choices(['json', 'pretty'])
        .default('json'),
    )
    .action(async (o) => exit(await commands.run().runCommand(o)));

  cli
    .command('sync')
    .description('reconcile one environment once to its branch head; exit 0 on success, 1 on failure')
    .addOption(configOption())
    .requiredOption('-e, --env <name>', 'the environment')
    .option('--json', 'print the audit entry as JSON')
    .action(async (o) => exit(await commands.once().syncCommand(o)));

  cli
    .command('plan')
    .description('show what would change per stack and per object, applying nothing')
    .addOption(configOption())
    .requiredOption('-e, --env <name>', 'the environment')
    .option('--json', 'print the plan as JSON')
    .action(async (o) => exit(await commands.once().planCommand(o)));

  cli
    .command('validate')
    .description("check the config file (and with --env, that environment's branch content)")
    .addOption(configOption())
    .option('-e, --env <name>', 'also check this environment’s branch head')
    .action(async (o) => exit(await commands.validate().validateCommand(o)));

  cli
    .command('bootstrap')
    .description('prepare an environment’s AWS account and region for deploys (like cdk bootstrap)')
    .addOption(configOption())
    .requiredOption('-e, --env <name>', 'the environment')
    .action(async (o) => exit(await commands.once().bootstrapCommand(o)));

  cli
    .command('install')
    .description(
      'apply the objects that run cairn in a cluster (server-side), or print them with --export for kubectl apply -f -',
    )
    .option('--export', 'print the manifests instead of applying them')
    .option('--kubeconfig <file>', 'where to apply (default: KUBECONFIG, ~/.kube/config or in-cluster)')
    .option('--context <name>', 'the kubeconfig context to apply to (default: its current context)')
    .option('-n, --namespace <name>', 'the namespace cairn runs in', 'cairn')
    .option(
      '-c, --config <file>',
      'the cairn config to embed in the ConfigMap (default: a commented example)',
    )
    .option('--image <ref>', 'the controller image (default cairn/controller:<version>)')
    .option('--runner-image <ref>', 'the synth runner image (default cairn/synth-runner:<version>)')
    .option('--replicas <n>', 'controller replicas; more than 1 needs sharding.enabled in the config', '1')
    .option(
      '--kinds <list...>',
      'what cairn may apply: group/resource (core/configmaps, apps/deployments) or Kind names; "default" is the default set',
    )
    .option('--cluster-admin', 'bind cluster-admin instead of the least-privilege ClusterRole')
    .option('--no-synth-runner', 'leave out the synth runner container (Kubernetes-only environments)')
    .action(async (o) => exit(await commands.install().installCommand(o)));

  // A tree's module is loaded only when the arguments name it; otherwise a stub stands in for it,
  // enough for help and usage errors to list it (loading all three cost `cairn --help` seconds).
  const words = (argv ?? []).filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const controlCommand = (name: 'suspend' | 'resume' | 'promote'): Command =>
    commands
      .suspend()
      .controlCommands(configOption, exit)
      .find((c) => c.name() === name)!;
  const load: Record<TreeName, () => Command> = {
    audit: () => commands.audit().auditCommands(configOption, exit),
    revert: () => commands.revert().revertCommandLine(configOption, exit),
    'synth-runner': () => commands.synthRunner().synthRunnerCommand(exit),
    suspend: () => controlCommand('suspend'),
    resume: () => controlCommand('resume'),
    promote: () => controlCommand('promote'),
  };
  for (const tree of Object.keys(COMMAND_TREES) as TreeName[])
    cli.addCommand(trees === 'all' || named === tree ? load[tree]() : treeStub(tree));
  return usageErrorsThrow(cli);
}

/**
 * Makes every command, however deep, throw on a usage error instead of exiting, so `main` maps
 * each one to exit code 2. Commander copies these settings only to subcommands made with
 * `.command()`, not to those added with `addCommand()`, which is how `cairn audit …` used to exit 1.
 */
function usageErrorsThrow(command: Command): Command {
  command.exitOverride().showHelpAfterError();
  for (const sub of command.commands) usageErrorsThrow(sub);
  return command;
}

function exit(code: number): void {
  process.exitCode = code;
}

/** Runs the CLI with `argv`; errors print one line (no stack) and set the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program(argv).parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // Masked as every log line is: an error that reaches here unhandled may quote a credential (found
    // by the secret canary test: `cairn audit list` printed AWS's SignatureDoesNotMatch from the
    // DynamoDB ledger, whose canonical request holds the session token).
    process.stderr.write(
      maskSecrets(`cairn: ${isCairnError(error) ? error.message : errorMessage(error)}\n`),
    );
    if (!isCairnError(error) && process.env.CAIRN_DEBUG)
      process.stderr.write(maskSecrets(`${(error as Error).stack}\n`));
    return EXIT.failed;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
