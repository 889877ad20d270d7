import { Command } from 'commander';
import { credentialsInReach } from '../../../cdk/synth/runner-credentials';
import { startSynthRunnerServer } from '../../../cdk/synth/sidecar-runner-server';
import { createLog } from '../../log';
import { CairnError, DEFAULT_SYNTH_SOCKET, DEFAULT_SYNTH_WORK_ROOT } from '../../model';
import { untilStopSignal } from '../stop-signal';

/**
 * `cairn synth-runner`: the entrypoint of the synth runner container. It holds no credentials and
 * runs the CDK apps the controller sends over its Unix socket; SIGTERM/SIGINT stop it with exit 0.
 */
export function synthRunnerCommand(exit: (code: number) => void): Command {
  return new Command('synth-runner')
    .description(
      'run CDK apps for a controller in another container, over a Unix socket (aws.synth.isolation: sidecar)',
    )
    .option('--socket <path>', 'the Unix socket to listen on', DEFAULT_SYNTH_SOCKET)
    .option(
      '--work <dir>',
      'the shared folder jobs must run in (the controller’s workspaces.dir)',
      DEFAULT_SYNTH_WORK_ROOT,
    )
    .action(async (o: { socket: string; work: string }) => {
      // Every job runs as this process's uid, so what this process can read, a job can: a runner
      // holding a credential would hand it to every environment's app (see credentialsInReach).
      const reachable = credentialsInReach(process.env);
      if (reachable.length > 0)
        throw new CairnError(
          `the synth runner holds credentials its jobs could read (${reachable.join(', ')}): refusing to start`,
          {
            code: 'synth.runner-credentials',
            phase: 'synthesize',
            subject: 'synth runner',
            hint: 'give the synth-runner container no credentials: with IRSA or EKS Pod Identity add the pod annotation eks.amazonaws.com/skip-containers: synth-runner,prepare-workspaces,prepare-runner-folder (cairn install --export and the Helm chart set it), and mount no ServiceAccount token or Secret into it',
          },
        );
      const log = createLog();
      const server = await startSynthRunnerServer({ socket: o.socket, workRoot: o.work, log });
      await untilStopSignal(log);
      await server.close();
      log.info('stopped');
      exit(0);
    });
}
