import { type CfnTemplate, wildcardResourceStatements } from './cdk-helpers.js';

// The Resource "*" check must catch what it is there for, or the stack test proves nothing.
describe('wildcardResourceStatements', () => {
  const policy = (statements: Record<string, unknown>[]): CfnTemplate => ({
    Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: statements } } } },
  });

  it.each([
    ['secretsmanager:GetSecretValue', '*'],
    [
      ['kms:Decrypt', 'rds-db:connect'],
      ['arn:aws:kms:eu-west-1:111111111111:key/*', '*'],
    ],
    ['rds:DownloadDBLogFilePortion', '*'],
    ['secretsmanager:*', '*'],
    ['*', '*'],
  ])('reports %j on %j', (action, resource) => {
    expect(wildcardResourceStatements(policy([{ Effect: 'Allow', Action: action, Resource: resource }]))).toHaveLength(
      1,
    );
  });

  it('reports a role inline policy and NotResource', () => {
    const template: CfnTemplate = {
      Resources: {
        R: {
          Type: 'AWS::IAM::Role',
          Properties: {
            Policies: [
              {
                PolicyDocument: {
                  Statement: [{ Effect: 'Allow', Action: 'rds:DescribeDBLogFiles', NotResource: 'arn:aws:rds:x' }],
                },
              },
            ],
          },
        },
      },
    };
    expect(wildcardResourceStatements(template)).toEqual(['R: rds:DescribeDBLogFiles']);
  });

  it('accepts scoped resources, other services on "*", and Deny statements', () => {
    const ok = policy([
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: 'arn:aws:secretsmanager:eu-west-1:1:secret:a',
      },
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*' },
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Deny', Action: 'rds:*', Resource: '*' },
    ]);
    expect(wildcardResourceStatements(ok)).toEqual([]);
  });
});
