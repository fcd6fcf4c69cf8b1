import { decodeProtectedHeader, errors as joseErrors, importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { groupsFromClaim } from './role-mapping.js';

/** Who an identity provider (the OIDC IdP directly, or the ALB in front of prm) says the caller is. */
export interface ExternalIdentity {
  /** The IdP's stable subject identifier (`sub`). */
  subject: string;
  /** Display name: `preferred_username`, else `email`, else `name`, else `sub`. */
  name: string;
  email: string | null;
  /** The caller's groups from the configured groups claim (empty when the claim is absent). */
  groups: string[];
}

/** Why an identity assertion was refused (stable, for metrics and tests; {@link AuthenticationError.reason} is prose). */
export type AuthenticationFailure =
  | 'missing'
  | 'malformed'
  | 'key-unavailable'
  | 'bad-signature'
  | 'wrong-signer'
  | 'expired'
  | 'state-mismatch'
  | 'idp-refused'
  | 'idp-unavailable'
  | 'id-token-invalid';

/**
 * An identity assertion (ALB header, OIDC callback) was refused. `reason` is safe to show the user: it never holds the
 * token, a key or a client secret. The original library error is deliberately not attached as `cause`, since some
 * carry the claims or the IdP's response.
 */
export class AuthenticationError extends Error {
  constructor(
    readonly failure: AuthenticationFailure,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'AuthenticationError';
  }
}

/** Options of {@link AlbJwtVerifier}. */
export interface AlbJwtVerifierOptions {
  /** AWS region of the ALB, e.g. `eu-west-1` (picks the regional key endpoint). */
  region: string;
  /** The ALB's ARN; the token header's `signer` must equal it. */
  albArn: string;
  /** Where public keys are fetched as `<keyUrlBase>/<kid>`; default `https://public-keys.auth.elb.<region>.amazonaws.com`. */
  keyUrlBase?: string;
  /** Claim holding the user's groups (array of strings or one string); default `groups`. */
  groupsClaim?: string;
  /** fetch implementation for the key endpoint (tests); default the global fetch. */
  fetchImpl?: typeof fetch;
  /** Seconds of clock skew tolerated on `exp` (header and claims); default 60. */
  clockToleranceSec?: number;
}

const KID = /^[A-Za-z0-9-]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ALB_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/app\/.+$/;
/** A base64url segment, optionally '='-padded as the ALB sends it. */
const SEGMENT = /^[A-Za-z0-9_-]+={0,2}$/;
/** Header values beyond this size are refused before any parsing (ALB claims tokens are a few KB). */
const MAX_TOKEN_CHARS = 16 * 1024;
const MAX_KEY_CHARS = 8 * 1024;
const MAX_CACHED_KEYS = 32;
const KEY_FETCH_TIMEOUT_MS = 5_000;

/**
 * Verifies the `x-amzn-oidc-data` header an AWS Application Load Balancer with an `authenticate-oidc` action adds to
 * each request: a JWT signed ES256 by the ALB whose header names the key (`kid`), the ALB (`signer`, its ARN), the
 * IdP (`iss`), the client id (`client`) and an expiry (`exp`, seconds). The public key is a PEM document at
 * `https://public-keys.auth.elb.<region>.amazonaws.com/<kid>`. Source: AWS "Authenticate users using an Application
 * Load Balancer", section "User claims encoding and signature verification".
 *
 * The ALB encodes the three parts with '=' padding and signs the padded `header.payload` text (see
 * awslabs/aws-jwt-verify and potatosalad/erlang-jose#141): stripping the padding before verification would break
 * every genuine signature, so the token is verified as received; jose decodes padded base64url.
 *
 * Public keys are cached by `kid` (a kid names one key forever), at most {@link MAX_CACHED_KEYS}, oldest evicted first;
 * concurrent requests for an uncached kid share one fetch, and failed fetches are not cached.
 */
export class AlbJwtVerifier {
  private readonly keyUrlBase: string;
  private readonly albArn: string;
  private readonly groupsClaim: string;
  private readonly fetchImpl: typeof fetch;
  private readonly clockToleranceSec: number;
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  /** @throws Error when `region` or `albArn` is not well formed (a configuration error, not a user's). */
  constructor(options: AlbJwtVerifierOptions) {
    if (!REGION.test(options.region)) throw new Error(`ALB region "${options.region}" is not an AWS region name`);
    if (!ALB_ARN.test(options.albArn)) throw new Error(`"${options.albArn}" is not an Application Load Balancer ARN`);
    this.albArn = options.albArn;
    this.keyUrlBase = (options.keyUrlBase ?? `https://public-keys.auth.elb.${options.region}.amazonaws.com`).replace(
      /\/+$/,
      '',
    );
    this.groupsClaim = options.groupsClaim ?? 'groups';
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.clockToleranceSec = options.clockToleranceSec ?? 60;
  }

  /**
   * Verifies the header value and returns the identity it asserts.
   * @param headerValue the raw `x-amzn-oidc-data` header (undefined when absent)
   * @throws AuthenticationError (failure `missing`, `malformed`, `wrong-signer`, `expired`, `key-unavailable`,
   *   `bad-signature`) for every token that is not a valid, unexpired assertion of the configured ALB
   */
  async verify(headerValue: string | undefined): Promise<ExternalIdentity> {
    const token = headerValue?.trim();
    if (!token) throw new AuthenticationError('missing', 'the ALB identity header x-amzn-oidc-data is missing');
    const header = this.readHeader(token);
    // Checks on the unverified header only ever refuse; signature verification below then covers the header too.
    if (header.signer !== this.albArn) {
      throw new AuthenticationError('wrong-signer', 'the ALB identity header was signed by another load balancer');
    }
    if (header.exp + this.clockToleranceSec < Date.now() / 1000) {
      throw new AuthenticationError('expired', 'the ALB identity header has expired');
    }
    const key = await this.publicKey(header.kid);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['ES256'],
        clockTolerance: this.clockToleranceSec,
      }));
    } catch (error: unknown) {
      throw verificationError(error);
    }
    return identityFromClaims(payload, this.groupsClaim);
  }

  /** Parses and checks the shape of the unverified JOSE header. */
  private readHeader(token: string): { kid: string; signer: unknown; exp: number } {
    const parts = token.split('.');
    if (token.length > MAX_TOKEN_CHARS || parts.length !== 3 || !parts.every((part) => SEGMENT.test(part))) {
      throw new AuthenticationError('malformed', 'the ALB identity header is not a well-formed JWT');
    }
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthenticationError('malformed', 'the ALB identity header is not a well-formed JWT');
    }
    if (header.alg !== 'ES256') {
      throw new AuthenticationError('malformed', 'the ALB identity header is not signed with ES256');
    }
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) {
      throw new AuthenticationError('malformed', 'the ALB identity header has no valid key id (kid)');
    }
    if (typeof header.exp !== 'number' || !Number.isFinite(header.exp)) {
      throw new AuthenticationError('malformed', 'the ALB identity header has no expiry (exp)');
    }
    return { kid: header.kid, signer: header.signer, exp: header.exp };
  }

  /** The ALB public key `kid`, from the cache or the key endpoint. */
  private publicKey(kid: string): Promise<CryptoKey> {
    const cached = this.keys.get(kid);
    if (cached) return cached;
    const loading = this.fetchKey(kid);
    if (this.keys.size >= MAX_CACHED_KEYS) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(kid, loading);
    loading.catch(() => this.keys.delete(kid));
    return loading;
  }

  private async fetchKey(kid: string): Promise<CryptoKey> {
    const unavailable = (why: string): AuthenticationError =>
      new AuthenticationError('key-unavailable', `the ALB public key ${kid} could not be obtained (${why})`);
    let pem: string;
    try {
      const response = await this.fetchImpl(`${this.keyUrlBase}/${kid}`, {
        signal: AbortSignal.timeout(KEY_FETCH_TIMEOUT_MS),
        redirect: 'error',
      });
      if (!response.ok) throw unavailable(`HTTP ${response.status}`);
      pem = await response.text();
    } catch (error: unknown) {
      if (error instanceof AuthenticationError) throw error;
      throw unavailable('key endpoint unreachable');
    }
    if (pem.length > MAX_KEY_CHARS) throw unavailable('not a PEM public key');
    try {
      return await importSPKI(pem.trim(), 'ES256');
    } catch {
      throw unavailable('not a PEM public key');
    }
  }
}

/** Maps a jose verification error to the user-facing refusal. */
function verificationError(error: unknown): AuthenticationError {
  if (error instanceof joseErrors.JWTExpired) {
    return new AuthenticationError('expired', 'the ALB identity header has expired');
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('bad-signature', 'the ALB identity header signature is not valid');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new AuthenticationError('malformed', `the ALB identity header claims are not valid (${error.claim})`);
  }
  return new AuthenticationError('malformed', 'the ALB identity header is not a well-formed JWT');
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/**
 * The identity in a verified claims set (ALB user claims, OIDC ID token and userinfo merged).
 * @throws AuthenticationError (`malformed`) when `sub` is missing
 */
export function identityFromClaims(claims: Record<string, unknown>, groupsClaim: string): ExternalIdentity {
  const subject = nonEmpty(claims.sub);
  if (!subject) throw new AuthenticationError('malformed', 'the identity provider sent no subject (sub) claim');
  const email = nonEmpty(claims.email) ?? null;
  return {
    subject,
    name: nonEmpty(claims.preferred_username) ?? email ?? nonEmpty(claims.name) ?? subject,
    email,
    groups: groupsFromClaim(claims[groupsClaim]),
  };
}
