import { CausedError } from '@prm/pg';

import { classifyAwsError, parseAccessDenied, regionOfArn } from './aws-errors.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orders-AbCdEf';
const ctx = { action: 'secretsmanager:GetSecretValue', resource: ARN };
const awsError = (name: string, message: string): Error => Object.assign(new Error(message), { name, $metadata: {} });

describe('classifyAwsError', () => {
  it('AccessDeniedException → aws-access-denied with action, resource and the policy statement to add', () => {
    const msg = `User: arn:aws:sts::111122223333:assumed-role/prm-task/abc is not authorized to perform: secretsmanager:GetSecretValue on resource: ${ARN} because no identity-based policy allows the secretsmanager:GetSecretValue action`;
    const c = classifyAwsError(awsError('AccessDeniedException', msg), { action: 'x', resource: 'y' });
    expect(c).toMatchObject({
      code: 'aws-access-denied',
      iamAction: 'secretsmanager:GetSecretValue',
      iamResource: ARN,
      message: msg,
    });
    expect(c.remedy).toContain('arn:aws:sts::111122223333:assumed-role/prm-task/abc');
    expect(c.remedy).toContain(`{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"${ARN}"}`);
  });

  it('falls back to the context when the message has no IAM details, and explains explicit denies', () => {
    const c = classifyAwsError(awsError('AccessDeniedException', 'Access denied'), ctx);
    expect(c).toMatchObject({ code: 'aws-access-denied', iamAction: ctx.action, iamResource: ARN });
    const explicit = classifyAwsError(
      awsError(
        'AccessDeniedException',
        `User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: secretsmanager:GetSecretValue on resource: ${ARN} with an explicit deny in a resource-based policy`,
      ),
      ctx,
    );
    expect(explicit.iamResource).toBe(ARN);
    expect(explicit.remedy).toMatch(/^Remove the explicit Deny/);
  });

  it('DecryptionFailure and KMS AccessDenied → kms-decrypt-denied with kms:ViaService for the region', () => {
    for (const err of [
      awsError('DecryptionFailure', 'Access to KMS is not allowed'),
      awsError('AccessDeniedException', 'Access to KMS is not allowed'),
    ]) {
      const c = classifyAwsError(err, ctx);
      expect(c).toMatchObject({ code: 'kms-decrypt-denied', iamAction: 'kms:Decrypt' });
      expect(c.iamResource).toContain(ARN);
      expect(c.remedy).toContain('"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"');
      expect(c.remedy).toContain('key policy');
    }
    const withKey = classifyAwsError(
      awsError(
        'AccessDeniedException',
        'User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:eu-west-1:1:key/k-1 because no identity-based policy allows the kms:Decrypt action (Service: KMS)',
      ),
      ctx,
    );
    expect(withKey.iamResource).toBe('arn:aws:kms:eu-west-1:1:key/k-1');
  });

  it('ResourceNotFoundException and deleted secrets → secret-not-found', () => {
    expect(
      classifyAwsError(awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."), ctx),
    ).toMatchObject({ code: 'secret-not-found' });
    const deleted = classifyAwsError(
      awsError(
        'InvalidRequestException',
        "You can't perform this operation on the secret because it was marked for deletion.",
      ),
      ctx,
    );
    expect(deleted.code).toBe('secret-not-found');
    expect(deleted.remedy).toContain('restore-secret');
  });

  it('credential provider, expired token, throttling, network and other errors → aws-error with a remedy', () => {
    const none = classifyAwsError(
      awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      ctx,
    );
    expect(none).toMatchObject({ code: 'aws-error' });
    expect(none.remedy).toContain('taskRoleArn');
    expect(classifyAwsError(awsError('ExpiredTokenException', 'expired'), ctx).remedy).toMatch(/expired or invalid/);
    expect(classifyAwsError(awsError('ThrottlingException', 'Rate exceeded'), ctx).remedy).toMatch(/throttled/);
    const net = classifyAwsError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), ctx);
    expect(net.remedy).toMatch(/VPC interface endpoint/);
    expect(classifyAwsError(awsError('InternalServiceError', 'oops'), ctx)).toMatchObject({ code: 'aws-error' });
    expect(classifyAwsError('weird', ctx).code).toBe('aws-error');
  });

  it('reads namespaced __type names and passes classified causes through', () => {
    const c = classifyAwsError({ __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', message: 'x' }, ctx);
    expect(c.code).toBe('secret-not-found');
    const cause = { code: 'secret-malformed' as const, message: 'm', remedy: 'r' };
    expect(classifyAwsError(new CausedError(cause), ctx)).toBe(cause);
  });
});

describe('helpers', () => {
  it('parseAccessDenied and regionOfArn', () => {
    expect(
      parseAccessDenied('User: u is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:r:1:q'),
    ).toEqual({
      principal: 'u',
      action: 'sqs:SendMessage',
      resource: 'arn:aws:sqs:r:1:q',
    });
    expect(parseAccessDenied('nothing here')).toEqual({});
    expect(regionOfArn(ARN)).toBe('eu-west-1');
    expect(regionOfArn('prod/orders')).toBeNull();
  });
});
