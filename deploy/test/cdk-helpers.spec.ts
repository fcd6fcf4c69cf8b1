import { type CfnTemplate, cfnText, ssmGrantsBeyondPath, wildcardResourceStatements } from './cdk-helpers.js';

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
    ['ssm:GetParametersByPath', '*'],
    ['kms:Decrypt', '*'],
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

describe('ssmGrantsBeyondPath', () => {
  const policy = (statements: Record<string, unknown>[]): CfnTemplate => ({
    Resources: { P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: statements } } } },
  });
  // what the stack writes: Fn::Join over the partition, region and account pseudo parameters
  const arn = (name: string) => ({
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${name}`],
    ],
  });
  const kms = (like?: unknown) => ({
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: 'arn:aws:kms:eu-west-1:111111111111:key/*',
    Condition: {
      StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' },
      ...(like === undefined ? {} : { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': like } }),
    },
  });

  it('turns Fn::Join and Ref into text', () => {
    expect(cfnText(arn('parameter/prm'))).toBe(
      'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/prm',
    );
    expect(cfnText({ 'Fn::GetAtt': ['Q', 'Arn'] })).toBe('${Q.Arn}');
    expect(cfnText({ 'Fn::Sub': 'x' })).toBe('{"Fn::Sub":"x"}');
  });

  it('accepts exactly the path and the parameters below it', () => {
    const ok = policy([
      { Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: arn('parameter/prm/endpoints') },
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:GetParameters'],
        Resource: arn('parameter/prm/endpoints/*'),
      },
      kms([arn('parameter/prm/endpoints'), arn('parameter/prm/endpoints/*')]),
      { Effect: 'Allow', Action: 'ssmmessages:CreateControlChannel', Resource: '*' },
      { Effect: 'Deny', Action: 'ssm:*', Resource: '*' },
    ]);
    expect(ssmGrantsBeyondPath(ok, '/prm/endpoints')).toEqual([]);
  });

  it.each([
    ['every parameter', 'ssm:GetParametersByPath', arn('parameter/*')],
    ['a prefix wildcard', 'ssm:GetParameter', arn('parameter/prm*')],
    ['a sibling path', 'ssm:GetParametersByPath', arn('parameter/prm/endpoints-old')],
    ['Resource "*"', 'ssm:GetParameters', '*'],
    ['another account', 'ssm:GetParameter', 'arn:aws:ssm:eu-west-1:222222222222:parameter/prm/endpoints/*'],
    ['ssm:*', 'ssm:*', arn('parameter/other')],
  ])('reports %s', (_what, action, resource) => {
    expect(
      ssmGrantsBeyondPath(policy([{ Effect: 'Allow', Action: action, Resource: resource }]), '/prm/endpoints'),
    ).toEqual([`P: ${action} on ${cfnText(resource)}`]);
  });

  it('reports a decrypt via SSM without the PARAMETER_ARN condition or with a wider one', () => {
    expect(ssmGrantsBeyondPath(policy([kms()]), '/prm/endpoints')).toEqual([
      'P: kms:Decrypt via SSM without a PARAMETER_ARN condition',
    ]);
    expect(ssmGrantsBeyondPath(policy([kms(arn('parameter/*'))]), '/prm/endpoints')).toEqual([
      'P: kms:Decrypt via SSM for arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*',
    ]);
  });
});
