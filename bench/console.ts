/**
 * Benchmark (issue 9 item 4): the console in headless Chromium against the built all-in-one server, seeded with
 * 50/200/300/500/1000 endpoints (2 streams per endpoint, as the API benchmark): time until the topology map is drawn
 * and until the main thread is quiet, the renderer's main-thread CPU until drawn, layout runs, the status repaint
 * with no re-layout (from the bus event and from the push reaching the page), zooming a large map into its details,
 * and the initial-route JS (gzipped).
 * Prints tables and writes the "Console" section of docs/benchmarks.md.
 *
 *   npm run build && node dist/bench/console.js [sizes]      (default 50,200,300,500,1000; needs the built console,
 *                                                             PRM_CONSOLE_DIR or dist/console/browser)
 *   PRM_BENCH_TRACE=1 node dist/bench/console.js 50           (also prints each load's request timeline)
 */
import 'reflect-metadata';

import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { type EndpointStatus, EventPattern } from '@prm/contracts';
import { PrefixedRedisClient } from '@prm/messaging';
import {
  TEST_ADMIN,
  createTestDatabase,
  flushRedisPrefix,
  repoRoot,
  testRedisPrefix,
  testRedisUrl,
} from '@prm/testing';
import { type Browser, type BrowserContext, type CDPSession, type Page, chromium } from 'playwright-core';
import { lastValueFrom } from 'rxjs';

import { seedFleet } from './lib/seed.js';
import { startPrmServer } from './lib/server.js';
import { load1, measuredLine, median, ms, table, verdictBelow, writeSection } from './lib/report.js';

const CONSOLE_DIR = (() => {
  const dir = process.env.PRM_CONSOLE_DIR ?? 'dist/console/browser';
  return isAbsolute(dir) ? dir : join(repoRoot(), dir);
})();
const REPAINTS = 6;
/** Cold page loads per size (each in a new browser context); drawn, CPU and quiet are their medians. */
const LOADS = 3;
/** Groups (cloud/region/network) of the seeded fleet: 3 regions, one VPC each. */
const GROUPS = 3;
/** The main thread counts as quiet after this long without a long task (> 50 ms), ms (as in TTI). */
const QUIET_WINDOW_MS = 2000;
const log = (line: string) => console.log(`[console] ${line}`);

interface SizeResult {
  nodes: number;
  /** 1-minute load average of the machine when this size started. */
  load: string;
  edges: number;
  drawnMs: number;
  /** Fastest and slowest of the {@link LOADS} loads, ms. */
  drawnRange: number[];
  quietMs: number;
  /** Renderer main-thread CPU from navigation until drawn, ms. */
  cpuMs: number;
  detail: string;
  layoutRuns: string;
  /** Bus publish → node repainted, ms. */
  repaints: number[];
  /** `status.updated` frame received by the page → node repainted, ms. */
  pageRepaints: number[];
  /** Of which: push received → `GET /api/topology` answered, and answered → repainted, ms. */
  fetches: number[];
  renders: number[];
  layoutRunsAfter: string;
  /** Zoom in until the details are drawn: the last wheel step → details drawn, ms (null: already detailed). */
  detailsMs: number | null;
  jsFiles: string[];
}

const NODE_SEL = 'g[data-testid^="node-"][data-state]';

/**
 * Page-side probes, installed before the console's own scripts (strings: the bench compiles without the DOM lib):
 * the arrival time of every `status.updated` push (a listener on each WebSocket, registered before the console's
 * own `onmessage`) and the long tasks (PerformanceObserver `longtask`).
 */
