import { Body, Controller, Get, HttpCode, Inject, Post, Put, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DomainError } from '@prm/contracts';
import { Public, RequireRole } from '@prm/observability';
import { UserRepository } from '@prm/persistence';
import type { CookieOptions, Request, Response } from 'express';
import { ChangePasswordDto, LoginDto } from './auth.dto.js';
import type { AuthEnv } from './auth.env.js';
import {
  AUTH_SETTINGS,
  AuthService,
  CSRF_COOKIE,
  type NewSession,
  type Principal,
  SESSION_COOKIE,
} from './auth.service.js';
import { LoginLimiter } from './login-limiter.js';
import { OidcFlow } from './oidc-flow.service.js';
import { assertPasswordPolicy, hashPassword } from './passwords.js';
import { randomSecret } from './secrets.js';

/** What `GET /api/auth/me` and a successful login answer. */
export interface MeView {
  name: string;
  role: Principal['role'];
  source: Principal['source'];
}

/**
 * Sign-in, sign-out and the current user. Only `config`, `login` and the OIDC redirects are public; failed sign-ins
 * are rate-limited per client IP and per account ({@link LoginLimiter}, 429 beyond).
 */
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    @Inject(AUTH_SETTINGS) private readonly settings: AuthEnv,
    private readonly auth: AuthService,
    private readonly users: UserRepository,
    private readonly oidc: OidcFlow,
    private readonly limiter: LoginLimiter,
  ) {}

  /** How the console should sign users in. */
  @Public()
  @Get('config')
  config(): { mode: AuthEnv['PRM_AUTH_MODE']; loginUrl: string | null } {
    const mode = this.settings.PRM_AUTH_MODE;
    return { mode, loginUrl: mode === 'oidc' ? '/api/auth/oidc/login' : null };
  }

  /** Built-in accounts: checks the password and starts a session (cookies `prm_session`, `prm_csrf`). */
  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() dto: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MeView> {
    if (this.settings.PRM_AUTH_MODE !== 'builtin') {
      throw new DomainError('conflict', `password sign-in is off (PRM_AUTH_MODE=${this.settings.PRM_AUTH_MODE})`);
    }
    const ip = req.ip ?? 'unknown';
    await this.limiter.assertAllowed(ip, dto.username);
    const principal = await this.auth.checkPassword(dto.username, dto.password);
    if (!principal) {
      await this.limiter.recordFailure(ip, dto.username);
      throw new UnauthorizedException('wrong username or password');
    }
    await this.limiter.recordSuccess(dto.username);
    this.setSessionCookies(req, res, await this.auth.startSession({ ...principal, source: 'password' }));
    return { name: principal.name, role: principal.role, source: principal.source };
  }

  /** Ends the session and clears the cookies. */
  @RequireRole('viewer')
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.auth.endSession(req);
    res.clearCookie(SESSION_COOKIE, this.cookieOptions(req, true));
    res.clearCookie(CSRF_COOKIE, this.cookieOptions(req, false));
  }

  /** The signed-in user; in alb mode also hands out the double-submit CSRF cookie. */
  @RequireRole('viewer')
  @Get('me')
  me(@Req() req: Request & { user: Principal }, @Res({ passthrough: true }) res: Response): MeView {
    const cookies = (req.headers.cookie ?? '').includes(`${CSRF_COOKIE}=`);
    if (req.user.source === 'alb' && !cookies) res.cookie(CSRF_COOKIE, randomSecret(), this.cookieOptions(req, false));
    return { name: req.user.name, role: req.user.role, source: req.user.source };
  }

  /** A built-in user changes their own password; every session of theirs ends (sign in again). */
  @RequireRole('viewer')
  @Put('password')
  @HttpCode(204)
  async changePassword(@Req() req: Request & { user: Principal }, @Body() dto: ChangePasswordDto): Promise<void> {
    if (req.user.source !== 'password') {
      throw new DomainError('conflict', 'only built-in accounts signed in with a password have a prm password');
    }
    if (!(await this.auth.checkPassword(req.user.name, dto.currentPassword))) {
      throw new DomainError('validation-failed', 'currentPassword: wrong password', [
        { field: 'currentPassword', reason: 'wrong password' },
      ]);
    }
    assertPasswordPolicy(dto.newPassword, 'newPassword');
    await this.users.update(req.user.name, { passwordHash: await hashPassword(dto.newPassword) });
    await this.auth.endSessionsOf(req.user.name);
  }

  /** OIDC: redirects to the identity provider (state, nonce and PKCE verifier in a short-lived HttpOnly cookie). */
  @Public()
  @Get('oidc/login')
  async oidcLogin(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.redirect(302, await this.oidc.begin(res, this.secure(req)));
  }

  /** OIDC: the identity provider's redirect back; starts a session and opens the console. */
  @Public()
  @Get('oidc/callback')
  async oidcCallback(@Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.oidc.complete(req, res, this.secure(req));
    if ('error' in outcome) {
      res.redirect(302, `/login?error=${encodeURIComponent(outcome.error)}`);
      return;
    }
    this.setSessionCookies(req, res, await this.auth.startSession({ ...outcome, source: 'oidc' }));
    res.redirect(302, '/');
  }

  private setSessionCookies(req: Request, res: Response, session: NewSession): void {
    const maxAge = session.maxAgeSeconds * 1000;
    res.cookie(SESSION_COOKIE, session.sessionId, { ...this.cookieOptions(req, true), maxAge });
    res.cookie(CSRF_COOKIE, session.csrfToken, { ...this.cookieOptions(req, false), maxAge });
  }

  private cookieOptions(req: Request, httpOnly: boolean): CookieOptions {
    return { httpOnly, secure: this.secure(req), sameSite: 'strict', path: '/' };
  }

  /** The Secure flag for this request (PRM_COOKIE_SECURE; `auto` drops it only for plain HTTP on loopback). */
  private secure(req: Request): boolean {
    const mode = this.settings.PRM_COOKIE_SECURE;
    if (mode !== 'auto') return mode === 'true';
    return req.secure || !isLoopback(req.hostname);
  }
}

function isLoopback(host: string | undefined): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host ?? '');
}
