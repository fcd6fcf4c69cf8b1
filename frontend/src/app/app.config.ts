import { provideHttpClient, withFetch, withInterceptors, withXsrfConfiguration } from '@angular/common/http';
import { ApplicationConfig, provideBrowserGlobalErrorListeners, provideZoneChangeDetection } from '@angular/core';
import { provideAnimations } from '@angular/platform-browser/animations';
import { provideRouter, withComponentInputBinding } from '@angular/router';

import { routes } from './app.routes';
import { sessionInterceptor } from './core/auth.interceptor';

/**
 * Root providers. Zone-based change detection because ngx-graph schedules its layout outside signals.
 * HTTP: Angular's XSRF interceptor copies the `prm_csrf` cookie into `x-csrf-token` on every same-origin
 * POST/PUT/PATCH/DELETE (it resolves relative URLs against the page's origin and works with the fetch backend);
 * {@link sessionInterceptor} sends the user to `/login` when the session ends.
 */
export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZoneChangeDetection({ eventCoalescing: true }),
    provideAnimations(),
    provideHttpClient(
      withFetch(),
      withXsrfConfiguration({ cookieName: 'prm_csrf', headerName: 'x-csrf-token' }),
      withInterceptors([sessionInterceptor]),
    ),
    provideRouter(routes, withComponentInputBinding()),
  ],
};
