import {
  allowInsecureRequests,
  authorizationCodeGrant,
  AuthorizationResponseError,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  ClientError,
  ClientSecretBasic,
  ClientSecretPost,
  Configuration,
  discovery,
  enableNonRepudiationChecks,
  fetchUserInfo,
  randomNonce,
  randomPKCECodeVerifier,
  randomState,
  ResponseBodyError,
} from 'openid-client';
import { AuthenticationError, identityFromClaims, type ExternalIdentity } from './alb-jwt.js';

/**
 * What the browser must bring back to finish a sign-in, kept by the gateway between {@link OidcLogin.start} and
 * {@link OidcLogin.finish} (an HttpOnly, short-lived cookie scoped to the callback path; SameSite=Lax, since the
 * callback is a cross-site redirect from the IdP on which SameSite=Strict cookies are not sent). The code verifier
 * is a secret: it must never reach the page, the logs or the URL.
 */
export interface OidcPending {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Options of {@link OidcLogin.create}. */
export interface OidcLoginOptions {
  /** Issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The callback URL registered at the IdP, e.g. `https://prm.example.com/api/auth/oidc/callback`. */
  redirectUri: string;
  /**
   * Space-separated scopes; default `openid profile email`. Add the IdP's groups scope when it has one (Okta:
   * `groups`); many IdPs refuse unknown scopes, so none is requested by default. Must contain `openid`.
   */
  scopes?: string;
  /** Claim holding the user's groups in the ID token or, when absent there, in userinfo; default `groups`. */
  groupsClaim?: string;
  /** Allows plain HTTP to the IdP; only accepted for a loopback issuer (test IdPs). */
  allowInsecureHttp?: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Seconds before a request to the IdP is abandoned (discovery, token, JWKS, userinfo). */
const IDP_TIMEOUT_SEC = 10;
/** RFC 6749 §4.1.2.1: `error` and `error_description` use %x20-21 / %x23-5B / %x5D-7E; anything else is dropped. */
const UNSAFE_ERROR_CHARS = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const MAX_ERROR_CHARS = 200;

/**
 * Sign-in at a corporate OpenID Connect provider with the authorization code flow, PKCE (S256), `state` and `nonce`,
 * using openid-client (panva). The provider's metadata is discovered once, at {@link OidcLogin.create}. ID token
 * signatures are verified against the provider's JWKS (openid-client `enableNonRepudiationChecks`) on top of the
 * issuer, audience, expiry and nonce checks; the IdP must therefore sign ID tokens with an asymmetric key (RS*, PS*,
 * ES*, EdDSA — the usual default). The client authenticates with `client_secret_basic` unless the provider only lists
 * `client_secret_post`.
 */
export class OidcLogin {
  private constructor(
    private readonly config: Configuration,
    private readonly redirectUri: string,
    private readonly scopes: string,
    private readonly groupsClaim: string,
  ) {}

  /**
   * Discovers the provider and returns a ready login.
   * @throws Error when the options are inconsistent (no `openid` scope, HTTP allowed for a non-loopback issuer, bad
   *   URLs) or discovery fails (unreachable IdP, issuer mismatch, HTTP without `allowInsecureHttp`); the message
   *   names the issuer, never the client secret
   */
  static async create(options: OidcLoginOptions): Promise<OidcLogin> {
    const issuer = parseUrl(options.issuer, 'OIDC issuer');
    parseUrl(options.redirectUri, 'OIDC redirect URI');
    const scopes = (options.scopes ?? 'openid profile email').trim().split(/\s+/).join(' ');
    if (!scopes.split(' ').includes('openid')) throw new Error(`OIDC scopes "${scopes}" must include openid`);
    const insecure = options.allowInsecureHttp === true;
    if (insecure && !LOOPBACK_HOSTS.has(issuer.hostname)) {
      throw new Error(`plain HTTP to the OIDC issuer is only allowed for a loopback issuer, not ${issuer.host}`);
    }
    const setup = insecure ? [allowInsecureRequests, enableNonRepudiationChecks] : [enableNonRepudiationChecks];
    const metadata = { client_secret: options.clientSecret, redirect_uris: [options.redirectUri] };
    let config: Configuration;
    try {
      config = await discovery(issuer, options.clientId, metadata, ClientSecretPost(options.clientSecret), {
        execute: setup,
        timeout: IDP_TIMEOUT_SEC,
      });
    } catch (error: unknown) {
      throw new Error(`OIDC discovery at ${issuer.href} failed: ${(error as Error).message}`);
    }
    const methods = config.serverMetadata().token_endpoint_auth_methods_supported;
    // RFC 8414: an absent list means client_secret_basic only.
    if (!methods || methods.includes('client_secret_basic')) {
      const server = config.serverMetadata();
      config = new Configuration(server, options.clientId, metadata, ClientSecretBasic(options.clientSecret));
      for (const apply of setup) apply(config);
      config.timeout = IDP_TIMEOUT_SEC;
    } else if (!methods.includes('client_secret_post')) {
      throw new Error(
        `the OIDC provider ${issuer.href} supports neither client_secret_basic nor client_secret_post (it lists ${methods.join(', ')})`,
      );
    }
    return new OidcLogin(config, options.redirectUri, scopes, options.groupsClaim ?? 'groups');
  }

