import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  UnauthorizedException,
  ForbiddenException,
} from '@nestjs/common';
import { type Role, roleAtLeast } from '@prm/observability';
import { ApiTokenRepository, SessionRepository, UserRepository } from '@prm/persistence';
import { parse as parseCookies } from 'cookie';
import type { AuthEnv } from './auth.env.js';
import { AlbJwtVerifier, AuthenticationError } from './alb-jwt.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { type RoleGroups, parseRoleGroups, roleForGroups } from './role-mapping.js';
import { hashSecret, looksLikeApiToken, randomSecret, sameSecret, TOKEN_PREFIX } from './secrets.js';

/** Injection token of the validated {@link AuthEnv}. */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

/** Cookie holding the session id (HttpOnly). */
export const SESSION_COOKIE = 'prm_session';
/** Cookie holding the CSRF token the console echoes in `x-csrf-token` (readable by JS). */
export const CSRF_COOKIE = 'prm_csrf';
/** Header carrying the CSRF token on POST/PUT/PATCH/DELETE authenticated by cookie. */
export const CSRF_HEADER = 'x-csrf-token';
/** Header the AWS ALB sets after authenticate-oidc: a JWT signed by the ALB. */
export const ALB_DATA_HEADER = 'x-amzn-oidc-data';

/** How the caller proved who they are. */
export type PrincipalSource = 'password' | 'oidc' | 'alb' | 'token';

/** The authenticated caller, set as `req.user` by the AuthGuard and read by the audit log. */
export interface Principal {
  name: string;
  role: Role;
  source: PrincipalSource;
  /** SHA-256 of the session's CSRF token (cookie sessions). */
  csrfHash?: string;
  /** API token id and name (token callers). */
  tokenId?: string;
  tokenName?: string;
}

/** What a request looks like to authentication: its headers only (HTTP requests and WebSocket upgrades). */
export interface RequestHeaders {
  headers: Record<string, string | string[] | undefined>;
}

/** A new session: the cookie values to set (never stored in clear). */
export interface NewSession {
  sessionId: string;
  csrfToken: string;
  maxAgeSeconds: number;
}

const TOKEN_CACHE_MS = 5_000;
const TOKEN_CACHE_MAX = 1_000;

