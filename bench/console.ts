/**
 * Benchmark (issue 9 item 4): the console in headless Chromium against the built all-in-one server, seeded with
 * 50/200/300/500 endpoints (2 streams per endpoint, as the API benchmark): time until the topology map is drawn and
 * interactive, layout runs, the initial-route JS (gzipped), and the status repaint with no re-layout.
 * Prints tables and writes the "Console" section of docs/benchmarks.md.
 *
 *   npm run build && node dist/bench/console.js [sizes]      (default 50,200,300,500; needs dist/console)
 */
import 'reflect-metadata';

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { type EndpointStatus, EventPattern, type TopologyView } from '@prm/contracts';
import { PrefixedRedisClient } from '@prm/messaging';
import { createTestDatabase, flushRedisPrefix, repoRoot, testRedisPrefix, testRedisUrl } from '@prm/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { lastValueFrom } from 'rxjs';

import { seedFleet } from './lib/seed.js';
import { startPrmServer } from './lib/server.js';
import { measuredLine, median, ms, table, verdictBelow, writeSection } from './lib/report.js';

const CONSOLE_DIR = join(repoRoot(), 'dist/console/browser');
const REPAINTS = 6;
/** Groups (cloud/region/network) of the seeded fleet: 3 regions, one VPC each. */
const GROUPS = 3;
const log = (line: string) => console.log(`[console] ${line}`);

interface SizeResult {
  nodes: number;
  edges: number;
  drawnMs: number;
  interactiveMs: number;
  layoutRuns: string;
  repaints: number[];
  layoutRunsAfter: string;
  jsFiles: string[];
}

const NODE_SEL = 'g[data-testid^="node-"][data-state]';

