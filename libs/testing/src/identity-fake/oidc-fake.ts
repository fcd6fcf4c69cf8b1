/**
 * A loopback OpenID Connect provider for tests: a node:http server on 127.0.0.1 that speaks enough of OpenID Connect
 * Core 1.0 and Discovery 1.0 for the authorization code flow with PKCE (RFC 7636): discovery document, JWKS, an
 * authorize endpoint that signs the configured user in at once (302 back to `redirect_uri` with `code` and `state`),
 * a token endpoint issuing an RS256 ID token (jose) bound to the request's `nonce`, and userinfo. Clients must use
 * `allowInsecureRequests` (openid-client) since it is plain HTTP.
 *
 * Knobs on the returned handle make it misbehave like real IdPs do: refuse at the authorize step, deliver groups only
 * in userinfo (or nowhere), sign with a key that is not in the JWKS, tamper with ID token claims.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The user the fake signs in. */
export interface OidcFakeUser {
  sub: string;
  name?: string;
  preferred_username?: string;
  email?: string;
  /** Value of the groups claim: an array, one string, or absent. */
  groups?: string[] | string;
}

/** Options of {@link startOidcFake}. */
export interface OidcFakeOptions {
  clientId?: string;
  clientSecret?: string;
  user?: OidcFakeUser;
  /** Name of the groups claim; default `groups`. */
  groupsClaim?: string;
  /** `token_endpoint_auth_methods_supported` in discovery; default both basic and post; null omits the member. */
  tokenEndpointAuthMethods?: string[] | null;
  /** Whether discovery lists a userinfo endpoint; default true. */
  userinfo?: boolean;
}

/** One request the fake received. */
export interface OidcFakeRequest {
  method: string;
  /** Path without query, e.g. `/token`. */
  path: string;
  /** How the client authenticated (token endpoint requests only). */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** A running fake; see {@link startOidcFake}. */
export interface OidcFake {
  /** `http://127.0.0.1:<port>`: the issuer identifier. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The user signed in by the next authorize request; tests may replace it. */
  user: OidcFakeUser;
  /** Where the groups claim is delivered: ID token (default), userinfo only, or nowhere. */
  groupsIn: 'id_token' | 'userinfo' | 'none';
  /** When set, authorize redirects back with this error instead of a code. */
  authorizeError: { error: string; error_description?: string } | null;
  /** Claims merged into (or, with `undefined` values, removed from) the next ID tokens, e.g. `{ nonce: 'x' }`. */
  idTokenOverrides: Record<string, unknown>;
  /** When true, ID tokens are signed with a key that is not in the JWKS (under the published `kid`). */
  signWithForeignKey: boolean;
  /** When set, the token endpoint answers with this HTTP status and an empty body. */
  tokenEndpointStatus: number | null;
  /** When set, the userinfo endpoint answers with this HTTP status and an empty body. */
  userinfoStatus: number | null;
  /** Every request received, in order. */
  requests: OidcFakeRequest[];
  /**
   * Follows an authorization URL like a browser would: GET it and return the callback URL from the 302 `Location`.
   * @throws Error when the fake does not redirect (bad client id, redirect URI, PKCE method...), with its message
   */
  authorize(authorizationUrl: string): Promise<URL>;
  stop(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  user: OidcFakeUser;
}

const KID = 'oidc-fake-1';

/**
 * Starts the fake OpenID provider on a free loopback port.
 * @returns the handle; call `stop()` in `afterAll`.
 */
export async function startOidcFake(options: OidcFakeOptions = {}): Promise<OidcFake> {
  const groupsClaim = options.groupsClaim ?? 'groups';
  const signing = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, OidcFakeUser>();
  let issuer = '';

  const groupsOf = (user: OidcFakeUser): Record<string, unknown> =>
    user.groups === undefined ? {} : { [groupsClaim]: user.groups };
  const profileOf = (user: OidcFakeUser): Record<string, unknown> => ({
    sub: user.sub,
    ...(user.name !== undefined && { name: user.name }),
    ...(user.preferred_username !== undefined && { preferred_username: user.preferred_username }),
    ...(user.email !== undefined && { email: user.email, email_verified: true }),
  });

  const fake: OidcFake = {
    issuer: '',
    clientId: options.clientId ?? 'prm-console',
    clientSecret: options.clientSecret ?? randomBytes(16).toString('hex'),
    user: options.user ?? { sub: 'u-1001', name: 'Dana DBA', email: 'dana@example.com', groups: ['dba-admins'] },
    groupsIn: 'id_token',
    authorizeError: null,
    idTokenOverrides: {},
    signWithForeignKey: false,
    tokenEndpointStatus: null,
    userinfoStatus: null,
    requests: [],
    authorize: async (authorizationUrl) => {
      const response = await fetch(authorizationUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) {
        throw new Error(`the OIDC fake did not redirect (${response.status}): ${await response.text()}`);
      }
      return new URL(location);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };

  const discovery = (): Record<string, unknown> => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    ...(options.userinfo !== false && { userinfo_endpoint: `${issuer}/userinfo` }),
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'profile', 'email', 'groups'],
    ...(options.tokenEndpointAuthMethods !== null && {
      token_endpoint_auth_methods_supported: options.tokenEndpointAuthMethods ?? [
        'client_secret_basic',
        'client_secret_post',
      ],
    }),
  });

