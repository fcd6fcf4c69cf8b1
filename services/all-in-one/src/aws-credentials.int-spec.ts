import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { ApiErrorBody, EndpointView } from '@prm/contracts';
import {
  type AwsFake,
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  flushRedisPrefix,
  freePort,
  startAwsFake,
  startCluster,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import request from 'supertest';
import { startAllInOne } from './bootstrap.js';

// Endpoints whose credentials live in Secrets Manager: the real AWS SDK client inside prm talks to a
// protocol-level fake of Secrets Manager; the database is a real PostgreSQL 17 cluster with scram auth.
describe('endpoints with aws-secret credentials (real SDK → fake Secrets Manager, real PostgreSQL)', () => {
  let cluster: PgCluster;
  let db: TestDatabase;
  let fake: AwsFake;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  const prefix = `prmtest_aws_${process.pid}_${randomBytes(3).toString('hex')}`;
  const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/${name}-AbCdEf`;
  const savedEnv = { ...process.env };

  const body = (name: string, secretArn: string) => ({
    name,
    host: '127.0.0.1',
    port: cluster.port,
    dbname: 'postgres',
    sslmode: 'disable',
    cloud: 'aws',
    region: 'eu-west-1',
    role: 'replica',
    credential: { kind: 'aws-secret', secretArn },
  });

  beforeAll(async () => {
    [cluster, db, fake] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'aws-cred' }),
      createTestDatabase('prm_test_aws'),
      startAwsFake(),
    ]);
    fake.secrets.set(arn('good'), JSON.stringify({ username: 'postgres', password: cluster.password }));
    fake.secrets.set(arn('stale'), JSON.stringify({ username: 'postgres', password: 'rotated-away' }));
    fake.secrets.set(arn('denied'), JSON.stringify({ username: 'postgres', password: cluster.password }));
    fake.secrets.set(arn('kms'), JSON.stringify({ username: 'postgres', password: cluster.password }));
    fake.deny('secretsmanager:GetSecretValue', arn('denied'));
    fake.denyKms(arn('kms'));
    // The SDK's default credential chain reads these (static fake keys: the fake does not verify signatures).
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFAKEFAKEFAKEFAKE';
    process.env.AWS_SECRET_ACCESS_KEY = 'fake-secret-access-key';
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_AWS_ENDPOINT: fake.endpoint,
      LOG_LEVEL: 'silent',
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
  });

  afterAll(async () => {
    process.env = savedEnv;
    await app?.close();
    await Promise.all([cluster?.destroy(), db?.drop(), fake?.stop(), flushRedisPrefix(prefix)]);
  });

  it('logs in with the secret from Secrets Manager and stores only its ARN', async () => {
    const res = await http
      .post('/api/endpoints')
      .send(body('from-secret', arn('good')))
      .expect(201);
    expect((res.body as EndpointView).credential).toEqual({ kind: 'aws-secret', secretArn: arn('good') });
    expect(JSON.stringify(res.body)).not.toContain(cluster.password);
    expect(fake.requests.some((r) => r.target === 'secretsmanager.GetSecretValue' && r.region === 'eu-west-1')).toBe(
      true,
    );
  });

  it('names the missing IAM action and resource on AccessDenied', async () => {
    const res = await http
      .post('/api/endpoints')
      .send(body('denied', arn('denied')))
      .expect(422);
    const detail = (res.body as ApiErrorBody).details[0];
    expect(detail).toMatchObject({ field: 'credential', code: 'aws-access-denied' });
    expect(detail.reason).toContain('secretsmanager:GetSecretValue');
    expect(detail.remedy).toContain(arn('denied'));
  });

  it('reports a secret that does not exist and a KMS decrypt denial with their own causes', async () => {
    const missing = await http
      .post('/api/endpoints')
      .send(body('missing', arn('missing')))
      .expect(422);
    expect((missing.body as ApiErrorBody).details[0]).toMatchObject({
      field: 'credential.secretArn',
      code: 'secret-not-found',
    });
    const kms = await http
      .post('/api/endpoints')
      .send(body('kms', arn('kms')))
      .expect(422);
    expect((kms.body as ApiErrorBody).details[0]).toMatchObject({ code: 'kms-decrypt-denied' });
    expect((kms.body as ApiErrorBody).details[0].remedy).toContain('kms:Decrypt');
  });

  it('reports a stale secret password as auth-failed without echoing it, and stores nothing', async () => {
    const res = await http
      .post('/api/endpoints')
      .send(body('stale', arn('stale')))
      .expect(422);
    expect((res.body as ApiErrorBody).details[0]).toMatchObject({ code: 'auth-failed' });
    expect(JSON.stringify(res.body)).not.toContain('rotated-away');
    const names = ((await http.get('/api/endpoints').expect(200)).body as EndpointView[]).map((e) => e.name);
    expect(names).toEqual(['from-secret']);
  });
});
