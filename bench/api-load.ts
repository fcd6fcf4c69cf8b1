/**
 * Benchmark (issue 9 item 3): `GET /api/topology` and `GET /api/streams` of the all-in-one server with 200
 * endpoints and 400 streams under autocannon load, at a fixed 200 requests/s and at maximum throughput.
 * Prints a table and writes the "API" section of docs/benchmarks.md.
 *
 *   npm run build:server && node dist/bench/api-load.js [seconds]      (default 10 s per run)
 */
import 'reflect-metadata';

import autocannon from 'autocannon';
import { createTestDatabase, flushRedisPrefix, testRedisPrefix } from '@prm/testing';

import { seedFleet } from './lib/seed.js';
import { startPrmServer } from './lib/server.js';
import { measuredLine, table, verdictBelow, writeSection } from './lib/report.js';

const NODES = 200;
const STREAMS = 400;
const RATE = 200;
const TARGET_P99_MS = 50;
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

async function load(url: string, seconds: number, rate: number | null, connections = 10): Promise<Run> {
  const r = await autocannon({
    url,
    connections,
    duration: seconds,
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

async function main(): Promise<void> {
  const seconds = Math.max(3, Number(process.argv[2] ?? 10) || 10);
  const header = measuredLine(`node dist/bench/api-load.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`);
  const db = await createTestDatabase('prm_test_bench_api');
  const prefix = testRedisPrefix('bench-api').replace(/:$/, '');
  const server = await startPrmServer(db.url, prefix);
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the boot tick (no endpoint yet) is done
    const seeded = await seedFleet(db.url, NODES, STREAMS);
    await seeded.close();
    log(`seeded ${seeded.endpoints.length} endpoints, ${seeded.streams} streams`);
    const rows: (string | number)[][] = [];
    const p99At200: number[] = [];
    for (const path of ['/api/topology', '/api/streams']) {
      const url = `${server.baseUrl}${path}`;
      await load(url, 2, null); // warm-up (JIT, connection pool)
      const fixed = await load(url, seconds, RATE);
      const max = await load(url, seconds, null);
      const single = await load(url, Math.max(3, Math.round(seconds / 2)), null, 1);
      p99At200.push(fixed.p99);
      for (const [mode, r] of [
        ['1 connection, sequential', single],
        [`${RATE} req/s fixed`, fixed],
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
        `Every request reads the metadata DB (no cache).`,
      '',
      ...table(['request', 'load', 'req/s', 'p50', 'p99', 'max', 'body', 'errors'], rows),
      '',
      `Target p99 < ${TARGET_P99_MS} ms at ${RATE} req/s: ${verdictBelow(worst, TARGET_P99_MS, 'ms')} (worst of the two paths).`,
    ];
    console.log(lines.join('\n'));
    log(`wrote ${await writeSection('## API', lines)}`);
  } finally {
    await server.stop();
    await db.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
