import { stackTemplate } from '../../../cdk/deploy/template-bounds';
import { assertReferencesInBounds } from '../../../cdk/deploy/template-references';
import { isCairnError } from '../../../controller/model';
import { PSEUDO } from '../../helpers/template-pseudo';

const pseudo = PSEUDO;
/** The bounds of a stack depending on one that names a secret and a parameter. */
const bounds = {
  listed: [],
  pseudo,
  bootstrapVersion: '/cdk-bootstrap/hnb659fds/version',
  named: new Set(['aws::secretsmanager::secret env-a-token', 'aws::ssm::parameter /env-a/config']),
};

describe('assertReferencesInBounds', () => {
  /** A template with a secret and a parameter of its own, one named, `value` in a function's environment, and `parameters`. */
  const reading = (value: unknown, parameters: object = {}) =>
    stackTemplate(
      JSON.stringify({
        Parameters: parameters,
        Resources: {
          Secret: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'env-a-here' } },
          Parameter: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } },
          Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { V: value } } } },
        },
      }),
    );
  const refusal = (template: ReturnType<typeof stackTemplate>, more: object = {}): string | undefined => {
    try {
      assertReferencesInBounds('app', template, { ...bounds, ...more }, 'plan');
      return undefined;
    } catch (error) {
      expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
      return (error as Error).message;
    }
  };
  const joined = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
  const typed = (Default: unknown) => ({ P: { Type: 'AWS::SSM::Parameter::Value<String>', Default } });

  it.each([
    [
      "its own secret's Ref, joined as the CDK's secretValue joins it",
      reading(joined('{{resolve:secretsmanager:', { Ref: 'Secret' }, ':SecretString:password::}}')),
    ],
    [
      "its own secret's Id attribute",
      reading(joined('{{resolve:secretsmanager:', { 'Fn::GetAtt': ['Secret', 'Id'] }, '}}')),
    ],
    [
      'its own secret by the name it gives it',
      reading('{{resolve:secretsmanager:env-a-token:SecretString:::}}'),
    ],
    [
      'its own secret by its ARN',
      reading(
        '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:111111111111:secret:env-a-token-AbCdEf:SecretString}}',
      ),
    ],
    ['its own parameter by name and version', reading('{{resolve:ssm:/env-a/config:3}}')],
    ["its own parameter's Ref", reading(joined('{{resolve:ssm-secure:', { Ref: 'Parameter' }, '}}'))],
    ['its own parameter, typed', reading({ Ref: 'P' }, typed('/env-a/config'))],
    [
      "the bootstrap's version and AWS's public parameters, typed",
      reading('x', {
        ...typed('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64'),
        BootstrapVersion: {
          Type: 'AWS::SSM::Parameter::Value<String>',
          Default: '/cdk-bootstrap/hnb659fds/version',
        },
      }),
    ],
    [
      'an SSM-typed parameter with no value (CloudFormation refuses the stack)',
      reading('x', { P: { Type: 'AWS::SSM::Parameter::Value<String>' } }),
    ],
    ['text that resolves nothing', reading('{{resolve is a word}} and {{resolve}}')],
  ])('passes %s', (_label, template) => {
    expect(refusal(template)).toBeUndefined();
  });

  it.each([
    [
      "another's secret by name",
      reading('{{resolve:secretsmanager:env-b-token}}'),
      'reads secret env-b-token by a dynamic reference ({{resolve:secretsmanager:…}})',
    ],
    [
      "another's secret named like its own, run on",
      reading(
        '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:111111111111:secret:env-a-token-x-AbCdEf}}',
      ),
      'reads secret arn:aws:secretsmanager:eu-west-1:111111111111:secret:env-a-token-x-AbCdEf',
    ],
    [
      'a parameter under its own',
      reading('{{resolve:ssm:/env-a/config/b}}'),
      'reads parameter /env-a/config/b',
    ],
    [
      'a secret by the name this template gives it (read before it is made, whoever holds it)',
      reading('{{resolve:secretsmanager:env-a-here}}'),
      'reads secret env-a-here',
    ],
    [
      "another's parameter, typed",
      reading('x', typed('/env-b/password')),
      'Parameters.P.Default reads parameter /env-b/password by its type AWS::SSM::Parameter::Value<String>',
    ],
    [
      'a typed parameter whose Default is not text',
      reading('x', typed({ Ref: 'AWS::Region' })),
      'Parameters.P.Default reads parameter eu-west-1',
    ],
    [
      'a reference whose service is not text',
      reading(joined('{{resolve:', { Ref: 'Q' }, ':env-b-token}}')),
      'reads a value env-b-token by a dynamic reference',
    ],
    [
      "a reference to a template parameter's value",
      reading(joined('{{resolve:secretsmanager:', { Ref: 'Name' }, '}}'), {
        Name: { Type: 'String', Default: 'env-b-token' },
      }),
      'reads secret {"Ref":"Name"}',
    ],
    [
      "a reference's start in a mapping, completed by Fn::FindInMap's value joined to another's name",
      stackTemplate(
        JSON.stringify({
          Mappings: { M: { Any: { Start: '{{resolve:ssm:' } } },
          Outputs: { O: { Value: joined({ 'Fn::FindInMap': ['M', 'Any', 'Start'] }, '/env-b/x}}') } },
        }),
      ),
      'Mappings.M.Any.Start holds the start of a dynamic reference ({{resolve:…) that another value completes',
    ],
    [
      "a reference's start split short of `{{resolve:`, selected by a parameter's index",
      reading(joined({ 'Fn::Select': [{ Ref: 'I' }, ['x', '{{']] }, 'resolve:ssm:/env-b/x}}'), {
        I: { Type: 'Number', Default: 1 },
      }),
      'Resources.Fn.Properties.Environment.Variables.V.Fn::Join.1.0.Fn::Select.1.1 holds the start of a dynamic reference',
    ],
    [
      "a reference's start in a parameter's Default",
      reading(joined({ Ref: 'S' }, '/env-b/x}}'), { S: { Type: 'String', Default: '{{resolve:ssm:' } }),
      'Parameters.S.Default holds the start of a dynamic reference',
    ],
    [
      'a reference whose start is an Fn::Select of an Fn::Split of text (read as CloudFormation reads it)',
      reading(joined({ 'Fn::Select': [0, { 'Fn::Split': ['|', '{{resolve:ssm:|x'] }] }, '/env-b/x}}')),
      'reads parameter /env-b/x by a dynamic reference',
    ],
    [
      'one in an output',
      stackTemplate(JSON.stringify({ Outputs: { O: { Value: '{{resolve:ssm:/env-b/x}}' } } })),
      'Outputs.O.Value reads parameter /env-b/x',
    ],
  ])('refuses %s', (_label, template, message) => {
    expect(refusal(template)).toContain(message);
  });

  it("judges a nested stack's SSM-typed parameter by what its parent passes", () => {
    const template = reading('x', typed('/env-a/config'));
    const passing = (value: unknown, kind?: string) => ({ passed: { P: value }, fromParent: () => kind });
    expect(refusal(template, passing('/env-b/password'))).toContain(
      'Parameters.P.Default (as the parent stack passes it) reads parameter /env-b/password',
    );
    expect(refusal(template, passing({ Ref: 'ParentParameter' }, 'aws::ssm::parameter'))).toBeUndefined();
    expect(refusal(template, passing('/env-a/config'))).toBeUndefined();
    expect(refusal(template, { passed: {} })).toBeUndefined();
  });

  it('passes what aws.externalTargets lists, as written', () => {
    expect(
      refusal(reading('{{resolve:secretsmanager:env-b-token}}'), { listed: ['env-b-token'] }),
    ).toBeUndefined();
    expect(refusal(reading('x', typed('/shared/vpc-id')), { listed: ['/shared/*'] })).toBeUndefined();
  });
});
