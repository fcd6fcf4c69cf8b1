import { TEST_ADMIN, TEST_AUTH_HEADER } from '@prm/testing';
import type { AlertView, EndpointView, ProvisioningRunView, StreamView } from '@prm/contracts';
import { expectEventually } from '@prm/testing';
import type { BrowserContext, Page } from 'playwright-core';

import { POLL_INTERVAL_MS, type PrmStack, registerDemoEndpoints, startPrmStack } from './support/prm-stack.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Creates streams from the console wizard (publisher PG17 → replica-a PG15, and replica-a PG15 → replica-b PG17) in headless
// Chromium: preflight checklist, create with live steps, then the topology shows the new edge without a reload,
// and a row inserted on the source reaches the target.
describe('create-stream wizard (all-in-one backend, real clusters, headless Chromium)', () => {
  let stack: PrmStack;
  let context: BrowserContext;
  let page: Page;
  let registered: EndpointView[];

  beforeAll(async () => {
    stack = await startPrmStack();
    registered = await registerDemoEndpoints(stack);
    for (const c of [stack.demo.publisher, stack.demo.replicaA]) {
      await c.query('CREATE TABLE wizard_items (id int PRIMARY KEY, label text NOT NULL)', [], stack.demo.dbname);
    }
    await stack.demo.publisher.query(
      `INSERT INTO wizard_items SELECT g, 'item ' || g FROM generate_series(1, 50) g`,
      [],
      stack.demo.dbname,
    );
    for (const c of [stack.demo.replicaA, stack.demo.replicaB]) {
      await c.query('CREATE TABLE reverse_items (id int PRIMARY KEY, label text NOT NULL)', [], stack.demo.dbname);
    }
    await stack.demo.replicaA.query(
      `INSERT INTO reverse_items SELECT g, 'r' || g FROM generate_series(1, 20) g`,
      [],
      stack.demo.dbname,
    );
    context = await stack.newContext();
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
  }, 60_000);

  /** Walks the wizard from `source` to `target` for `table`, then checks the live edge and a row flowing. */
  async function createFromWizard(source: string, target: string, table: string, names: { pub: string; sub: string }) {
    const from = registered.find((e) => e.name === source) as EndpointView;
    const to = registered.find((e) => e.name === target) as EndpointView;
    await page.goto('/');
    await page.getByTestId(`node-${source}`).waitFor({ timeout: 30_000 });
    await page.evaluate(() => ((globalThis as unknown as { prmNoReload: boolean }).prmNoReload = true));
    await page.getByTestId('new-stream').click();

    await page.getByTestId('wizard-source').selectOption(from.id);
    await page.getByTestId('wizard-target').selectOption(to.id);
    await page.getByTestId('wizard-next').click();
    const row = page.getByTestId(`wizard-table-public.${table}`);
    await row.waitFor({ timeout: 15_000 });
    await row.check();
    await page.getByTestId('wizard-next').click();
    // prefilled with the credential prm uses for the source
    if (from.credential.kind === 'env') {
      await page.getByTestId('wizard-credential-prefilled').waitFor();
      expect(await page.getByTestId('wizard-password-env').inputValue()).toBe(from.credential.passwordEnv);
    }
    await page.getByTestId('wizard-credential-kind').selectOption('env');
    await page.getByTestId('wizard-credential-user').fill('postgres');
    await page.getByTestId('wizard-password-env').fill('PRM_DEMO_DB_PASSWORD');
    await page.getByTestId('wizard-publication').fill(names.pub);
    await page.getByTestId('wizard-subscription').fill(names.sub);
    await page.getByTestId('wizard-next').click();

    await page.locator('[data-testid="preflight-result"][data-ok="true"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('preflight-check-source-wal-level').getAttribute('data-outcome')).toBe('pass');
    expect(await page.getByTestId('preflight-check-subscription-name').getAttribute('data-outcome')).toBe('pass');
    await expect(page.getByTestId('preflight-note').textContent()).resolves.toContain('not replicated');

    await page.getByTestId('wizard-create').click();
    await page.locator('[data-testid="run-state"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-step-create-subscription').getAttribute('data-state')).toBe('done');

    await page.getByTestId('wizard-open-topology').click();
    await page
      .locator(`[data-testid="edge-${names.sub}"][data-state="streaming"]`)
      .first()
      .waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { prmNoReload?: boolean }).prmNoReload)).toBe(true);

    const clusters = {
      publisher: stack.demo.publisher,
      'replica-a': stack.demo.replicaA,
      'replica-b': stack.demo.replicaB,
    };
    const src = clusters[source as keyof typeof clusters];
    const dst = clusters[target as keyof typeof clusters];
    await src.query(`INSERT INTO ${table} VALUES (999, 'from the wizard')`, [], stack.demo.dbname);
    await expectEventually(async () => {
      const rows = await dst.query<{ label: string }>(
        `SELECT label FROM ${table} WHERE id = 999`,
        [],
        stack.demo.dbname,
      );
      expect(rows).toEqual([{ label: 'from the wizard' }]);
    });
    const streams = await stack.api<StreamView[]>('GET', '/api/streams');
    expect(streams.filter((s) => s.subscription === names.sub)).toHaveLength(1);
  }

  it('creates publisher (PG17) → replica-a (PG15) from the wizard; the topology draws the edge live; rows flow', async () => {
    await createFromWizard('publisher', 'replica-a', 'wizard_items', { pub: 'wizard_pub', sub: 'wizard_sub' });
  }, 180_000);

  it('creates replica-a (PG15) → replica-b (PG17) from the wizard the same way', async () => {
    await createFromWizard('replica-a', 'replica-b', 'reverse_items', { pub: 'reverse_pub', sub: 'reverse_sub' });
  }, 180_000);

  it('pauses and resumes a stream from its page: "paused by admin", no stream-down alert meanwhile, rows flow after', async () => {
    const stream = (await stack.api<StreamView[]>('GET', '/api/streams')).find((s) => s.subscription === 'wizard_sub')!;
    await page.goto(`/streams/${stream.id}`);
    await page.getByTestId('stream-pause').click();
    await expect(page.getByTestId('stream-confirm-text').textContent()).resolves.toContain('keeps the WAL of slot');
    await page.getByTestId('stream-confirm').click();
    await page.locator('[data-testid="stream-operation"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('stream-resume').waitFor({ timeout: 30_000 });
    await expectEventually(async () => {
      expect(await page.getByTestId('stream-state-reason').textContent()).toContain(
        `paused through prm by ${TEST_ADMIN.user} at`,
      );
    });
    // several polls past the stream-down rule's 2 polls: a pause someone asked for pages nobody
    await sleep(4 * POLL_INTERVAL_MS);
    const alerts = await stack.api<AlertView[]>('GET', '/api/alerts');
    expect(alerts.filter((a) => a.kind === 'stream-down' && a.subject.id === stream.id)).toEqual([]);
    await stack.demo.publisher.query(`INSERT INTO wizard_items VALUES (1001, 'while paused')`, [], stack.demo.dbname);

    await page.getByTestId('stream-resume').click();
    await page.getByTestId('stream-confirm').click();
    await page.locator('[data-testid="stream-operation"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('stream-pause').waitFor({ timeout: 30_000 });
    await expectEventually(async () => {
      const rows = await stack.demo.replicaA.query<{ label: string }>(
        'SELECT label FROM wizard_items WHERE id = 1001',
        [],
        stack.demo.dbname,
      );
      expect(rows).toEqual([{ label: 'while paused' }]);
    });
  }, 180_000);

  it('the same Idempotency-Key twice through the API gives one run', async () => {
    const publisher = registered.find((e) => e.name === 'publisher') as EndpointView;
    const replicaB = registered.find((e) => e.name === 'replica-b') as EndpointView;
    const body = {
      sourceEndpointId: publisher.id,
      targetEndpointId: replicaB.id,
      replicationCredential: { kind: 'env', user: 'postgres', passwordEnv: 'PRM_DEMO_DB_PASSWORD' },
      tables: ['public.wizard_items'],
    };
    const post = () =>
      fetch(`${stack.baseUrl}/api/streams`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'e2e-once', authorization: TEST_AUTH_HEADER },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, run: (await r.json()) as ProvisioningRunView }));
    const [a, b] = [await post(), await post()];
    expect([a.status, b.status]).toEqual([202, 200]);
    expect(b.run.id).toBe(a.run.id);
  });
});