  /**
   * Starts a sign-in: fresh state, nonce and PKCE verifier, and the provider URL to redirect the browser to.
   * @returns `url` for a 302, `pending` for the gateway to keep until the callback (see {@link OidcPending})
   */
  async start(): Promise<{ url: string; pending: OidcPending }> {
    const pending: OidcPending = { state: randomState(), nonce: randomNonce(), codeVerifier: randomPKCECodeVerifier() };
    const url = buildAuthorizationUrl(this.config, {
      redirect_uri: this.redirectUri,
      scope: this.scopes,
      response_type: 'code',
      code_challenge: await calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /**
   * Finishes a sign-in from the provider's redirect: checks `state`, redeems the code with the PKCE verifier, validates
   * the ID token (signature, issuer, audience, expiry, nonce) and reads the identity; groups come from the ID token's
   * groups claim, or from the userinfo endpoint when the ID token lacks it.
   * @param callbackUrl the URL the browser was redirected to; only its query is used (the configured redirect URI is
   *   what the token request names, so a proxy rewriting host or scheme does not matter)
   * @param pending what {@link start} returned for this browser
   * @throws AuthenticationError `state-mismatch` (no or foreign pending sign-in), `idp-refused` (the IdP's `error` on
   *   the callback, or its token endpoint refusing the code, e.g. PKCE mismatch or reused code), `id-token-invalid`,
   *   `idp-unavailable` (unreachable, timeout, unexpected answer), `malformed` (no `sub`)
   */
  async finish(callbackUrl: URL, pending: OidcPending): Promise<ExternalIdentity> {
    if (!isPending(pending) || callbackUrl.searchParams.get('state') !== pending.state) {
      throw new AuthenticationError(
        'state-mismatch',
        'this sign-in response does not match a sign-in started in this browser (expired or opened elsewhere); sign in again',
      );
    }
    const current = new URL(this.redirectUri);
    current.search = callbackUrl.search;
    let claims: Record<string, unknown>;
    let accessToken: string;
    try {
      const tokens = await authorizationCodeGrant(this.config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      // idTokenExpected: openid-client has already refused a response without an ID token.
      claims = { ...tokens.claims() };
      accessToken = tokens.access_token;
    } catch (error: unknown) {
      throw grantError(error);
    }
    if (claims[this.groupsClaim] === undefined && this.config.serverMetadata().userinfo_endpoint) {
      try {
        const userinfo = await fetchUserInfo(this.config, accessToken, String(claims.sub));
        claims = { ...userinfo, ...claims };
      } catch (error: unknown) {
        throw grantError(error);
      }
    }
    return identityFromClaims(claims, this.groupsClaim);
  }
}

function parseUrl(value: string, what: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new Error(`${what} "${value}" is not a URL`);
  }
}

function isPending(value: unknown): value is OidcPending {
  const p = value as Partial<OidcPending> | null | undefined;
  return (
    typeof p?.state === 'string' &&
    p.state.length > 0 &&
    typeof p.nonce === 'string' &&
    p.nonce.length > 0 &&
    typeof p.codeVerifier === 'string' &&
    p.codeVerifier.length > 0
  );
}

/** The IdP's `error` and `error_description`, reduced to the characters RFC 6749 allows and a bounded length. */
function idpError(error: string | undefined, description: string | undefined): string {
  const text = description ? `${error}: ${description}` : String(error);
  return text.replace(UNSAFE_ERROR_CHARS, '').slice(0, MAX_ERROR_CHARS);
}

/** Codes of openid-client errors that mean the provider's answer (ID token, token or userinfo response) is not valid. */
const INVALID_ANSWER = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
]);

/** Maps an openid-client error to the user-facing refusal. */
function grantError(error: unknown): AuthenticationError {
  if (error instanceof AuthorizationResponseError) {
    return new AuthenticationError(
      'idp-refused',
      `the identity provider refused the sign-in (${idpError(error.error, error.error_description)})`,
    );
  }
  if (error instanceof ResponseBodyError) {
    return new AuthenticationError(
      'idp-refused',
      `the identity provider refused to complete the sign-in (${idpError(error.error, error.error_description)})`,
    );
  }
  if (error instanceof ClientError && error.code && INVALID_ANSWER.has(error.code)) {
    // The cause is oauth4webapi's OperationProcessingError, whose messages are fixed texts naming a claim, never values.
    const detail = error.cause instanceof Error ? error.cause.message : error.message;
    return new AuthenticationError('id-token-invalid', `the identity provider's answer failed validation: ${detail}`);
  }
  return new AuthenticationError(
    'idp-unavailable',
    'the identity provider could not be reached or answered unexpectedly',
  );
}
