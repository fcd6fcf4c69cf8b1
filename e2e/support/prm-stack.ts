import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

import type { EndpointView } from '@prm/contracts';
import {
  type DemoTopology,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  freePort,
  startDemoTopology,
  TEST_ADMIN,
  TEST_AUTH_HEADER,
  testAuthEnv,
  testRedisPrefix,
  testRedisUrl,
} from '@prm/testing';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Poll interval the backend runs with in the browser tests, ms. */
export const POLL_INTERVAL_MS = 2000;

/** Environment variable of the prm process holding a wrong password (for the `auth-failed` test). */
export const WRONG_PASSWORD_ENV = 'PRM_E2E_WRONG_PASSWORD';

/**
 * Where the tests save screenshots: `dist/screenshots` (ignored by git), so a test run leaves the checkout clean;
 * `make screenshots` sets `PRM_SCREENSHOT_DIR=docs/screenshots` to refresh the committed ones.
 */
export const SCREENSHOT_DIR = resolve(process.cwd(), process.env.PRM_SCREENSHOT_DIR ?? 'dist/screenshots');

/** Everything a browser test needs: real clusters, one prm process, one headless Chromium. */
export interface PrmStack {
  demo: DemoTopology;
  /** `http://127.0.0.1:<port>` of the prm gateway (serves the console at `/`). */
  baseUrl: string;
  browser: Browser;
  /**
   * A fresh browser context (1440×900), signed in (POST /api/auth/login; the session cookie lives in the context) as
   * the test admin, or as `as` when given; `as: null` leaves it signed out.
   */
  newContext(options?: { as?: { user: string; password: string } | null }): Promise<BrowserContext>;
  /** `fetch` against the API; throws on a non-2xx answer with its body. */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** prm's stdout/stderr so far (for failure messages and the secret-hygiene test). */
  logs(): string;
  /** `postgres://` URL of prm's metadata database (the secret-hygiene test reads all of it). */
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the demo topology (publisher → replica-a, replica-b; small dataset), a fresh metadata database, the
 * all-in-one prm server (`dist/services/all-in-one/src/main.js`) on a free port and headless Chromium
 * (`/usr/bin/chromium`). Resolves once `GET /api/endpoints` answers.
 * @throws Error with prm's output when the server exits or does not answer within 60 s
 */
export async function startPrmStack(): Promise<PrmStack> {
  const demo = await startDemoTopology({ datasetRows: 1000, waitForSync: true });
  let db: TestDatabase | null = null;
  let child: ChildProcess | null = null;
  let browser: Browser | null = null;
  let output = '';
  try {
    db = await createTestDatabase('prm_test_e2e');
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['dist/services/all-in-one/src/main.js'], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        ...testAuthEnv(),
        PRM_PORT: String(port),
        PRM_HOST: '127.0.0.1',
        PRM_DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        PRM_REDIS_PREFIX: testRedisPrefix('e2e'),
        PRM_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
        PRM_DEMO_DB_PASSWORD: demo.password,
        [WRONG_PASSWORD_ENV]: `${demo.password}-wrong`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const running = child;
    // Fails at once when prm exits during start-up instead of polling a dead port for a minute.
    const exited = new Promise<never>((_, reject) =>
      running.once('exit', (code) => reject(new Error(`prm exited with ${code}:\n${output.slice(-4000)}`))),
    );
    await Promise.race([
      exited,
      expectEventually(
        async () => {
          const res = await fetch(`${baseUrl}/api/endpoints`, { headers: { authorization: TEST_AUTH_HEADER } });
          if (!res.ok) {
            throw new Error(`GET /api/endpoints: ${res.status}`);
          }
        },
        { timeoutMs: 60_000, intervalMs: 250, message: 'prm all-in-one answering /api/endpoints' },
      ),
    ]);
    exited.catch(() => undefined);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const openBrowser = browser;
    const testDb = db;
    return {
      demo,
      baseUrl,
      browser,
      newContext: async (options = {}) => {
        const context = await openBrowser.newContext({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
        const as = options.as === undefined ? TEST_ADMIN : options.as;
        if (as) {
          const res = await context.request.post('/api/auth/login', {
            data: { username: as.user, password: as.password },
          });
          if (!res.ok()) throw new Error(`sign-in as ${as.user}: ${res.status()} ${await res.text()}`);
        }
        return context;
      },
      api: async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            authorization: TEST_AUTH_HEADER,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) {
          throw new Error(`${method} ${path}: ${res.status} ${text}`);
        }
        return (text ? JSON.parse(text) : undefined) as T;
      },
      logs: () => output,
      databaseUrl: testDb.url,
      stop: async () => {
        await openBrowser.close();
        await stopChild(running);
        await testDb.drop();
        await demo.stop();
      },
    };
  } catch (error: unknown) {
    await browser?.close();
    if (child) {
      await stopChild(child);
    }
    await db?.drop();
    await demo.stop();
    throw error;
  }
}

/** Registers the demo endpoints through the API, in order (publisher, replica-a, replica-b). */
export async function registerDemoEndpoints(stack: PrmStack): Promise<EndpointView[]> {
  const saved: EndpointView[] = [];
  for (const payload of stack.demo.endpoints) {
    saved.push(await stack.api<EndpointView>('POST', '/api/endpoints', payload));
  }
  return saved;
}

/** SIGTERM, then SIGKILL after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
