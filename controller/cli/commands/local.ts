import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { runDemo } from '../../demo/demo';
import { packageRoot } from '../../package-root';

/** `cairn sandbox up|down|status`: the local real parts (kube-apiserver, etcd, moto_server) the tests and demo use. */
export function sandboxCommand(exit: (code: number) => void): Command {
  const sandbox = new Command('sandbox').description('start, stop or show the local sandbox of real parts');
  for (const verb of ['up', 'down', 'status'] as const) {
    sandbox
      .command(verb)
      .description(`${verb === 'up' ? 'start' : verb === 'down' ? 'stop' : 'show'} the sandbox`)
      .action(() => exit(runSandbox(verb)));
  }
  return sandbox;
}

/** Runs test/sandbox/sandbox.sh with the terminal attached; returns its exit code. */
export function runSandbox(verb: 'up' | 'down' | 'status'): number {
  const result = spawnSync('bash', [join(packageRoot(), 'test', 'sandbox', 'sandbox.sh'), verb], {
    stdio: 'inherit',
  });
  return result.status ?? 1;
}

/** `cairn demo`: the whole story on one machine. */
export function demoCommand(exit: (code: number) => void): Command {
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
    .action(async (o: { wait: boolean; workdir?: string; prefix?: string }) => {
      exit(
        await runDemo({
          wait: o.wait,
          ...(o.workdir ? { workdir: o.workdir } : {}),
          ...(o.prefix ? { prefix: o.prefix } : {}),
        }),
      );
    });
}
