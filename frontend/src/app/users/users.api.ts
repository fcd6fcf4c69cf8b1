import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, throwError } from 'rxjs';

import { toApiError } from '../core/api.client';
import type { Role } from '../core/auth.service';

/** `GET /api/users` row: a builtin account (never its password hash). Times are ISO strings. */
export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

/** Body of `POST /api/users`. */
export interface UserInput {
  name: string;
  role: Role;
  password: string;
}

/** Body of `PATCH /api/users/:name`: only the fields to change. */
export interface UserPatch {
  role?: Role;
  password?: string;
  disabled?: boolean;
}

/** `GET /api/tokens` row: an API token without its secret (`prefix` identifies it). Times are ISO strings. */
export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Body of `POST /api/tokens`; `expiresInDays` 1..365. */
export interface TokenInput {
  name: string;
  role: Role;
  expiresInDays: number;
}

/** `POST /api/tokens` answer: the token and, this one time only, its secret (`prm_...`). */
export interface CreatedToken extends TokenView {
  token: string;
}

/** A token's name, as the gateway checks it (services/gateway/src/auth/auth.dto.ts). */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,63}$/;

/** Days a new token lives at most (the gateway refuses more). */
export const TOKEN_MAX_DAYS = 365;

/** `active`, `expired` (past `expiresAt`) or `revoked`, for a token row. */
export function tokenStatus(t: TokenView, now = Date.now()): 'active' | 'expired' | 'revoked' {
  if (t.revokedAt !== null) {
    return 'revoked';
  }
  return Date.parse(t.expiresAt) <= now ? 'expired' : 'active';
}

const fail = (err: unknown) => throwError(() => toApiError(err));

/**
 * Accounts (`/api/users`, admin only) and API tokens (`/api/tokens`: admins see and revoke all, others their own).
 * Every method fails with {@link ApiError} (400 field details, 403 role too weak, 404, 409 last enabled admin).
 */
@Injectable({ providedIn: 'root' })
export class UsersApi {
  private readonly http = inject(HttpClient);

  listUsers(): Observable<UserView[]> {
    return this.http.get<UserView[]>('/api/users').pipe(catchError(fail));
  }

  createUser(input: UserInput): Observable<UserView> {
    return this.http.post<UserView>('/api/users', input).pipe(catchError(fail));
  }

  updateUser(name: string, patch: UserPatch): Observable<UserView> {
    return this.http.patch<UserView>(`/api/users/${encodeURIComponent(name)}`, patch).pipe(catchError(fail));
  }

  deleteUser(name: string): Observable<void> {
    return this.http.delete<void>(`/api/users/${encodeURIComponent(name)}`).pipe(catchError(fail));
  }

  listTokens(): Observable<TokenView[]> {
    return this.http.get<TokenView[]>('/api/tokens').pipe(catchError(fail));
  }

  createToken(input: TokenInput): Observable<CreatedToken> {
    return this.http.post<CreatedToken>('/api/tokens', input).pipe(catchError(fail));
  }

  revokeToken(id: string): Observable<void> {
    return this.http.delete<void>(`/api/tokens/${encodeURIComponent(id)}`).pipe(catchError(fail));
  }

  /**
   * `PUT /api/auth/password`: the signed-in builtin user's own password (204; 400 `currentPassword: wrong password`
   * or the password policy). Every session of the user ends: sign in again afterwards.
   */
  changeOwnPassword(currentPassword: string, newPassword: string): Observable<void> {
    return this.http.put<void>('/api/auth/password', { currentPassword, newPassword }).pipe(catchError(fail));
  }
}