const PROBES = `
  window.__prmPushes = [];
  window.__prmLongTasks = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.includes('"status.updated"')) {
          window.__prmPushes.push(performance.timeOrigin + performance.now());
        }
      });
    }
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__prmLongTasks.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

/** Renderer main-thread CPU time so far (Chrome's `ThreadTime` metric), ms. */
async function threadTimeMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? NaN) * 1000;
}

/**
 * Page time (ms from navigation start) at which the main thread went quiet: the end of the last long task before
 * {@link QUIET_WINDOW_MS} without one, not before `drawnMs`. Polls for at most 60 s.
 */
async function quietAfter(page: Page, drawnMs: number): Promise<number> {
  const until = Date.now() + 60_000;
  for (;;) {
    const [now, lastEnd] = (await page.evaluate(
      '[performance.now(), Math.max(0, ...window.__prmLongTasks.map((t) => t.end))]',
    )) as [number, number];
    const quietSince = Math.max(drawnMs, lastEnd);
    if (now - quietSince >= QUIET_WINDOW_MS || Date.now() > until) return quietSince;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Wheel-zooms into the middle of the map until it switches from the overview to the details (`data-detail`), and
 * returns the time from the last wheel step to the first animation frame with the details, ms; null when the map
 * was drawn with its details already.
 */
async function zoomIntoDetails(page: Page): Promise<number | null> {
  const map = page.locator('[data-testid="topology-graph"]');
  if ((await map.getAttribute('data-detail')) !== 'overview') return null;
  const box = await map.boundingBox();
  if (!box) throw new Error('map has no box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  for (let step = 0; step < 60; step++) {
    const before = (await page.evaluate('performance.now()')) as number;
    await page.mouse.wheel(0, -100);
    const after = (await page.evaluate(`new Promise((resolve) => requestAnimationFrame(() => resolve([
        performance.now(), document.querySelector('[data-testid="topology-graph"]').getAttribute('data-detail')])))`)) as [
      number,
      string,
    ];
    if (after[1] === 'full') return after[0] - before;
  }
  throw new Error('map never switched to its details after 60 wheel steps');
}

interface PageLoad {
  context: BrowserContext;
  page: Page;
  drawnMs: number;
  cpuMs: number;
  quietMs: number;
  jsFiles: string[];
}

/**
 * Opens `/` in a new browser context (cold: no cache, no service worker), signed in as the test admin first
 * (session cookie, as a DBA arriving with a session), and measures drawn, main-thread CPU until drawn and quiet.
 */
async function openMap(browser: Browser, baseUrl: string, nodes: number, groups: number): Promise<PageLoad> {
  // bypassCSP: the page-side probes are strings (the bench compiles without the DOM lib), which prm's CSP
  // (script-src 'self') would refuse to evaluate.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
  const login = await context.request.post(`${baseUrl}/api/auth/login`, {
    data: { username: TEST_ADMIN.user, password: TEST_ADMIN.password },
  });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
  await context.addInitScript(PROBES);
  const page: Page = await context.newPage();
  page.on('crash', () => log('page crashed'));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const jsFiles: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text().split('\n')[0])));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.pathname.endsWith('.js')) jsFiles.push(u.pathname.slice(1));
  });
  await page.goto(baseUrl + '/', { waitUntil: 'commit' });
  const drawn = await page
    .waitForFunction(
      `document.querySelectorAll(${JSON.stringify(NODE_SEL)}).length >= ${nodes} ? performance.now() : false`,
      undefined,
      { polling: 'raf', timeout: 120_000 },
    )
    .catch((err: unknown) => {
      throw new Error(`${nodes} nodes in ${groups} groups not drawn: ${pageErrors[0] ?? (err as Error).message}`);
    });
  const drawnMs = (await drawn.jsonValue()) as number;
  if (process.env.PRM_BENCH_TRACE) log(`timeline of a ${nodes}-endpoint load:\n${await timeline(page)}`);
  const cpuMs = await threadTimeMs(cdp);
  const quietMs = await quietAfter(page, drawnMs);
  await cdp.detach();
  return { context, page, drawnMs, cpuMs, quietMs, jsFiles };
}

/**
 * `PRM_BENCH_TRACE=1`: where a load spent its time until drawn, from the page's navigation and resource timing
 * (start → response end of each request, ms since navigation start), to see what bounds the draw time.
 */
async function timeline(page: Page): Promise<string> {
  return (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const rows = [['document', 0, nav.responseEnd], ['DOMContentLoaded', nav.domContentLoadedEventStart, nav.domContentLoadedEventEnd]];
    for (const r of performance.getEntriesByType('resource')) rows.push([new URL(r.name).pathname, r.startTime, r.responseEnd]);
    for (const m of performance.getEntriesByType('paint')) rows.push([m.name, m.startTime, m.startTime]);
    return rows.sort((a, b) => a[1] - b[1]).map(([n, s, e]) => '  ' + s.toFixed(0).padStart(5) + ' → ' + e.toFixed(0).padStart(5) + '  ' + n).join('\\n');
  })()`)) as string;
}

