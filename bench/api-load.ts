/**
 * Benchmark (issue 9 item 3): `GET /api/topology` and `GET /api/streams` of the all-in-one server with 200
 * endpoints and 400 streams under autocannon load, at a fixed 200 requests/s (also while simulated poll ticks publish
 * their events) and at maximum throughput.
 * Prints a table and writes the "API" section of docs/benchmarks.md.
 *
 *   npm run build:server && node dist/bench/api-load.js [seconds]      (default 10 s per run)
 */
import 'reflect-metadata';

import autocannon from 'autocannon';
import { EventPattern } from '@prm/contracts';
import { PrefixedRedisClient } from '@prm/messaging';
import { StreamRepository } from '@prm/persistence';
import { createTestDatabase, flushRedisPrefix, testRedisPrefix, testRedisUrl } from '@prm/testing';
import { lastValueFrom } from 'rxjs';

import { seedFleet } from './lib/seed.js';
import { startPrmServer } from './lib/server.js';
import { measuredLine, table, verdictBelow, writeSection } from './lib/report.js';

const NODES = 200;
const STREAMS = 400;
const RATE = 200;
const TARGET_P99_MS = 50;
/** Simulated poll ticks during the "with poll events" runs: one every this many ms, its events spread over BURST_MS. */
const TICK_EVERY_MS = 5_000;
const BURST_MS = 1_000;
const log = (line: string) => console.log(`[api-load] ${line}`);

interface Run {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  bytes: number;
}

async function load(
  url: string,
  authorization: string,
  seconds: number,
  rate: number | null,
  connections = 10,
): Promise<Run> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
    headers: { authorization },
    ...(rate ? { overallRate: rate } : {}),
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    bytes: r.throughput.average / Math.max(1, r.requests.average),
  };
}

/**
 * What the monitor publishes while it polls, on the app's Redis bus: every {@link TICK_EVERY_MS}, one tick's events
 * spread over {@link BURST_MS}: `status.updated` for each endpoint and `stream.updated` for each subscriber's streams
 * (the snapshots themselves do not change: each event still makes the gateway update its read models).
 * @returns a function that stops publishing and resolves once the last event is out, with the number published.
 */