const header = (req: RequestHeaders, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Authentication for the gateway: built-in accounts (bcrypt), sessions (cookie id hashed in `auth_session`), API
 * tokens (hashed in `api_token`, cached {@link TOKEN_CACHE_MS} ms so revocation reaches other gateway instances within
 * that time), and, in `alb` mode, the ALB-signed `x-amzn-oidc-data` JWT. Creates the first admin and the bootstrap
 * API token from the environment at start.
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  private readonly tokenCache = new Map<string, { principal: Principal | null; until: number }>();
  private readonly roleGroups: RoleGroups | null;
  private readonly alb: AlbJwtVerifier | null;

  constructor(
    @Inject(AUTH_SETTINGS) readonly settings: AuthEnv,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
    private readonly tokens: ApiTokenRepository,
  ) {
    this.roleGroups = settings.PRM_AUTH_MODE === 'builtin' ? null : parseRoleGroups(settings.PRM_ROLE_GROUPS);
    this.alb =
      settings.PRM_AUTH_MODE === 'alb'
        ? new AlbJwtVerifier({
            region: albRegion(settings.PRM_ALB_ARN ?? ''),
            albArn: settings.PRM_ALB_ARN ?? '',
            keyUrlBase: settings.PRM_ALB_KEY_URL,
            groupsClaim: settings.PRM_OIDC_GROUPS_CLAIM,
          })
        : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const s = this.settings;
    if (s.PRM_ADMIN_PASSWORD) {
      const hash = await hashPassword(s.PRM_ADMIN_PASSWORD);
      const created = await this.users.create(s.PRM_ADMIN_USER, 'admin', hash);
      if (created) {
        this.logger.log(`created the first admin account "${s.PRM_ADMIN_USER}" (PRM_ADMIN_PASSWORD)`);
      } else if (s.PRM_ADMIN_PASSWORD_RESET === 'true') {
        await this.users.update(s.PRM_ADMIN_USER, { passwordHash: hash, role: 'admin', disabled: false });
        await this.sessions.deleteForUser(s.PRM_ADMIN_USER);
        this.logger.warn(
          `reset the password of admin account "${s.PRM_ADMIN_USER}" from PRM_ADMIN_PASSWORD and ended its sessions ` +
            '(PRM_ADMIN_PASSWORD_RESET=true: remove it, or every restart resets the password)',
        );
      }
    }
    if (s.PRM_BOOTSTRAP_API_TOKEN) {
      const created = await this.tokens.create({
        name: 'bootstrap',
        tokenHash: hashSecret(s.PRM_BOOTSTRAP_API_TOKEN),
        prefix: s.PRM_BOOTSTRAP_API_TOKEN.slice(0, 8),
        role: 'admin',
        createdBy: 'system',
        expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      });
      if (created) this.logger.log('stored the bootstrap API token (PRM_BOOTSTRAP_API_TOKEN, admin, 365 days)');
    }
    if (s.PRM_AUTH_MODE === 'builtin' && !s.PRM_ADMIN_PASSWORD && !s.PRM_BOOTSTRAP_API_TOKEN) {
      const admins = (await this.users.list()).filter((u) => u.role === 'admin' && !u.disabled);
      if (admins.length === 0) {
        this.logger.warn('no admin account exists: set PRM_ADMIN_PASSWORD (and PRM_ADMIN_USER) to create one');
      }
    }
  }

  /**
   * Who is calling: an API token (`Authorization: Bearer prm_...`), the ALB's signed header (alb mode), or the
   * session cookie. Null when the request carries none of them.
   * @throws UnauthorizedException for a presented but invalid, expired or revoked token / session / ALB header
   * @throws ForbiddenException when an ALB identity maps to no role
   */
  async authenticate(req: RequestHeaders): Promise<Principal | null> {
    const authorization = header(req, 'authorization');
    if (authorization) return this.fromBearer(authorization);
    if (this.alb) return this.fromAlb(header(req, ALB_DATA_HEADER));
    const sessionId = parseCookies(header(req, 'cookie') ?? '')[SESSION_COOKIE];
    if (!sessionId) return null;
    const session = await this.sessions.touch(
      hashSecret(sessionId),
      this.settings.PRM_SESSION_IDLE_SECONDS,
      this.settings.PRM_SESSION_MAX_SECONDS,
    );
    if (!session) throw new UnauthorizedException('your session has ended: sign in again');
    return { name: session.userName, role: session.role, source: session.source, csrfHash: session.csrfHash };
  }

  /**
   * True when a cookie-authenticated state-changing request carries the right CSRF token: the session's token
   * (synchronizer pattern) or, in alb mode, the value of the `prm_csrf` cookie (double submit).
   */
  csrfValid(req: RequestHeaders, principal: Principal): boolean {
    if (principal.source === 'token') return true;
    const sent = header(req, CSRF_HEADER);
    if (!sent) return false;
    if (principal.csrfHash) return sameSecret(hashSecret(sent), principal.csrfHash);
    const cookie = parseCookies(header(req, 'cookie') ?? '')[CSRF_COOKIE];
    return cookie !== undefined && sameSecret(sent, cookie);
  }

  /**
   * Checks a built-in account's password.
   * @returns the principal, or null for a wrong name/password or a disabled account (the caller says which
   * neither: "wrong username or password")
   */
  async checkPassword(name: string, password: string): Promise<Principal | null> {
    const user = await this.users.findWithHash(name);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!ok || !user || user.disabled) return null;
    await this.users.recordLogin(user.name);
    return { name: user.name, role: user.role, source: 'password' };
  }

  /** Starts a browser session for `principal` (password or oidc). */
  async startSession(
    principal: Pick<Principal, 'name' | 'role'> & { source: 'password' | 'oidc' },
  ): Promise<NewSession> {
    const sessionId = randomSecret();
    const csrfToken = randomSecret();
    const idle = this.settings.PRM_SESSION_IDLE_SECONDS;
    await this.sessions.create({
      idHash: hashSecret(sessionId),
      userName: principal.name,
      role: principal.role,
      source: principal.source,
      csrfHash: hashSecret(csrfToken),
      expiresAt: new Date(Date.now() + Math.min(idle, this.settings.PRM_SESSION_MAX_SECONDS) * 1000).toISOString(),
    });
    return { sessionId, csrfToken, maxAgeSeconds: this.settings.PRM_SESSION_MAX_SECONDS };
  }

  /** Ends the session whose cookie the request carries (no-op without one). */
  async endSession(req: RequestHeaders): Promise<void> {
    const sessionId = parseCookies(header(req, 'cookie') ?? '')[SESSION_COOKIE];
    if (sessionId) await this.sessions.delete(hashSecret(sessionId));
  }

  /** Ends every session of `userName` (password or role change, account disabled or deleted). */
  async endSessionsOf(userName: string): Promise<void> {
    await this.sessions.deleteForUser(userName);
  }

  /** The role for an external identity's groups (oidc/alb), or null when none of the groups is mapped. */
  roleFor(groups: string[]): Role | null {
    return this.roleGroups ? roleForGroups(groups, this.roleGroups) : null;
  }

  /** Drops a revoked token from this instance's cache at once. */
  forgetToken(tokenHash: string): void {
    this.tokenCache.delete(tokenHash);
  }

  /** True when `held` may act as `needed`. */
  allows(held: Role, needed: Role): boolean {
    return roleAtLeast(held, needed);
  }

  private async fromBearer(authorization: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match || !looksLikeApiToken(match[1] ?? '')) {
      throw new UnauthorizedException(`Authorization must be "Bearer ${TOKEN_PREFIX}..." (a prm API token)`);
    }
    const tokenHash = hashSecret(match[1] ?? '');
    const now = Date.now();
    const cached = this.tokenCache.get(tokenHash);
    let principal = cached && cached.until > now ? cached.principal : undefined;
    if (principal === undefined) {
      const token = await this.tokens.use(tokenHash);
      principal = token
        ? { name: token.createdBy, role: token.role, source: 'token', tokenId: token.id, tokenName: token.name }
        : null;
      if (this.tokenCache.size >= TOKEN_CACHE_MAX) this.tokenCache.clear();
      this.tokenCache.set(tokenHash, { principal, until: now + TOKEN_CACHE_MS });
    }
    if (!principal) throw new UnauthorizedException('the API token is unknown, expired or revoked');
    return principal;
  }

  private async fromAlb(data: string | undefined): Promise<Principal | null> {
    if (!data || !this.alb) return null;
    try {
      const identity = await this.alb.verify(data);
      const role = this.roleFor(identity.groups);
      if (!role) throw new ForbiddenException(`no prm role for your groups (${identity.name})`);
      return { name: identity.name, role, source: 'alb' };
    } catch (err) {
      if (err instanceof AuthenticationError)
        throw new UnauthorizedException(`ALB sign-in not accepted: ${err.reason}`);
      throw err;
    }
  }
}

/** The region part of an ALB ARN (`arn:aws:elasticloadbalancing:<region>:...`). */
export function albRegion(arn: string): string {
  return arn.split(':')[3] ?? '';
}
