import { resolve } from 'node:path';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ServeStaticModule } from '@nestjs/serve-static';
import { GatewayAlertsModule } from './alerts/alerts.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditInterceptor } from './audit/audit.interceptor.js';
import type { AuthEnv } from './auth/auth.env.js';
import { AuthModule } from './auth/auth.module.js';
import { ConfigClient } from './endpoints/config.client.js';
import { EndpointsController } from './endpoints/endpoints.controller.js';
import { GatewayMigrationsModule } from './migrations/migrations.controller.js';
import { LiveEventsController } from './live/live-events.controller.js';
import { LiveGateway } from './live/live.gateway.js';
import { ProvisioningClient } from './provisioning/provisioning.client.js';
import { ProvisioningController } from './provisioning/provisioning.controller.js';
import { StreamsController } from './streams/streams.controller.js';
import { StreamsService } from './streams/streams.service.js';
import { ThresholdsController } from './thresholds/thresholds.controller.js';
import { TopologyController, TopologyService } from './topology/topology.controller.js';

/**
 * The gateway: REST API under `/api`, live push at `/ws`, the console at `/`. Needs PersistenceModule and
 * MessagingModule from the composing app.
 */
@Module({})
export class GatewayModule {
  static forRoot(options: {
    consoleDir: string;
    auth: AuthEnv;
    redis: { url: string; prefix: string };
  }): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: resolve(options.consoleDir),
          exclude: ['/api/{*path}', '/health/{*path}', '/ws', '/metrics'],
        }),
        AuthModule.forRoot(options.auth, options.redis),
        GatewayMigrationsModule,
        GatewayAlertsModule,
      ],
      controllers: [
        EndpointsController,
        TopologyController,
        StreamsController,
        ThresholdsController,
        LiveEventsController,
        ProvisioningController,
        AuditController,
      ],
      providers: [
        ConfigClient,
        TopologyService,
        StreamsService,
        LiveGateway,
        ProvisioningClient,
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
      ],
    };
  }
}