async function measureSize(browser: Browser, nodes: number, groups: number): Promise<SizeResult> {
  const db = await createTestDatabase('prm_test_bench_console');
  const prefix = testRedisPrefix('bench-console').replace(/:$/, '');
  const server = await startPrmServer(db.url, prefix);
  const redis = new URL(testRedisUrl());
  const bus = new PrefixedRedisClient({ host: redis.hostname, port: Number(redis.port || 6379) }, `${prefix}:`);
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the boot tick (no endpoint yet) is done
    const seeded = await seedFleet(db.url, nodes, nodes * 2, groups);
    // bypassCSP: the page-side probes below are strings (the bench compiles without the DOM lib), which prm's CSP
    // (script-src 'self') would refuse to evaluate.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    const page: Page = await context.newPage();
    page.on('crash', () => log('page crashed'));
    const jsFiles: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text().split('\n')[0])));
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith('.js')) jsFiles.push(u.pathname.slice(1));
    });
    await page.goto(server.baseUrl + '/', { waitUntil: 'commit' });
    // Page-side code as strings: the bench compiles without the DOM lib.
    const drawn = await page
      .waitForFunction(
        `document.querySelectorAll(${JSON.stringify(NODE_SEL)}).length >= ${nodes} ? performance.now() : false`,
        undefined,
        { polling: 'raf', timeout: groups > 3 ? 20_000 : 120_000 },
      )
      .catch((err: unknown) => {
        throw new Error(`${nodes} nodes in ${groups} groups not drawn: ${pageErrors[0] ?? (err as Error).message}`);
      });
    const drawnMs = (await drawn.jsonValue()) as number;
    // Interactive: the first task that runs after the frame that showed every node (no long task left queued).
    const interactiveMs = (await page.evaluate(
      'new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))',
    )) as number;
    const map = page.locator('[data-testid="topology-graph"]');
    const layoutRuns = (await map.getAttribute('data-layout-runs')) ?? '?';
    const edges = await page.locator('g[data-testid^="edge-"][data-state]').count();
    // Repaint: flip one publisher's reachability in the DB, announce it like the monitor does, wait for data-state.
    const target = seeded.endpoints[0];
    const repaints: number[] = [];
    for (let i = 0; i < REPAINTS; i++) {
      const next: EndpointStatus['reachability'] = i % 2 === 0 ? 'unreachable' : 'reachable';
      const status = { ...seeded.statuses.get(target.id)!, reachability: next, checkedAt: new Date().toISOString() };
      if (next === 'unreachable') {
        status.lastError = { code: 'connection-refused', message: 'connection refused', at: status.checkedAt };
      }
      await seeded.saveStatus(status);
      // What the node will show: the topology's holistic reachability (a publisher whose slots are still active
      // is `unreachable-from-prm`, not `unreachable`), read before the clock starts.
      const topo = (await (await fetch(`${server.baseUrl}/api/topology`)).json()) as TopologyView;
      const want = topo.nodes.find((n) => n.id === target.id)?.reachability ?? next;
      const sel = JSON.stringify(`g[data-testid="node-${target.name}"]`);
      // Checked every animation frame (the node element may be re-created by the re-render); -1 after 15 s.
      await page.evaluate(`void (window.__prmRepaint = new Promise((resolve) => {
          const until = performance.now() + 15000;
          const check = () => {
            const el = document.querySelector(${sel});
            if (el && el.getAttribute('data-state') === ${JSON.stringify(want)}) resolve(performance.timeOrigin + performance.now());
            else if (performance.now() > until) resolve(-1);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }))`);
      const t0 = Date.now();
      await lastValueFrom(bus.emit(EventPattern.StatusUpdated, { endpointIds: [target.id], at: status.checkedAt }), {
        defaultValue: undefined,
      });
      const painted = (await page.evaluate('window.__prmRepaint')) as number;
      if (painted < 0) throw new Error(`node ${target.name} never showed data-state ${want} (15 s)`);
      repaints.push(painted - t0);
      await new Promise((r) => setTimeout(r, 300));
    }
    const layoutRunsAfter = (await map.getAttribute('data-layout-runs')) ?? '?';
    await context.close();
    await seeded.close();
    return { nodes, edges, drawnMs, interactiveMs, layoutRuns, repaints, layoutRunsAfter, jsFiles };
  } finally {
    bus.close();
    await server.stop();
    await db.drop();
    await flushRedisPrefix(`${prefix}:`).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(CONSOLE_DIR, 'index.html')))
    throw new Error('dist/console is missing: run npm run build:console');
  const sizes = (process.argv[2] ?? '50,200,300,500')
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
    // A fleet spread over 15 groups (3 regions × 5 VPCs): the grouped dagre layout is probed once at 50 nodes.
    manyGroups = await measureSize(browser, 50, 15).then(
      (r) => `50 nodes in 15 groups (3 regions × 5 VPCs): drawn in ${ms(r.drawnMs)}.`,
      (err: unknown) =>
        `**50 nodes in 15 groups (3 regions × 5 VPCs): the map is never drawn**: ${(err as Error).message}.`,
    );
    log(manyGroups);
    for (const n of sizes) {
      const r = await measureSize(browser, n, GROUPS);
      log(
        `${n} nodes / ${r.edges} edges: drawn ${ms(r.drawnMs)}, interactive ${ms(r.interactiveMs)}, layout runs ` +
          `${r.layoutRuns} → ${r.layoutRunsAfter}, repaints ${r.repaints.map(ms).join(', ')}`,
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
  const allRepaints = results.flatMap((r) => r.repaints);
  const repaintWorst = Math.max(...results.map((r) => median(r.repaints)));
  const lines = [
    header,
    '',
    `How: for each size a fresh metadata DB seeded as in the API benchmark (half publishers, half subscribers, ` +
      `2 streams per endpoint, in 3 groups: 3 regions with one VPC each), the built all-in-one server serving ` +
      `dist/console, and a new page in headless Chromium (playwright-core, /usr/bin/chromium, \`--headless ` +
      `--no-sandbox --disable-gpu --disable-background-networking\`, 1440×900). Drawn = page \`performance.now()\` ` +
      `(from navigation start) of the first animation frame in which every node \`g[data-state]\` is in the map; ` +
      `interactive = the first task after that frame. Repaint: one endpoint's \`endpoint_status.reachability\` ` +
      `flipped in the DB, then \`status.updated\` published on the app's Redis bus (as the monitor does); timed from ` +
      `the publish to the first animation frame in which the node's \`data-state\` has changed (the gateway coalesces ` +
      `\`status.updated\` for 250 ms, the console then refetches \`/api/topology\`); median of ${REPAINTS}. ` +
      `\`data-layout-runs\` before and after the repaints shows whether the map re-ran its layout.`,
    '',
    ...table(
      ['nodes', 'edges drawn', 'drawn', 'interactive', 'repaint median (max)', 'layout runs before → after repaints'],
      results.map((r) => [
        r.nodes,
        r.edges,
        ms(r.drawnMs),
        ms(r.interactiveMs),
        `${ms(median(r.repaints))} (${ms(Math.max(...r.repaints))})`,
        `${r.layoutRuns} → ${r.layoutRunsAfter}`,
      ]),
    ),
    '',
    manyGroups,
    '',
    `Initial route (\`/\`, the topology) JS as loaded by the browser: ${files.length} files, ` +
      `${(totalRaw / 1024).toFixed(0)} KiB raw, **${(totalGz / 1024).toFixed(0)} KiB gzipped** (zlib level 9 of the ` +
      `files in dist/console/browser).`,
    '',
    `Targets: ${at300.nodes} nodes drawn < 1 s: ${verdictBelow(Math.round(at300.drawnMs), 1000, 'ms')}; status repaint ` +
      `< 100 ms (worst median): ${verdictBelow(Math.round(repaintWorst), 100, 'ms')}; no re-layout on repaint: ` +
      `${results.every((r) => r.layoutRuns === r.layoutRunsAfter) ? 'met' : '**missed**'}; initial bundle < 1 MB ` +
      `gzipped: ${verdictBelow(Math.round(totalGz / 1024), 1024, 'KiB')}. Repaints measured: ${allRepaints.length}.`,
  ];
  console.log(lines.join('\n'));
  log(`wrote ${await writeSection('## Console', lines)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
