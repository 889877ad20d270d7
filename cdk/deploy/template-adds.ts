import { CairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import type { ResourceChange } from '../types';
import type { StackTemplate } from './template-bounds';

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What creating a stack adds, read from its template as `cdk diff` reads a stack that does not
 * exist: one `Add` per resource, with its logical id and type, in the template's order (a nested
 * stack is its `AWS::CloudFormation::Stack` resource), in the words of a described change set. A
 * plan uses it instead of a CREATE change set, which would make the stack (see planStack).
 * Conditions are not evaluated: a resource whose Condition is false is listed all the same, as
 * `cdk diff` lists it. A template without resources, or with a resource without a type, is
 * refused as CloudFormation would refuse it (`aws.template-invalid`).
 */
export function templateAdds(stackName: string, template: StackTemplate): ResourceChange[] {
  if (template.parsed === undefined)
    throw invalid(stackName, 'template is not JSON, so a plan cannot list the resources of the new stack');
  const resources = isRecord(template.parsed) ? template.parsed.Resources : undefined;
  if (!isRecord(resources) || Object.keys(resources).length === 0)
    throw invalid(stackName, 'template has no Resources');
  return Object.entries(resources).map(([logicalId, resource]) => {
    const type = isRecord(resource) ? resource.Type : undefined;
    if (typeof type !== 'string' || type === '')
      throw invalid(stackName, `resource ${safeOutput(logicalId, 200)} of the template has no Type`);
    return { logicalId, type, action: 'Add', replacement: null };
  });
}

function invalid(stackName: string, message: string): CairnError {
  return new CairnError(message, {
    code: 'aws.template-invalid',
    phase: 'plan',
    retryable: false,
    subject: `stack ${stackName}`,
    hint: 'CloudFormation takes a template with at least one resource, each with a Type; synthesize the app with the CDK, which writes such a template as JSON',
  });
}