  const authorize = (url: URL, res: ServerResponse): void => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== fake.clientId) return sendText(res, 400, 'unknown client_id');
    if (!redirectUri) return sendText(res, 400, 'redirect_uri is required');
    if (q.get('response_type') !== 'code') return sendText(res, 400, 'only response_type=code is supported');
    const challenge = q.get('code_challenge');
    if (q.get('code_challenge_method') !== 'S256' || !challenge) return sendText(res, 400, 'PKCE S256 is required');
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (fake.authorizeError) {
      back.searchParams.set('error', fake.authorizeError.error);
      if (fake.authorizeError.error_description) {
        back.searchParams.set('error_description', fake.authorizeError.error_description);
      }
    } else {
      const code = randomBytes(16).toString('base64url');
      codes.set(code, {
        clientId: fake.clientId,
        redirectUri,
        codeChallenge: challenge,
        nonce: q.get('nonce') ?? undefined,
        user: { ...fake.user },
      });
      back.searchParams.set('code', code);
    }
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.href }).end();
  };

  const clientOf = (
    req: IncomingMessage,
    form: URLSearchParams,
    request: OidcFakeRequest,
  ): { id: string | null; secret: string | null } => {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      request.clientAuth = 'client_secret_basic';
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':');
      return { id: decodeURIComponent(id ?? ''), secret: decodeURIComponent(secret ?? '') };
    }
    request.clientAuth = form.has('client_secret') ? 'client_secret_post' : 'none';
    return { id: form.get('client_id'), secret: form.get('client_secret') };
  };

  const token = async (req: IncomingMessage, res: ServerResponse, request: OidcFakeRequest): Promise<void> => {
    if (fake.tokenEndpointStatus !== null) return sendText(res, fake.tokenEndpointStatus, '');
    const form = new URLSearchParams(await readBody(req));
    const client = clientOf(req, form, request);
    if (client.id !== fake.clientId || client.secret !== fake.clientSecret) {
      return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
    }
    if (form.get('grant_type') !== 'authorization_code') {
      return sendJson(res, 400, { error: 'unsupported_grant_type' });
    }
    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    codes.delete(code); // single use, even when the request fails
    if (!issued) return sendJson(res, 400, { error: 'invalid_grant', error_description: 'unknown or used code' });
    if (form.get('redirect_uri') !== issued.redirectUri) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri does not match' });
    }
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge) {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
    }
    const accessToken = randomBytes(24).toString('base64url');
    accessTokens.set(accessToken, issued.user);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      ...profileOf(issued.user),
      ...(fake.groupsIn === 'id_token' && groupsOf(issued.user)),
      ...(issued.nonce !== undefined && { nonce: issued.nonce }),
      iss: issuer,
      aud: issued.clientId,
      iat: now,
      exp: now + 300,
      ...fake.idTokenOverrides,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    const key: CryptoKey = fake.signWithForeignKey ? foreign.privateKey : signing.privateKey;
    const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(key);
    sendJson(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: idToken });
  };

  const userinfo = (req: IncomingMessage, res: ServerResponse): void => {
    if (fake.userinfoStatus !== null) return sendText(res, fake.userinfoStatus, '');
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const user = bearer ? accessTokens.get(bearer) : undefined;
    if (!user) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    sendJson(res, 200, { ...profileOf(user), ...(fake.groupsIn !== 'none' && groupsOf(user)) });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const request: OidcFakeRequest = { method: req.method ?? '', path: url.pathname };
    fake.requests.push(request);
    const route = `${req.method} ${url.pathname}`;
    const handle = async (): Promise<void> => {
      switch (route) {
        case 'GET /.well-known/openid-configuration':
          return sendJson(res, 200, discovery());
        case 'GET /jwks':
          return sendJson(res, 200, { keys: [publicJwk] });
        case 'GET /authorize':
          return authorize(url, res);
        case 'POST /token':
          return token(req, res, request);
        case 'GET /userinfo':
          return userinfo(req, res);
        default:
          return sendText(res, 404, `no route ${route}`);
      }
    };
    handle().catch((error: unknown) => sendText(res, 500, String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.issuer = issuer;
  return fake;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}
