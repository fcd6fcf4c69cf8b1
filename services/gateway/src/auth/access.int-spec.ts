import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, NestFactory } from '@nestjs/core';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ACCESS_RULE, type AccessRule, CommonEnv, type Role, validateEnv } from '@prm/observability';
import {
  FAKE_ALB_ARN,
  type AlbKeyServer,
  type OidcFake,
  TEST_ADMIN,
  TEST_ADMIN_TOKEN,
  TEST_AUTH_HEADER,
  type TestDatabase,
  createTestDatabase,
  flushRedisPrefix,
  freePort,
  signAlbToken,
  signBadAlbTokens,
  startAlbKeyServer,
  startOidcFake,
  testAuthEnv,
} from '@prm/testing';
import pg from 'pg';
import WebSocket from 'ws';
import { GatewayAppModule } from '../app.module.js';
import { GatewayEnv } from '../env.js';
import { configureGatewayHttp } from '../http/configure-http.js';
import { AuthEnv } from './auth.env.js';

// Issue 7 acceptance on the real gateway (metadata PostgreSQL, Redis): the authorization matrix over every route,
// sessions with cookies and CSRF, API tokens, users, brute-force limits, the WebSocket, Bull Board, CORS, and the
// ALB and OIDC modes against protocol-level fakes.

const RUN = `${process.pid}_${randomBytes(3).toString('hex')}`;
const CONSOLE_ORIGIN = 'https://console.example.com';

interface Gateway {
  app: INestApplication;
  base: string;
  port: number;
}

async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const port = Number(env.PRM_PORT);
  const common = validateEnv(CommonEnv, env);
  const gateway = validateEnv(GatewayEnv, env);
  const auth = validateEnv(AuthEnv, env);
  const app = await NestFactory.create(GatewayAppModule.forRoot(common, gateway, auth), {
    logger: process.env.TEST_LOG_LEVEL ? ['error'] : false,
  });
  configureGatewayHttp(app, { maxBodyBytes: gateway.PRM_MAX_BODY_BYTES, bullBoard: gateway.PRM_BULL_BOARD === 'true' });
  await app.listen(port, '127.0.0.1');
  return { app, base: `http://127.0.0.1:${port}`, port };
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { message?: string };
  headers: Headers;
}

