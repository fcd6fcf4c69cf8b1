import {
  DecryptionFailure,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

import type { CredentialRef } from '@prm/contracts';

import { CredentialError } from './aws-errors.js';
import { DefaultCredentialResolver } from './credential-resolver.js';
import { RdsIamTokenSource } from './rds-iam.source.js';
import { parseRdsSecret, SecretsManagerCredentialSource } from './secrets-manager.source.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orders-AbCdEf';
const SECRET = {
  engine: 'postgres',
  username: 'app',
  password: "pw'x",
  host: 'orders.abc.rds.amazonaws.com',
  port: 5432,
  dbname: 'orders',
};
const meta = { $metadata: {} };

async function causeOf(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialError);
  return (err as CredentialError).pgCause;
}

describe('SecretsManagerCredentialSource (aws-sdk-client-mock)', () => {
  const sm = mockClient(SecretsManagerClient);
  let clock = 0;
  const source = () =>
    new SecretsManagerCredentialSource({
      client: new SecretsManagerClient({ region: 'eu-west-1' }),
      now: () => clock,
      cacheTtlMs: 1000,
    });
  beforeEach(() => {
    sm.reset();
    clock = 0;
  });

  it('parses the RDS secret JSON and caches it for the TTL', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify(SECRET) });
    const s = source();
    await expect(s.getCredentials(ARN)).resolves.toEqual({
      username: 'app',
      password: "pw'x",
      host: SECRET.host,
      port: 5432,
      dbname: 'orders',
    });
    clock = 999;
    await s.getCredentials(ARN);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    clock = 1000;
    await s.getCredentials(ARN);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('re-reads after invalidate (rotation) and shares one request between concurrent reads', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify(SECRET) })
      .resolves({ SecretString: JSON.stringify({ ...SECRET, password: 'rotated' }) });
    const s = source();
    const [a, b] = await Promise.all([s.getCredentials(ARN), s.getCredentials(ARN)]);
    expect(a.password).toBe("pw'x");
    expect(b.password).toBe("pw'x");
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    s.invalidate(ARN);
    expect((await s.getCredentials(ARN)).password).toBe('rotated');
  });

  it('does not cache failures', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(
        new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", ...meta }),
      )
      .resolves({ SecretString: JSON.stringify(SECRET) });
    const s = source();
    expect((await causeOf(s.getCredentials(ARN))).code).toBe('secret-not-found');
    await expect(s.getCredentials(ARN)).resolves.toMatchObject({ username: 'app' });
  });

  it('maps AccessDenied, DecryptionFailure and credential provider errors', async () => {
    const s = source();
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(
        new Error(
          `User: arn:aws:sts::1:assumed-role/prm-task/x is not authorized to perform: secretsmanager:GetSecretValue on resource: ${ARN}`,
        ),
        {
          name: 'AccessDeniedException',
        },
      ),
    );
    expect(await causeOf(s.getCredentials(ARN))).toMatchObject({
      code: 'aws-access-denied',
      iamAction: 'secretsmanager:GetSecretValue',
      iamResource: ARN,
    });
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(new DecryptionFailure({ message: 'Access to KMS is not allowed', ...meta }));
    expect(await causeOf(s.getCredentials(ARN))).toMatchObject({
      code: 'kms-decrypt-denied',
      iamAction: 'kms:Decrypt',
    });
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    expect((await causeOf(s.getCredentials(ARN))).remedy).toContain('taskRoleArn');
  });

  it('picks the client by the region of the ARN and rejects non-ARNs', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(SECRET) });
    const regions: string[] = [];
    const s = new SecretsManagerCredentialSource({
      client: (region) => {
        regions.push(region);
        return new SecretsManagerClient({ region });
      },
    });
    await s.getCredentials(ARN.replace('eu-west-1', 'us-east-2'));
    expect(regions).toEqual(['us-east-2']);
    expect((await causeOf(s.getCredentials('prod/orders'))).code).toBe('secret-not-found');
  });

  it('reports malformed secrets without their values', async () => {
    const s = source();
    for (const [text, expected] of [
      ['not json', /is not JSON/],
      ['[1]', /not a JSON object/],
      [JSON.stringify({ username: 'app' }), /has no password string/],
      [JSON.stringify({ username: 'app', password: 'hunter2', port: 'x' }), /invalid port/],
    ] as const) {
      sm.reset();
      sm.on(GetSecretValueCommand).resolves({ SecretString: text });
      s.invalidate(ARN);
      const c = await causeOf(s.getCredentials(ARN));
      expect(c.code).toBe('secret-malformed');
      expect(c.message).toMatch(expected);
      expect(c.message).not.toContain('hunter2');
    }
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({});
    s.invalidate(ARN);
    expect((await causeOf(s.getCredentials(ARN))).message).toMatch(/has no value/);
    expect(parseRdsSecret(JSON.stringify({ username: 'u', password: 'p', port: '6432' }), ARN).port).toBe(6432);
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: Buffer.from(JSON.stringify(SECRET)) });
    s.invalidate(ARN);
    await expect(s.getCredentials(ARN)).resolves.toMatchObject({ username: 'app' });
  });
});

