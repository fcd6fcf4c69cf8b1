import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { AuditRecord } from '@prm/persistence';
import {
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import pg from 'pg';
import request from 'supertest';
import { startAllInOne } from '../../../all-in-one/src/bootstrap.js';

describe('audit log (all-in-one, real PostgreSQL)', () => {
  let cluster: PgCluster;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  const prefix = `prmtest_audit_${process.pid}_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    [cluster, db] = await Promise.all([
      startCluster({ engine: 'pg17', name: 'audit' }),
      createTestDatabase('prm_test_audit'),
    ]);
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: '60000',
      LOG_LEVEL: 'silent',
      PRM_AUDIT_TEST_PW: cluster.password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([cluster?.destroy(), db?.drop(), flushRedisPrefix(prefix)]);
  });

  it('records changes, refusals and failures with actor, IP, action, subject and a redacted payload', async () => {
    const body = {
      name: 'audited',
      host: '127.0.0.1',
      port: cluster.port,
      dbname: 'postgres',
      sslmode: 'disable',
      cloud: 'other',
      role: 'primary',
      credential: { kind: 'env', user: 'postgres', passwordEnv: 'PRM_AUDIT_TEST_PW' },
    };
    const created = (await http.post('/api/endpoints').send(body).expect(201)).body as { id: string };
    await http
      .post('/api/endpoints')
      .send({ ...body, name: 'refused', password: 'hunter2' })
      .expect(400);
    await http.patch(`/api/endpoints/${created.id}`).send({ network: 'vpc-x' }).expect(200);
    await http.delete(`/api/endpoints/${created.id}`).expect(204);
    await http.get('/api/endpoints').expect(200); // reads are not audited

    const records = await expectEventually(async () => {
      const list = (await http.get('/api/audit?limit=10').expect(200)).body as AuditRecord[];
      expect(list).toHaveLength(4);
      return list;
    });
    expect(records.map((r) => [r.action, r.statusCode, r.outcome])).toEqual([
      ['DELETE /api/endpoints/:id', 204, 'succeeded'],
      ['PATCH /api/endpoints/:id', 200, 'succeeded'],
      ['POST /api/endpoints', 400, 'refused'],
      ['POST /api/endpoints', 201, 'succeeded'],
    ]);
    expect(records[0]).toMatchObject({
      actor: 'system (token bootstrap)',
      subject: created.id,
      sourceIp: expect.stringContaining('127.0.0.1'),
    });
    expect(records[3].subject).toBe(created.id);
    expect(records[3].correlationId).toBeTruthy();
    expect(JSON.stringify(records)).not.toContain('hunter2');
    expect(JSON.stringify(records[2].payload)).toContain('[redacted]');
    expect(JSON.stringify(records[3].payload)).toContain('PRM_AUDIT_TEST_PW');
    expect(JSON.stringify(records)).not.toContain(cluster.password);

    const page = (await http.get(`/api/audit?limit=2&before=${records[1].id}`).expect(200)).body as AuditRecord[];
    expect(page.map((r) => r.id)).toEqual([records[2].id, records[3].id]);
    await http.get('/api/audit?limit=0').expect(400);
    await http.get('/api/audit?before=x').expect(400);
  });

  it('is append-only in the database', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await expect(client.query('UPDATE audit_event SET actor = $1', ['mallory'])).rejects.toMatchObject({
        code: '42501',
      });
      await expect(client.query('DELETE FROM audit_event')).rejects.toMatchObject({ code: '42501' });
      await expect(client.query('TRUNCATE audit_event')).rejects.toMatchObject({ code: '42501' });
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM audit_event');
      expect(Number(rows[0].n)).toBe(4);
    } finally {
      await client.end();
    }
  });
});
