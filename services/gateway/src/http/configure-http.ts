import type { INestApplication } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
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
  options: { maxBodyBytes: number; bullBoard?: boolean },
): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
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
  mountBullBoard(app, { enabled: options.bullBoard ?? process.env.PRM_BULL_BOARD === 'true' });
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
  SwaggerModule.setup('api/docs', app, doc);
}
