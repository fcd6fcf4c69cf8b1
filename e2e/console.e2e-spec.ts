import { resolve } from 'node:path';

import type { EndpointView, StreamView } from '@prm/contracts';
import { expectEventually } from '@prm/testing';
import type { BrowserContext, Page } from 'playwright-core';

import {
  POLL_INTERVAL_MS,
  type PrmStack,
  SCREENSHOT_DIR,
  WRONG_PASSWORD_ENV,
  registerDemoEndpoints,
  startPrmStack,
} from './support/prm-stack.js';
import { chooseOption, closeOverlays, describeForm, fillExactly, waitForFocus } from './support/form.js';

/** How long a status change may take to reach the page: 2 poll intervals plus push + refetch slack, ms. */
const STATUS_DEADLINE_MS = 2 * POLL_INTERVAL_MS + 2500;

/** Text of a `data-*` attribute (null when absent). */
async function attr(page: Page, testId: string, name: string): Promise<string | null> {
  return page.getByTestId(testId).getAttribute(name);
}

/** Waits until the element with `testId` carries `data-state="<state>"`. */
async function waitForState(page: Page, testId: string, state: string, timeoutMs: number): Promise<void> {
  await page.locator(`[data-testid="${testId}"][data-state="${state}"]`).first().waitFor({ timeout: timeoutMs });
}

