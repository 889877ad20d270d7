import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClients } from './aws-clients';
import { ENV_TAG } from './stack-deployer';

/** Stack name → output key → value, for the stacks that exist and belong to the environment. */
export type LiveOutputs = ReadonlyMap<string, ReadonlyMap<string, string>>;

// A stack in one of these holds no outputs a manifest may use.
const ABSENT = new Set(['DELETE_COMPLETE', 'REVIEW_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'CREATE_FAILED']);

/**
 * The outputs of the named stacks, read from CloudFormation. A stack that does not exist, holds
 * nothing yet, or carries another environment's tag is left out, so a manifest can bind only
 * outputs of its own environment's stacks (bounds).
 */
export async function liveOutputs(
  clients: AwsClients,
  envTag: string,
  stackNames: readonly string[],
): Promise<LiveOutputs> {
  const found = new Map<string, ReadonlyMap<string, string>>();
  for (const name of new Set(stackNames)) {
    const page = await clients.cfn
      .send(new DescribeStacksCommand({ StackName: name }))
      .catch((error: unknown) => {
        if (/does not exist/.test(String((error as Error).message))) return undefined;
        throw error;
      });
    const stack = page?.Stacks?.[0];
    if (!stack || ABSENT.has(stack.StackStatus ?? '')) continue;
    if (!stack.Tags?.some((t) => t.Key === ENV_TAG && t.Value === envTag)) continue;
    const outputs = new Map<string, string>();
    for (const o of stack.Outputs ?? []) if (o.OutputKey) outputs.set(o.OutputKey, o.OutputValue ?? '');
    found.set(name, outputs);
  }
  return found;
}