async function call(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: Answer['body'] = {};
  try {
    body = text ? (JSON.parse(text) as Answer['body']) : {};
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

/** `name=value` pairs of the Set-Cookie headers, and the raw attributes by cookie name. */
function cookiesOf(headers: Headers): { jar: string; raw: Record<string, string> } {
  const raw: Record<string, string> = {};
  for (const line of headers.getSetCookie()) raw[line.slice(0, line.indexOf('='))] = line;
  const jar = Object.values(raw)
    .map((l) => l.split(';')[0])
    .join('; ');
  return { jar, raw };
}

interface Session {
  cookie: string;
  csrf: string;
}

async function login(base: string, username: string, password: string): Promise<Session> {
  const res = await call(base, 'POST', '/api/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  const { jar } = cookiesOf(res.headers);
  const csrf = /prm_csrf=([^;]+)/.exec(jar)?.[1] ?? '';
  return { cookie: jar, csrf };
}

const asSession = (s: Session, withCsrf = true): Record<string, string> => ({
  cookie: s.cookie,
  ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}),
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Every HTTP route of the app with its access rule (null: no rule). */
function routesOf(app: INestApplication): { method: string; path: string; rule: AccessRule | null }[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];
  const out: { method: string; path: string; rule: AccessRule | null }[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new () => unknown) | undefined;
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!type || !instance) continue;
    const base = (Reflect.getMetadata(PATH_METADATA, type) as string | string[] | undefined) ?? '';
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const handler = instance[name] as object;
      const verb = Reflect.getMetadata(METHOD_METADATA, handler) as number | undefined;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (verb === undefined || sub === undefined) continue; // message-pattern handlers (the bus), not HTTP
      const rule =
        (Reflect.getMetadata(ACCESS_RULE, handler) as AccessRule | undefined) ??
        (Reflect.getMetadata(ACCESS_RULE, type) as AccessRule | undefined) ??
        null;
      const join = (a: string, b: string) => `/${[a, b].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
      out.push({ method: methods[verb] ?? String(verb), path: join(String(base), String(sub)), rule });
    }
  }
  return out;
}

const concrete = (path: string) =>
  path
    .replace(/:id\b/g, '00000000-0000-4000-8000-000000000000')
    .replace(/:name\b/g, 'nobody')
    .replace(/:\w+/g, 'x');

describe('access control (gateway, PostgreSQL, Redis)', () => {
  let db: TestDatabase;
  let gw: Gateway;
  const prefix = `prmtest_access_${RUN}`;
  const tokens: Record<Role, string> = { viewer: '', operator: '', admin: TEST_ADMIN_TOKEN };
  // signed in before the tests spend this address's budget of failed sign-ins (PRM_LOGIN_ATTEMPTS_PER_MINUTE=3)
  let adminSession: Session;

  beforeAll(async () => {
    db = await createTestDatabase('prm_test_access');
    gw = await startGateway({
      ...testAuthEnv(),
      PRM_LOGIN_ATTEMPTS_PER_MINUTE: '3',
      PRM_COOKIE_SECURE: 'true',
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(await freePort()),
      PRM_CONSOLE_DIR: '.tmp/no-console',
      PRM_BULL_BOARD: 'true',
      PRM_CORS_ORIGINS: CONSOLE_ORIGIN,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
    for (const role of ['viewer', 'operator'] as const) {
      const res = await call(gw.base, 'POST', '/api/tokens', {
        headers: { authorization: TEST_AUTH_HEADER },
        body: { name: `matrix ${role}`, role, expiresInDays: 1 },
      });
      expect(res.status).toBe(201);
      tokens[role] = String(res.body.token);
    }
    adminSession = await login(gw.base, TEST_ADMIN.user, TEST_ADMIN.password);
  }, 120_000);

  afterAll(async () => {
    await gw?.app.close();
    await Promise.all([db?.drop(), flushRedisPrefix(prefix)]);
  });

  describe('authorization matrix', () => {
    it('every HTTP route carries an access rule, and the rules of changing routes are the documented ones', () => {
      const routes = routesOf(gw.app);
      expect(routes.length).toBeGreaterThan(40);
      const missing = routes.filter((r) => r.rule === null).map((r) => `${r.method} ${r.path}`);
      expect(missing).toEqual([]);
      const rule = (method: string, path: string) => {
        const r = routes.find((x) => x.method === method && x.path === path)?.rule;
        return r ? ('public' in r ? 'public' : r.role) : 'absent';
      };
      const expected: [string, string, string][] = [
        ['GET', '/health/live', 'public'],
        ['GET', '/health/ready', 'public'],
        ['POST', '/api/auth/login', 'public'],
        ['GET', '/api/auth/config', 'public'],
        ['GET', '/metrics', 'viewer'],
        ['GET', '/api/topology', 'viewer'],
        ['GET', '/api/streams', 'viewer'],
        ['POST', '/api/streams', 'operator'],
        ['POST', '/api/streams/preflight', 'operator'],
        ['DELETE', '/api/streams/:id', 'operator'],
        ['POST', '/api/streams/:id/pause', 'operator'],
        ['POST', '/api/streams/:id/resume', 'operator'],
        ['POST', '/api/alerts/:id/ack', 'operator'],
        ['POST', '/api/silences', 'operator'],
        ['POST', '/api/streams/:id/rotate-credentials', 'admin'],
        ['POST', '/api/endpoints', 'admin'],
        ['PATCH', '/api/endpoints/:id', 'admin'],
        ['DELETE', '/api/endpoints/:id', 'admin'],
        ['PUT', '/api/thresholds', 'admin'],
        ['POST', '/api/channels', 'admin'],
        ['POST', '/api/migrations', 'admin'],
        ['GET', '/api/audit', 'admin'],
        ['GET', '/api/users', 'admin'],
        ['POST', '/api/users', 'admin'],
      ];
      expect(expected.map(([m, p]) => [m, p, rule(m, p)])).toEqual(expected);
      // only health, sign-in and the OIDC redirects are open
      const open = routes.filter((r) => r.rule && 'public' in r.rule).map((r) => `${r.method} ${r.path}`);
      expect(open.sort()).toEqual(
        [
          'GET /api/auth/config',
          'GET /api/auth/oidc/callback',
          'GET /api/auth/oidc/login',
          'GET /health/live',
          'GET /health/ready',
          'POST /api/auth/login',
        ].sort(),
      );
    });

    it('on the wire: anonymous callers get 401, weaker roles 403 naming the role, on every protected route', async () => {
      const routes = routesOf(gw.app).filter((r) => r.rule && !('public' in r.rule));
      const wrong: string[] = [];
      for (const r of routes) {
        const needed = (r.rule as { role: Role }).role;
        const path = concrete(r.path);
        const body = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined;
        const anonymous = await call(gw.base, r.method, path, { body });
        if (anonymous.status !== 401) wrong.push(`${r.method} ${r.path} anonymous → ${anonymous.status}`);
        for (const held of ['viewer', 'operator'] as const) {
          if (held === needed || (held === 'operator' && needed === 'viewer')) continue;
          if (needed === 'viewer') continue;
          const res = await call(gw.base, r.method, path, { body, headers: bearer(tokens[held]) });
          const ok = res.status === 403 && res.body.message === `requires the ${needed} role (you are ${held})`;
          if (!ok) wrong.push(`${r.method} ${r.path} as ${held} → ${res.status} ${res.body.message}`);
        }
      }
      expect(wrong).toEqual([]);
      // a viewer reads; an operator may silence alerts
      expect((await call(gw.base, 'GET', '/api/auth/me', { headers: bearer(tokens.viewer) })).body).toMatchObject({
        role: 'viewer',
        source: 'token',
      });
      const silence = await call(gw.base, 'POST', '/api/silences', { headers: bearer(tokens.operator), body: {} });
      expect(silence.status).toBe(400); // past the guard, refused by validation
    }, 120_000);

    it('refused changes are in the audit log with the caller', async () => {
      await call(gw.base, 'POST', '/api/endpoints', { body: {}, headers: bearer(tokens.viewer) });
      const audit = await call(gw.base, 'GET', '/api/audit?limit=500', { headers: bearer(TEST_ADMIN_TOKEN) });
      const rows = audit.body as unknown as { actor: string; action: string; statusCode: number; outcome: string }[];
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actor: 'system (token matrix viewer)',
            action: 'POST /api/endpoints',
            statusCode: 403,
            outcome: 'refused',
          }),
          expect.objectContaining({ actor: 'anonymous', action: 'POST /api/endpoints', statusCode: 401 }),
        ]),
      );
    });
  });

  describe('sessions', () => {
    it('sign-in sets HttpOnly/Secure/SameSite=Strict cookies; changes need the CSRF header; sign-out ends it', async () => {
      const wrong = await call(gw.base, 'POST', '/api/auth/login', {
        body: { username: TEST_ADMIN.user, password: 'not-the-password' },
      });
      expect(wrong).toMatchObject({ status: 401, body: { message: 'wrong username or password' } });
      const unknown = await call(gw.base, 'POST', '/api/auth/login', { body: { username: 'ghost', password: 'x' } });
      expect(unknown).toMatchObject({ status: 401, body: { message: 'wrong username or password' } });

      const ok = await call(gw.base, 'POST', '/api/auth/login', {
        body: { username: TEST_ADMIN.user, password: TEST_ADMIN.password },
      });
      expect(ok).toMatchObject({ status: 200, body: { name: TEST_ADMIN.user, role: 'admin', source: 'password' } });
      const { raw, jar } = cookiesOf(ok.headers);
      expect(raw.prm_session).toMatch(/HttpOnly/);
      expect(raw.prm_session).toMatch(/Secure/);
      expect(raw.prm_session).toMatch(/SameSite=Strict/);
      expect(raw.prm_csrf).not.toMatch(/HttpOnly/);
      expect(raw.prm_csrf).toMatch(/SameSite=Strict/);
      const session: Session = { cookie: jar, csrf: /prm_csrf=([^;]+)/.exec(jar)?.[1] ?? '' };

      expect((await call(gw.base, 'GET', '/api/auth/me', { headers: asSession(session, false) })).body).toMatchObject({
        name: TEST_ADMIN.user,
        role: 'admin',
      });
      const body = { name: 'csrf check', role: 'viewer', expiresInDays: 1 };
      const noCsrf = await call(gw.base, 'POST', '/api/tokens', { headers: asSession(session, false), body });
      expect(noCsrf).toMatchObject({ status: 403, body: { message: expect.stringContaining('x-csrf-token') } });
      const badCsrf = await call(gw.base, 'POST', '/api/tokens', {
        headers: { cookie: session.cookie, 'x-csrf-token': 'forged' },
        body,
      });
      expect(badCsrf.status).toBe(403);
      const created = await call(gw.base, 'POST', '/api/tokens', { headers: asSession(session), body });
      expect(created.status).toBe(201);

      expect((await call(gw.base, 'POST', '/api/auth/logout', { headers: asSession(session) })).status).toBe(204);
      const after = await call(gw.base, 'GET', '/api/auth/me', { headers: asSession(session) });
      expect(after).toMatchObject({ status: 401, body: { message: expect.stringContaining('sign in again') } });
    });
  });

  describe('users and API tokens', () => {
    it('admins manage users; a viewer reads but cannot change; demoting or disabling ends sessions', async () => {
      const admin = bearer(TEST_ADMIN_TOKEN);
      const short = await call(gw.base, 'POST', '/api/users', {
        headers: admin,
        body: { name: 'vera', role: 'viewer', password: 'short' },
      });
      expect(short).toMatchObject({ status: 400, body: { details: [{ field: 'password' }] } });
      const badName = await call(gw.base, 'POST', '/api/users', {
        headers: admin,
        body: { name: "vera'; DROP TABLE prm_user; --", role: 'viewer', password: 'a-long-enough-password' },
      });
      expect(badName.status).toBe(400);
      const created = await call(gw.base, 'POST', '/api/users', {
        headers: admin,
        body: { name: 'vera', role: 'viewer', password: 'vera-password-1' },
      });
      expect(created).toMatchObject({ status: 201, body: { name: 'vera', role: 'viewer', disabled: false } });
      expect(JSON.stringify(created.body)).not.toContain('hash');
      const dup = await call(gw.base, 'POST', '/api/users', {
        headers: admin,
        body: { name: 'vera', role: 'viewer', password: 'vera-password-1' },
      });
      expect(dup.status).toBe(409);

      const vera = await login(gw.base, 'vera', 'vera-password-1');
      expect((await call(gw.base, 'GET', '/api/tokens', { headers: asSession(vera) })).status).toBe(200);
      const refused = await call(gw.base, 'POST', '/api/endpoints', { headers: asSession(vera), body: {} });
      expect(refused).toMatchObject({ status: 403, body: { message: 'requires the admin role (you are viewer)' } });
      // a viewer cannot mint a stronger token
      const escalate = await call(gw.base, 'POST', '/api/tokens', {
        headers: asSession(vera),
        body: { name: 'mine', role: 'admin', expiresInDays: 1 },
      });
      expect(escalate).toMatchObject({ status: 400, body: { details: [{ field: 'role' }] } });

      const last = await call(gw.base, 'PATCH', `/api/users/${TEST_ADMIN.user}`, {
        headers: admin,
        body: { role: 'viewer' },
      });
      expect(last).toMatchObject({
        status: 409,
        body: { message: expect.stringContaining('at least one enabled admin') },
      });
      expect((await call(gw.base, 'DELETE', `/api/users/${TEST_ADMIN.user}`, { headers: admin })).status).toBe(409);

      const disabled = await call(gw.base, 'PATCH', '/api/users/vera', { headers: admin, body: { disabled: true } });
      expect(disabled).toMatchObject({ status: 200, body: { disabled: true } });
      expect((await call(gw.base, 'GET', '/api/auth/me', { headers: asSession(vera) })).status).toBe(401);
      const again = await call(gw.base, 'POST', '/api/auth/login', {
        body: { username: 'vera', password: 'vera-password-1' },
      });
      expect(again.status).toBe(401);
      expect((await call(gw.base, 'DELETE', '/api/users/vera', { headers: admin })).status).toBe(204);
      expect((await call(gw.base, 'DELETE', '/api/users/vera', { headers: admin })).status).toBe(404);
    });

    it('tokens are shown once, stored hashed, revocable and expiring; secrets are nowhere in the store', async () => {
      const admin = bearer(TEST_ADMIN_TOKEN);
      const created = await call(gw.base, 'POST', '/api/tokens', {
        headers: admin,
        body: { name: 'ci deploy', role: 'operator', expiresInDays: 30 },
      });
      expect(created.status).toBe(201);
      const secret = String(created.body.token);
      expect(secret).toMatch(/^prm_[A-Za-z0-9_-]{43}$/);
      const listed = await call(gw.base, 'GET', '/api/tokens', { headers: admin });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(listed.body).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'ci deploy', prefix: secret.slice(0, 8) })]),
      );
      expect((await call(gw.base, 'GET', '/api/streams', { headers: bearer(secret) })).status).toBe(200);

      expect((await call(gw.base, 'DELETE', `/api/tokens/${String(created.body.id)}`, { headers: admin })).status).toBe(
        204,
      );
      const revoked = await call(gw.base, 'GET', '/api/streams', { headers: bearer(secret) });
      expect(revoked).toMatchObject({ status: 401, body: { message: 'the API token is unknown, expired or revoked' } });
      expect((await call(gw.base, 'GET', '/api/streams', { headers: bearer('prm_short') })).status).toBe(401);
      expect((await call(gw.base, 'GET', '/api/streams', { headers: { authorization: 'Basic eDp5' } })).status).toBe(
        401,
      );

      const expiring = await call(gw.base, 'POST', '/api/tokens', {
        headers: admin,
        body: { name: 'expires', role: 'viewer', expiresInDays: 1 },
      });
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query("UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1", [
          expiring.body.id,
        ]);
        const expired = await call(gw.base, 'GET', '/api/streams', { headers: bearer(String(expiring.body.token)) });
        expect(expired.status).toBe(401);
        const dump = await client.query<{ t: string }>(
          `SELECT (SELECT coalesce(json_agg(u), '[]') FROM prm_user u)::text
               || (SELECT coalesce(json_agg(s), '[]') FROM auth_session s)::text
               || (SELECT coalesce(json_agg(a), '[]') FROM api_token a)::text
               || (SELECT coalesce(json_agg(e), '[]') FROM audit_event e)::text AS t`,
        );
        const store = dump.rows[0]?.t ?? '';
        expect(store.length).toBeGreaterThan(1000);
        for (const needle of [
          secret,
          String(expiring.body.token),
          TEST_ADMIN_TOKEN,
          TEST_ADMIN.password,
          tokens.viewer,
        ]) {
          expect(store).not.toContain(needle);
        }
      } finally {
        await client.end();
      }
    });
  });

  describe('WebSocket, Bull Board and CORS', () => {
    const open = (headers: Record<string, string>) =>
      new Promise<{ code: number | null; first: string | null }>((resolveOpen) => {
        const ws = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`, { headers });
        let first: string | null = null;
        ws.on('message', (data: Buffer) => {
          first ??= data.toString('utf8');
          ws.close();
        });
        ws.on('close', (code: number) => resolveOpen({ code: first ? null : code, first }));
        ws.on('error', () => undefined);
      });

    it('/ws closes unauthenticated and foreign-origin connections and greets signed-in ones', async () => {
      expect(await open({})).toEqual({ code: 4401, first: null });
      expect(await open({ authorization: 'Bearer prm_nope' })).toEqual({ code: 4401, first: null });
      const viewer = await open(bearer(tokens.viewer));
      expect(JSON.parse(viewer.first ?? '{}')).toMatchObject({ type: 'hello' });
      const admin = adminSession;
      expect(await open({ cookie: admin.cookie, origin: 'https://evil.example' })).toEqual({ code: 4403, first: null });
      const same = await open({ cookie: admin.cookie, origin: `http://127.0.0.1:${gw.port}` });
      expect(same.first).toContain('hello');
      const listed = await open({ cookie: admin.cookie, origin: CONSOLE_ORIGIN });
      expect(listed.first).toContain('hello');
    });

    it('Bull Board answers admins only', async () => {
      expect((await call(gw.base, 'GET', '/admin/queues')).status).toBe(403);
      expect((await call(gw.base, 'GET', '/admin/queues', { headers: bearer(tokens.operator) })).status).toBe(403);
      const board = await call(gw.base, 'GET', '/admin/queues', { headers: bearer(TEST_ADMIN_TOKEN) });
      expect(board.status).toBe(200);
      const admin = adminSession;
      const crossSite = await call(gw.base, 'PUT', '/admin/queues/api/queues/pause', {
        headers: { cookie: admin.cookie, origin: 'https://evil.example' },
      });
      expect(crossSite.status).toBe(403);
    });

    it('the OpenAPI description needs a signed-in user', async () => {
      expect((await call(gw.base, 'GET', '/api/docs-json')).status).toBe(401);
      expect((await call(gw.base, 'GET', '/api/docs')).status).toBe(401);
      // a browser opening the page goes to the sign-in page, and back after it
      const page = await call(gw.base, 'GET', '/api/docs', { headers: { accept: 'text/html,*/*;q=0.8' } });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/login?returnUrl=%2Fapi%2Fdocs');
      const doc = await call(gw.base, 'GET', '/api/docs-json', { headers: bearer(tokens.viewer) });
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths as object)).toContain('/api/auth/login');
    });

    it('CORS answers listed origins only', async () => {
      const preflight = (origin: string) =>
        fetch(`${gw.base}/api/streams`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const listed = await preflight(CONSOLE_ORIGIN);
      expect(listed.headers.get('access-control-allow-origin')).toBe(CONSOLE_ORIGIN);
      expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
      const other = await preflight('https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('brute force', () => {
    it('after 3 failures a minute from one address, sign-in answers 429 even with the right password', async () => {
      const attempt = (password: string) =>
        call(gw.base, 'POST', '/api/auth/login', { body: { username: TEST_ADMIN.user, password } });
      // earlier tests failed twice from this address within the minute; fail until the budget is spent
      let res = await attempt('wrong-1');
      for (let i = 0; i < 3 && res.status === 401; i++) res = await attempt(`wrong-${i + 2}`);
      expect(res.status).toBe(429);
      expect(res.body.message).toMatch(/too many sign-in attempts from your address: retry in \d+ s/);
      expect((await attempt(TEST_ADMIN.password)).status).toBe(429);
      // API tokens are not affected
      expect((await call(gw.base, 'GET', '/api/auth/me', { headers: bearer(TEST_ADMIN_TOKEN) })).status).toBe(200);
    });
  });
  describe('admin password reset (PRM_ADMIN_PASSWORD_RESET)', () => {
    // A second gateway on the same metadata DB (its own Redis prefix: a fresh sign-in budget), as after a restart.
    // Last in this describe: the reset ends the suite admin's sessions.
    const restart = async (extra: Record<string, string>) =>
      startGateway({
        ...testAuthEnv(),
        PRM_DATABASE_URL: db.url,
        PRM_REDIS_PREFIX: `${prefix}_reset_${randomBytes(3).toString('hex')}`,
        PRM_PORT: String(await freePort()),
        PRM_CONSOLE_DIR: '.tmp/no-console',
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
        ...extra,
      });
    const signIn = (base: string, password: string) =>
      call(base, 'POST', '/api/auth/login', { body: { username: TEST_ADMIN.user, password } });

    it('PRM_ADMIN_PASSWORD never changes an existing admin; with the reset flag it does and ends its sessions', async () => {
      const newPassword = 'reset-Password-0123';
      const plain = await restart({ PRM_ADMIN_PASSWORD: newPassword });
      let before: Session;
      try {
        expect((await signIn(plain.base, newPassword)).status).toBe(401);
        before = await login(plain.base, TEST_ADMIN.user, TEST_ADMIN.password);
      } finally {
        await plain.app.close();
      }
      const reset = await restart({ PRM_ADMIN_PASSWORD: newPassword, PRM_ADMIN_PASSWORD_RESET: 'true' });
      try {
        expect((await signIn(reset.base, newPassword)).status).toBe(200);
        expect((await signIn(reset.base, TEST_ADMIN.password)).status).toBe(401);
        expect((await call(reset.base, 'GET', '/api/auth/me', { headers: asSession(before, false) })).status).toBe(401);
      } finally {
        await reset.app.close();
      }
    });

    it('refuses to start with the reset flag but no password, naming the variable', () => {
      expect(() => validateEnv(AuthEnv, { PRM_ADMIN_PASSWORD_RESET: 'true' })).toThrow(
        /PRM_ADMIN_PASSWORD: must be set when PRM_ADMIN_PASSWORD_RESET=true/,
      );
      expect(() => validateEnv(AuthEnv, { PRM_ADMIN_PASSWORD_RESET: 'yes' })).toThrow(/PRM_ADMIN_PASSWORD_RESET/);
    });
  });
});

