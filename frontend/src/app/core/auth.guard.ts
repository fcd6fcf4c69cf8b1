import { Injector, inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';

import { AuthService, type Role } from './auth.service';
import { LiveUpdatesService } from './live-updates.service';

/**
 * Every page but `/login` needs a signed-in user: asks `GET /api/auth/me` (once per session) and otherwise
 * redirects to `/login?returnUrl=<the page asked for>`. Once signed in, opens the live-updates socket before the
 * page is created: when it is open before the page's first fetches start, its `connected` causes no second fetch.
 */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const injector = inject(Injector);
  const user = await auth.ensureSignedIn();
  if (user) injector.get(LiveUpdatesService);
  return user ? true : router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/**
 * A page only `role` or stronger can use (e.g. the stream wizard: operator; users and audit: admin). A weaker role
 * lands on `fallback` instead of a page whose every action the gateway would refuse.
 */
export function roleGuard(role: Role, fallback = '/'): CanActivateFn {
  return async (_route, state) => {
    const auth = inject(AuthService);
    const router = inject(Router);
    const user = await auth.ensureSignedIn();
    if (!user) {
      return router.createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
    }
    return auth.can(role) ? true : router.parseUrl(fallback);
  };
}
