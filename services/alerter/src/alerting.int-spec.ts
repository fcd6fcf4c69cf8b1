import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type {
  AlertDetailView,
  AlertNotificationMessage,
  AlertView,
  ChannelView,
  EndpointView,
  StreamView,
} from '@prm/contracts';
import {
  DEMO_PASSWORD_ENV,
  type DemoTopology,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startDemoTopology,
  TEST_AUTH_HEADER,
  testAuthEnv,
} from '@prm/testing';
import { register } from 'prom-client';
import request from 'supertest';
import { startAllInOne } from '../../all-in-one/src/bootstrap.js';

/** One webhook request the local receiver got. */
interface Received {
  at: number;
  body: AlertNotificationMessage;
  signatureValid: boolean;
}

/** A local HTTP receiver for webhooks: verifies the HMAC signature; `down` answers 503 (the sender must retry). */
async function startReceiver(secret: string, port: number) {
  const received: Received[] = [];
  const state = { down: false, refused: 0 };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      if (state.down) {
        state.refused += 1;
        res.writeHead(503).end('down');
        return;
      }
      const ts = String(req.headers['x-prm-timestamp'] ?? '');
      const sig = String(req.headers['x-prm-signature'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;
      const signatureValid =
        sig.length === expected.length &&
        timingSafeEqual(Buffer.from(sig), Buffer.from(expected)) &&
        Math.abs(Date.now() / 1000 - Number(ts)) < 300;
      received.push({ at: Date.now(), body: JSON.parse(raw) as AlertNotificationMessage, signatureValid });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { received, state, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((r) => server.close(r)) };
}

const POLL_MS = 2000;

// Issue 6 acceptance on real clusters: the demo topology (publisher PG17 → replica-a PG15, replica-b PG17), the
// all-in-one app (monitor polls every 2 s, alerter, gateway) on a fresh metadata database and real Redis, and a local
// webhook receiver that checks the HMAC signature. Prints the measured latencies.
describe('alerting acceptance (all-in-one, real clusters, webhook receiver)', () => {
  let demo: DemoTopology;
  let db: TestDatabase;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let channel: ChannelView;
  let ids: Record<string, string>;
  const prefix = `prmtest_alerts_${process.pid}_${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  let env: Record<string, string>;

  const alerts = async (q = '') => (await http.get(`/api/alerts${q}`).expect(200)).body as AlertView[];
  const messages = (kind: string, event: 'fired' | 'resolved', subject?: string) =>
    receiver.received.filter(
      (m) =>
        m.body.event === event && m.body.alerts.some((a) => a.kind === kind && (!subject || a.subject.id === subject)),
    );

  beforeAll(async () => {
    demo = await startDemoTopology({ datasetRows: 1000, waitForSync: true });
    db = await createTestDatabase('prm_test_alerts');
    receiver = await startReceiver(secret, await freePort());
    const port = await freePort();
    env = {
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: String(POLL_MS),
      LOG_LEVEL: 'silent',
      PRM_ALERT_ERROR_WINDOW_MS: '8000',
      PRM_ALERT_ORPHAN_FOR_MS: '3000',
      PRM_NOTIFY_BACKOFF_MS: '500',
      PRM_NOTIFY_ATTEMPTS: '12',
      PRM_TEST_WEBHOOK_SECRET: secret,
      [DEMO_PASSWORD_ENV]: demo.password,
    };
    app = await startAllInOne(env);
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    channel = (
      await http
        .post('/api/channels')
        .send({
          name: 'local receiver',
          kind: 'webhook',
          config: { url: receiver.url, secret: { kind: 'env', name: 'PRM_TEST_WEBHOOK_SECRET' } },
        })
        .expect(201)
    ).body as ChannelView;
    const created: EndpointView[] = [];
    for (const payload of demo.endpoints) {
      created.push((await http.post('/api/endpoints').send(payload).expect(201)).body as EndpointView);
    }
    ids = Object.fromEntries(created.map((e) => [e.name, e.id]));
    // replica-b's server log (jsonlog) feeds the replication errors (table, key, constraint, finish LSN).
    await http
      .patch(`/api/endpoints/${ids['replica-b']}`)
      .send({ logSource: { kind: 'file', path: demo.replicaB.logFile, format: 'jsonlog' } })
      .expect(200);
    await expectEventually(
      async () => {
        const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
        expect(list.map((s) => [s.subscription, s.state])).toEqual([
          ['replica_a_sub', 'streaming'],
          ['replica_b_sub', 'streaming'],
        ]);
        ids.streamA = list[0]!.id;
        ids.streamB = list[1]!.id;
      },
      { timeoutMs: 60_000, message: 'both demo streams streaming' },
    );
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
    await demo?.stop();
    await db?.drop();
    await flushRedisPrefix(prefix);
  }, 60_000);

  it('tests the webhook channel through the alerter (signed, no secret in the API)', async () => {
    const res = (await http.post(`/api/channels/${channel.id}/test`).expect(200)).body as { ok: boolean };
    expect(res.ok).toBe(true);
    const test = await expectEventually(() => {
      const t = receiver.received.find((m) => m.body.test);
      expect(t).toBeDefined();
      return t!;
    });
    expect(test.signatureValid).toBe(true);
    expect(JSON.stringify((await http.get('/api/channels').expect(200)).body)).not.toContain(secret);
    console.log(`channel test: ok in ${(res as unknown as { durationMs: number }).durationMs} ms, signature valid`);
  });

  it('lag over critical (subscription disabled + writes): one firing notification within 2 polls, one resolved', async () => {
    await http
      .put(`/api/streams/${ids.streamB}/thresholds`)
      .send({ warningBytes: null, criticalBytes: 1024 * 1024, warningSeconds: null, criticalSeconds: null })
      .expect(200);
    await demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub DISABLE', [], 'demo');
    await expectEventually(async () => {
      const s = (await http.get(`/api/streams/${ids.streamB}`).expect(200)).body as StreamView;
      expect(s.state).toBe('disabled');
    });
    // ~4 MiB of WAL on the publisher (pgbench_history is not in demo_pub_small: only the slot's lag grows).
    await demo.publisher.query(
      `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime, filler)
       SELECT 1, 1, g, g, now(), repeat('x', 22) FROM generate_series(1, 40000) g`,
      [],
      'demo',
    );
    const crossedAt = Date.now();
    const fired = await expectEventually(
      () => {
        const m = messages('lag', 'fired', ids.streamB);
        expect(m).toHaveLength(1);
        return m[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const firedLatency = fired.at - crossedAt;
    const lag = fired.body.alerts.find((a) => a.kind === 'lag')!;
    expect(lag).toMatchObject({ severity: 'critical', state: 'firing', subject: { type: 'stream', id: ids.streamB } });
    expect(lag.summary).toContain('replica-b/replica_b_sub');
    expect(lag.remediation.map((r) => r.command)).toContain('ALTER SUBSCRIPTION "replica_b_sub" ENABLE;');
    expect(fired.signatureValid).toBe(true);

    await demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub ENABLE', [], 'demo');
    const enabledAt = Date.now();
    const resolved = await expectEventually(
      () => {
        const m = messages('lag', 'resolved', ids.streamB);
        expect(m).toHaveLength(1);
        return m[0]!;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    // Wait two more polls: still exactly one of each (one alert per fingerprint, not one per poll).
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    expect(messages('lag', 'fired', ids.streamB)).toHaveLength(1);
    expect(messages('lag', 'resolved', ids.streamB)).toHaveLength(1);
    const downFired = messages('stream-down', 'fired', ids.streamB);
    console.log(
      `lag: fired ${firedLatency} ms after the writes crossed 1 MiB (poll interval ${POLL_MS} ms, limit ${2 * POLL_MS} ms); ` +
        `resolved ${resolved.at - enabledAt} ms after ENABLE; stream-down (disabled) notified ${downFired.length}x`,
    );
    expect(firedLatency).toBeLessThanOrEqual(2 * POLL_MS + 500);
    await http.delete(`/api/streams/${ids.streamB}/thresholds`).expect(200);
  }, 120_000);

  it('a stopped subscriber cluster raises one endpoint-unreachable alert (not one per stream); start → resolved', async () => {
    const before = receiver.received.length;
    const stoppedAt = Date.now();
    await demo.replicaA.stop();
    const alert = await expectEventually(
      async () => {
        const open = (await alerts('?state=firing')).filter((a) => a.kind === 'endpoint-unreachable');
        expect(open).toHaveLength(1);
        return open[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const firedAfter = Date.now() - stoppedAt;
    expect(alert.subject).toEqual({ type: 'endpoint', id: ids['replica-a'], name: 'replica-a' });
    expect(alert.summary).toContain('replica-a');
    const lastError = alert.facts.find((f) => f.label === 'last error')!.value;
    expect(lastError).not.toBe('unknown');
    expect(alert.facts.find((f) => f.label === 'affected streams')!.value).toContain('replica-a/replica_a_sub');
    const msg = await expectEventually(() => {
      const m = messages('endpoint-unreachable', 'fired', ids['replica-a']);
      expect(m).toHaveLength(1);
      return m[0]!;
    });
    // No per-stream alert for the stream whose subscriber is down.
    const streamAlerts = (await alerts()).filter(
      (a) => a.streamIds.includes(ids.streamA!) && a.kind !== 'endpoint-unreachable',
    );
    expect(streamAlerts.filter((a) => a.state !== 'resolved')).toEqual([]);
    expect(receiver.received.slice(before).filter((m) => m.body.event === 'fired')).toHaveLength(1);

    await demo.replicaA.start();
    const startedAt = Date.now();
    await expectEventually(
      () => expect(messages('endpoint-unreachable', 'resolved', ids['replica-a'])).toHaveLength(1),
      {
        timeoutMs: 30_000,
      },
    );
    console.log(
      `endpoint unreachable: fired ${firedAfter} ms after the stop (webhook ${msg.at - stoppedAt} ms), last error "${lastError}"; ` +
        `resolved ${Date.now() - startedAt} ms after the start; one message listing the affected stream`,
    );
  }, 90_000);

  it('a duplicate-key conflict raises an apply-error alert naming table and key, with the remediation commands', async () => {
    const [{ id }] = (await demo.publisher.query(`SELECT nextval('customers_id_seq') + 1 AS id`, [], 'demo')) as {
      id: string;
    }[];
    await demo.replicaB.query(
      `INSERT INTO customers (id, name, email) VALUES ($1, 'local', 'local@example.com')`,
      [id],
      'demo',
    );
    const insertedAt = Date.now();
    await demo.publisher.query(
      `INSERT INTO customers (id, name, email) VALUES ($1, 'remote', 'remote@example.com')`,
      [id],
      'demo',
    );
    const alert = await expectEventually(
      async () => {
        const a = (await alerts('?kind=apply-error')).find((x) => x.state === 'firing' && x.subject.id === ids.streamB);
        expect(a?.facts.find((f) => f.label === 'key')?.value).toBe(`(id)=(${id})`);
        return a!;
      },
      { timeoutMs: 45_000, intervalMs: 200 },
    );
    const latency = Date.now() - insertedAt;
    expect(alert.summary).toContain('public.customers');
    expect(alert.facts.find((f) => f.label === 'table')?.value).toBe('public.customers');
    expect(alert.facts.find((f) => f.label === 'constraint')?.value).toBe('customers_pkey');
    const lsn = alert.facts.find((f) => f.label === 'finish LSN')!.value;
    const commands = alert.remediation.map((r) => r.command).filter(Boolean);
    expect(commands).toContain(`DELETE FROM "public"."customers" WHERE ("id") = ('${id}');`);
    expect(commands).toContain(`ALTER SUBSCRIPTION "replica_b_sub" SKIP (lsn = '${lsn}');`);
    console.log(`apply error: alert ${latency} ms after the conflicting insert: ${alert.summary}; skip LSN ${lsn}`);

    const detail = (await http.get(`/api/alerts/${alert.id}`).expect(200)).body as AlertDetailView;
    expect(detail.notifications.map((n) => n.event)).toEqual(['fired']);
    // Resolve the conflict as the alert says: remove the subscriber's row; the worker applies and the alert resolves.
    await demo.replicaB.query(`DELETE FROM customers WHERE id = $1`, [id], 'demo');
    await expectEventually(
      async () =>
        expect((await http.get(`/api/alerts/${alert.id}`).expect(200)).body).toMatchObject({ state: 'resolved' }),
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    for (const m of receiver.received) expect(JSON.stringify(m.body)).not.toContain(demo.password);
  }, 120_000);

  it('a subscription dropped with slot_name = NONE leaves an orphaned-slot alert with the retained bytes', async () => {
    const conn = `host=127.0.0.1 port=${demo.publisher.port} dbname=demo user=postgres password=${demo.password}`;
    await demo.replicaA.query(
      `CREATE SUBSCRIPTION orphan_sub CONNECTION '${conn}' PUBLICATION demo_pub_small WITH (copy_data = false)`,
      [],
      'demo',
    );
    await demo.replicaA.query('ALTER SUBSCRIPTION orphan_sub DISABLE', [], 'demo');
    await demo.replicaA.query('ALTER SUBSCRIPTION orphan_sub SET (slot_name = NONE)', [], 'demo');
    await demo.replicaA.query('DROP SUBSCRIPTION orphan_sub', [], 'demo');
    const droppedAt = Date.now();
    const alert = await expectEventually(
      async () => {
        const a = (await alerts('?kind=orphaned-slot')).find((x) => x.state === 'firing');
        expect(a?.subject.id).toBe(`${ids.publisher}/orphan_sub`);
        return a!;
      },
      { timeoutMs: 45_000, intervalMs: 200 },
    );
    const retained = alert.facts.find((f) => f.label === 'retained WAL')!.value;
    expect(retained).toMatch(/\(\d+ bytes\)/);
    expect(alert.remediation.map((r) => r.command)).toContain("SELECT pg_drop_replication_slot('orphan_sub');");
    console.log(`orphaned slot: fired ${Date.now() - droppedAt} ms after the drop (for 3000 ms): ${alert.summary}`);
  }, 90_000);

  it('webhook receiver down: retried, delivered once it is back, and an alerter restart in between loses nothing', async () => {
    receiver.state.down = true;
    const orphan = (await alerts('?kind=orphaned-slot')).find((x) => x.state === 'firing')!;
    // Resolve the orphaned-slot alert while the receiver is down.
    await demo.publisher.query(`SELECT pg_drop_replication_slot('orphan_sub')`, [], 'demo');
    await expectEventually(
      async () => {
        const d = (await http.get(`/api/alerts/${orphan.id}`).expect(200)).body as AlertDetailView;
        const n = d.notifications.find((x) => x.event === 'resolved');
        expect(n?.attempts).toBeGreaterThanOrEqual(2);
        expect(n?.status).toBe('pending');
        expect(n?.lastError).toContain('HTTP 503');
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const refusedBeforeRestart = receiver.state.refused;
    // Restart the whole app (alerter included) on the same Redis prefix and metadata database.
    await app.close();
    app = await startAllInOne(env);
    receiver.state.down = false;
    const backAt = Date.now();
    const delivered = await expectEventually(
      () => {
        const m = messages('orphaned-slot', 'resolved');
        expect(m).toHaveLength(1);
        return m[0]!;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const d = (await http.get(`/api/alerts/${orphan.id}`).expect(200)).body as AlertDetailView;
    const n = d.notifications.find((x) => x.event === 'resolved')!;
    expect(n).toMatchObject({ status: 'sent', lastError: null });
    expect(delivered.signatureValid).toBe(true);
    console.log(
      `webhook down: ${refusedBeforeRestart} refused attempts before the restart, ${receiver.state.refused} in all; delivered ` +
        `${delivered.at - backAt} ms after the receiver came back (attempt ${n.attempts}), exactly once`,
    );
  }, 120_000);

  it('manages channels: Slack URL masked and kept on PATCH, names unique, unknown ids 404, bad config 400', async () => {
    const slackUrl = `${receiver.url.replace('/hook', '')}/services/T000/B000/secret-token`;
    const slack = (
      await http
        .post('/api/channels')
        .send({ name: 'slack', kind: 'slack', config: { url: slackUrl } })
        .expect(201)
    ).body as ChannelView;
    expect(JSON.stringify(slack)).not.toContain('secret-token');
    const renamed = (
      await http
        .patch(`/api/channels/${slack.id}`)
        .send({ name: 'slack-ops', enabled: false, config: slack.config })
        .expect(200)
    ).body as ChannelView;
    expect(renamed).toMatchObject({ name: 'slack-ops', enabled: false, config: slack.config });
    await http
      .post('/api/channels')
      .send({ name: 'slack-ops', kind: 'slack', config: { url: slackUrl } })
      .expect(409);
    await http
      .post('/api/channels')
      .send({ name: 'x', kind: 'sns', config: { topicArn: 'nope' } })
      .expect(400);
    await http
      .patch(`/api/channels/${slack.id}`)
      .send({ config: { url: 'not a url' } })
      .expect(400);
    const test = (await http.post(`/api/channels/${slack.id}/test`).expect(200)).body as { ok: boolean };
    expect(test.ok).toBe(true); // the stored (unmasked) URL was kept: the receiver answered
    await http.delete(`/api/channels/${slack.id}`).expect(204);
    await http.delete(`/api/channels/${slack.id}`).expect(404);
    await http.post('/api/channels/not-a-uuid/test').expect(404);
    await http.get('/api/alerts/00000000-0000-4000-8000-000000000000').expect(404);
    await http.post('/api/alerts/00000000-0000-4000-8000-000000000000/ack').send({}).expect(404);
    await http.delete('/api/silences/00000000-0000-4000-8000-000000000000').expect(404);
    await http.post('/api/silences').send({ kind: 'lag', until: '2001-01-01T00:00:00Z', reason: 'past' }).expect(400);
    await http.post('/api/silences').send({ kind: 'lag', reason: 'no end' }).expect(400);
  });

  it('acknowledge and silence from the API; metrics count alert kinds and notification outcomes', async () => {
    const any = (await alerts()).find((a) => a.state !== 'pending')!;
    const acked = (await http.post(`/api/alerts/${any.id}/ack`).send({ by: 'dba' }).expect(200)).body as AlertView;
    expect(acked).toMatchObject({ acknowledgedBy: 'system' });
    const s = (
      await http.post('/api/silences').send({ kind: 'stream-down', minutes: 30, reason: 'maintenance' }).expect(201)
    ).body as { id: string; until: string };
    expect((await http.get('/api/silences').expect(200)).body).toEqual([
      expect.objectContaining({ id: s.id, kind: 'stream-down' }),
    ]);
    await http.post('/api/silences').send({ minutes: 30, reason: 'no matcher' }).expect(400);
    await http.delete(`/api/silences/${s.id}`).expect(204);
    await http.get('/api/alerts?state=bogus').expect(400);
    const metrics =
      (await register.getSingleMetricAsString('prm_alerts_total')) +
      (await register.getSingleMetricAsString('prm_notifications_total'));
    expect(metrics).toMatch(/prm_alerts_total\{kind="lag",severity="critical",event="fired"\} [1-9]/);
    expect(metrics).toMatch(/prm_notifications_total\{channel_kind="webhook",outcome="retry"\} [1-9]/);
    expect(metrics).toMatch(/prm_notifications_total\{channel_kind="webhook",outcome="sent"\} [1-9]/);
    console.log(
      metrics
        .split('\n')
        .filter((l) => l.startsWith('prm_'))
        .join('\n'),
    );
  });
});
