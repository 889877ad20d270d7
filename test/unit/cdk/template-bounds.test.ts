import { assertNoMacros, stackTemplate } from '../../../cdk/deploy/template-bounds';
import { isCairnError } from '../../../controller/model';

const refusal = (template: string, allowed = false): string | undefined => {
  try {
    assertNoMacros('app', stackTemplate(template), allowed, 'plan');
    return undefined;
  } catch (error) {
    expect(isCairnError(error) && error.code).toBe('aws.macro-refused');
    return (error as Error).message;
  }
};

describe('assertNoMacros', () => {
  it.each([
    ['a top-level Transform', { Transform: 'AWS::Serverless-2016-10-31', Resources: {} }, '(Transform)'],
    ['a list of transforms', { Transform: ['A', 'B'], Resources: {} }, '(Transform)'],
    [
      'an Fn::Transform in a resource',
      { Resources: { Fn: { Type: 'X', Properties: { 'Fn::Transform': { Name: 'AWS::Include' } } } } },
      '(Resources.Fn.Properties.Fn::Transform)',
    ],
    [
      'an Fn::Transform inside a list',
      { Resources: { Fn: { Type: 'X', Properties: { L: [{ 'Fn::Transform': { Name: 'M' } }] } } } },
      '(Resources.Fn.Properties.L.0.Fn::Transform)',
    ],
  ])('refuses %s, naming where it is', (_label, template, where) => {
    expect(refusal(JSON.stringify(template))).toContain(where);
  });

  it('refuses a template that is not JSON and mentions a transform', () => {
    expect(refusal('Transform: AWS::Serverless-2016-10-31\nResources: {}\n')).toContain('searched as text');
  });

  it('passes a template without macros, and any template when macros are allowed', () => {
    expect(refusal(JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue' } } }))).toBeUndefined();
    expect(refusal(JSON.stringify({ Transform: 'M', Resources: {} }), true)).toBeUndefined();
  });
});