describe('console (all-in-one backend, real clusters, headless Chromium)', () => {
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

  describe('topology', () => {
    it('draws 3 endpoints and 2 directed streams, flags a stopped subscriber without reload or re-layout, and recovers', async () => {
      await page.goto('/');
      for (const name of ['publisher', 'replica-a', 'replica-b']) {
        await waitForState(page, `node-${name}`, 'reachable', 30_000);
      }
      await waitForState(page, 'edge-replica_a_sub', 'streaming', 30_000);
      await waitForState(page, 'edge-replica_b_sub', 'streaming', 30_000);
      expect(await page.locator('g[data-testid^="node-"][data-state]').count()).toBe(3);
      expect(await page.locator('g[data-testid^="edge-"][data-state]').count()).toBe(2);
      // direction publisher → subscriber, read from the accessible table under the map
      await expect(page.getByTestId('edge-row-replica_b_sub').textContent()).resolves.toContain(
        'publisher → replica-b',
      );
      await expect(page.getByTestId('edge-row-replica_a_sub').textContent()).resolves.toContain(
        'publisher → replica-a',
      );
      expect(await page.locator('[data-testid="edge-replica_b_sub"] path.line').getAttribute('marker-end')).toMatch(
        /url\(#prm-arrow-ok\)/,
      );
      await expect(page.getByTestId('node-state-replica-b').textContent()).resolves.toContain('connected');
      await expect(page.getByTestId('live-indicator').getAttribute('data-state')).resolves.toBe('live');
      await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'topology-healthy.png'), fullPage: true });

      // marks the document: a reload would lose it
      await page.evaluate('window.prmNoReload = true');
      const layoutRuns = await attr(page, 'topology-graph', 'data-layout-runs');

      await stack.demo.replicaB.stop();
      const stoppedAt = Date.now();
      await waitForState(page, 'node-replica-b', 'unreachable', STATUS_DEADLINE_MS);
      await waitForState(page, 'edge-replica_b_sub', 'unreachable', STATUS_DEADLINE_MS);
      console.log(`replica-b shown unreachable ${Date.now() - stoppedAt} ms after pg_ctl stop`);
      await expect(page.getByTestId('node-state-replica-b').textContent()).resolves.toContain('unreachable');
      await expect(page.getByTestId('edge-state-replica_b_sub').textContent()).resolves.toContain('unreachable');
      const node = page.getByTestId('node-replica-b');
      await expect(node.evaluate((el) => el.classList.contains('dashed'))).resolves.toBe(true);
      const edgeLine = page.locator('[data-testid="edge-replica_b_sub"] path.line');
      await expect(edgeLine.evaluate('(el) => getComputedStyle(el).strokeDasharray')).resolves.not.toBe('none');
      await expect(edgeLine.getAttribute('marker-end')).resolves.toMatch(/prm-arrow-bad/);
      // the other stream and endpoints are untouched
      await expect(attr(page, 'node-publisher', 'data-state')).resolves.toBe('reachable');
      await expect(attr(page, 'edge-replica_a_sub', 'data-state')).resolves.toBe('streaming');
      await expect(page.evaluate('window.prmNoReload')).resolves.toBe(true);
      // a status change repaints in place: no new dagre layout (monitoring.md §4)
      await expect(attr(page, 'topology-graph', 'data-layout-runs')).resolves.toBe(layoutRuns);
      await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'topology-subscriber-down.png'), fullPage: true });

      await stack.demo.replicaB.start();
      await waitForState(page, 'node-replica-b', 'reachable', 30_000);
      await waitForState(page, 'edge-replica_b_sub', 'streaming', 30_000);
      await expect(node.evaluate((el) => el.classList.contains('dashed'))).resolves.toBe(false);
      await expect(attr(page, 'topology-graph', 'data-layout-runs')).resolves.toBe(layoutRuns);
    });
  });

  describe('endpoints page', () => {
    it('shows a port error before sending, an auth error at the credential field, and stores nothing', async () => {
      const before = await stack.api<EndpointView[]>('GET', '/api/endpoints');
      expect(before.map((e) => e.id).sort()).toEqual(registered.map((e) => e.id).sort());
      const posts: string[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url().includes('/api/endpoints')) posts.push(req.url());
      });

      await page.getByTestId('nav-endpoints').click();
      await page.getByTestId('endpoint-row-replica-a').waitFor();
      expect(await page.locator('tr[data-testid^="endpoint-row-"]').count()).toBe(3);
      await expect(page.getByTestId('endpoints-table').textContent()).resolves.not.toContain(stack.demo.password);

      await page.getByTestId('add-endpoint').click();
      const form = page.getByTestId('endpoint-form');
      try {
        await waitForFocus(form.getByTestId('field-name'));
        await fillExactly(form.getByTestId('field-name'), 'replica-a-copy');
        await fillExactly(form.getByTestId('field-host'), '127.0.0.1');
        await fillExactly(form.getByTestId('field-port'), '70000');
        await fillExactly(form.getByTestId('field-dbname'), stack.demo.dbname);
        await chooseOption(page, form.getByTestId('field-credential-kind'), 'env');
        await fillExactly(form.getByTestId('field-credential-user'), 'postgres');
        await fillExactly(form.getByTestId('field-password-env'), WRONG_PASSWORD_ENV);
        // typed text can land in another field when the focus moves: check them all once more
        await expect(describeForm(form)).resolves.toContain(
          `field-name="replica-a-copy", field-host="127.0.0.1", field-port="70000", field-dbname="${stack.demo.dbname}"`,
        );
        await form.getByTestId('save').click();
        await form.getByTestId('error-port').waitFor();
        await expect(form.getByTestId('error-port').textContent()).resolves.toContain('1 to 65535');
        await expect(form.getByTestId('form-summary').textContent()).resolves.toContain('Fix the highlighted fields');
        expect(posts).toEqual([]);

        const replicaA = stack.demo.endpoints.find((e) => e.name === 'replica-a');
        await fillExactly(form.getByTestId('field-port'), String(replicaA?.port));
        await form.getByTestId('save').click();
        try {
          await form.getByTestId('error-credential').waitFor({ timeout: 30_000 });
        } catch (err) {
          // say what the form showed and held instead, and what prm logged, rather than only "timeout"
          const summary = await form
            .getByTestId('form-summary')
            .textContent({ timeout: 1000 })
            .catch(() => '(no summary)');
          await page
            .screenshot({ path: resolve(process.cwd(), 'dist/e2e-failures/endpoint-form.png') })
            .catch(() => undefined);
          throw new Error(
            `no credential error after save: ${String(err)}\nform summary: ${summary}\n${await describeForm(form)}\n` +
              `POSTs: ${posts.join(', ')}\nprm log tail:\n${stack.logs().slice(-3000)}`,
          );
        }
        const credentialError = (await form.getByTestId('error-credential').textContent()) ?? '';
        expect(credentialError).toMatch(/password authentication failed|auth/i);
        await expect(form.getByTestId('form-summary').textContent()).resolves.toContain('auth-failed');
        await expect(form.getByTestId('save-anyway').isVisible()).resolves.toBe(true);
        await expect(form.getByTestId('error-port').count()).resolves.toBe(0);
        expect(posts).toHaveLength(1);
        await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'endpoint-auth-failed.png') });
      } catch (err) {
        // a dialog left open would block every later test's navigation
        await closeOverlays(page);
        throw err;
      }

      await form.getByTestId('cancel').click();
      await form.waitFor({ state: 'detached' });
      const after = await stack.api<EndpointView[]>('GET', '/api/endpoints');
      expect(after.map((e) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
      expect(await page.locator('tr[data-testid^="endpoint-row-"]').count()).toBe(3);
      await expectEventually(async () => {
        await expect(attr(page, 'endpoint-status-replica-b', 'data-state')).resolves.toBe('reachable');
      });
    });
  });
  describe('streams', () => {
    it('shows both demo streams streaming with lag, turns replica_b_sub disabled live, and back', async () => {
      await page.getByTestId('nav-streams').click();
      await waitForState(page, 'stream-row-replica_a_sub', 'streaming', 30_000);
      await waitForState(page, 'stream-row-replica_b_sub', 'streaming', 30_000);
      for (const sub of ['replica_a_sub', 'replica_b_sub']) {
        await expect(page.getByTestId(`stream-lag-bytes-${sub}`).textContent()).resolves.toMatch(
          /\d+(\.\d)? (B|KiB|MiB)/,
        );
        await expect(page.getByTestId(`stream-lag-seconds-${sub}`).textContent()).resolves.toMatch(/\d/);
        await expect(attr(page, `stream-row-${sub}`, 'data-level')).resolves.toBe('ok');
        await expect(page.getByTestId(`stream-level-${sub}`).textContent()).resolves.toContain('ok');
      }
      await expect(page.getByTestId('stream-row-replica_a_sub').textContent()).resolves.toContain(
        'publisher → replica-a',
      );
      await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'streams.png'), fullPage: true });
      await page.evaluate('window.prmStreamsNoReload = true');

      const { replicaB, dbname } = stack.demo;
      await replicaB.query('ALTER SUBSCRIPTION replica_b_sub DISABLE', undefined, dbname);
      const disabledAt = Date.now();
      await waitForState(page, 'stream-row-replica_b_sub', 'disabled', STATUS_DEADLINE_MS);
      console.log(`replica_b_sub shown disabled ${Date.now() - disabledAt} ms after ALTER SUBSCRIPTION ... DISABLE`);
      await expect(page.getByTestId('stream-state-replica_b_sub').textContent()).resolves.toContain('disabled');
      await expect(attr(page, 'stream-row-replica_a_sub', 'data-state')).resolves.toBe('streaming');
      await expect(page.evaluate('window.prmStreamsNoReload')).resolves.toBe(true);

      await page.getByTestId('stream-row-replica_b_sub').locator('td').first().click();
      await page.waitForURL(/\/streams\/[0-9a-f-]{36}$/);
      await waitForState(page, 'stream-header', 'disabled', 10_000);
      await expect(page.getByTestId('stream-page-state').textContent()).resolves.toContain('disabled');
      await expect(page.getByTestId('stream-subscription').textContent()).resolves.toMatch(/Enabled\s*no/);

      await replicaB.query('ALTER SUBSCRIPTION replica_b_sub ENABLE', undefined, dbname);
      await waitForState(page, 'stream-header', 'streaming', 30_000);
      await expect(page.getByTestId('stream-tables').textContent()).resolves.toContain('public.customers');
      await page.getByRole('link', { name: 'Streams', exact: true }).first().click();
      await waitForState(page, 'stream-row-replica_b_sub', 'streaming', 10_000);
    });

    it('opens the Stream page from a topology edge', async () => {
      const streams = await stack.api<StreamView[]>('GET', '/api/streams');
      const a = streams.find((s) => s.subscription === 'replica_a_sub') as StreamView;
      await page.getByTestId('nav-topology').click();
      await waitForState(page, 'edge-replica_a_sub', 'streaming', 30_000);
      await page.locator('[data-testid="edge-replica_a_sub"][data-level="ok"]').waitFor({ timeout: 10_000 });
      await expect(page.getByTestId('edge-level-replica_a_sub').textContent()).resolves.toContain('ok');
      await page.getByTestId('edge-state-replica_a_sub').click();
      await page.waitForURL(`**/streams/${a.id}`);
      await waitForState(page, 'stream-header', 'streaming', 10_000);
    });

    it('shows a new subscription mid-backfill on its Stream page (screenshot)', async () => {
      const { publisher, replicaB, dbname } = stack.demo;
      // 200 000 rows; on replica-b an ALWAYS trigger (fires under session_replication_role = replica, i.e. in the
      // table sync worker's COPY) sleeps 10 ms every 100 rows, so the copy lasts ~20 s and the page catches it.
      await publisher.query(
        `CREATE TABLE backfill_demo (id int PRIMARY KEY, pad text NOT NULL);
         INSERT INTO backfill_demo SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g;
         ANALYZE backfill_demo;
         CREATE PUBLICATION backfill_pub FOR TABLE backfill_demo;`,
        undefined,
        dbname,
      );
      await replicaB.query(
        `CREATE TABLE backfill_demo (id int PRIMARY KEY, pad text NOT NULL);
         CREATE FUNCTION backfill_slow() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN IF NEW.id % 100 = 0 THEN PERFORM pg_sleep(0.01); END IF; RETURN NEW; END $$;
         CREATE TRIGGER backfill_slow BEFORE INSERT ON backfill_demo FOR EACH ROW EXECUTE FUNCTION backfill_slow();
         ALTER TABLE backfill_demo ENABLE ALWAYS TRIGGER backfill_slow;`,
        undefined,
        dbname,
      );
      const conninfo = publisher.conninfo(dbname).replace(/'/g, "''");
      await replicaB.query(
        `CREATE SUBSCRIPTION backfill_sub CONNECTION '${conninfo}' PUBLICATION backfill_pub WITH (copy_data = true)`,
        undefined,
        dbname,
      );
      try {
        await page.getByTestId('nav-streams').click();
        await waitForState(page, 'stream-row-backfill_sub', 'backfilling', 30_000);
        await page.getByTestId('stream-link-backfill_sub').click();
        await waitForState(page, 'stream-header', 'backfilling', 10_000);
        await page.getByTestId('stream-backfill').waitFor({ timeout: 10_000 });
        await expectEventually(
          async () => {
            const pct = Number.parseFloat((await page.getByTestId('stream-backfill-percent').textContent()) ?? '0');
            expect(pct).toBeGreaterThan(0);
            expect(pct).toBeLessThan(100);
            await expect(
              page.locator('[data-testid="table-row-public.backfill_demo"][data-state="d"]').count(),
            ).resolves.toBe(1);
          },
          { timeoutMs: 15_000, message: 'backfill_demo copying with 0 < percent < 100' },
        );
        // the ETA needs two polls of copy progress (smoothed rate); wait for it while the copy still runs
        await expectEventually(
          async () => {
            await expect(page.getByTestId('stream-backfill-eta').textContent()).resolves.toMatch(/ETA \d/);
          },
          { timeoutMs: 12_000, message: 'an ETA shown mid-copy' },
        );
        const percent = await page.getByTestId('stream-backfill-percent').textContent();
        const eta = await page.getByTestId('stream-backfill-eta').textContent();
        console.log(`backfill_sub mid-copy: ${percent?.trim()}, ${eta?.replace(/\s+/g, ' ').trim()}`);
        await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'stream-backfill.png'), fullPage: true });
      } finally {
        await replicaB.query('DROP SUBSCRIPTION backfill_sub', undefined, dbname);
      }
    });
  });
});
