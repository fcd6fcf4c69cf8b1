import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { AlertDetailView, AlertNotificationMessage, AlertView, EndpointView, StreamView } from '@prm/contracts';
import {
  type PgCluster,
  type TestDatabase,
  TEST_AUTH_HEADER,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  testAuthEnv,
  waitForSubscriptionReady,
} from '@prm/testing';
import pg from 'pg';
import request from 'supertest';
import { startAllInOne } from '../../all-in-one/src/bootstrap.js';

/** One webhook request the local receiver got. */
interface Received {
  at: number;
  body: AlertNotificationMessage;
}

/** A local HTTP receiver for the webhook channel (unsigned: signatures are covered by alerting.int-spec.ts). */
async function startReceiver(port: number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received.push({ at: Date.now(), body: JSON.parse(raw) as AlertNotificationMessage });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { received, url: `http://127.0.0.1:${port}/hook`, close: () => new Promise((r) => server.close(r)) };
}

const POLL_MS = 1000;
const MiB = 1024 * 1024;
const PASSWORD_ENV = 'PRM_TEST_ESCALATION_PG_PASSWORD';

// Issue 6 follow-ups on real clusters: a publisher (PG17, max_slot_wal_keep_size = 64MB) → subscriber (PG17) stream,
// the all-in-one app (monitor polling every second, alerter, gateway) on a fresh metadata database and real Redis, and
// a local webhook receiver. Writes to a table the publication does not carry make WAL while the subscription is
// disabled: the lag crosses warning then critical (fire, then one escalation), and the slot's retained WAL grows toward
// max_slot_wal_keep_size (the slot forecast fires with an ETA). Prints the measured latencies.
describe('alert escalation, firing gauge and slot forecast (all-in-one, real clusters, webhook receiver)', () => {
  let publisher: PgCluster;
  let subscriber: PgCluster;
  let db: TestDatabase;
  let meta: pg.Client;
  let app: INestApplication;
  let http: ReturnType<typeof request.agent>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let publisherId: string;
  let stream: StreamView;
  const prefix = `prmtest_escal_${process.pid}_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');

  const alerts = async (q = '') => (await http.get(`/api/alerts${q}`).expect(200)).body as AlertView[];
  const messages = (kind: string, event: AlertNotificationMessage['event']) =>
    receiver.received.filter((m) => m.body.event === event && m.body.alerts.some((a) => a.kind === kind));
  /** Appends about `mib` MiB of WAL on the publisher (rows of a table no publication carries). */
  const writeWal = (mib: number) =>
    publisher.query(
      `INSERT INTO ballast (pad) SELECT repeat(md5(g::text), 6) FROM generate_series(1, $1::int) g`,
      [Math.round(mib * 4200)],
      'app',
    );
  const retainedBytes = async () =>
    Number(
      (
        await publisher.query<{ b: string }>(
          `SELECT (pg_current_wal_lsn() - restart_lsn)::bigint AS b FROM pg_replication_slots WHERE slot_name = 'app_sub'`,
        )
      )[0]!.b,
    );
  const scrapeFiring = async (): Promise<Map<string, number>> => {
    const text = (await http.get('/metrics').expect(200)).text;
    const out = new Map<string, number>();
    for (const m of text.matchAll(/^prm_alerts_firing\{kind="([^"]+)",severity="([^"]+)"\} (\d+)$/gm)) {
      out.set(`${m[1]}/${m[2]}`, Number(m[3]));
    }
    return out;
  };

  beforeAll(async () => {
    [publisher, subscriber] = await Promise.all([
      startCluster({
        engine: 'pg17',
        name: 'escal-pub',
        password,
        settings: { max_slot_wal_keep_size: "'64MB'" },
      }),
      startCluster({ engine: 'pg17', name: 'escal-sub', password }),
    ]);
    for (const c of [publisher, subscriber]) {
      await c.createDatabase('app');
      await c.query('CREATE TABLE items (id bigint PRIMARY KEY, note text)', [], 'app');
    }
    await publisher.query('CREATE TABLE ballast (id bigserial PRIMARY KEY, pad text)', [], 'app');
    await publisher.query(`INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 100) g`, [], 'app');
    await publisher.query('CREATE PUBLICATION app_pub FOR TABLE items', [], 'app');
    await subscriber.query(
      `CREATE SUBSCRIPTION app_sub CONNECTION '${publisher.conninfo('app').replace(/'/g, "''")}' PUBLICATION app_pub`,
      [],
      'app',
    );
    await waitForSubscriptionReady(subscriber, 'app_sub', 'app');

    db = await createTestDatabase('prm_test_escalation');
    receiver = await startReceiver(await freePort());
    const port = await freePort();
    app = await startAllInOne({
      ...testAuthEnv(),
      PRM_DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_HOST: '127.0.0.1',
      PRM_POLL_INTERVAL_MS: String(POLL_MS),
      LOG_LEVEL: 'silent',
      PRM_NOTIFY_BACKOFF_MS: '500',
      [PASSWORD_ENV]: password,
    });
    http = request.agent(`http://127.0.0.1:${port}`).set('authorization', TEST_AUTH_HEADER);
    meta = new pg.Client({ connectionString: db.url });
    await meta.connect();
    await http
      .post('/api/channels')
      .send({ name: 'local receiver', kind: 'webhook', config: { url: receiver.url } })
      .expect(201);
    const endpoint = async (name: string, c: PgCluster, role: 'primary' | 'replica') =>
      (
        await http
          .post('/api/endpoints')
          .send({
            name,
            host: '127.0.0.1',
            port: c.port,
            dbname: 'app',
            sslmode: 'disable',
            cloud: 'aws',
            region: 'us-east-1',
            network: 'vpc-test',
            role,
            credential: { kind: 'env', user: 'postgres', passwordEnv: PASSWORD_ENV },
          })
          .expect(201)
      ).body as EndpointView;
    publisherId = (await endpoint('pub', publisher, 'primary')).id;
    await endpoint('sub', subscriber, 'replica');
    stream = await expectEventually(
      async () => {
        const list = (await http.get('/api/streams').expect(200)).body as StreamView[];
        expect(list.map((s) => [s.subscription, s.state])).toEqual([['app_sub', 'streaming']]);
        return list[0]!;
      },
      { timeoutMs: 60_000, message: 'stream app_sub streaming' },
    );
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await meta?.end();
    await receiver?.close();
    await Promise.allSettled([publisher?.destroy(), subscriber?.destroy()]);
    await db?.drop();
    await flushRedisPrefix(prefix);
  }, 60_000);

  it('seeds five minutes of slot history: the slow past growth forecasts no alert', async () => {
    // Earlier WAL-position samples (what a running alerter would have stored over the last minutes): the retained WAL
    // grew by 32 KiB a minute, so the regression has its 5-minute window; at that rate the 64 MB limit is many hours
    // away (beyond the 6 h horizon).
    const r0 = await retainedBytes();
    const ages = [330, 270, 210, 150, 90];
    await meta.query(
      `INSERT INTO alert_slot_sample (endpoint_id, slot_name, sampled_at, retained_bytes)
       SELECT $1, 'app_sub', now() - make_interval(secs => a), greatest(0, $2::bigint - b)
       FROM unnest($3::int[], $4::bigint[]) AS u(a, b)`,
      [publisherId, r0, ages, ages.map((a) => Math.round(((a - 60) / 60) * 32 * 1024))],
    );
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    const forecast = (await alerts('?kind=slot-forecast')).filter((a) => a.state !== 'resolved');
    expect(forecast).toEqual([]);
    const [{ n }] = (
      await meta.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM alert_slot_sample WHERE endpoint_id = $1 AND slot_name = 'app_sub'`,
        [publisherId],
      )
    ).rows;
    expect(n).toBeGreaterThan(ages.length); // the monitor's polls added real samples after the seeded ones
  });

  it('lag warning → critical while firing: the webhook gets the firing message, then one "escalated to critical"', async () => {
    await http
      .put(`/api/streams/${stream.id}/thresholds`)
      .send({ warningBytes: 2 * MiB, criticalBytes: 12 * MiB, warningSeconds: null, criticalSeconds: null })
      .expect(200);
    await subscriber.query('ALTER SUBSCRIPTION app_sub DISABLE', [], 'app');
    await expectEventually(async () => {
      const s = (await http.get(`/api/streams/${stream.id}`).expect(200)).body as StreamView;
      expect(s.state).toBe('disabled');
    });

    await writeWal(4);
    const warnedAt = Date.now();
    const fired = await expectEventually(
      () => {
        const m = messages('lag', 'fired');
        expect(m).toHaveLength(1);
        return m[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const firedLag = fired.body.alerts.find((a) => a.kind === 'lag')!;
    expect(firedLag).toMatchObject({ severity: 'warning', state: 'firing', subject: { id: stream.id } });
    // One message per evaluation: the slot forecast may fire in the same one (the same writes grow the slot).
    expect(fired.body.title).toMatch(/^\[prm\] (WARNING: Lag of sub\/app_sub|\d alerts firing: )/);
    expect(messages('lag', 'escalated')).toEqual([]);
    // Acknowledged at warning...
    const acked = (await http.post(`/api/alerts/${firedLag.id}/ack`).send({}).expect(200)).body as AlertView;
    expect(acked.acknowledgedBy).toEqual(expect.any(String));

    await writeWal(12);
    const crossedAt = Date.now();
    const escalated = await expectEventually(
      () => {
        const m = messages('lag', 'escalated');
        expect(m).toHaveLength(1);
        return m[0]!;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const lag = escalated.body.alerts.find((a) => a.kind === 'lag')!;
    expect(lag).toMatchObject({ id: firedLag.id, severity: 'critical', state: 'firing' });
    // ...the acknowledgement ends with the escalation: critical is back in the header badge
    expect((await http.get(`/api/alerts/${firedLag.id}`).expect(200)).body).toMatchObject({
      severity: 'critical',
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
    expect(escalated.body.escalations).toContainEqual({ alertId: lag.id, from: 'warning', to: 'critical' });
    expect(escalated.body.title).toMatch(
      /^\[prm\] (ESCALATED to CRITICAL \(was WARNING\): Lag of sub\/app_sub|\d alerts escalated: )/,
    );
    expect(lag.remediation.map((r) => r.command)).toContain('ALTER SUBSCRIPTION "app_sub" ENABLE;');

    // Two more polls at critical: still one fired and one escalated message (once per escalation, not per poll).
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    expect(messages('lag', 'fired')).toHaveLength(1);
    expect(messages('lag', 'escalated')).toHaveLength(1);
    const critical = await scrapeFiring();
    expect(critical.get('lag/critical')).toBe(1);
    expect(critical.get('lag/warning')).toBe(0);

    // De-escalation (critical threshold raised): the alert turns warning again, silently.
    await http
      .put(`/api/streams/${stream.id}/thresholds`)
      .send({ warningBytes: 2 * MiB, criticalBytes: 1024 * MiB, warningSeconds: null, criticalSeconds: null })
      .expect(200);
    await expectEventually(async () => expect((await alerts('?kind=lag'))[0]).toMatchObject({ severity: 'warning' }), {
      timeoutMs: 15_000,
    });
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    expect(messages('lag', 'escalated')).toHaveLength(1);
    expect(messages('lag', 'fired')).toHaveLength(1);
    const detail = (await http.get(`/api/alerts/${lag.id}`).expect(200)).body as AlertDetailView;
    expect(
      detail.notifications
        .map((n) => [n.event, n.severity, n.previousSeverity, n.status])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['escalated', 'critical', 'warning', 'sent'],
      ['fired', 'warning', null, 'sent'],
    ]);
    const warning = await scrapeFiring();
    expect(warning.get('lag/warning')).toBe(1);
    expect(warning.get('lag/critical')).toBe(0);
    console.log(
      `escalation: lag fired (warning) ${fired.at - warnedAt} ms after ~4 MiB of WAL; escalated to critical ` +
        `${escalated.at - crossedAt} ms after ~12 MiB more (poll ${POLL_MS} ms): "${escalated.body.title}"; ` +
        `de-escalation to warning sent nothing`,
    );
  }, 120_000);

  it('prm_alerts_firing is read from the store on scrape (a row another alerter wrote counts, a deleted one not)', async () => {
    const before = await scrapeFiring();
    expect(before.get('backfill-failed/critical')).toBe(0);
    // A firing alert written by another alerter process (or before this one started); no endpoint evaluates it.
    const inserted = await meta.query<{ id: string }>(
      `INSERT INTO alert (fingerprint, kind, severity, subject_type, subject_id, subject_name, state, first_seen_at,
         last_seen_at, fired_at, summary, notified_severity)
       VALUES ('backfill-failed:stream:gauge-probe', 'backfill-failed', 'critical', 'stream', 'gauge-probe', 'probe',
         'firing', now(), now(), now(), 'probe', 'critical')
       RETURNING id`,
    );
    expect((await scrapeFiring()).get('backfill-failed/critical')).toBe(1);
    await meta.query('DELETE FROM alert WHERE id = $1', [inserted.rows[0]!.id]);
    // Every firing alert of the store, counted once (read together: an evaluation may fire one in between).
    const { after, n } = await expectEventually(async () => {
      const gauge = await scrapeFiring();
      const [row] = (await meta.query<{ n: number }>(`SELECT count(*)::int AS n FROM alert WHERE state = 'firing'`))
        .rows;
      expect([...gauge.values()].reduce((a, b) => a + b, 0)).toBe(row!.n);
      return { after: gauge, n: row!.n };
    });
    expect(after.get('backfill-failed/critical')).toBe(0);
    console.log(
      `prm_alerts_firing: ${[...after]
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')} (store: ${n} firing)`,
    );
  });

  it('the slot forecast fires with an ETA from the real retained-WAL samples (limit max_slot_wal_keep_size)', async () => {
    // The ~16 MiB written above sit in the disabled subscription's slot; keep writing a little per poll.
    const started = Date.now();
    const alert = await expectEventually(
      async () => {
        await writeWal(0.5);
        const a = (await alerts('?kind=slot-forecast')).find((x) => x.state === 'firing');
        expect(a?.subject.id).toBe(`${publisherId}/app_sub`);
        return a!;
      },
      { timeoutMs: 30_000, intervalMs: POLL_MS },
    );
    const fact = (label: string) => alert.facts.find((f) => f.label === label)?.value ?? '';
    expect(fact('limit')).toBe('max_slot_wal_keep_size (slot then lost)');
    expect(fact('safe_wal_size')).not.toContain('unlimited');
    const samples = Number(/regression over (\d+) samples/.exec(fact('growth'))?.[1]);
    expect(samples).toBeGreaterThan(5); // the seeded history plus the monitor's real samples
    const eta = /\(at (\S+)\)$/.exec(fact('reached in'))?.[1];
    expect(eta).toBeDefined();
    const etaMs = Date.parse(eta!) - Date.now();
    expect(etaMs).toBeGreaterThan(0);
    expect(etaMs).toBeLessThanOrEqual(6 * 3600_000); // within the forecast horizon
    expect(alert.summary).toMatch(/^Slot app_sub on pub reaches max_slot_wal_keep_size in /);
    expect(alert.remediation.map((r) => r.command)).toContain("SELECT pg_drop_replication_slot('app_sub');");
    const [slot] = await publisher.query<{ wal_status: string; safe_wal_size: string }>(
      `SELECT wal_status, safe_wal_size::text FROM pg_replication_slots WHERE slot_name = 'app_sub'`,
    );
    console.log(
      `slot forecast: ${alert.severity} ${Date.now() - started} ms into this step: ${alert.summary}; growth ${fact('growth')}; ` +
        `reached in ${fact('reached in')}; retained ${await retainedBytes()} bytes, safe_wal_size ${slot!.safe_wal_size}, ` +
        `wal_status ${slot!.wal_status}`,
    );
  }, 60_000);
});