async function measureSize(browser: Browser, nodes: number, groups: number): Promise<SizeResult> {
  const load = load1();
  const db = await createTestDatabase('prm_test_bench_console');
  const prefix = testRedisPrefix('bench-console').replace(/:$/, '');
  const server = await startPrmServer(db.url, prefix);
  const redis = new URL(testRedisUrl());
  const bus = new PrefixedRedisClient({ host: redis.hostname, port: Number(redis.port || 6379) }, `${prefix}:`);
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the boot tick (no endpoint yet) is done
    const seeded = await seedFleet(db.url, nodes, nodes * 2, groups);
    const loads: PageLoad[] = [];
    for (let i = 0; i < LOADS; i++) {
      if (i > 0) await loads[i - 1].context.close();
      loads.push(await openMap(browser, server.baseUrl, nodes, groups));
    }
    const { context, page, jsFiles } = loads[LOADS - 1];
    const drawnMs = median(loads.map((l) => l.drawnMs));
    const drawnRange = [Math.min(...loads.map((l) => l.drawnMs)), Math.max(...loads.map((l) => l.drawnMs))];
    const cpuMs = median(loads.map((l) => l.cpuMs));
    const quietMs = median(loads.map((l) => l.quietMs));
    const map = page.locator('[data-testid="topology-graph"]');
    const layoutRuns = (await map.getAttribute('data-layout-runs')) ?? '?';
    const detail = (await map.getAttribute('data-detail')) ?? '?';
    const edges = await page.locator('g[data-testid^="edge-"][data-state]').count();
    // Repaint: flip one publisher's reachability in the DB, announce it like the monitor does, wait for data-state.
    const target = seeded.endpoints[0];
    const repaints: number[] = [];
    const pageRepaints: number[] = [];
    const fetches: number[] = [];
    const renders: number[] = [];
    for (let i = 0; i < REPAINTS; i++) {
      const next: EndpointStatus['reachability'] = i % 2 === 0 ? 'unreachable' : 'reachable';
      const status = { ...seeded.statuses.get(target.id)!, reachability: next, checkedAt: new Date().toISOString() };
      if (next === 'unreachable') {
        status.lastError = { code: 'connection-refused', message: 'connection refused', at: status.checkedAt };
      }
      await seeded.saveStatus(status);
      // Down: the node leaves `reachable` (a publisher whose slots are still active shows `unreachable-from-prm`,
      // one without `unreachable`); up: back to `reachable`.
      const sel = JSON.stringify(`g[data-testid="node-${target.name}"]`);
      const shown = next === 'reachable' ? "state === 'reachable'" : "state && state !== 'reachable'";
      // Checked every animation frame (the node element may be re-created by the re-render); -1 after 15 s.
      await page.evaluate(`void (window.__prmRepaint = new Promise((resolve) => {
          const until = performance.now() + 15000;
          const pushes = window.__prmPushes.length;
          const check = () => {
            const el = document.querySelector(${sel});
            const state = el && el.getAttribute('data-state');
            if (${shown}) {
              const painted = performance.timeOrigin + performance.now();
              const pushed = window.__prmPushes[pushes] ?? -1;
              // the first GET /api/topology after the push: when its answer was in
              const fetched = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/api/topology') &&
                performance.timeOrigin + r.startTime >= pushed);
              resolve([painted, pushed, state, fetched ? performance.timeOrigin + fetched.responseEnd : -1]);
            } else if (performance.now() > until) resolve([-1, -1, state, -1]);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }))`);
      const t0 = Date.now();
      await lastValueFrom(bus.emit(EventPattern.StatusUpdated, { endpointIds: [target.id], at: status.checkedAt }), {
        defaultValue: undefined,
      });
      const [painted, pushed, state, fetched] = (await page.evaluate('window.__prmRepaint')) as [
        number,
        number,
        string,
        number,
      ];
      if (painted < 0) throw new Error(`node ${target.name} never turned ${next} (15 s; it shows ${state})`);
      repaints.push(painted - t0);
      if (pushed > 0) pageRepaints.push(painted - pushed);
      if (pushed > 0 && fetched > 0) {
        fetches.push(fetched - pushed);
        renders.push(painted - fetched);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    const layoutRunsAfter = (await map.getAttribute('data-layout-runs')) ?? '?';
    const detailsMs = await zoomIntoDetails(page);
    await context.close();
    await seeded.close();
    return {
      nodes,
      load,
      edges,
      drawnMs,
      drawnRange,
      quietMs,
      cpuMs,
      detail,
      layoutRuns,
      repaints,
      pageRepaints,
      fetches,
      renders,
      layoutRunsAfter,
      detailsMs,
      jsFiles,
    };
  } finally {
    bus.close();
    await server.stop();
    await db.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(CONSOLE_DIR, 'index.html')))
    throw new Error(`${CONSOLE_DIR} has no index.html: run npm run build:console`);
  const sizes = (process.argv[2] ?? '50,200,300,500,1000')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const header = measuredLine(`node dist/bench/console.js${process.argv[2] ? ` ${process.argv[2]}` : ''}`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const results: SizeResult[] = [];
  let manyGroups = '';
  try {
    // A fleet spread over 15 groups (3 regions × 5 VPCs), with streams between groups.
    manyGroups = await measureSize(browser, 50, 15).then(
      (r) => `50 endpoints in 15 groups (3 regions × 5 VPCs): drawn in ${ms(r.drawnMs)}, ${r.layoutRuns} layout run.`,
      (err: unknown) =>
        `**50 endpoints in 15 groups (3 regions × 5 VPCs): the map is never drawn**: ${(err as Error).message}.`,
    );
    log(manyGroups);
    for (const n of sizes) {
      const r = await measureSize(browser, n, GROUPS);
      log(
        `${n} nodes / ${r.edges} edges: drawn ${ms(r.drawnMs)} (${r.drawnRange.map(ms).join('–')}; main-thread CPU ` +
          `${ms(r.cpuMs)}, ${r.detail}), ` +
          `quiet ${ms(r.quietMs)}, layout runs ${r.layoutRuns} → ${r.layoutRunsAfter}, repaints ` +
          `${r.repaints.map(ms).join(', ')} (from the push: ${r.pageRepaints.map(ms).join(', ')}; fetch ` +
          `${r.fetches.map(ms).join(', ')}; render ${r.renders.map(ms).join(', ')}), details ` +
          `${r.detailsMs === null ? 'drawn already' : ms(r.detailsMs)}`,
      );
      results.push(r);
    }
  } finally {
    await browser.close();
  }
  const files = [...new Set(results[0]?.jsFiles ?? [])];
  const gz = files.map((f) => {
    const raw = readFileSync(join(CONSOLE_DIR, f));
    return { f, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length };
  });
  const totalGz = gz.reduce((a, b) => a + b.gz, 0);
  const totalRaw = gz.reduce((a, b) => a + b.raw, 0);
  const at300 = results.find((r) => r.nodes === 300) ?? results[results.length - 1];
  const smallest = results.reduce((a, b) => (b.nodes < a.nodes ? b : a), at300);
  const allRepaints = results.flatMap((r) => r.pageRepaints);
  const pageRepaintWorst = Math.max(...results.map((r) => median(r.pageRepaints)));
  const busRepaintWorst = Math.max(...results.map((r) => median(r.repaints)));
  const lines = [
    header,
    '',
    `How: for each size a fresh metadata DB seeded as in the API benchmark (half publishers, half subscribers, ` +
      `2 streams per endpoint, in 3 groups: 3 regions with one VPC each), the built all-in-one server serving ` +
      `the built console, and a new page in headless Chromium (playwright-core, /usr/bin/chromium, \`--headless ` +
      `--no-sandbox --disable-gpu --disable-background-networking\`, 1440×900), signed in as the test admin ` +
      `(session cookie) before \`/\` opens; ${LOADS} cold loads per size (a new browser context each: nothing cached), ` +
      `medians reported. Drawn = page \`performance.now()\` (from navigation start) of the first ` +
      `animation frame in which every node \`g[data-state]\` is in the map; CPU = the renderer main thread's CPU time ` +
      `until then (Chrome's \`ThreadTime\` metric: what the page costs, far less sensitive than wall time to what ` +
      `else runs on the machine); quiet = ` +
      `the end of the last long task (> 50 ms) before ${QUIET_WINDOW_MS / 1000} s without one (as in TTI). ` +
      `\`data-detail\`: the map draws an overview (boxes, names, state icons, coloured stream lines) when the zoom ` +
      `that fits it is below 0.6, the details of the items in or near the panel when zoomed in; "details" = ` +
      `wheel-zooming into the middle of the map ` +
      `until it switches: from the last wheel step to the first frame with the details. Repaint: one endpoint's ` +
      `\`endpoint_status.reachability\` flipped in the DB, then \`status.updated\` published on the app's Redis bus (as ` +
      `the monitor does); timed to the first animation frame in which the node's \`data-state\` has changed, from the ` +
      `publish (end to end: the gateway merges \`status.updated\` for 250 ms before it pushes) and from the moment ` +
      `the push reached the page (a listener on the page's WebSocket: the console's part, one \`GET /api/topology\` ` +
      `and the repaint, split at the moment that answer was in, from the page's resource timing); median of ` +
      `${REPAINTS}. \`data-layout-runs\` before and after the repaints shows whether ` +
      `the map re-ran its layout.`,
    '',
    ...table(
      [
        'nodes',
        'edges drawn',
        'drawn: median (min–max)',
        'main-thread CPU until drawn',
        'quiet',
        'drawn as',
        'repaint from the push: median (max)',
        'of which GET /api/topology / render',
        'repaint from the bus event: median (max)',
        'layout runs before → after repaints',
        'zoom into details',
        'load avg',
      ],
      results.map((r) => [
        r.nodes,
        r.edges,
        `${ms(r.drawnMs)} (${r.drawnRange.map(ms).join('–')})`,
        ms(r.cpuMs),
        ms(r.quietMs),
        r.detail,
        `${ms(median(r.pageRepaints))} (${ms(Math.max(...r.pageRepaints))})`,
        `${ms(median(r.fetches))} / ${ms(median(r.renders))}`,
        `${ms(median(r.repaints))} (${ms(Math.max(...r.repaints))})`,
        `${r.layoutRuns} → ${r.layoutRunsAfter}`,
        r.detailsMs === null ? 'drawn with details' : ms(r.detailsMs),
        r.load,
      ]),
    ),
    '',
    manyGroups,
    '',
    `Initial route (\`/\`, the topology) JS as loaded by the browser: ${files.length} files, ` +
      `${(totalRaw / 1024).toFixed(0)} KiB raw, **${(totalGz / 1024).toFixed(0)} KiB gzipped** (zlib level 9 of the ` +
      `files in the console build).`,
    '',
    `Targets: ${at300.nodes} nodes drawn < 1 s: ${verdictBelow(Math.round(at300.drawnMs), 1000, 'ms')}; status repaint ` +
      `< 100 ms (worst median, from the push): ${verdictBelow(Math.round(pageRepaintWorst), 100, 'ms')} (end to end ` +
      `from the bus event, worst median: ${ms(busRepaintWorst)}, of which 250 ms is the gateway's merge window); ` +
      `no re-layout on repaint: ${results.every((r) => r.layoutRuns === r.layoutRunsAfter) ? 'met' : '**missed**'}; ` +
      `initial bundle < 1 MB gzipped: ${verdictBelow(Math.round(totalGz / 1024), 1024, 'KiB')}. Repaints measured: ` +
      `${allRepaints.length}.`,
    '',
    `What bounds the load time: the smallest map (${smallest.nodes} endpoints) took ${ms(smallest.drawnMs)} to draw ` +
      `(sign-in check, app start, the topology chunk, the first API answers), so the ${at300.nodes}-endpoint map itself ` +
      `added ${ms(at300.drawnMs - smallest.drawnMs)}; the renderer's main thread worked ${ms(at300.cpuMs)} of CPU ` +
      `in those ${ms(at300.drawnMs)} (${Math.round((100 * at300.cpuMs) / at300.drawnMs)} %): the rest it waited for the ` +
      `network, the server and its share of the 2 cores (1-min load average ${at300.load}). A status repaint is one ` +
      `\`GET /api/topology\` (median ${ms(median(at300.fetches))} at ${at300.nodes} endpoints) and one frame for the ` +
      `endpoint boxes and lines whose content changed (${ms(median(at300.renders))}).`,
  ];
  console.log(lines.join('\n'));
  log(`wrote ${await writeSection('## Console', lines)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
