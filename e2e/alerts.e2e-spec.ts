import { resolve } from 'node:path';

import type { AlertView, StreamView } from '@prm/contracts';
import { TEST_ADMIN, expectEventually } from '@prm/testing';
import type { BrowserContext, Page } from 'playwright-core';

import { type PrmStack, SCREENSHOT_DIR, registerDemoEndpoints, startPrmStack } from './support/prm-stack.js';

// Issue 6 in the browser: a real firing alert (replica_b_sub disabled on the demo topology) on the Alerts page, the
// header badge, the markers on the topology edge and the stream row; acknowledge and silence from the console.
describe('alerts page (all-in-one backend, demo topology, headless Chromium)', () => {
  let stack: PrmStack;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    stack = await startPrmStack();
    await registerDemoEndpoints(stack);
    await expectEventually(
      async () => {
        const streams = await stack.api<StreamView[]>('GET', '/api/streams');
        expect(streams.map((s) => s.state)).toEqual(['streaming', 'streaming']);
      },
      { timeoutMs: 60_000, message: 'demo streams streaming' },
    );
    context = await stack.newContext();
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
  }, 60_000);

  it('lists a firing alert with its remediation, badges the header, marks the edge and the row; ack and silence work', async () => {
    await page.goto('/');
    await page.getByTestId('edge-replica_b_sub').waitFor();
    expect(await page.getByTestId('alerts-badge').count()).toBe(0);

    await stack.demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub DISABLE', [], stack.demo.dbname);
    const disabledAt = Date.now();
    // The badge appears live (alert.changed over /ws), no reload.
    await page.getByTestId('alerts-badge').waitFor({ timeout: 30_000 });
    const badgeAfter = Date.now() - disabledAt;
    expect(await page.getByTestId('alerts-badge').textContent()).toBe('1');
    await page.getByTestId('edge-alerts-replica_b_sub').waitFor();

    await page.getByTestId('nav-streams').click();
    await page.getByTestId('stream-alerts-replica_b_sub').waitFor();
    expect(await page.getByTestId('stream-alerts-replica_a_sub').count()).toBe(0);

    await page.getByTestId('nav-alerts').click();
    const row = page.locator('[data-testid="alert-row-stream-down"][data-state="firing"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Stream replica-b/replica_b_sub is down: subscription is disabled');
    await row.click();
    const command = page.getByTestId('remediation-command').first();
    expect(await command.textContent()).toBe('ALTER SUBSCRIPTION "replica_b_sub" ENABLE;');
    await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'alerts.png'), fullPage: true });

    const [alert] = (await stack.api<AlertView[]>('GET', '/api/alerts?state=firing&kind=stream-down')) as AlertView[];
    await page.getByTestId(`ack-${alert!.id}`).click();
    await row.getByTestId('alert-acked').waitFor();
    // Acknowledged alerts leave the badge.
    await page.getByTestId('alerts-badge').waitFor({ state: 'detached' });

    await page.getByTestId(`silence-${alert!.id}`).click();
    await row.getByTestId('alert-silenced').waitFor();
    const silences = await stack.api<{ kind: string; subjectId: string }[]>('GET', '/api/silences');
    expect(silences).toEqual([expect.objectContaining({ kind: 'stream-down', subjectId: alert!.subject.id })]);
    expect(await stack.api<AlertView>('GET', `/api/alerts/${alert!.id}`)).toMatchObject({
      acknowledgedBy: TEST_ADMIN.user,
    });

    await stack.demo.replicaB.query('ALTER SUBSCRIPTION replica_b_sub ENABLE', [], stack.demo.dbname);
    await page.locator(`[data-testid="alert-state-${alert!.id}"]:text-is("resolved")`).waitFor({ timeout: 30_000 });
    console.log(`alerts page: badge shown ${badgeAfter} ms after DISABLE; ack, silence and resolve seen live`);
  }, 120_000);
});
