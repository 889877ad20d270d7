import type { Stack } from '@aws-sdk/client-cloudformation';
import { CairnError } from '../../controller/model';

/** The tag that marks a stack as one environment's: `<env>@<owner>` (the owner hashes the repository URL). */
export const OWNER_TAG = 'cairn:environment';

/** Whose a stack is, from its tag: a description for messages, or undefined for an untagged stack. */
export function stackOwner(stack: Pick<Stack, 'Tags'> | undefined): string | undefined {
  return stack?.Tags?.find((t) => t.Key === OWNER_TAG)?.Value;
}

/**
 * Refuses to update or delete a stack whose ownership tag names another environment or repository,
 * unless `adopt` is true or lists that tag value; and an existing stack with no tag at all (made
 * outside cairn: another team's), unless `adopt` lists its name. The pre-owner tag `<env>` of this
 * same environment passes. An absent stack passes (cairn creates it).
 */
export function assertStackOwner(
  stackName: string,
  stack: Pick<Stack, 'Tags'> | undefined,
  mine: { readonly env: string; readonly envTag: string },
  adopt: boolean | readonly string[] | undefined,
): void {
  if (!stack) return;
  const owner = stackOwner(stack);
  if (owner === undefined) {
    // `adopt: true` is about other environments' stacks; taking a stack nobody gave cairn needs its name.
    if (Array.isArray(adopt) && adopt.includes(stackName)) return;
    throw new CairnError(
      `exists without a ${OWNER_TAG} tag: it was not made by cairn for this environment; cairn neither updates nor deletes it`,
      {
        code: 'aws.unowned',
        phase: 'apply-aws',
        retryable: false,
        subject: `stack ${stackName}`,
        hint: `rename the stack in this app, or adopt it by name with aws.adopt: ["${stackName}"]`,
      },
    );
  }
  if (owner === mine.envTag || owner === mine.env) return;
  if (adopt === true || (Array.isArray(adopt) && adopt.includes(owner))) return;
  const [env, repository] = owner.split('@');
  const who = repository ? `environment ${env} of repository ${repository}` : `environment ${env}`;
  throw new CairnError(
    `is owned by ${who} (tag ${OWNER_TAG}=${owner}); cairn neither updates nor deletes another environment's stack`,
    {
      code: 'aws.owned-elsewhere',
      phase: 'apply-aws',
      retryable: false,
      subject: `stack ${stackName}`,
      hint: `rename the stack in this app, or adopt it explicitly with aws.adopt: ["${owner}"]`,
    },
  );
}