describe('RdsIamTokenSource', () => {
  it('signs a token for host, port, user and region with the given credentials', async () => {
    const src = new RdsIamTokenSource({ credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
    const token = await src.getToken({
      host: 'orders.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      user: 'app',
      region: 'eu-west-1',
    });
    expect(token).toMatch(/^orders\.abc\.eu-west-1\.rds\.amazonaws\.com:5432\/\?/);
    expect(token).toContain('Action=connect');
    expect(token).toContain('DBUser=app');
    expect(token).toContain('X-Amz-Credential=AKIDEXAMPLE%2F');
    expect(token).toContain('%2Feu-west-1%2Frds-db%2Faws4_request');
  });

  it('classifies a signing failure (no credentials)', async () => {
    const src = new RdsIamTokenSource({
      signerFactory: () => ({
        getAuthToken: () =>
          Promise.reject(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' })),
      }),
    });
    const c = await causeOf(src.getToken({ host: 'h', port: 5432, user: 'app', region: 'eu-west-1' }));
    expect(c).toMatchObject({ code: 'aws-error' });
    expect(c.message).toContain('rds-db:connect');
  });
});

describe('DefaultCredentialResolver', () => {
  const target = { host: 'orders.abc.rds.amazonaws.com', port: 5432 };

  it('env: user from the ref, password from the injected env; a missing variable is named, not shown', async () => {
    const r = new DefaultCredentialResolver({ env: { PG_ORDERS_PW: 's3cret' } });
    await expect(r.resolve({ kind: 'env', user: 'app', passwordEnv: 'PG_ORDERS_PW' }, target)).resolves.toEqual({
      user: 'app',
      password: 's3cret',
    });
    const c = await causeOf(r.resolve({ kind: 'env', user: 'app', passwordEnv: 'PG_MISSING' }, target));
    expect(c).toMatchObject({ code: 'env-credential-missing' });
    expect(c.message).toContain('PG_MISSING');
  });

  it('aws-secret: reads the secret and invalidates it on request', async () => {
    const getCredentials = jest.fn(async () => ({ username: 'app', password: 'pw' }));
    const invalidate = jest.fn();
    const secrets = { getCredentials, invalidate } as unknown as SecretsManagerCredentialSource;
    const r = new DefaultCredentialResolver({ env: {}, secrets });
    const ref: CredentialRef = { kind: 'aws-secret', secretArn: ARN };
    await expect(r.resolve(ref, target)).resolves.toEqual({ user: 'app', password: 'pw' });
    expect(getCredentials).toHaveBeenCalledWith(ARN);
    r.invalidate(ref);
    r.invalidate({ kind: 'env', user: 'u', passwordEnv: 'X' });
    expect(invalidate).toHaveBeenCalledTimes(1);
    expect(invalidate).toHaveBeenCalledWith(ARN);
  });

  it('rds-iam: a token for the target host and port', async () => {
    const getToken = jest.fn(async () => 'token');
    const r = new DefaultCredentialResolver({ env: {}, iam: { getToken } as unknown as RdsIamTokenSource });
    await expect(r.resolve({ kind: 'rds-iam', user: 'app', region: 'eu-west-1' }, target)).resolves.toEqual({
      user: 'app',
      password: 'token',
    });
    expect(getToken).toHaveBeenCalledWith({ ...target, user: 'app', region: 'eu-west-1' });
  });
});