describe('ALB mode (x-amzn-oidc-data against a fake key server)', () => {
  let db: TestDatabase;
  let gw: Gateway;
  let keys: AlbKeyServer;
  const prefix = `prmtest_alb_${RUN}`;

  beforeAll(async () => {
    [db, keys] = await Promise.all([createTestDatabase('prm_test_access_alb'), startAlbKeyServer()]);
    gw = await startGateway({
      PRM_AUTH_MODE: 'alb',
      PRM_ALB_ARN: FAKE_ALB_ARN,
      PRM_ALB_KEY_URL: keys.keyUrlBase,
      PRM_ROLE_GROUPS: 'admin=dba-admins;operator=dba-oncall;viewer=eng',
      PRM_BOOTSTRAP_API_TOKEN: TEST_ADMIN_TOKEN,
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(await freePort()),
      PRM_CONSOLE_DIR: '.tmp/no-console',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
  }, 120_000);

  afterAll(async () => {
    await gw?.app.close();
    await keys?.stop();
    await Promise.all([db?.drop(), flushRedisPrefix(prefix)]);
  });

  const claims = (groups: string[]) => ({ sub: 'u-1', email: 'dana@example.com', groups });

  it('accepts a signed header, maps groups to a role, and requires the double-submit CSRF cookie for changes', async () => {
    const token = await signAlbToken(claims(['eng']), { key: keys.key });
    const me = await call(gw.base, 'GET', '/api/auth/me', { headers: { 'x-amzn-oidc-data': token } });
    expect(me).toMatchObject({ status: 200, body: { role: 'viewer', source: 'alb' } });
    const csrf = /prm_csrf=([^;]+)/.exec(cookiesOf(me.headers).jar)?.[1] ?? '';
    expect(csrf).not.toBe('');

    const oncall = await signAlbToken(claims(['dba-oncall', 'eng']), { key: keys.key });
    const noCsrf = await call(gw.base, 'POST', '/api/silences', { headers: { 'x-amzn-oidc-data': oncall }, body: {} });
    expect(noCsrf).toMatchObject({ status: 403, body: { message: expect.stringContaining('x-csrf-token') } });
    const withCsrf = await call(gw.base, 'POST', '/api/silences', {
      headers: { 'x-amzn-oidc-data': oncall, cookie: `prm_csrf=${csrf}`, 'x-csrf-token': csrf },
      body: {},
    });
    expect(withCsrf.status).toBe(400); // past the guard, refused by validation
    const login = await call(gw.base, 'POST', '/api/auth/login', { body: { username: 'admin', password: 'x' } });
    expect(login.status).toBe(409);
  });

  it('refuses forged, foreign, expired and unsigned identities, and groups without a role', async () => {
    const bad = await signBadAlbTokens(claims(['dba-admins']), { key: keys.key });
    for (const [kind, token] of Object.entries(bad)) {
      const res = await call(gw.base, 'GET', '/api/auth/me', { headers: { 'x-amzn-oidc-data': token } });
      expect([kind, res.status]).toEqual([kind, 401]);
    }
    const spoofed = await call(gw.base, 'GET', '/api/auth/me', {
      headers: { 'x-amzn-oidc-identity': 'admin', 'x-amzn-oidc-accesstoken': 'x' },
    });
    expect(spoofed.status).toBe(401);
    const nobody = await signAlbToken(claims(['marketing']), { key: keys.key });
    const res = await call(gw.base, 'GET', '/api/auth/me', { headers: { 'x-amzn-oidc-data': nobody } });
    expect(res).toMatchObject({ status: 403, body: { message: expect.stringContaining('no prm role') } });
  });
});

describe('OIDC mode (authorization code + PKCE against a fake identity provider)', () => {
  let db: TestDatabase;
  let gw: Gateway;
  let idp: OidcFake;
  const prefix = `prmtest_oidc_${RUN}`;

  beforeAll(async () => {
    const port = await freePort();
    [db, idp] = await Promise.all([
      createTestDatabase('prm_test_access_oidc'),
      startOidcFake({ user: { sub: 'u-7', preferred_username: 'olga', groups: ['dba-oncall'] } }),
    ]);
    gw = await startGateway({
      PRM_AUTH_MODE: 'oidc',
      PRM_OIDC_ISSUER: idp.issuer,
      PRM_OIDC_CLIENT_ID: idp.clientId,
      PRM_OIDC_CLIENT_SECRET: idp.clientSecret,
      PRM_OIDC_REDIRECT_URI: `http://127.0.0.1:${port}/api/auth/oidc/callback`,
      PRM_OIDC_ALLOW_HTTP: 'true',
      PRM_ROLE_GROUPS: 'admin=dba-admins;operator=dba-oncall',
      PRM_DATABASE_URL: db.url,
      PRM_REDIS_PREFIX: prefix,
      PRM_PORT: String(port),
      PRM_CONSOLE_DIR: '.tmp/no-console',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    });
  }, 120_000);

  afterAll(async () => {
    await gw?.app.close();
    await idp?.stop();
    await Promise.all([db?.drop(), flushRedisPrefix(prefix)]);
  });

  async function signIn(): Promise<Answer> {
    const start = await call(gw.base, 'GET', '/api/auth/oidc/login');
    expect(start.status).toBe(302);
    const pending = cookiesOf(start.headers);
    expect(pending.raw.prm_oidc).toMatch(/HttpOnly/);
    const callback = await idp.authorize(start.headers.get('location') ?? '');
    return call(gw.base, 'GET', `${callback.pathname}${callback.search}`, { headers: { cookie: pending.jar } });
  }

  it('signs a user in through the IdP with the role of their groups', async () => {
    expect((await call(gw.base, 'GET', '/api/auth/config')).body).toEqual({
      mode: 'oidc',
      loginUrl: '/api/auth/oidc/login',
    });
    const done = await signIn();
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/');
    const { jar } = cookiesOf(done.headers);
    const me = await call(gw.base, 'GET', '/api/auth/me', { headers: { cookie: jar } });
    expect(me.body).toEqual({ name: 'olga', role: 'operator', source: 'oidc' });
  });

  it('sends the user back to the login page with the reason when the IdP refuses or the groups map to nothing', async () => {
    idp.authorizeError = { error: 'access_denied', error_description: 'user cancelled' };
    const refused = await signIn();
    expect(refused.headers.get('location')).toMatch(/^\/login\?error=.*user%20cancelled/);
    idp.authorizeError = null;
    idp.user = { sub: 'u-8', preferred_username: 'mark', groups: ['marketing'] };
    const noRole = await signIn();
    expect(decodeURIComponent(noRole.headers.get('location') ?? '')).toContain('no prm role for the groups of mark');
    const stray = await call(gw.base, 'GET', '/api/auth/oidc/callback?code=x&state=y');
    expect(stray.headers.get('location')).toMatch(/^\/login\?error=/);
  });
});
