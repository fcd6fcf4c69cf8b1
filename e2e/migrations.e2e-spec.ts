import { resolve } from 'node:path';

import type { EndpointView, MigrationRunSummary } from '@prm/contracts';
import type { BrowserContext, Page } from 'playwright-core';

import { type PrmStack, SCREENSHOT_DIR, registerDemoEndpoints, startPrmStack } from './support/prm-stack.js';

/** Waits until the run panel shows `status` (live over the WebSocket, no reload). */
async function waitForRunStatus(page: Page, status: string): Promise<void> {
  await page.locator(`[data-testid="run-status"]:text-is("${status}")`).waitFor({ timeout: 60_000 });
}

// Issue 5 in the browser: paste a script, preview, dry run, run on both replicas of the demo topology (not the
// publisher), see the per-endpoint report.
describe('migrations page (all-in-one backend, demo topology, headless Chromium)', () => {
  let stack: PrmStack;
  let context: BrowserContext;
  let page: Page;
  let registered: EndpointView[];

  beforeAll(async () => {
    stack = await startPrmStack();
    registered = await registerDemoEndpoints(stack);
    context = await stack.newContext();
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
  }, 60_000);

  it('pastes a script, previews, dry-runs, runs on the replicas only and shows the report', async () => {
    await page.goto('/migrations');
    await page.getByTestId('migration-name').fill('loyalty tier');
    const editor = page.locator('[data-testid="sql-input"]');
    await editor.click();
    await page.keyboard.insertText(
      '-- loyalty programme\nALTER TABLE customers ADD COLUMN loyalty_tier text;\n' +
        'CREATE INDEX customers_loyalty_tier_idx ON customers (loyalty_tier);\n',
    );
    // Replicas are selected by default, the publisher is not.
    await expect(page.getByTestId('target-replica-a').locator('input[type=checkbox]').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('target-publisher').locator('input[type=checkbox]').isChecked()).resolves.toBe(false);

    await page.getByTestId('preview').click();
    await page.getByTestId('preview-panel').waitFor();
    const preview = await page.getByTestId('preview-panel').textContent();
    expect(preview).toContain('additive');
    expect(preview).toContain('1. replica-a');
    expect(preview).toContain('runs in one transaction per target');

    await page.getByTestId('dry-run').click();
    await waitForRunStatus(page, 'succeeded');
    await expect(page.getByTestId('run-panel').textContent()).resolves.toContain('(dry run)');
    const dry = await stack.demo.replicaA.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'loyalty_tier'`,
      [],
      stack.demo.dbname,
    );
    expect(dry).toEqual([{ n: 0 }]);

    await page.getByTestId('run').click();
    await page.locator('[data-testid="run-panel"]:not(:has-text("(dry run)"))').waitFor();
    await waitForRunStatus(page, 'succeeded');
    for (const name of ['replica-a', 'replica-b']) {
      await expect(page.getByTestId(`step-${name}`).getByTestId('step-status').textContent()).resolves.toBe(
        'succeeded',
      );
    }
    expect(await page.getByTestId('report-md').getAttribute('href')).toMatch(/\/report\.md$/);
    await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'migrations.png'), fullPage: true });

    const runs = await stack.api<MigrationRunSummary[]>('GET', '/api/migrations');
    console.log(
      'browser run:',
      runs.map((r) => `${r.name} ${r.status} dry=${r.dryRun} ${JSON.stringify(r.counts)}`),
    );
    expect(runs[0]).toMatchObject({ status: 'succeeded', dryRun: false, targetCount: 2 });
    for (const [cluster, expected] of [
      [stack.demo.replicaA, 1],
      [stack.demo.replicaB, 1],
      [stack.demo.publisher, 0],
    ] as const) {
      const rows = await cluster.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'customers'::regclass AND attname = 'loyalty_tier'`,
        [],
        stack.demo.dbname,
      );
      expect(rows).toEqual([{ n: expected }]);
    }
    expect(registered.map((e) => e.name)).toEqual(['publisher', 'replica-a', 'replica-b']);
  });
});
