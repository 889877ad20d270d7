import { validateConfigFile } from '../../config/load-config';
import { environmentNamed } from '../environment-named';
import type * as Once from './once';

/** `1 environment`, `2 environments`: a count as a person says it. */
function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * `cairn validate`: the config file, and with --env the branch head's manifests and CDK app.
 * Checking the file alone loads only the config schema: the Git, Kubernetes and AWS libraries
 * (seconds of start-up) are required only for --env.
 */
export async function validateCommand(o: { config: string; env?: string }): Promise<number> {
  const result = validateConfigFile(o.config);
  if (!result.ok) {
    process.stderr.write(`${o.config} is not valid:\n${result.errors.map((e) => `  - ${e}`).join('\n')}\n`);
    return 1;
  }
  if (!o.env) {
    out(`${o.config} is valid (${counted(result.config.environments.length, 'environment')})`);
    return 0;
  }
  const env = environmentNamed(result.config, o.env);
  const { withSource, revisionOf, stderrLog } = require('./once') as typeof Once;
  await withSource(result.config, stderrLog(), async (source, appliers) => {
    const [head] = await source.fetch([{ env: env.name, branch: env.branch }]);
    const revision = revisionOf(head, env);
    const workspace = await source.checkout(revision);
    const { aws, kube } = appliers(env);
    const manifests = kube ? await kube.load(workspace.dir) : [];
    const assembly =
      aws && revision.trees.aws ? await aws.synthesize(workspace.dir, revision.sha) : undefined;
    out(
      `${env.name} @ ${revision.sha.slice(0, 12)} is valid: ${counted(manifests.length, 'Kubernetes object')}, ` +
        counted(assembly ? assembly.stacks.length : 0, 'stack'),
    );
  });
  return 0;
}
