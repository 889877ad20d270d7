import { stackTemplate } from '../../../cdk/deploy/template-bounds';
import { assertGrantsInBounds, namedResources } from '../../../cdk/deploy/template-grants';
import { isCairnError } from '../../../controller/model';

const pseudo = {
  'AWS::Region': 'eu-west-1',
  'AWS::AccountId': '111111111111',
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};
const bounds = { listed: [], pseudo, bootstrapBucket: 'cdk-hnb659fds-assets-111111111111-eu-west-1' };

/** A template with a bucket, a state machine, a parameter and a role, and `statement` in the role's policy. */
function granting(statement: unknown): string {
  return JSON.stringify({
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket' },
      Machine: { Type: 'AWS::StepFunctions::StateMachine' },
      Parameter: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: 'x' } },
      Role: { Type: 'AWS::IAM::Role' },
      Grant: {
        Type: 'AWS::IAM::Policy',
        Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [statement] } },
      },
    },
  });
}

/** The message assertGrantsInBounds refuses `template` with, or undefined when it passes. */
function refusal(template: string): string | undefined {
  try {
    assertGrantsInBounds('app', stackTemplate(template), bounds, 'plan');
    return undefined;
  } catch (error) {
    expect(isCairnError(error) && error.code).toBe('aws.out-of-bounds');
    return (error as Error).message;
  }
}

const allow = (Action: unknown, Resource: unknown) => ({ Effect: 'Allow', Action, Resource });
const ownArn = { 'Fn::GetAtt': ['Bucket', 'Arn'] };

describe('assertGrantsInBounds', () => {
  it.each([
    [
      "an Fn::Sub of its own bucket's ARN and its objects",
      allow('s3:GetObject', { 'Fn::Sub': '${Bucket.Arn}/*' }),
    ],
    [
      "its own state machine's executions, by the name the CDK selects from its ARN",
      allow('states:DescribeExecution', {
        'Fn::Join': [
          '',
          [
            'arn:aws:states:eu-west-1:111111111111:execution:',
            { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
            ':*',
          ],
        ],
      }),
    ],
    [
      "its own parameter, by its type's ARN prefix and its Ref",
      allow('ssm:GetParameter', {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-west-1:111111111111:parameter', { Ref: 'Parameter' }],
        ],
      }),
    ],
    [
      "the bootstrap asset bucket's objects",
      allow('s3:GetObject*', 'arn:aws:s3:::cdk-hnb659fds-assets-111111111111-eu-west-1/*'),
    ],
    ['a Deny of everything', { Effect: 'Deny', Action: '*', Resource: '*' }],
    ['actions of other services on *', allow(['xray:*', 'logs:*', 'ec2:Describe*'], '*')],
  ])('passes %s', (_label, statement) => {
    expect(refusal(granting(statement))).toBeUndefined();
  });

  it.each([
    [
      "the name of its state machine selected at another index (a machine named 'arn')",
      allow('states:StartExecution', {
        'Fn::Join': [
          '',
          [
            'arn:aws:states:eu-west-1:111111111111:execution:',
            { 'Fn::Select': [0, { 'Fn::Split': [':', { Ref: 'Machine' }] }] },
          ],
        ],
      }),
      'allows states:StartExecution on {"Fn::Join"',
    ],
    [
      "its parameter's Ref after another account's ARN prefix",
      allow('ssm:GetParameter', {
        'Fn::Join': ['', ['arn:aws:ssm:eu-west-1:222222222222:parameter', { Ref: 'Parameter' }]],
      }),
      'allows ssm:GetParameter on {"Fn::Join"',
    ],
    [
      "the parameters under its own parameter's name (anyone's)",
      allow('ssm:GetParameter', {
        'Fn::Join': ['', ['arn:aws:ssm:eu-west-1:111111111111:parameter', { Ref: 'Parameter' }, '/*']],
      }),
      'allows ssm:GetParameter on {"Fn::Join"',
    ],
    ['NotAction, on *', { Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }, 'allows * on *'],
    ['a wildcard of every service on *', allow('s*:Get*', '*'), 'allows s*:Get* on *'],
    ['an action on a wildcard service ARN', allow('*', 'arn:aws:*:*:*:*'), 'allows * on arn:aws:*:*:*:*'],
    [
      'a statement written as an Fn::If (not readable)',
      { 'Fn::If': ['C', allow('s3:*', '*'), { Ref: 'AWS::NoValue' }] },
      'Statement 0 (not readable) of AWS::IAM::Policy allows * on *',
    ],
    [
      'a resource written as an Fn::If',
      allow('s3:GetObject', { 'Fn::If': ['C', ownArn, '*'] }),
      'allows s3:GetObject on {"Fn::If"',
    ],
  ])('refuses %s', (_label, statement, message) => {
    expect(refusal(granting(statement))).toContain(message);
  });

  it('reads a policy document written as a JSON string', () => {
    const template = JSON.parse(granting(allow('s3:*', '*'))) as {
      Resources: { Grant: { Properties: { PolicyDocument: unknown } } };
    };
    const policy = template.Resources.Grant.Properties;
    policy.PolicyDocument = JSON.stringify(policy.PolicyDocument);
    expect(refusal(JSON.stringify(template))).toContain('Statement 0 of AWS::IAM::Policy allows s3:* on *');
  });

  it("lists the literal names of a template's data-bearing resources, by type", () => {
    const template = stackTemplate(
      JSON.stringify({
        Resources: {
          Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-jobs' } },
          Orders: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: { Ref: 'Name' } } },
          Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'shop-role' } },
        },
      }),
    );
    expect(namedResources(template)).toEqual(['aws::sqs::queue shop-jobs']);
  });
});
