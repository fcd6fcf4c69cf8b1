/**
 * Benchmark (issue 9 item 2): alert latency, from a threshold crossing to the webhook delivery. On the demo topology
 * (publisher → replica-a, replica-b, with one small transaction per second on the publisher), the built all-in-one
 * server polls every `POLL_MS`; each trial disables `replica_b_sub` at a random point of the poll cycle and measures
 * until the signed webhook with the `stream-down` alert arrives, then re-enables it and waits for the resolve.
 * Prints a table and writes the "Alert latency" section of docs/benchmarks.md.
 *
 *   npm run build:server && node dist/bench/alert-latency.js [trials]      (default 20)
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { StreamView } from '@prm/contracts';
import {
  DEMO_PASSWORD_ENV,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startDemoTopology,
  startDemoTraffic,
  testRedisPrefix,
} from '@prm/testing';

import { type PrmServer, startPrmServer } from './lib/server.js';
import {
  load1,
  machineLine,
  measuredLine,
  median,
  ms,
  quantile,
  table,
  verdictBelow,
  writeSection,
} from './lib/report.js';

const POLL_MS = 2000;
const log = (line: string) => console.log(`[alert-latency] ${line}`);

interface Delivery {
  at: number;
  event: string;
  kinds: string[];
}

/** A webhook receiver on loopback that records when each notification arrived (performance.now(), ms). */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const port = await freePort();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const at = performance.now();
      try {
        const body = JSON.parse(raw) as { event: string; alerts: { kind: string }[] };
        deliveries.push({ at, event: body.event, kinds: body.alerts.map((a) => a.kind) });
      } catch {
        // not a notification
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function api<T>(server: PrmServer, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      authorization: server.authorization,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function main(): Promise<void> {
  const trials = Math.max(1, Number(process.argv[2] ?? 20) || 20);
  const header = measuredLine(`node dist/bench/alert-latency.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`);
  log(`demo topology, ${trials} trials, poll interval ${POLL_MS} ms`);
  const demo = await startDemoTopology({ datasetRows: 1000, waitForSync: true });
  const db = await createTestDatabase('prm_test_bench_alerts');
  const prefix = testRedisPrefix('bench-alerts').replace(/:$/, '');
  const receiver = await startReceiver();
  const traffic = startDemoTraffic(demo, { onError: () => undefined });
  const server = await startPrmServer(db.url, prefix, {
    PRM_POLL_INTERVAL_MS: String(POLL_MS),
    PRM_ALERT_DOWN_POLLS: '1',
    PRM_NOTIFY_BACKOFF_MS: '200',
    PRM_BENCH_WEBHOOK_SECRET: 'bench-webhook-secret',
    [DEMO_PASSWORD_ENV]: demo.password,
  });
  const latencies: number[] = [];
  try {
    await api(server, 'POST', '/api/channels', {
      name: 'bench receiver',
      kind: 'webhook',
      config: { url: receiver.url, secret: { kind: 'env', name: 'PRM_BENCH_WEBHOOK_SECRET' } },
    });
    for (const payload of demo.endpoints) await api(server, 'POST', '/api/endpoints', payload);
    await expectEventually(
      async () => {
        const streams = await api<StreamView[]>(server, 'GET', '/api/streams');
        if (!streams.every((s) => s.state === 'streaming') || streams.length !== 2) throw new Error('not streaming');
      },
      { timeoutMs: 90_000, message: 'both demo streams streaming' },
    );
    const fired = (since: number) =>
      receiver.deliveries.find((d) => d.at > since && d.event === 'fired' && d.kinds.includes('stream-down'));
    const resolved = (since: number) =>
      receiver.deliveries.find((d) => d.at > since && d.event === 'resolved' && d.kinds.includes('stream-down'));
    for (let i = 1; i <= trials; i++) {
      // land anywhere in the poll cycle
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * POLL_MS)));
      const t0 = performance.now();
      await demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub DISABLE', [], demo.dbname);
      const hit = await expectEventually(
        async () => {
          const d = fired(t0);
          if (!d) throw new Error('no stream-down webhook yet');
          return d;
        },
        { timeoutMs: 30_000, intervalMs: 20, message: `trial ${i}: stream-down webhook` },
      );
      latencies.push(hit.at - t0);
      log(`trial ${i}: ${ms(hit.at - t0)}`);
      const t1 = performance.now();
      await demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub ENABLE', [], demo.dbname);
      await expectEventually(
        async () => {
          if (!resolved(t1)) throw new Error('not resolved yet');
        },
        { timeoutMs: 30_000, intervalMs: 50, message: `trial ${i}: resolve webhook` },
      );
    }
  } finally {
    await server.stop();
    await traffic.stop();
    await receiver.close();
    await demo.stop();
    await db.drop();
    await flushRedisPrefix(prefix);
  }

  const target = POLL_MS + 1000;
  const rows: (string | number)[][] = [
    ['trials', latencies.length],
    ['median', ms(median(latencies))],
    ['p90', ms(quantile(latencies, 0.9))],
    ['max', ms(Math.max(...latencies))],
    ['min', ms(Math.min(...latencies))],
  ];
  const lines = [
    header,
    '',
    `Machine: ${machineLine()}, load ${load1()}. Demo topology (PG17 publisher → PG15 replica-a, PG17 replica-b) with`,
    'one small transaction per second on the publisher; the built all-in-one server polls every',
    `${POLL_MS} ms with \`PRM_ALERT_DOWN_POLLS=1\`. Each trial runs \`ALTER SUBSCRIPTION replica_b_sub DISABLE\` at a`,
    'random point of the poll cycle and measures until the local webhook receives the `stream-down` notification',
    '(poll → snapshot → alert evaluation queue → notification queue → HTTP), then re-enables and waits for the',
    'resolve notification before the next trial.',
    '',
    ...table(['figure', 'value'], rows),
    '',
    `Target: under 1 poll interval + 1 s (${target} ms) for the slowest trial: ${verdictBelow(
      Math.round(Math.max(...latencies)),
      target,
      'ms',
    )}.`,
  ];
  console.log(lines.join('\n'));
  const file = await writeSection('## Alert latency', lines);
  log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
