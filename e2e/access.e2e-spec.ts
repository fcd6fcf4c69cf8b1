import { resolve } from 'node:path';

import { TEST_ADMIN } from '@prm/testing';
import type { BrowserContext, Page } from 'playwright-core';

import { type PrmStack, SCREENSHOT_DIR, registerDemoEndpoints, startPrmStack } from './support/prm-stack.js';

const VIEWER = { user: 'vic', password: 'viewer-password-1' };

/** POST from inside the page, as the console would, with the CSRF header from the `prm_csrf` cookie. */
async function postFromPage(page: Page, path: string, body: unknown): Promise<{ status: number; message: string }> {
  return page.evaluate(
    async ([p, b]) => {
      const csrf =
        /(?:^|; )prm_csrf=([^;]+)/.exec(
          (globalThis as unknown as { document: { cookie: string } }).document.cookie,
        )?.[1] ?? '';
      const res = await fetch(p as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(b),
      });
      const json = (await res.json().catch(() => ({}))) as { message?: string };
      return { status: res.status, message: json.message ?? '' };
    },
    [path, body] as const,
  );
}

// Issue 7 in the browser: sign-in page, a viewer sees no controls and is refused by the server, an admin sees and
// uses them; API tokens are shown once; sign-out.
describe('access control in the console (all-in-one backend, headless Chromium)', () => {
  let stack: PrmStack;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startPrmStack();
    await registerDemoEndpoints(stack);
    await stack.api('POST', '/api/users', { name: VIEWER.user, role: 'viewer', password: VIEWER.password });
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await stack?.stop();
  }, 60_000);

  it('signs a viewer in through the login page; controls are hidden and the server refuses changes (403)', async () => {
    const context = await stack.newContext({ as: null });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/endpoints');
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-username').fill(VIEWER.user);
    await page.getByTestId('login-password').fill('wrong-password-x');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/wrong username or password/i);

    await page.getByTestId('login-password').fill(VIEWER.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('current-user').waitFor();
    await page.waitForURL(/\/endpoints/);
    await expect(page.getByTestId('current-role').textContent()).resolves.toContain('viewer');
    await page.getByTestId('endpoint-row-replica-a').waitFor();
    expect(await page.getByTestId('add-endpoint').count()).toBe(0);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    expect(await page.getByTestId('nav-audit').count()).toBe(0);
    await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'viewer-endpoints.png') });

    const refused = await postFromPage(page, '/api/endpoints', { name: 'sneaky' });
    expect(refused).toEqual({ status: 403, message: 'requires the admin role (you are viewer)' });
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'prm_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
    ).not.toContain('prm_session');

    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login/);
    await page.goto('/streams');
    await page.waitForURL(/\/login/);
  });

  it('an admin sees the controls, creates an API token shown once, and reads the audit log', async () => {
    const context = await stack.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/endpoints');
    await page.getByTestId('add-endpoint').waitFor();
    await expect(page.getByTestId('current-user').textContent()).resolves.toContain(TEST_ADMIN.user);

    await page.getByTestId('nav-users').click();
    await page.getByTestId(`user-row-${VIEWER.user}`).waitFor();
    await page.getByTestId('token-name').fill('ci deploy');
    await page.getByTestId('create-token').click();
    const secret = (await page.getByTestId('token-secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/prm_[A-Za-z0-9_-]{43}/);
    await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'token-created.png') });
    await page.getByTestId('token-secret-done').click();
    await page.getByTestId('token-row-ci deploy').waitFor();
    await expect(page.getByTestId('tokens-table').textContent()).resolves.not.toContain(secret);

    const viaToken = await fetch(`${stack.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(await viaToken.json()).toMatchObject({ name: TEST_ADMIN.user, source: 'token' });

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    const auditText = (await page.getByTestId('audit-table').textContent()) ?? '';
    expect(auditText).toContain('POST /api/tokens');
    expect(auditText).toContain('POST /api/endpoints'); // the viewer's refused attempt
    expect(auditText).not.toContain(secret);
    await page.screenshot({ path: resolve(SCREENSHOT_DIR, 'audit.png') });
  });

  it('the WebSocket refuses an unauthenticated page', async () => {
    const context = await stack.newContext({ as: null });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/login');
    const code = await page.evaluate(
      (url) =>
        new Promise<number>((resolveClose) => {
          const ws = new WebSocket(url);
          ws.onclose = (e) => resolveClose(e.code);
        }),
      `${stack.baseUrl.replace('http', 'ws')}/ws`,
    );
    expect(code).toBe(4401);
  });
});
