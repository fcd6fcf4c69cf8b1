import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { NO_SESSION_REDIRECT_PATHS, AuthService } from './auth.service';

/** True for a request to prm's API (`/api/...`, relative or on this origin) that is not one of the sign-in calls. */
export function endsSessionOn401(url: string, origin: string = location.origin): boolean {
  let path: string;
  try {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin) {
      return false;
    }
    path = parsed.pathname;
  } catch {
    return false;
  }
  return (path === '/api' || path.startsWith('/api/')) && !NO_SESSION_REDIRECT_PATHS.includes(path);
}

/**
 * A 401 from the API means the session ended (expired, revoked, signed out in another tab): send the user to
 * `/login?returnUrl=<current page>`. The error still reaches the caller. The paths of
 * {@link NO_SESSION_REDIRECT_PATHS} are exempt (sign-in probes, logout, password change). 403 (role too weak) is left
 * to the page, which shows the gateway's message.
 */
export const sessionInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  return next(req).pipe(
    catchError((err: unknown) => {
      if (err instanceof HttpErrorResponse && err.status === 401 && endsSessionOn401(req.url)) {
        auth.sessionEnded(router.url);
      }
      return throwError(() => err);
    }),
  );
};
