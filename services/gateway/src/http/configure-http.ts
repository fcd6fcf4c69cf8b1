import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { roleAtLeast } from '@prm/observability';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { type AuthEnv, corsOrigins } from '../auth/auth.env.js';
import { AUTH_SETTINGS, AuthService } from '../auth/auth.service.js';
import { ApiErrorFilter } from './api-error.filter.js';
import { mountBullBoard } from './bull-board.js';
import { apiValidationPipe } from './validation.pipe.js';

/**
 * HTTP hardening and conventions for the gateway: security headers, body size limit, the error body, DTO
 * validation, WebSocket adapter, OpenAPI at `/api/docs`, and Bull Board at `/admin/queues` when `bullBoard` (default:
 * `PRM_BULL_BOARD=true`, validated by `GatewayEnv`; see `mountBullBoard`).
 */
export function configureGatewayHttp(
  app: INestApplication,
  options: { maxBodyBytes: number; bullBoard?: boolean; trustProxyHops?: number },
): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Behind an ALB, req.ip (audit log, login rate limit) must be the client's, from X-Forwarded-For.
  if (options.trustProxyHops) express.set('trust proxy', options.trustProxyHops);
  const authSettings = app.get<AuthEnv>(AUTH_SETTINGS);
  const origins = corsOrigins(authSettings);
  // Same origin only unless PRM_CORS_ORIGINS lists others; credentials (cookies) only for those.
  if (origins.length > 0) app.enableCors({ origin: origins, credentials: true, maxAge: 600 });
  express.useBodyParser('json', { limit: options.maxBodyBytes });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          connectSrc: ["'self'", 'ws:', 'wss:'],
          styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
          fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
          imgSrc: ["'self'", 'data:'],
        },
      },
    }),
  );
  const auth = app.get(AuthService);
  mountBullBoard(app, {
    enabled: options.bullBoard ?? process.env.PRM_BULL_BOARD === 'true',
    // Admins only; Bull Board's own calls carry no CSRF header, so changes must come from our own origin.
    access: async (req) => {
      const principal = await auth.authenticate(req).catch(() => null);
      if (!principal || !roleAtLeast(principal.role, 'admin')) return false;
      return ['GET', 'HEAD'].includes(req.method) || principal.source === 'token' || sameOrigin(req);
    },
  });
  app.useGlobalFilters(new ApiErrorFilter());
  app.useGlobalPipes(apiValidationPipe());
  app.useWebSocketAdapter(new WsAdapter(app));
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('prm API')
      .setDescription('PostgreSQL Replication Manager')
      .setVersion('0.1')
      .build(),
  );
  // The API description is for signed-in users too (viewer or stronger), like every route but health and sign-in.
  // A browser opening the docs page (the demo prints its address) is sent to the sign-in page and back.
  app.use(['/api/docs', '/api/docs-json', '/api/docs-yaml'], (req: Request, res: Response, next: NextFunction) => {
    const refuse = (message: string) =>
      req.method === 'GET' && req.baseUrl === '/api/docs' && req.accepts(['json', 'html']) === 'html'
        ? res.redirect(302, `/login?returnUrl=${encodeURIComponent('/api/docs')}`)
        : res.status(401).json({ statusCode: 401, error: 'Unauthorized', message, details: [] });
    auth.authenticate(req).then(
      (principal) => (principal ? next() : refuse('sign in first')),
      () => refuse('sign in again'),
    );
  });
  SwaggerModule.setup('api/docs', app, doc);
}

/** True when the request's Origin (or Referer) is the host it was sent to. */
function sameOrigin(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const host = req.headers.host;
  const origin = req.headers.origin ?? req.headers.referer;
  if (typeof host !== 'string' || typeof origin !== 'string') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
