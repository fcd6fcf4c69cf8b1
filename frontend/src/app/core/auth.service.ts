import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, computed, inject, signal } from '@angular/core';
import { Observable, catchError, firstValueFrom, map, of, tap, throwError } from 'rxjs';

import { ApiError, toApiError } from './api.client';

/** prm's roles, weakest first (mirrors `ROLES` of libs/observability/src/access.ts; the console imports no runtime code from libs). */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `held` is `needed` or stronger (viewer < operator < admin). */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}

/** How the gateway authenticates people (`PRM_AUTH_MODE`). */
export type AuthMode = 'builtin' | 'oidc' | 'alb';

/** `GET /api/auth/config` (public): the mode, and where the identity provider's sign-in starts (oidc only). */
export interface AuthConfig {
  mode: AuthMode;
  loginUrl: string | null;
}

/** `GET /api/auth/me`: who is signed in, with which role, and how the request was authenticated. */
export interface CurrentUser {
  name: string;
  role: Role;
  source: 'password' | 'oidc' | 'alb' | 'token';
}

/**
 * A 401 from these paths is an answer, not an ended session, so it never triggers the "sign in again" redirect:
 * the sign-in probes, logout (already signed out), and a password change refused for a wrong current password.
 */
export const NO_SESSION_REDIRECT_PATHS: readonly string[] = [
  '/api/auth/me',
  '/api/auth/login',
  '/api/auth/config',
  '/api/auth/logout',
  '/api/auth/password',
];

/**
 * The in-app path to return to after signing in: only same-origin absolute paths (`/streams/x?y`), never the login
 * page itself, never `//host` or `http:` URLs (no open redirect). Anything else gives `/`.
 */
export function safeReturnUrl(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return '/';
  }
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login/')) {
    return '/';
  }
  return value;
}

/**
 * The signed-in user of the console. Loads `GET /api/auth/config` and `GET /api/auth/me` (cookie session set by
 * `POST /api/auth/login`, the OIDC callback or the ALB). {@link user}, {@link role} and {@link can} drive what the
 * console shows; the gateway enforces every rule anyway (403 for a weaker role).
 * Signing out, or a session that ended, reloads the page at `/login` so no store, socket or page of the previous
 * session survives.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  /** A full page load to `/login` has started (sign-out or an ended session): one navigation only. */
  private leaving = false;
  private readonly http = inject(HttpClient);
  private readonly userSignal = signal<CurrentUser | null>(null);
  private readonly configSignal = signal<AuthConfig | null>(null);
  private readonly meErrorSignal = signal<ApiError | null>(null);
  private pendingMe: Promise<CurrentUser | null> | null = null;
  private pendingConfig: Promise<AuthConfig> | null = null;

  /** The signed-in user; null before `GET /api/auth/me` answered or when nobody is signed in. */
  readonly user = this.userSignal.asReadonly();
  /** The signed-in user's role; null when nobody is signed in. */
  readonly role = computed(() => this.userSignal()?.role ?? null);
  /** The authentication mode and login URL; null until `GET /api/auth/config` answered. */
  readonly config = this.configSignal.asReadonly();
  /**
   * Why the last `GET /api/auth/me` found nobody signed in when that was not a plain 401: e.g. 403 "no prm role for
   * your groups" behind the ALB, or the gateway being unreachable (status 0).
   */
  readonly meError = this.meErrorSignal.asReadonly();

  /** True when someone is signed in with `needed` or a stronger role. Reads a signal: reactive in templates. */
  can(needed: Role): boolean {
    const held = this.role();
    return held !== null && roleAtLeast(held, needed);
  }

  /**
   * `GET /api/auth/me`, once per session (cached until {@link forget}): the user, or null when nobody is signed in
   * (401, 403, or the gateway unreachable; the reason other than 401 lands in {@link meError}).
   */
  ensureSignedIn(): Promise<CurrentUser | null> {
    this.pendingMe ??= firstValueFrom(
      this.http.get<CurrentUser>('/api/auth/me').pipe(
        tap((user) => {
          this.userSignal.set(user);
          this.meErrorSignal.set(null);
        }),
        catchError((err: unknown) => {
          this.userSignal.set(null);
          this.meErrorSignal.set(err instanceof HttpErrorResponse && err.status === 401 ? null : toApiError(err));
          this.pendingMe = null;
          return of(null);
        }),
      ),
    );
    return this.pendingMe;
  }

  /** `GET /api/auth/config` (public), cached once it succeeded. Fails with {@link ApiError}. */
  loadConfig(): Promise<AuthConfig> {
    this.pendingConfig ??= firstValueFrom(
      this.http.get<AuthConfig>('/api/auth/config').pipe(
        tap((config) => this.configSignal.set(config)),
        catchError((err: unknown) => {
          this.pendingConfig = null;
          return throwError(() => toApiError(err));
        }),
      ),
    );
    return this.pendingConfig;
  }

  /**
   * `POST /api/auth/login` (builtin mode): sets the session and CSRF cookies and {@link user}. Fails with
   * {@link ApiError}: 401 wrong username or password, 429 too many attempts, 400 missing fields.
   */
  login(username: string, password: string): Observable<CurrentUser> {
    return this.http.post<CurrentUser>('/api/auth/login', { username, password }).pipe(
      map((user) => ({ name: user.name, role: user.role, source: user.source })),
      tap((user) => {
        this.userSignal.set(user);
        this.meErrorSignal.set(null);
        this.pendingMe = Promise.resolve(user);
      }),
      catchError((err: unknown) => throwError(() => toApiError(err))),
    );
  }

  /**
   * `POST /api/auth/logout` (clears the cookies), then a full page load of `/login`: every store, the WebSocket and
   * every page of this session are dropped. A failed logout call (session already gone) still ends at `/login`.
   */
  async logout(): Promise<void> {
    // From here the page is leaving: the socket closed by the logout (4401) or an API call answered 401 must not
    // start a second navigation, which would abort this one.
    this.leaving = true;
    try {
      await firstValueFrom(this.http.post<void>('/api/auth/logout', {}));
    } catch {
      // Already signed out (401) or gateway down: the login page says what it finds.
    }
    this.forget();
    location.assign('/login');
  }

  /**
   * The session ended while the console was open (a 401 from the API, the WebSocket closed with 4401): forgets the
   * user and reloads at `/login?returnUrl=<path>` so signing in again comes back to `returnPath`.
   */
  sessionEnded(returnPath: string): void {
    if (this.leaving || location.pathname === '/login') {
      return;
    }
    this.leaving = true;
    this.forget();
    location.assign(`/login?returnUrl=${encodeURIComponent(safeReturnUrl(returnPath))}`);
  }

  /**
   * Re-asks `GET /api/auth/me` (the live socket was refused). Only a 401 is a verdict: then {@link sessionEnded} runs
   * and this resolves false. Any other answer (signed in, 5xx, gateway unreachable) leaves the user as they are and
   * resolves true, so the socket keeps retrying.
   */
  async recheck(): Promise<boolean> {
    try {
      const user = await firstValueFrom(this.http.get<CurrentUser>('/api/auth/me'));
      this.userSignal.set(user);
      this.pendingMe = Promise.resolve(user);
      return true;
    } catch (err) {
      if (err instanceof HttpErrorResponse && err.status === 401) {
        this.sessionEnded(location.pathname + location.search);
        return false;
      }
      return true;
    }
  }

  /** Drops the cached user (the next {@link ensureSignedIn} asks the gateway again). */
  forget(): void {
    this.pendingMe = null;
    this.userSignal.set(null);
  }
}