function publishPollEvents(
  bus: PrefixedRedisClient,
  endpointIds: string[],
  streamsByTarget: Map<string, string[]>,
): () => Promise<number> {
  let stopped = false;
  let published = 0;
  const emit = (pattern: EventPattern, payload: unknown) =>
    lastValueFrom(bus.emit(pattern, payload), { defaultValue: undefined }).then(() => void (published += 1));
  const loop = (async () => {
    while (!stopped) {
      const tick = Date.now();
      for (const [i, id] of endpointIds.entries()) {
        if (stopped) break;
        const due = tick + (i * BURST_MS) / endpointIds.length;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        const at = new Date().toISOString();
        await emit(EventPattern.StatusUpdated, { endpointIds: [id], at });
        const streamIds = streamsByTarget.get(id);
        if (streamIds) await emit(EventPattern.StreamUpdated, { type: 'stream.updated', streamIds, at });
      }
      await new Promise((r) => setTimeout(r, Math.max(0, tick + TICK_EVERY_MS - Date.now())));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return published;
  };
}

async function main(): Promise<void> {
  const seconds = Math.max(3, Number(process.argv[2] ?? 10) || 10);
  const header = measuredLine(`node dist/bench/api-load.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`);
  const db = await createTestDatabase('prm_test_bench_api');
  const prefix = testRedisPrefix('bench-api').replace(/:$/, '');
  const server = await startPrmServer(db.url, prefix);
  const redis = new URL(testRedisUrl());
  const bus = new PrefixedRedisClient({ host: redis.hostname, port: Number(redis.port || 6379) }, `${prefix}:`);
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the boot tick (no endpoint yet) is done
    const seeded = await seedFleet(db.url, NODES, STREAMS);
    const streamsByTarget = new Map<string, string[]>();
    for (const s of await seeded.app.get(StreamRepository).list()) {
      streamsByTarget.set(s.targetEndpointId, [...(streamsByTarget.get(s.targetEndpointId) ?? []), s.id]);
    }
    await seeded.close();
    log(`seeded ${seeded.endpoints.length} endpoints, ${seeded.streams} streams`);
    const rows: (string | number)[][] = [];
    const p99At200: number[] = [];
    let eventsPerRun = 0;
    for (const path of ['/api/topology', '/api/streams']) {
      const url = `${server.baseUrl}${path}`;
      const auth = server.authorization;
      await load(url, auth, 2, null); // warm-up (JIT, connection pool)
      const fixed = await load(url, auth, seconds, RATE);
      const stop = publishPollEvents(
        bus,
        seeded.endpoints.map((e) => e.id),
        streamsByTarget,
      );
      const polled = await load(url, auth, seconds, RATE);
      eventsPerRun = await stop();
      const max = await load(url, auth, seconds, null);
      const single = await load(url, auth, Math.max(3, Math.round(seconds / 2)), null, 1);
      p99At200.push(fixed.p99, polled.p99);
      for (const [mode, r] of [
        ['1 connection, sequential', single],
        [`${RATE} req/s fixed`, fixed],
        [`${RATE} req/s fixed, poll events`, polled],
        ['max throughput', max],
      ] as const) {
        rows.push([
          `\`GET ${path}\``,
          mode,
          r.rps.toFixed(0),
          `${r.p50} ms`,
          `${r.p99} ms`,
          `${r.max} ms`,
          `${(r.bytes / 1024).toFixed(0)} KiB`,
          r.errors + r.non2xx,
        ]);
        log(`${path} ${mode}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms`);
      }
    }
    const worst = Math.max(...p99At200);
    const lines = [
      header,
      '',
      `How: the built all-in-one server (\`dist/services/all-in-one/src/main.js\`, NODE_ENV=production, one Node ` +
        `process) on a fresh metadata DB (the machine's PG15), seeded through the repositories with ${NODES} ` +
        `endpoints (half publishers with 4 tables, half subscribers), their \`endpoint_status\` snapshots and ` +
        `${seeded.streams} streams whose \`stream_status\` rows were derived by the monitor's ` +
        `\`StreamStatusService.afterPoll\` from those snapshots (10 % lagging). autocannon 9 in the bench process, ` +
        `10 connections, ${seconds} s per run after a 2 s warm-up: \`overallRate: ${RATE}\`, then unthrottled, then 1 connection sequentially (the unloaded service time). ` +
        `Requests carry the bootstrap admin API token (\`authorization: Bearer …\`). Served from the gateway's read ` +
        `models: topology and the poll-driven part of the stream list kept in memory, rebuilt on \`status.updated\` / ` +
        `\`stream.updated\` / \`endpoint.changed\` (only the announced endpoints' snapshots / streams are read again); ` +
        `per \`/api/streams\` request two light statements (effective thresholds, newest logged error per stream). ` +
        `"Poll events": during that run the bench publishes on the app's Redis bus what the monitor does while it ` +
        `polls, a simulated tick every ${TICK_EVERY_MS / 1000} s (3× the default 15 s interval): for each endpoint ` +
        `\`status.updated\`, and \`stream.updated\` for a subscriber's streams, spread over ${BURST_MS / 1000} s ` +
        `(${eventsPerRun} events in the run); every request must reflect the events received before it.`,
      '',
      ...table(['request', 'load', 'req/s', 'p50', 'p99', 'max', 'body', 'errors'], rows),
      '',
      `Target p99 < ${TARGET_P99_MS} ms at ${RATE} req/s: ${verdictBelow(worst, TARGET_P99_MS, 'ms')} (worst of the two ` +
        `paths, with and without poll events).`,
    ];
    console.log(lines.join('\n'));
    log(`wrote ${await writeSection('## API', lines)}`);
  } finally {
    await bus.close();
    await server.stop();
    await db.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
