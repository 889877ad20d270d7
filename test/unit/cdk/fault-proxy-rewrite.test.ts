import { rewriteStatuses, stackNameOf } from '../../helpers/cfn-fault-proxy';
import { validationCanFail } from '../../../cdk/synth/synthesize';

describe('the fault proxy’s response rewriting', () => {
  it.each([
    ['arn:aws:cloudformation:us-east-1:123456789012:stack/app-Data/0c1d-22', 'app-Data'],
    ['app-Data', 'app-Data'],
    [null, undefined],
  ])('reads the stack name of %s as %s', (value, name) => {
    expect(stackNameOf(value)).toBe(name);
  });

  it('rewrites the status of the named stack only, adding the reason', () => {
    // given a DescribeStacks answer with two stacks, each with nested members
    const xml =
      '<Stacks><member><StackId>x</StackId><StackName>a</StackName><Tags><member><Key>k</Key></member></Tags><StackStatus>CREATE_COMPLETE</StackStatus></member>' +
      '<member><StackName>b</StackName><StackStatus>CREATE_COMPLETE</StackStatus></member></Stacks>';
    // when stack b is rewritten
    const out = rewriteStatuses(xml, (name) =>
      name === 'b' ? { status: 'ROLLBACK_COMPLETE', reason: 'Queue failed' } : undefined,
    );
    // then a is untouched and b carries the new status and reason
    expect(out).toContain(
      '<StackName>a</StackName><Tags><member><Key>k</Key></member></Tags><StackStatus>CREATE_COMPLETE</StackStatus>',
    );
    expect(out).toContain(
      '<StackName>b</StackName><StackStatus>ROLLBACK_COMPLETE</StackStatus><StackStatusReason>Queue failed</StackStatusReason>',
    );
  });
});

describe('whether aws-cdk-lib’s template validation can fail a synth', () => {
  it.each([
    [{}, false],
    [{ '@aws-cdk/core:validateAgainstDefaultRules': true }, true],
    [{ '@aws-cdk/core:strictCfnValidateErrors': 'true' }, true],
    [{ '@aws-cdk/core:validateAgainstDefaultRules': false }, false],
  ])('with context %j: %s', (context, expected) => {
    expect(validationCanFail(context)).toBe(expected);
  });
});
