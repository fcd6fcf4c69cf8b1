/**
 * The real SDK clients against the protocol-level AWS fake (libs/testing aws-fake), and end to end: a Secrets
 * Manager credential opening a connection to a real PostgreSQL 17 cluster.
 */
import { CredentialRef } from '@prm/contracts';
import { checkEndpoint, openClient, PgConnectError, quoteLiteral, type EndpointConnectionSpec } from '@prm/pg';
import { startAwsFake, startCluster, type AwsFake, type PgCluster } from '@prm/testing';

import { CredentialError } from './aws-errors.js';
import { DefaultCredentialResolver } from './credential-resolver.js';
import { SecretsManagerCredentialSource, secretsManagerClientFactory } from './secrets-manager.source.js';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/orders-AbCdEf';
const OTHER_REGION_ARN = 'arn:aws:secretsmanager:us-east-2:111122223333:secret:dr/orders-XyZ123';
const fakeCredentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret-key' };

async function causeOf(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredentialError);
  return (err as CredentialError).pgCause;
}

describe('SecretsManagerCredentialSource with the real SDK against the AWS fake', () => {
  let fake: AwsFake;
  let source: SecretsManagerCredentialSource;

  beforeAll(async () => {
    fake = await startAwsFake();
    source = new SecretsManagerCredentialSource({
      client: secretsManagerClientFactory({ endpoint: fake.endpoint, credentials: fakeCredentials, maxAttempts: 1 }),
    });
  });
  afterAll(async () => {
    await fake?.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('sends GetSecretValue as AWS JSON 1.1 to the region of the ARN and parses the RDS secret', async () => {
    fake.secrets.set(ARN, JSON.stringify({ username: 'app', password: 'pw', host: 'h', port: 5432, dbname: 'orders' }));
    fake.secrets.set(OTHER_REGION_ARN, JSON.stringify({ username: 'dr', password: 'pw2' }));
    await expect(source.getCredentials(ARN)).resolves.toEqual({
      username: 'app',
      password: 'pw',
      host: 'h',
      port: 5432,
      dbname: 'orders',
    });
    await expect(source.getCredentials(OTHER_REGION_ARN)).resolves.toEqual({ username: 'dr', password: 'pw2' });
    expect(fake.requests).toEqual([
      {
        target: 'secretsmanager.GetSecretValue',
        body: { SecretId: ARN },
        region: 'eu-west-1',
        contentType: 'application/x-amz-json-1.1',
      },
      {
        target: 'secretsmanager.GetSecretValue',
        body: { SecretId: OTHER_REGION_ARN },
        region: 'us-east-2',
        contentType: 'application/x-amz-json-1.1',
      },
    ]);
  });

  it('AccessDenied from the wire → aws-access-denied with the action and resource', async () => {
    const arn = ARN.replace('orders', 'denied');
    fake.secrets.set(arn, '{}');
    fake.deny('secretsmanager:GetSecretValue', arn);
    const c = await causeOf(source.getCredentials(arn));
    console.log('AccessDenied cause:', JSON.stringify(c));
    expect(c).toMatchObject({
      code: 'aws-access-denied',
      iamAction: 'secretsmanager:GetSecretValue',
      iamResource: arn,
    });
    expect(c.remedy).toContain('arn:aws:sts::111122223333:assumed-role/prm-task/abc');
  });

  it('ResourceNotFoundException and DecryptionFailure from the wire', async () => {
    expect((await causeOf(source.getCredentials(ARN.replace('orders', 'missing')))).code).toBe('secret-not-found');
    const kmsArn = ARN.replace('orders', 'kms');
    fake.secrets.set(kmsArn, '{}');
    fake.denyKms(kmsArn);
    const c = await causeOf(source.getCredentials(kmsArn));
    expect(c).toMatchObject({ code: 'kms-decrypt-denied', iamAction: 'kms:Decrypt' });
    expect(c.remedy).toContain('secretsmanager.eu-west-1.amazonaws.com');
  });

  it('an unreachable endpoint → aws-error', async () => {
    const down = new SecretsManagerCredentialSource({
      client: secretsManagerClientFactory({
        endpoint: 'http://127.0.0.1:1',
        credentials: fakeCredentials,
        maxAttempts: 1,
      }),
    });
    expect((await causeOf(down.getCredentials(ARN))).code).toBe('aws-error');
  });
});

describe('aws-secret credential end to end: fake Secrets Manager → PostgreSQL 17', () => {
  const PASSWORD = `first' p@ss\\`;
  const ROTATED = `second" p%ss=`;
  let fake: AwsFake;
  let cluster: PgCluster;
  let resolver: DefaultCredentialResolver;
  let spec: EndpointConnectionSpec;

  beforeAll(async () => {
    [fake, cluster] = await Promise.all([startAwsFake(), startCluster({ engine: 'pg17', name: 'libaws' })]);
    await cluster.query(`CREATE ROLE app LOGIN PASSWORD ${quoteLiteral(PASSWORD)} IN ROLE pg_monitor`);
    fake.secrets.set(
      ARN,
      JSON.stringify({ username: 'app', password: PASSWORD, host: cluster.host, port: cluster.port }),
    );
    const secrets = new SecretsManagerCredentialSource({
      client: secretsManagerClientFactory({ endpoint: fake.endpoint, credentials: fakeCredentials, maxAttempts: 1 }),
    });
    resolver = new DefaultCredentialResolver({ env: {}, secrets });
    const credential: CredentialRef = { kind: 'aws-secret', secretArn: ARN };
    spec = { host: cluster.host, port: cluster.port, dbname: 'postgres', sslmode: 'disable', credential };
  });
  afterAll(async () => {
    await Promise.all([fake?.stop(), cluster?.destroy()]);
  });

  it('logs in with the secret, and after rotation re-reads it once instead of failing', async () => {
    const r = await checkEndpoint(spec, resolver);
    expect(r).toMatchObject({ ok: true, canMonitor: true, canReplicate: false });
    const reads = () => fake.requests.filter((q) => q.target === 'secretsmanager.GetSecretValue').length;
    const before = reads();

    // Rotation: the password changes on the server and in the secret; prm still holds the old one in its cache.
    await cluster.query(`ALTER ROLE app PASSWORD ${quoteLiteral(ROTATED)}`);
    fake.secrets.set(ARN, JSON.stringify({ username: 'app', password: ROTATED }));
    const client = await openClient(spec, resolver, { applicationName: 'prm-test' });
    await client.end();
    expect(reads()).toBe(before + 1);
  });

  it('a denied secret surfaces as a PgConnectError / check result naming the IAM permission', async () => {
    const denied = ARN.replace('orders', 'locked');
    fake.secrets.set(denied, JSON.stringify({ username: 'app', password: ROTATED }));
    fake.deny('secretsmanager:GetSecretValue', denied);
    const deniedSpec = { ...spec, credential: { kind: 'aws-secret' as const, secretArn: denied } };
    const r = await checkEndpoint(deniedSpec, resolver);
    expect(r).toMatchObject({ ok: false, error: { code: 'aws-access-denied', iamResource: denied } });
    const err = await openClient(deniedSpec, resolver, { applicationName: 'prm-test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PgConnectError);
    expect((err as PgConnectError).message).not.toContain(ROTATED);
  });
});
