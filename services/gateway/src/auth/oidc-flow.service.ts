import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@prm/contracts';
import type { Role } from '@prm/observability';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { AuthenticationError } from './alb-jwt.js';
import type { AuthEnv } from './auth.env.js';
import { AUTH_SETTINGS, AuthService } from './auth.service.js';
import { OidcLogin, type OidcPending } from './oidc.js';

/** Cookie carrying state, nonce and PKCE verifier between the redirect to the IdP and its callback. */
const PENDING_COOKIE = 'prm_oidc';
const PENDING_PATH = '/api/auth/oidc';
const PENDING_MAX_AGE_MS = 10 * 60_000;

/**
 * The OIDC authorization-code flow (with PKCE) for `PRM_AUTH_MODE=oidc`, around {@link OidcLogin}. Discovery runs on
 * first use and is retried after a failure, so an IdP outage does not stop prm from starting.
 */
@Injectable()
export class OidcFlow {
  private readonly logger = new Logger(OidcFlow.name);
  private client: Promise<OidcLogin> | null = null;

  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthEnv,
    private readonly auth: AuthService,
  ) {}

  /**
   * Sets the pending-login cookie and returns the IdP's authorization URL.
   * @throws DomainError `conflict` outside oidc mode, `unavailable` when the IdP's discovery fails
   */
  async begin(res: Response, secure: boolean): Promise<string> {
    const { url, pending } = await (await this.login()).start();
    res.cookie(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
      httpOnly: true,
      secure,
      sameSite: 'lax', // sent on the IdP's top-level redirect back to us
      path: PENDING_PATH,
      maxAge: PENDING_MAX_AGE_MS,
    });
    return url;
  }

  /**
   * Validates the IdP's callback (state, nonce, PKCE, ID token) and maps the user's groups to a role.
   * @returns the user, or `{ error }` with a reason fit for the login page
   */
  async complete(
    req: Request,
    res: Response,
    secure: boolean,
  ): Promise<{ name: string; role: Role } | { error: string }> {
    const raw = parseCookies(req.headers.cookie ?? '')[PENDING_COOKIE];
    res.clearCookie(PENDING_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: PENDING_PATH });
    const pending = raw ? decodePending(raw) : null;
    if (!pending) return { error: 'the sign-in took too long or was started elsewhere: start again' };
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    try {
      const identity = await (
        await this.login()
      ).finish(new URL(`${this.settings.PRM_OIDC_REDIRECT_URI}${query}`), pending);
      const role = this.auth.roleFor(identity.groups);
      if (!role) return { error: `no prm role for the groups of ${identity.name}` };
      return { name: identity.name, role };
    } catch (err) {
      if (err instanceof AuthenticationError) return { error: err.reason };
      if (err instanceof DomainError) return { error: err.message };
      throw err;
    }
  }

  private login(): Promise<OidcLogin> {
    const s = this.settings;
    if (s.PRM_AUTH_MODE !== 'oidc') {
      return Promise.reject(new DomainError('conflict', `OIDC sign-in is off (PRM_AUTH_MODE=${s.PRM_AUTH_MODE})`));
    }
    this.client ??= OidcLogin.create({
      issuer: s.PRM_OIDC_ISSUER ?? '',
      clientId: s.PRM_OIDC_CLIENT_ID ?? '',
      clientSecret: s.PRM_OIDC_CLIENT_SECRET ?? '',
      redirectUri: s.PRM_OIDC_REDIRECT_URI ?? '',
      groupsClaim: s.PRM_OIDC_GROUPS_CLAIM,
      allowInsecureHttp: s.PRM_OIDC_ALLOW_HTTP === 'true',
    }).catch((err: unknown) => {
      this.client = null;
      const reason = err instanceof AuthenticationError ? err.reason : err instanceof Error ? err.message : String(err);
      this.logger.warn(`OIDC discovery at ${s.PRM_OIDC_ISSUER} failed: ${reason}`);
      throw new DomainError('unavailable', `the identity provider does not answer: ${reason}`);
    });
    return this.client;
  }
}

function decodePending(raw: string): OidcPending | null {
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<OidcPending>;
    const ok = [v.state, v.nonce, v.codeVerifier].every((x) => typeof x === 'string' && x.length > 0);
    return ok ? (v as OidcPending) : null;
  } catch {
    return null;
  }
}
