import { createHash } from 'node:crypto';
import { freePort, type OidcFake, startOidcFake } from '@prm/testing';
import { AuthenticationError, type AuthenticationFailure } from './alb-jwt.js';
import { OidcLogin, type OidcLoginOptions, type OidcPending } from './oidc.js';

const REDIRECT_URI = 'https://prm.example.com/api/auth/oidc/callback';

/** The AuthenticationError `promise` rejects with; fails the test when it resolves or rejects with something else. */
async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected an AuthenticationError, but the sign-in succeeded');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof AuthenticationError)) throw error;
  return error;
}

async function expectRefused(
  promise: Promise<unknown>,
  failure: AuthenticationFailure,
  reason: RegExp,
): Promise<string> {
  const error = await refusal(promise);
  expect(error.failure).toBe(failure);
  expect(error.reason).toMatch(reason);
  return error.reason;
}

describe('OidcLogin against a loopback OpenID provider', () => {
  let idp: OidcFake;
  let login: OidcLogin;

  const options = (overrides: Partial<OidcLoginOptions> = {}): OidcLoginOptions => ({
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    redirectUri: REDIRECT_URI,
    allowInsecureHttp: true,
    ...overrides,
  });

  /** A full browser round trip up to the callback: start, then follow the IdP's redirect. */
  async function signIn(target: OidcLogin = login): Promise<{ callback: URL; pending: OidcPending }> {
    const { url, pending } = await target.start();
    return { callback: await idp.authorize(url), pending };
  }

  beforeAll(async () => {
    idp = await startOidcFake();
    login = await OidcLogin.create(options());
  });

  afterAll(async () => {
    await idp.stop();
  });

  beforeEach(() => {
    idp.user = { sub: 'u-1001', name: 'Dana DBA', email: 'dana@example.com', groups: ['eng', 'dba-admins'] };
    idp.groupsIn = 'id_token';
    idp.authorizeError = null;
    idp.idTokenOverrides = {};
    idp.signWithForeignKey = false;
    idp.tokenEndpointStatus = null;
    idp.userinfoStatus = null;
    idp.requests.length = 0;
  });

  describe('start', () => {
    it('builds an authorization request with PKCE S256, state, nonce and the default scopes', async () => {
      const { url, pending } = await login.start();
      const params = Object.fromEntries(new URL(url).searchParams);
      expect(url.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
      expect(params).toEqual({
        client_id: idp.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        scope: 'openid profile email',
        code_challenge: createHash('sha256').update(pending.codeVerifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      expect(url).not.toContain(pending.codeVerifier);
      expect(pending.codeVerifier.length).toBeGreaterThanOrEqual(43);
    });

    it('draws fresh values for every sign-in', async () => {
      const [a, b] = await Promise.all([login.start(), login.start()]);
      expect(a.pending.state).not.toBe(b.pending.state);
      expect(a.pending.nonce).not.toBe(b.pending.nonce);
      expect(a.pending.codeVerifier).not.toBe(b.pending.codeVerifier);
    });

    it('sends configured scopes, normalised', async () => {
      const custom = await OidcLogin.create(options({ scopes: '  openid   email groups ' }));
      const { url } = await custom.start();
      expect(new URL(url).searchParams.get('scope')).toBe('openid email groups');
    });
  });

  describe('finish', () => {
    it('redeems the code and reads the identity and groups from the ID token, without calling userinfo', async () => {
      const { callback, pending } = await signIn();
      await expect(login.finish(callback, pending)).resolves.toEqual({
        subject: 'u-1001',
        name: 'dana@example.com',
        email: 'dana@example.com',
        groups: ['eng', 'dba-admins'],
      });
      const token = idp.requests.find((r) => r.path === '/token');
      expect(token).toEqual({ method: 'POST', path: '/token', clientAuth: 'client_secret_basic' });
      expect(idp.requests.map((r) => r.path)).not.toContain('/userinfo');
    });

    it('only uses the query of the callback URL (a proxy may have rewritten host and scheme)', async () => {
      const { callback, pending } = await signIn();
      const behindProxy = new URL(`http://10.0.0.7:3000/api/auth/oidc/callback${callback.search}`);
      await expect(login.finish(behindProxy, pending)).resolves.toMatchObject({ subject: 'u-1001' });
    });

    it('prefers preferred_username for the name and reads a custom groups claim given as one string', async () => {
      const custom = await OidcLogin.create(options({ groupsClaim: 'roles' }));
      idp.user = { sub: 'u-2', preferred_username: 'dana', name: 'Dana', email: 'd@example.com' };
      idp.idTokenOverrides = { roles: 'dba-oncall' };
      const { callback, pending } = await signIn(custom);
      await expect(custom.finish(callback, pending)).resolves.toEqual({
        subject: 'u-2',
        name: 'dana',
        email: 'd@example.com',
        groups: ['dba-oncall'],
      });
    });

    it('falls back to userinfo for groups the ID token lacks', async () => {
      idp.groupsIn = 'userinfo';
      idp.user = { sub: 'u-3', name: 'Sam SRE', groups: ['sre'] };
      const { callback, pending } = await signIn();
      await expect(login.finish(callback, pending)).resolves.toEqual({
        subject: 'u-3',
        name: 'Sam SRE',
        email: null,
        groups: ['sre'],
      });
      expect(idp.requests.map((r) => r.path)).toContain('/userinfo');
    });

    it('gives no groups when neither the ID token nor userinfo has the claim', async () => {
      idp.groupsIn = 'none';
      const { callback, pending } = await signIn();
      await expect(login.finish(callback, pending)).resolves.toMatchObject({ groups: [] });
      expect(idp.requests.map((r) => r.path)).toContain('/userinfo');
    });

    it('refuses a callback whose state is not the pending one, or without pending sign-in', async () => {
      const { callback, pending } = await signIn();
      const other = await login.start();
      await expectRefused(login.finish(callback, other.pending), 'state-mismatch', /does not match a sign-in started/);
      const noState = new URL(callback);
      noState.searchParams.delete('state');
      await expectRefused(login.finish(noState, pending), 'state-mismatch', /sign in again/);
      const broken = [
        { ...pending, codeVerifier: '' },
        { ...pending, nonce: 7 },
        null,
        {} as OidcPending,
      ] as unknown as OidcPending[];
      for (const p of broken) await expectRefused(login.finish(callback, p), 'state-mismatch', /sign in again/);
      expect(idp.requests.map((r) => r.path)).not.toContain('/token');
    });

    it("shows the IdP's error, reduced to RFC 6749 characters and 200 characters", async () => {
      idp.authorizeError = { error: 'access_denied', error_description: 'User is not assigned\nto "prm"\u2028 app' };
      let started = await signIn();
      expect(await expectRefused(login.finish(started.callback, started.pending), 'idp-refused', /refused/)).toBe(
        'the identity provider refused the sign-in (access_denied: User is not assignedto prm app)',
      );
      idp.authorizeError = { error: 'temporarily_unavailable', error_description: 'x'.repeat(500) };
      started = await signIn();
      const kept = 'x'.repeat(200 - 'temporarily_unavailable: '.length);
      expect(await expectRefused(login.finish(started.callback, started.pending), 'idp-refused', /refused/)).toBe(
        `the identity provider refused the sign-in (temporarily_unavailable: ${kept})`,
      );
      idp.authorizeError = { error: 'login_required' };
      started = await signIn();
      await expectRefused(login.finish(started.callback, started.pending), 'idp-refused', /\(login_required\)$/);
    });

    it('refuses a code redeemed with another PKCE verifier', async () => {
      const { callback, pending } = await signIn();
      await expectRefused(
        login.finish(callback, { ...pending, codeVerifier: 'x'.repeat(43) }),
        'idp-refused',
        /refused to complete the sign-in \(invalid_grant: PKCE verification failed\)/,
      );
    });

    it('refuses a code used twice', async () => {
      const { callback, pending } = await signIn();
      await login.finish(callback, pending);
      await expectRefused(login.finish(callback, pending), 'idp-refused', /invalid_grant: unknown or used code/);
    });

    it('refuses when the IdP rejects the client secret', async () => {
      const wrongSecret = await OidcLogin.create(options({ clientSecret: 'not-the-secret' }));
      const { callback, pending } = await signIn(wrongSecret);
      const reason = await expectRefused(wrongSecret.finish(callback, pending), 'idp-refused', /invalid_client/);
      expect(reason).not.toContain('not-the-secret');
    });

    it('refuses an ID token for another nonce', async () => {
      const { callback, pending } = await signIn();
      await expectRefused(
        login.finish(callback, { ...pending, nonce: 'replayed-nonce' }),
        'id-token-invalid',
        /failed validation: unexpected ID Token "nonce" claim value/,
      );
    });

    it('refuses an ID token whose signature does not match the JWKS', async () => {
      idp.signWithForeignKey = true;
      const { callback, pending } = await signIn();
      await expectRefused(
        login.finish(callback, pending),
        'id-token-invalid',
        /failed validation: JWT signature verification failed/,
      );
    });

    it.each([
      ['another audience', { aud: 'someone-else' }, /"aud"/],
      ['another issuer', { iss: 'https://evil.example.com' }, /"iss"/],
      ['an expired token', { exp: Math.floor(Date.now() / 1000) - 3600 }, /"exp"/],
      ['no subject', { sub: undefined }, /"sub"/],
    ])('refuses an ID token with %s', async (_what, overrides, detail) => {
      idp.idTokenOverrides = overrides;
      const { callback, pending } = await signIn();
      await expectRefused(login.finish(callback, pending), 'id-token-invalid', detail);
    });

    it('reports an IdP that fails at the token or userinfo endpoint as unavailable', async () => {
      idp.tokenEndpointStatus = 500;
      let started = await signIn();
      await expectRefused(login.finish(started.callback, started.pending), 'idp-unavailable', /could not be reached/);
      idp.tokenEndpointStatus = null;
      idp.groupsIn = 'userinfo';
      idp.userinfoStatus = 503;
      started = await signIn();
      await expectRefused(login.finish(started.callback, started.pending), 'idp-unavailable', /answered unexpectedly/);
    });
  });

  describe('create', () => {
    it('authenticates with client_secret_post when the IdP lists only that, and basic when it lists none', async () => {
      const postOnly = await startOidcFake({ tokenEndpointAuthMethods: ['client_secret_post'] });
      const unlisted = await startOidcFake({ tokenEndpointAuthMethods: null });
      try {
        for (const [fake, method] of [
          [postOnly, 'client_secret_post'],
          [unlisted, 'client_secret_basic'],
        ] as const) {
          const client = await OidcLogin.create(options({ issuer: fake.issuer, clientSecret: fake.clientSecret }));
          const { url, pending } = await client.start();
          await expect(client.finish(await fake.authorize(url), pending)).resolves.toMatchObject({ subject: 'u-1001' });
          expect(fake.requests.find((r) => r.path === '/token')?.clientAuth).toBe(method);
        }
      } finally {
        await Promise.all([postOnly.stop(), unlisted.stop()]);
      }
    });

    it('skips userinfo when the IdP has none', async () => {
      const bare = await startOidcFake({ userinfo: false });
      try {
        bare.groupsIn = 'userinfo';
        const client = await OidcLogin.create(options({ issuer: bare.issuer, clientSecret: bare.clientSecret }));
        const { url, pending } = await client.start();
        await expect(client.finish(await bare.authorize(url), pending)).resolves.toMatchObject({ groups: [] });
        expect(bare.requests.map((r) => r.path)).not.toContain('/userinfo');
      } finally {
        await bare.stop();
      }
    });

    it('refuses an IdP offering no client secret authentication', async () => {
      const jwtOnly = await startOidcFake({ tokenEndpointAuthMethods: ['private_key_jwt'] });
      try {
        await expect(OidcLogin.create(options({ issuer: jwtOnly.issuer }))).rejects.toThrow(
          /supports neither client_secret_basic nor client_secret_post \(it lists private_key_jwt\)/,
        );
      } finally {
        await jwtOnly.stop();
      }
    });

    it('reports an IdP that stopped answering after discovery as unavailable', async () => {
      const gone = await startOidcFake();
      const client = await OidcLogin.create(options({ issuer: gone.issuer, clientSecret: gone.clientSecret }));
      const { url, pending } = await client.start();
      const callback = await gone.authorize(url);
      await gone.stop();
      await expectRefused(client.finish(callback, pending), 'idp-unavailable', /could not be reached/);
    });

    it.each([
      [{ scopes: 'profile email' }, 'OIDC scopes "profile email" must include openid'],
      [{ issuer: 'http://idp.example.com' }, 'plain HTTP to the OIDC issuer is only allowed for a loopback issuer'],
      [{ issuer: 'not a url' }, 'OIDC issuer "not a url" is not a URL'],
      [{ redirectUri: '/api/auth/oidc/callback' }, 'OIDC redirect URI "/api/auth/oidc/callback" is not a URL'],
    ])('refuses inconsistent options %j', async (overrides, message) => {
      await expect(OidcLogin.create(options(overrides))).rejects.toThrow(message);
    });

    it('fails with the issuer named when discovery fails, without the client secret', async () => {
      const silent = `http://127.0.0.1:${await freePort()}`;
      const error = await OidcLogin.create(options({ issuer: silent })).then(
        () => new Error('discovery unexpectedly succeeded'),
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(new RegExp(`^OIDC discovery at ${silent}/ failed`));
      expect(error.message).not.toContain(idp.clientSecret);
      await expect(OidcLogin.create(options({ allowInsecureHttp: false }))).rejects.toThrow(
        /OIDC discovery at .* failed: only requests to HTTPS are allowed/,
      );
    });
  });
});
