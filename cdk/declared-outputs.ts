import { MAX_TEMPLATE_BYTES, readAssemblyJson } from './assembly-files';
import type { Assembly } from './types';

/**
 * The output keys each stack of a synthesized app declares (its template's `Outputs`): what a
 * manifest may bind before the stacks are deployed, so a missing one fails before anything is applied.
 */
export function declaredOutputs(assembly: Assembly): ReadonlyMap<string, ReadonlySet<string>> {
  const declared = new Map<string, ReadonlySet<string>>();
  for (const stack of assembly.stacks) {
    const template = (readAssemblyJson(
      stack.templateFile,
      MAX_TEMPLATE_BYTES,
      `stack ${stack.stackName} template`,
      'CloudFormation takes',
    ) ?? {}) as { Outputs?: object };
    declared.set(stack.stackName, new Set(Object.keys(template.Outputs ?? {})));
  }
  return declared;
}
