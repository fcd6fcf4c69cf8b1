import { TEST_ADMIN, TEST_ADMIN_TOKEN, TEST_AUTH_HEADER } from '@prm/testing';
import pg from 'pg';
import type { EndpointView } from '@prm/contracts';
import { expectEventually } from '@prm/testing';

import { type PrmStack, WRONG_PASSWORD_ENV, registerDemoEndpoints, startPrmStack } from './support/prm-stack.js';

// Runs the demo flow with known secrets (the clusters' password, and a wrong one) and looks for them everywhere prm
// writes or sends: its logs (at debug level), every API response, WebSocket frames, the metadata database and
// the browser's storage and page.
describe('secret hygiene (real clusters, prm process, headless Chromium)', () => {
  let stack: PrmStack;
  const seen: { where: string; text: string }[] = [];
  const previousLogLevel = process.env.LOG_LEVEL;

  const record = (where: string, text: string) => seen.push({ where, text });

  async function api(method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: {
        authorization: TEST_AUTH_HEADER,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    record(`${method} ${path} → ${res.status}`, await res.text());
    return res.status;
  }

  beforeAll(async () => {
    process.env.LOG_LEVEL = 'debug';
    stack = await startPrmStack();
  }, 240_000);

  afterAll(async () => {
    process.env.LOG_LEVEL = previousLogLevel;
    await stack?.stop();
  }, 60_000);

  it('never shows the database password in logs, API responses, WebSocket frames, the store or the browser', async () => {
    // database passwords, prm's admin password and admin API token: none may come back anywhere
    const secrets = [stack.demo.password, `${stack.demo.password}-wrong`, TEST_ADMIN.password, TEST_ADMIN_TOKEN];
    expect(stack.demo.password.length).toBeGreaterThanOrEqual(12); // a needle that cannot match by accident
    const registered: EndpointView[] = await registerDemoEndpoints(stack);
    // failures that carry credentials: wrong password, and a live check that fails after login
    const [publisher] = stack.demo.endpoints;
    expect(
      await api('POST', '/api/endpoints', {
        ...publisher,
        name: 'wrong-password',
        credential: { kind: 'env', user: 'postgres', passwordEnv: WRONG_PASSWORD_ENV },
      }),
    ).toBe(422);
    expect(await api('POST', '/api/endpoints', { ...publisher, name: 'no-db', dbname: 'missing_db' })).toBe(422);
    expect(await api('POST', '/api/endpoints', { ...publisher, name: 'bad port', port: 'x' })).toBe(400);

    const context = await stack.newContext();
    const page = await context.newPage();
    page.on('websocket', (ws) => ws.on('framereceived', (f) => record('ws frame', String(f.payload))));
    page.on('response', async (res) => {
      if (res.url().includes('/api/')) record(`browser ${res.url()}`, await res.text().catch(() => ''));
    });
    await page.goto('/');
    await page.locator('[data-testid="node-publisher"][data-state="reachable"]').first().waitFor({ timeout: 30_000 });
    await page.goto('/endpoints');
    await page.getByText('replica-b').first().waitFor();
    await expectEventually(() => expect(seen.some((s) => s.where === 'ws frame')).toBe(true), { timeoutMs: 20_000 });

    for (const path of ['/api/endpoints', '/api/topology', '/api/docs-json', '/health/ready']) {
      await api('GET', path);
    }
    for (const e of registered) await api('GET', `/api/endpoints/${e.id}`);

    // runs in the page: the browser's Storage objects (typed loosely here: the root tsconfig has no DOM lib)
    const storage = await page.evaluate(() => {
      const g = globalThis as unknown as { localStorage: object; sessionStorage: object };
      return JSON.stringify({ ...g.localStorage, ...g.sessionStorage });
    });
    record('browser storage', storage);
    record('browser cookies', JSON.stringify(await context.cookies()));
    record('page html', await page.content());
    await context.close();

    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ t: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      for (const { t } of tables.rows) {
        const rows = await client.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
        record(`metadata table ${t}`, rows.rows.map((r: { j: string }) => r.j).join('\n'));
      }
    } finally {
      await client.end();
    }
    record('prm logs', stack.logs());

    const places = new Set(seen.map((s) => s.where.split(' ')[0]));
    console.log(
      `secret hygiene: searched ${seen.length} captures (${[...places].join(', ')}), ` +
        `${seen.reduce((n, s) => n + s.text.length, 0)} characters, prm log ${stack.logs().length} characters`,
    );
    expect(stack.logs().length).toBeGreaterThan(1000); // debug logging really ran
    for (const secret of secrets) {
      const leaks = seen.filter((s) => s.text.includes(secret)).map((s) => s.where);
      expect(leaks).toEqual([]);
    }
  });
});
